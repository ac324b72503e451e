"""The Tensor: PyTorch's tensor surface over a NumPy array, recording every op into the graph.

An op runs its rule from `ops` on the input arrays; when grad mode is on and an input
requires grad, the result gets a `GradFn` (an `engine.Node`) as its ``grad_fn``. `backward`
and `grad` check their arguments the way PyTorch does, then hand them to `engine.backward`.

Aliases (views, detach(), .data) share one NumPy array. Views and detach() also share a
version counter, a one-element list that every in-place op bumps; a node notes the count
of each tensor it saves, and the engine refuses to use a saved tensor changed since.
"""

import warnings
from contextlib import contextmanager

import numpy as np

from reference_impl import engine, ops

LEAF_FLAGS_ONLY = "you can only change requires_grad flags of leaf variables."
DETACH_HINT = (
    " If you want to use a computed variable in a subgraph that doesn't require differentiation use "
    "var_no_grad = var.detach()."
)
LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."
NONLEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)
VIEW_IN_PLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
DETACH_VIEW = (
    "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for "
    "training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() "
    "cannot be called on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
    "torch/optim/optimizer.py as the solution."
)
INTEGER_DATA = "data set to a tensor that requires gradients must be floating point or complex dtype"
NO_GRAD_HOOK = "cannot register a hook on a tensor that doesn't require gradient"
NOT_DIFFERENTIATED = "One of the differentiated Tensors does not require grad"
UNUSED = (
    "One of the differentiated Tensors appears to not have been used in the graph. "
    "Set allow_unused=True if this is the desired behavior."
)
CREATE_GRAPH_CYCLE = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
    "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you "
    "have to use this function, make sure to reset the .grad fields of your parameters to None after use to break "
    "the cycle and avoid the leak."
)

_grad_enabled = True


@contextmanager
def _grad_mode(enabled):
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """A context (also a decorator, ``@no_grad()``) in which results are not recorded and do not require grad."""
    return _grad_mode(False)


def is_grad_enabled():
    """False inside `no_grad`, True otherwise."""
    return _grad_enabled


