"""The `mygrad` backend: mygrad 2.5 behind PyTorch's names, with mygrad's semantics.

A facade that translates names and never semantics. Where mygrad behaves differently
from PyTorch (it overwrites `.grad` instead of accumulating, gives a gradient to every
tensor in the graph, silently sums a non-scalar backward, frees its graph so that a
second backward does nothing), the adapter passes mygrad's behaviour through and the
specs fail. Where mygrad has no equivalent of a contract member, the member raises
`EngineLacks` naming what is missing. Translations, one per line below:

    requires_grad = not constant           is_leaf = creator is None    grad_fn = creator
    detach() = mg.tensor(y, constant=True, copy=False)                 no_grad() = mg.no_autodiff
    x.grad = None -> x.null_grad()          dot -> mg.matmul (1-d)     sigmoid, relu -> mg.nnet.activations

Select it with ``--backend mygrad`` (registered as an entry point by this package).
"""

from __future__ import annotations

import weakref
from types import SimpleNamespace
from typing import Any

import mygrad as mg
import numpy as np
from mygrad._utils import graph_tracking  # holds TRACK_GRAPH, mygrad's own grad-mode flag
from mygrad.nnet.activations import relu as _relu
from mygrad.nnet.activations import sigmoid as _sigmoid

name = "mygrad"
version = mg.__version__
# None of the optional features: mygrad has no retain_grad(), hooks, autograd.grad, version
# counter, assignable .grad or .data tensor; its .grad is a new array after every backward.
features: frozenset[str] = frozenset()

float32, float64, int64 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64)


class EngineLacks(Exception):
    """mygrad has no equivalent of this contract member or argument.

    Deliberately not a RuntimeError: a spec expecting PyTorch's RuntimeError must not pass
    because the engine lacks the feature.
    """


def _lacks(what: str) -> EngineLacks:
    return EngineLacks(f"mygrad {version} {what} (see docs/writing-an-adapter.md)")