class Tensor:
    """A NumPy array with PyTorch's autograd attributes; the backend's factories make them."""

    __hash__ = object.__hash__  # == gives a tensor, so tensors hash by identity, as in PyTorch
    _tensor_hooks = ()  # register_hook on a leaf (a non-leaf's live on its grad_fn); see engine.Node
    _post_accumulate_hooks = ()

    def __init__(self, data, requires_grad=False, grad_fn=None, version=None):
        self._data = data  # the storage: detach(), .data and views share it
        self._requires_grad = requires_grad  # a leaf's own flag; a non-leaf always requires grad
        self._grad_fn = grad_fn
        self._version_counter = [0] if version is None else version  # shared with views and detach()
        self._view_of = None  # (base, rule, params) when this tensor is a view of base (indexing, t())
        self._retains_grad = False
        self._grad = None

    # ***** autograd attributes *****

    @property
    def grad(self):
        if self._grad is None and self._grad_fn is not None and not self._retains_grad:
            warnings.warn(NONLEAF_GRAD, UserWarning, stacklevel=2)  # backward fills only leaves' .grad
        return self._grad

    @grad.setter
    def grad(self, grad):
        if grad is None:
            self._grad = None
            return
        if not isinstance(grad, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(grad).__name__}")
        if grad.shape != self.shape:
            raise RuntimeError(
                f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of size "
                f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size"
            )
        if grad.dtype != self.dtype:
            raise RuntimeError(
                f"attempting to assign a gradient with dtype '{grad.dtype}' to a tensor with grad_dtype '{self.dtype}'."
            )
        self._grad = grad

    @property
    def requires_grad(self):
        return self._grad_fn is not None or self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad):
        if self._grad_fn is not None:
            raise RuntimeError(LEAF_FLAGS_ONLY if requires_grad else LEAF_FLAGS_ONLY + DETACH_HINT)
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(requires_grad)

    def requires_grad_(self, requires_grad=True):
        if self._grad_fn is not None and requires_grad:
            return self  # a non-leaf requires grad already: PyTorch lets this pass silently
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Keep .grad on this non-leaf as on a leaf; a no-op on leaves."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None:
            self._grad_fn.retained, self._retains_grad = self, True

    def detach(self):
        # don't flow through detach: a new leaf on the same storage and version counter, outside the graph
        return Tensor(self._data, version=self._version_counter)

    def detach_(self):
        """Cut self out of the graph in place: a leaf that does not require grad."""
        if self._view_of is not None:
            raise RuntimeError(DETACH_VIEW)
        self._grad_fn, self._requires_grad = None, False
        return self

    @property
    def data(self):
        """The values as a new leaf on the same storage but with its own version counter: changes go unseen."""
        return Tensor(self._data)

    @data.setter
    def data(self, value):
        if self.requires_grad and value.dtype.kind != "f":
            raise RuntimeError(INTEGER_DATA)
        self._data = value._data  # untracked: neither the graph nor the version counter sees it

    @property
    def _version(self):
        return self._version_counter[0]

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf), weighted by ``gradient`` (needed unless self has one element), into .grad,
        of every leaf reached or only of ``inputs``; create_graph records the backward so it can be differentiated."""
        backward(self, gradient, retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        """Run ``hook(grad)`` on the gradient of self at every backward; a tensor it returns replaces the gradient."""
        if not self.requires_grad:
            raise RuntimeError(NO_GRAD_HOOK)
        return RemovableHandle(self._edge(), "_tensor_hooks", _tensor_hook(hook))

    def register_post_accumulate_grad_hook(self, hook):
        """Run ``hook(self)`` after each backward has accumulated into this leaf's .grad."""
        if not self.is_leaf:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self.requires_grad:
            raise RuntimeError(NO_GRAD_HOOK)
        return RemovableHandle(self, "_post_accumulate_hooks", hook)

    def _edge(self):
        """Where gradient for this tensor goes: its node, itself (a leaf that requires grad), or nowhere."""
        if self._grad_fn is not None:
            return self._grad_fn
        return self if self._requires_grad else None

    def _accumulate_grad(self, g):
        """The engine's callback: add ``g`` into .grad, which keeps this tensor's dtype and shape, then run the
        post-accumulate-grad hooks. A recorded gradient (create_graph) is added out of place, keeping its graph."""
        if not self.requires_grad:
            return  # frozen after the forward: the flag counts when the gradient arrives, as in PyTorch (RG-6)
        if isinstance(g, Tensor):
            self._grad = g.clone() if self._grad is None else self._grad + g
        elif self._grad is None:
            self._grad = Tensor(np.array(g, dtype=self.dtype))  # a copy: .grad never aliases the given gradient
        else:
            self._grad._data += g  # in place, as PyTorch does: whoever holds .grad sees the sum
        for hook in self._post_accumulate_hooks:
            hook(self)

    # ***** values *****

    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._data.item()

    def __bool__(self):
        if self.numel() != 1:
            values = "more than one value" if self.numel() else "no values"
            raise RuntimeError(f"Boolean value of Tensor with {values} is ambiguous")
        return bool(self._data.item())

    def __float__(self):
        return float(self._one_element())

    def __int__(self):
        return int(self._one_element())

    def _one_element(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.item()

    def __repr__(self):
        flag = f", grad_fn={self._grad_fn!r}" if self._grad_fn else ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({np.array2string(self._data, separator=', ')}{flag})"

    def _float(self):
        """Self, or a float32 copy of an integer or boolean tensor (which never requires grad)."""
        return self if self.dtype.kind == "f" else Tensor(self._data.astype(np.float32))

    # ***** differentiable ops *****

    def __add__(self, other):
        return _apply(ops.add, self, _lift(other, self))

    def __radd__(self, other):
        return _apply(ops.add, _lift(other, self), self)

    def __sub__(self, other):
        return _apply(ops.sub, self, _lift(other, self))

    def __rsub__(self, other):
        return _apply(ops.sub, _lift(other, self), self)

    def __mul__(self, other):
        return _apply(ops.mul, self, _lift(other, self))

    def __rmul__(self, other):
        return _apply(ops.mul, _lift(other, self), self)

    def __truediv__(self, other):
        return _apply(ops.div, self._float(), _lift(other, self)._float())

    def __rtruediv__(self, other):
        return _apply(ops.div, _lift(other, self)._float(), self._float())

    def __pow__(self, exponent):
        return _apply(ops.pow, self, _lift(exponent, self))

    def __rpow__(self, base):
        return _apply(ops.pow, _lift(base, self), self)

    pow = __pow__

    def __matmul__(self, other):
        return _apply(ops.matmul, self, _lift(other, self))

    matmul = mm = dot = __matmul__

    def __neg__(self):
        return _apply(ops.neg, self)

    def __getitem__(self, index):
        return self._view(ops.getitem, index=_numpy_index(index))

    def t(self):
        return self._view(ops.t)

    def _view(self, rule, **params):
        """A result sharing self's storage and version counter, as PyTorch's views do (integer and slice
        indexing, t()): in-place changes through it reach self. Indexing with tensors copies instead."""
        view = _apply(rule, self, **params)
        if np.may_share_memory(view._data, self._data):
            view._view_of, view._version_counter = (self, rule, params), self._version_counter
        return view

    def clone(self):
        return _apply(ops.clone, self)

    def exp(self):
        return _apply(ops.exp, self._float())

    def log(self):
        return _apply(ops.log, self._float())

    def sigmoid(self):
        return _apply(ops.sigmoid, self._float())

    def tanh(self):
        return _apply(ops.tanh, self._float())

    def relu(self):
        return _apply(ops.relu, self)

    def clamp(self, min=None, max=None):
        return _apply(ops.clamp, self, min=min, max=max)

    def abs(self):
        return _apply(ops.abs, self)

    __abs__ = abs

    def sign(self):
        return _apply(ops.sign, self)

    def floor(self):
        return _apply(ops.floor, self)

    def round(self):
        return _apply(ops.round, self)

    def maximum(self, other):
        return _apply(ops.maximum, self, _lift(other, self))

    def max(self):
        return _apply(ops.max, self)

    def argmax(self):
        return _apply(ops.argmax, self)

    def long(self):
        return Tensor(self._data.astype(np.int64))  # an integer result: never requires grad

    def sum(self, dim=None, keepdim=False):
        return _apply(ops.sum, self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False):
        return _apply(ops.mean, self._float(), dim=dim, keepdim=keepdim)

    def norm(self):
        return _apply(ops.norm, self._float())

    # ***** comparisons: boolean results, never recorded *****

    def __lt__(self, other):
        return _apply(ops.lt, self, _lift(other, self))

    def __le__(self, other):
        return _apply(ops.le, self, _lift(other, self))

    def __gt__(self, other):
        return _apply(ops.gt, self, _lift(other, self))

    def __ge__(self, other):
        return _apply(ops.ge, self, _lift(other, self))

    def __eq__(self, other):
        return _apply(ops.eq, self, _lift(other, self))

    def __ne__(self, other):
        return _apply(ops.ne, self, _lift(other, self))

    def __and__(self, other):
        return _apply(ops.logical_and, self, _lift(other, self))

    def __rand__(self, other):
        return _apply(ops.logical_and, _lift(other, self), self)

    # ***** NumPy's functions on tensors, which record the matching ops: how ops' VJPs differentiate themselves *****

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        if ufunc is np.add and method == "reduce":  # np.add.reduce(x, axis, keepdims=...) is np.sum
            return _FUNCTIONS[np.sum](*args, **kwargs)
        if ufunc is np.add and method == "at":  # np.add.at(target, index, value): in place, like setitem
            target, index, value = args
            target._in_place(ops.add_at, _lift(value, target), index=index)
            return None
        operation = _UFUNCS.get(ufunc)
        if method != "__call__" or kwargs or operation is None:
            return NotImplemented
        return operation(_lift(args[0], self), *args[1:])  # ndarray * tensor lands here as np.multiply

    def __array_function__(self, function, types, args, kwargs):
        operation = _FUNCTIONS.get(function)
        return NotImplemented if operation is None else operation(*args, **kwargs)

    # ***** in-place ops *****

    def add_(self, other):
        return self._in_place(ops.add, _lift(other, self))

    def mul_(self, other):
        return self._in_place(ops.mul, _lift(other, self))

    def zero_(self):
        return self._in_place(ops.zero)

    __iadd__ = add_
    __imul__ = mul_

    def __isub__(self, other):
        return self._in_place(ops.sub, _lift(other, self))

    def __setitem__(self, index, value):
        if _grad_enabled and self.is_leaf and self._requires_grad:
            raise RuntimeError(VIEW_IN_PLACE)  # PyTorch writes through a view of self
        value = value if isinstance(value, Tensor) else Tensor(np.asarray(value, self.dtype))  # stored as self's dtype
        self._in_place(ops.setitem, value, index=_numpy_index(index))

    def _in_place(self, rule, *others, **params):
        """Compute ``rule`` on self, write the result into self's storage, which its aliases share, and count
        the change in the version counter they share.

        When recorded, self becomes the op's output: a non-leaf whose node takes self's old edge. A view
        records the change on its base instead, as base[index] = result (PyTorch's CopySlices), and is then
        taken from the changed base afresh.
        """
        base = self
        while base._view_of is not None:
            base = base._view_of[0]
        if _grad_enabled and base._grad_fn is None and base._requires_grad:
            raise RuntimeError(LEAF_IN_PLACE if base is self else VIEW_IN_PLACE)
        before = Tensor(self._data.copy(), grad_fn=self._grad_fn)  # self's old values, for the rule to save
        result = _apply(rule, before, *others, **params)
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
            )
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise RuntimeError(f"result type {result.dtype} can't be cast to the desired output type {self.dtype}")
        if result._grad_fn is not None and self._view_of is not None:
            self._write_through_view(result)
            return self
        self._data[...] = result._data
        self._version_counter[0] += 1
        if result._grad_fn is not None:
            if self._retains_grad:
                self._grad_fn.retained, result._grad_fn.retained = None, self
            self._grad_fn = result._grad_fn
        return self

    def _write_through_view(self, value):
        """Record ``value``, this view's new contents, as an in-place setitem on the base it views."""
        base, rule, params = self._view_of
        if rule is ops.t:
            base._in_place(ops.setitem, value.t(), index=(Ellipsis,))  # a transposed view covers all of base
        else:
            base._in_place(ops.setitem, value, index=params["index"])
        self._grad_fn = _apply(rule, base, **params)._grad_fn


def _lift(value, like):
    """``value`` as a tensor: a Python number next to a float tensor takes its dtype, as in PyTorch."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)) and (like.dtype.kind == "f" or isinstance(value, float)):
        value = np.asarray(value, dtype=like.dtype if like.dtype.kind == "f" else np.float32)
    return Tensor(np.asarray(value), version=_CONSTANT)


_CONSTANT = [0]  # the version counter of lifted values: no one holds them as tensors, so none changes in place


def _numpy_index(index):
    """``index`` for NumPy: tensors become arrays, and a trailing ... keeps integer indexing a view."""
    index = tuple(i._data if isinstance(i, Tensor) else i for i in (index if isinstance(index, tuple) else (index,)))
    return index if any(i is Ellipsis for i in index) else index + (Ellipsis,)


@np.errstate(all="ignore")  # inf and nan are values, as in PyTorch, not warnings (as a decorator: cheaper than with)
def _apply(rule, *inputs, **params):
    """Run ``rule`` on the inputs' arrays, promoted to one dtype, and record it as a node when
    grad mode is on, an input requires grad and the result is a float (as PyTorch records)."""
    arrays = [t._data for t in inputs]
    if len({array.dtype for array in arrays}) > 1:
        dtypes = [array.dtype for array in arrays]
        dtype = np.result_type(*([d for d in dtypes if d.kind == "f"] or dtypes))  # a float operand decides
        arrays = [array.astype(dtype, copy=False) for array in arrays]
    try:
        out, saved, vjps = rule(*arrays, **params)
    except ValueError as error:  # shapes that do not broadcast or multiply: PyTorch's RuntimeError
        raise RuntimeError(str(error)) from error
    result = Tensor(np.asarray(out))
    if not _grad_enabled or result.dtype.kind != "f":
        return result
    edges = tuple([t._edge() for t in inputs])
    if not any([edge is not None for edge in edges]):
        return result  # no input requires grad
    node = result._grad_fn = GradFn(rule.__name__, vjps, saved, edges)
    if saved:  # as PyTorch's SavedVariable, note which tensor each saved value is and that tensor's version
        node.saved_from = tuple([_saved_from(value, arrays, out) for value in saved])
        node.counters = tuple(
            [result._version_counter if i is None else inputs[i]._version_counter for i in node.saved_from]
        )
        node.saved_versions = tuple([counter[0] for counter in node.counters])
    return result


def _saved_from(value, arrays, out):
    """Which of the op's tensors a saved value is: input i, or None for the output (a rule saves nothing else)."""
    for i, array in enumerate(arrays):
        if value is array:
            return i
    assert value is out, "a rule saves only its input arrays and its output"
    return None