class Tensor:
    """A mygrad tensor under PyTorch's names. ``_t`` is the mygrad tensor itself.

    ``_grad_array`` is set only on the tensor `grad` returns: mygrad's gradient is a plain
    NumPy array, so its in-place operations are NumPy's, on that very array.
    """

    def __init__(self, t: mg.Tensor, grad_array: np.ndarray | None = None) -> None:
        self._t = t
        self._grad_array = grad_array

    def __repr__(self) -> str:
        return f"mygrad:{self._t!r}"

    shape = property(lambda self: self._t.shape)
    dtype = property(lambda self: self._t.dtype)
    grad_fn = property(lambda self: self._t.creator)
    is_leaf = property(lambda self: self._t.creator is None)

    @property
    def grad(self) -> Tensor | None:
        return _grad_tensor(self._t.grad)

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            raise _lacks("has no assignable .grad: only x.grad = None, which is x.null_grad()")
        self._t.null_grad()

    @property
    def requires_grad(self) -> bool:
        return not self._t.constant

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        # mygrad fixes `constant` when a tensor is created: asking for what the tensor already
        # is is a no-op; asking for a change cannot be translated (a copy would be a new tensor).
        if requires_grad == self._t.constant:
            raise _lacks(f"fixes `constant` when a tensor is created; requires_grad_({requires_grad}) cannot change it")
        return self

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None) -> None:
        # mygrad always frees its graph after backward: retain_graph=True cannot be honoured.
        if retain_graph:
            raise _lacks("has no retain_graph: backward always frees the graph")
        self._t.backward(_unwrap(gradient))

    def detach(self) -> Tensor:
        # mygrad's spelling of detach: a constant over the same memory (copy=True would copy).
        return Tensor(mg.tensor(self._t, constant=True, copy=False))

    def item(self) -> Any:
        return self._t.item()

    def numel(self) -> int:
        return self._t.size

    # In place: mygrad's in-place operations, or NumPy's on a gradient array (see the class).
    def _inplace(self, numpy_op: str, mygrad_op: str, other: Any) -> Tensor:
        if self._grad_array is not None:
            getattr(self._grad_array, numpy_op)(np.asarray(to_numpy(other) if isinstance(other, Tensor) else other))
        else:
            self._t = getattr(self._t, mygrad_op)(_unwrap(other))
        return self

    def zero_(self) -> Tensor:
        if self._grad_array is not None:
            self._grad_array[...] = 0
        else:
            self._t[...] = 0  # mygrad's in-place setitem
        return self

    def add_(self, other: Any) -> Tensor:
        return self._inplace("__iadd__", "__iadd__", other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("__imul__", "__imul__", other)

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace("__iadd__", "__iadd__", other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace("__isub__", "__isub__", other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace("__imul__", "__imul__", other)

    def __bool__(self) -> bool:
        return bool(self._t)

    __hash__ = object.__hash__  # defining __eq__ below would otherwise remove it

    def sum(self) -> Tensor:
        return Tensor(self._t.sum())

    def mean(self) -> Tensor:
        return Tensor(self._t.mean())

    def norm(self) -> Tensor:
        # torch's norm() is the 2-norm of all elements; mygrad's is numpy's, so flatten first.
        return Tensor(mg.linalg.norm(self._t.flatten()))

    def exp(self) -> Tensor:
        return Tensor(mg.exp(self._t))

    def pow(self, exponent: float) -> Tensor:
        return Tensor(self._t ** _unwrap(exponent))

    def mm(self, other: Tensor) -> Tensor:
        return Tensor(mg.matmul(self._t, _unwrap(other)))

    def t(self) -> Tensor:
        return Tensor(self._t.T)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return Tensor(mg.clip(self._t, min, max))


def _forwarding(op: str):
    def method(self: Tensor, *args: Any) -> Tensor:
        return Tensor(getattr(self._t, op)(*map(_unwrap, args)))

    method.__name__ = op
    return method


# Each Python operator is mygrad's operator of the same name.
for _op in "add radd sub rsub mul rmul truediv rtruediv pow rpow matmul rmatmul neg lt le gt ge eq ne getitem".split():
    setattr(Tensor, f"__{_op}__", _forwarding(f"__{_op}__"))

# One tensor per gradient array while it is in use, so `x.grad is x.grad` reports mygrad's identity.
_grad_tensors: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()


def _grad_tensor(array: np.ndarray | None) -> Tensor | None:
    if array is None:
        return None
    tensor_ = _grad_tensors.get(id(array))
    if tensor_ is None or tensor_._grad_array is not array:
        tensor_ = Tensor(mg.tensor(array, constant=True, copy=False), grad_array=array)
        _grad_tensors[id(array)] = tensor_
    return tensor_


def _unwrap(value: Any) -> Any:
    return value._t if isinstance(value, Tensor) else value


def _default_dtype(data: np.ndarray, dtype: Any) -> Any:
    # The contract's defaults: float32 for float data (mygrad's own default is float64).
    if dtype is not None:
        return dtype
    return float32 if data.dtype.kind == "f" else data.dtype


def _constant(requires_grad: bool | None) -> bool | None:
    # requires_grad is the inverse of mygrad's `constant`. Left unset, mygrad's own default
    # applies (float tensors are differentiable), exactly as when mygrad is called directly.
    return None if requires_grad is None else not requires_grad


def _shape(shape: tuple) -> tuple:
    # torch takes ones(2, 3) and ones((2, 3)); mygrad takes the tuple.
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def tensor(data: Any, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    array = np.asarray(to_numpy(data) if isinstance(data, Tensor) else data)
    return Tensor(mg.tensor(array, dtype=_default_dtype(array, dtype), constant=_constant(requires_grad)))


def arange(end: float, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    dtype = dtype or (int64 if isinstance(end, int) else float32)
    return Tensor(mg.arange(end, dtype=dtype, constant=_constant(requires_grad)))


def ones(*shape: int, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    return Tensor(mg.ones(_shape(shape), dtype=dtype or float32, constant=_constant(requires_grad)))


def zeros(*shape: int, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    return Tensor(mg.zeros(_shape(shape), dtype=dtype or float32, constant=_constant(requires_grad)))


def ones_like(t: Tensor) -> Tensor:
    return Tensor(mg.ones_like(_unwrap(t)))


def zeros_like(t: Tensor) -> Tensor:
    return Tensor(mg.zeros_like(_unwrap(t)))


def dot(a: Tensor, b: Tensor) -> Tensor:
    # mygrad has no dot; for two 1-d tensors (dot's only case) matmul is the inner product.
    return Tensor(mg.matmul(_unwrap(a), _unwrap(b)))


def matmul(a: Tensor, b: Tensor) -> Tensor:
    return Tensor(mg.matmul(_unwrap(a), _unwrap(b)))


def exp(t: Tensor) -> Tensor:
    return Tensor(mg.exp(_unwrap(t)))


def log(t: Tensor) -> Tensor:
    return Tensor(mg.log(_unwrap(t)))


def sigmoid(t: Tensor) -> Tensor:
    return Tensor(_sigmoid(_unwrap(t)))


def relu(t: Tensor) -> Tensor:
    return Tensor(_relu(_unwrap(t)))


def tanh(t: Tensor) -> Tensor:
    return Tensor(mg.tanh(_unwrap(t)))


def no_grad() -> Any:
    return mg.no_autodiff


def is_grad_enabled() -> bool:
    return bool(graph_tracking.TRACK_GRAPH)


def _backward(tensors: Any, grad_tensors: Any = None) -> None:
    # One root is Tensor.backward. mygrad has no backward from several roots at once, and
    # calling backward once per root would be the adapter's semantics, not mygrad's.
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    grads = [grad_tensors] if isinstance(grad_tensors, Tensor) else list(grad_tensors or [None] * len(roots))
    if len(roots) != 1:
        raise _lacks("has no backward from several roots at once (torch.autograd.backward with a list)")
    roots[0].backward(grads[0])


autograd = SimpleNamespace(backward=_backward)


def to_numpy(t: Any) -> np.ndarray:
    # Reads mygrad's array directly, never through detach().
    return np.array(t._t.data if isinstance(t, Tensor) else t, copy=True)