class GradFn(engine.Node):
    """A tensor's grad_fn: a Node that knows which tensors its saved values are, and takes hooks on tensors."""

    saved_from = ()  # per saved value: the index of the input it is, or None for the output

    def register_prehook(self, hook):
        """Run ``hook(grad_outputs)`` before the VJP; a tuple it returns replaces the gradients of the output."""
        return RemovableHandle(self, "_pre_hooks", _node_prehook(hook))

    def register_hook(self, hook):
        """Run ``hook(grad_inputs, grad_outputs)`` after the VJP; a tuple it returns replaces grad_inputs."""
        return RemovableHandle(self, "_post_hooks", _node_hook(hook, self.inputs))  # not self: no cycle


def _saved_tensors(node):
    """``node``'s saved values as tensors in the graph, so that a VJP run on them is recorded (create_graph)."""
    return tuple(
        _in_graph(value, node if source is None else node.inputs[source])
        for value, source in zip(node.saved, node.saved_from, strict=True)
    )


def _in_graph(value, edge):
    """``value`` as a tensor whose gradient goes to ``edge``: the leaf itself, or a tensor made by that node."""
    return edge if isinstance(edge, Tensor) else Tensor(np.asarray(value), grad_fn=edge)


# ***** hooks: the engine hands them its gradients (arrays, or tensors under create_graph); users see tensors *****


class RemovableHandle:
    """What registering a hook returns: ``remove()`` unregisters the hook."""

    def __init__(self, owner, field, hook):
        self._owner, self._field, self._hook = owner, field, hook
        setattr(owner, field, getattr(owner, field) + (hook,))

    def remove(self):
        setattr(self._owner, self._field, tuple(h for h in getattr(self._owner, self._field) if h is not self._hook))


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor(np.asarray(g))


def _as_gradient(t, like):
    """A tensor a hook returned, in the engine's currency: a tensor when ``like`` is one, else its array."""
    return t if isinstance(like, Tensor) else t._data


def _tensor_hook(hook):
    def run(g):
        result = hook(_as_tensor(g))
        if result is None:
            return g
        if tuple(result.shape) != tuple(g.shape):
            raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value")
        return _as_gradient(result, g)

    return run


def _node_prehook(hook):
    def run(g):
        result = hook((_as_tensor(g),))
        return g if result is None else _as_gradient(result[0], g)

    return run


def _node_hook(hook, edges):
    def run(grads_in, g):
        # PyTorch shows None for the inputs that take no gradient (constants)
        shown = tuple(
            None if edge is None or g_in is None else _as_tensor(g_in)
            for edge, g_in in zip(edges, grads_in, strict=True)
        )
        result = hook(shown, (_as_tensor(g),))
        return grads_in if result is None else tuple(None if r is None else _as_gradient(r, g) for r in result)

    return run


# ***** backward and autograd.grad *****


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Backpropagate from every tensor in ``tensors`` at once (autograd.backward): their contributions add up.

    Every leaf reached accumulates its gradient into .grad, or, given ``inputs``, only those tensors do.
    """
    tensors = _tensors(tensors)
    grads = _root_gradients(tensors, grad_tensors)
    if inputs is not None:
        inputs = list(dict.fromkeys(_tensors(inputs)))
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        if not all(t.requires_grad for t in inputs):
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if create_graph:
        warnings.warn(CREATE_GRAPH_CYCLE, UserWarning, stacklevel=3)
    captured = _run_backward(tensors, grads, retain_graph, create_graph, inputs)
    for t in inputs or ():
        if t._edge() in captured:
            t._accumulate_grad(captured[t._edge()])


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None):
    """The gradients of ``outputs`` (weighted by ``grad_outputs``) with respect to each of ``inputs``, as a tuple;
    no .grad is touched. With create_graph they are recorded, so they can be differentiated again."""
    outputs, inputs = _tensors(outputs), _tensors(inputs)
    grads = _root_gradients(outputs, grad_outputs)
    if not all(t.requires_grad for t in inputs):
        raise RuntimeError(NOT_DIFFERENTIATED)
    captured = _run_backward(outputs, grads, retain_graph, create_graph, inputs)
    gradients = [captured.get(t._edge()) for t in inputs]
    if not allow_unused and any(g is None for g in gradients):
        raise RuntimeError(UNUSED)
    return tuple(
        g if g is None or isinstance(g, Tensor) else Tensor(np.array(g, dtype=t.dtype))
        for t, g in zip(inputs, gradients, strict=True)
    )


def _run_backward(tensors, grads, retain_graph, create_graph, inputs):
    """Run the engine from ``tensors``; recorded, with tensors for gradients, under create_graph, as in PyTorch,
    where retain_graph defaults to create_graph and the backward runs with grad mode set to create_graph."""
    retain_graph = create_graph if retain_graph is None else retain_graph
    with _grad_mode(create_graph), np.errstate(all="ignore"):
        return engine.backward(
            [t._edge() for t in tensors],
            grads if create_graph else [g._data for g in grads],
            retain_graph=bool(retain_graph),
            inputs=None if inputs is None else {t._edge() for t in inputs},
            unpack=_saved_tensors if create_graph else None,
        )


def _tensors(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _root_gradients(tensors, grad_tensors):
    """The gradients the backward starts from, one per root, checked as PyTorch does."""
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    # PyTorch checks each (tensor, gradient) pair before it compares their numbers
    grads = [_root_gradient(i, t, g) for i, (t, g) in enumerate(zip(tensors, grad_tensors, strict=False))]
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    return grads


def _root_gradient(i, output, gradient):
    """The gradient backward starts from at ``output``: ``gradient`` of exactly its shape, or 1 if it has one element."""
    if gradient is None:
        if output.requires_grad and output.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return Tensor(np.ones(output.shape, output.dtype))
    if not isinstance(gradient, Tensor):
        raise TypeError(f"gradients can be either Tensors or None, but got {type(gradient).__name__}")
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(gradient.shape)}) "
            f"and output[{i}] has a shape of torch.Size({list(output.shape)})."
        )
    return gradient if gradient.dtype == output.dtype else Tensor(gradient._data.astype(output.dtype))


def _where(condition, x, y):
    like = x if isinstance(x, Tensor) else y
    condition = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    return _apply(ops.where, _lift(x, like), _lift(y, like), condition=condition)


# NumPy's names for the ops, for __array_ufunc__ and __array_function__
_UFUNCS = {
    np.add: Tensor.__add__,
    np.subtract: Tensor.__sub__,
    np.multiply: Tensor.__mul__,
    np.divide: Tensor.__truediv__,
    np.power: Tensor.__pow__,
    np.matmul: Tensor.__matmul__,
    np.negative: Tensor.__neg__,
    np.maximum: Tensor.maximum,
    np.exp: Tensor.exp,
    np.log: Tensor.log,
    np.tanh: Tensor.tanh,
    np.sign: Tensor.sign,
    np.absolute: Tensor.abs,
    np.less: Tensor.__lt__,
    np.less_equal: Tensor.__le__,
    np.greater: Tensor.__gt__,
    np.greater_equal: Tensor.__ge__,
    np.equal: Tensor.__eq__,
    np.not_equal: Tensor.__ne__,
    np.logical_and: Tensor.__and__,
    np.bitwise_and: Tensor.__and__,
}
_FUNCTIONS = {
    np.sum: lambda x, axis=None, keepdims=False: x.sum(axis, keepdims),
    np.reshape: lambda x, shape: _apply(ops.reshape, x, shape=shape),
    np.broadcast_to: lambda x, shape: _apply(ops.broadcast_to, x, shape=shape),
    np.swapaxes: lambda x, axis1, axis2: _apply(ops.swapaxes, x, axis1=axis1, axis2=axis2),
    np.transpose: lambda x: _apply(ops.t, x),
    np.where: _where,
    np.zeros_like: lambda x, shape=None: Tensor(np.zeros_like(x._data, shape=shape)),
}
