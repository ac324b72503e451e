"""The `tinygrad` backend: tinygrad 0.14 behind PyTorch's names, with tinygrad's semantics.

A facade that translates names and never semantics. Where tinygrad behaves differently
from PyTorch (it never frees its graph, so a second backward accumulates again; every
float tensor on a device receives a gradient, intermediates and detached tensors
included; a non-scalar backward raises AssertionError, not RuntimeError; `arange` and
a 0-d tensor made from a number are device-less constants that never receive one), the adapter
passes tinygrad's behaviour through and the specs fail. Where tinygrad has no equivalent
of a contract member (no_grad, is_leaf, grad_fn, a requires_grad flag that can be
changed), the member raises `EngineLacks` naming what is missing.

tinygrad needs a device: clang on PATH for its CPU device, or ``DEV=PYTHON`` (no
compiler, same results). Select it with ``--backend tinygrad`` (an entry point).
"""

from __future__ import annotations

import weakref
from importlib.metadata import version as _distribution_version
from types import SimpleNamespace
from typing import Any

import numpy as np
from tinygrad import Device, dtypes
from tinygrad import Tensor as _TinyTensor

try:
    device = Device.DEFAULT  # the device tinygrad picked; this is what fails when none is usable
except RuntimeError as exc:
    raise ImportError(f"tinygrad: {exc}; install clang (its CPU device compiles with it) or set DEV=PYTHON") from exc

name = "tinygrad"
version = _distribution_version("tinygrad")
# None of the optional features: tinygrad has no retain_grad(), hooks, version counter or
# .data tensor; its Tensor.gradient() is not torch's autograd.grad (no create_graph, inputs=).
features: frozenset[str] = frozenset()

float32, float64, int64 = dtypes.float32, dtypes.float64, dtypes.int64
_NUMPY = {float32: np.float32, float64: np.float64, int64: np.int64, dtypes.bool: np.bool_}


class EngineLacks(Exception):
    """tinygrad has no equivalent of this contract member or argument.

    Deliberately not a RuntimeError: a spec expecting PyTorch's RuntimeError must not pass
    because the engine lacks the feature.
    """


def _lacks(what: str) -> EngineLacks:
    return EngineLacks(f"tinygrad {version} {what} (see docs/writing-an-adapter.md)")


class Tensor:
    """A tinygrad tensor under PyTorch's names. ``_t`` is the tinygrad tensor itself."""

    def __init__(self, t: _TinyTensor) -> None:
        self._t = t

    def __repr__(self) -> str:
        return f"tinygrad:{self._t!r}"

    shape = property(lambda self: tuple(self._t.shape))
    dtype = property(lambda self: self._t.dtype)

    @property
    def grad_fn(self) -> Any:
        raise _lacks("has no grad_fn: its graph is the lazy UOp graph, with no backward nodes")

    @property
    def is_leaf(self) -> bool:
        raise _lacks("has no is_leaf: it does not tell leaves from intermediates (both get .grad)")

    @property
    def grad(self) -> Tensor | None:
        return _grad_tensor(self._t.grad)

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        self._t.grad = _unwrap(value)

    @property
    def requires_grad(self) -> bool:
        # tinygrad has no flag. Its backward gives a gradient to every live tensor of the
        # graph that `is_floating_point() and device is not None` (Tensor.backward): that
        # condition, read from the engine, is its requires_grad.
        return self._t.is_floating_point() and self._t.device is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        # Asking for what tinygrad does anyway is a no-op; anything else cannot be translated.
        if requires_grad and not self.requires_grad:
            if not self._t.is_floating_point():
                what = "an integer tensor"
            elif self._t.shape == ():
                what = "a 0-d tensor made from a number (Tensor(3.0) is a device-less constant)"
            else:
                what = "a device-less constant (what Tensor.arange makes)"
            raise _lacks(f"never gives a gradient to {what}, and has no requires_grad flag to ask for one")
        if not requires_grad and self.requires_grad:
            raise _lacks("has no requires_grad flag: every float tensor on a device receives a gradient")
        return self

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None) -> None:
        # tinygrad never frees its graph: retain_graph=True is what it does anyway; an explicit
        # False cannot be honoured. Left unset, tinygrad's behaviour applies (and shows).
        if retain_graph is False:
            raise _lacks("never frees its graph: retain_graph=False cannot be honoured")
        self._t.backward(_unwrap(gradient))

    def detach(self) -> Tensor:
        return Tensor(self._t.detach())

    def item(self) -> Any:
        return self._t.item()

    def numel(self) -> int:
        return self._t.numel()

    # In place: tinygrad's assign, which its own += uses.
    def zero_(self) -> Tensor:
        self._t.assign(self._t.zeros_like())
        return self

    def add_(self, other: Any) -> Tensor:
        return self.__iadd__(other)

    def mul_(self, other: Any) -> Tensor:
        return self.__imul__(other)

    def __iadd__(self, other: Any) -> Tensor:
        self._t += _unwrap(other)
        return self

    def __isub__(self, other: Any) -> Tensor:
        self._t -= _unwrap(other)
        return self

    def __imul__(self, other: Any) -> Tensor:
        self._t *= _unwrap(other)
        return self

    def __bool__(self) -> bool:
        return bool(self._t)  # NOTE: tinygrad raises TypeError, even for one element

    __hash__ = object.__hash__  # defining __eq__ below would otherwise remove it

    def sum(self) -> Tensor:
        return Tensor(self._t.sum())

    def mean(self) -> Tensor:
        return Tensor(self._t.mean())

    def norm(self) -> Tensor:
        # tinygrad has no norm(): sqrt(sum(x*x)) is how it is spelled there.
        return Tensor(self._t.square().sum().sqrt())

    def exp(self) -> Tensor:
        return Tensor(self._t.exp())

    def pow(self, exponent: float) -> Tensor:
        return Tensor(self._t.pow(_unwrap(exponent)))

    def mm(self, other: Tensor) -> Tensor:
        return Tensor(self._t.matmul(_unwrap(other)))

    def t(self) -> Tensor:
        return Tensor(self._t.T)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return Tensor(self._t.clamp(min, max))


def _forwarding(op: str):
    def method(self: Tensor, *args: Any) -> Tensor:
        return Tensor(getattr(self._t, op)(*map(_unwrap, args)))

    method.__name__ = op
    return method


# Each Python operator is tinygrad's operator of the same name.
for _op in "add radd sub rsub mul rmul truediv rtruediv pow rpow matmul rmatmul neg lt le gt ge eq ne getitem".split():
    setattr(Tensor, f"__{_op}__", _forwarding(f"__{_op}__"))

# One wrapper per gradient tensor while it is in use, so `x.grad is x.grad` reports tinygrad's identity.
_grad_tensors: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()


def _grad_tensor(t: _TinyTensor | None) -> Tensor | None:
    if t is None:
        return None
    wrapper = _grad_tensors.get(id(t))
    if wrapper is None or wrapper._t is not t:
        wrapper = _grad_tensors[id(t)] = Tensor(t)
    return wrapper


def _unwrap(value: Any) -> Any:
    return value._t if isinstance(value, Tensor) else value


def _requesting(t: Tensor, requires_grad: bool | None) -> Tensor:
    # Unset means no request: every tensor then behaves as tinygrad makes it.
    return t if requires_grad is None else t.requires_grad_(requires_grad)


def tensor(data: Any, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    array = np.asarray(to_numpy(data) if isinstance(data, Tensor) else data)
    # The contract's defaults: float32 for float data, int64 for integers.
    np_dtype = _NUMPY[dtype] if dtype is not None else (np.float32 if array.dtype.kind == "f" else array.dtype)
    # NOTE: 0-d data gives tinygrad's device-less constant, which never receives a gradient.
    return _requesting(Tensor(_TinyTensor(array.astype(np_dtype))), requires_grad)


def arange(end: float, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    # NOTE: tinygrad's arange is a device-less constant, which never receives a gradient;
    # Tensor(np.arange(...)) would get one, but choosing it would hide that trap.
    dtype = dtype or (int64 if isinstance(end, int) else float32)
    return _requesting(Tensor(_TinyTensor.arange(end, dtype=dtype)), requires_grad)


def ones(*shape: int, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    return _requesting(Tensor(_TinyTensor.ones(*shape, dtype=dtype or float32)), requires_grad)


def zeros(*shape: int, requires_grad: bool | None = None, dtype: Any = None) -> Tensor:
    return _requesting(Tensor(_TinyTensor.zeros(*shape, dtype=dtype or float32)), requires_grad)


def ones_like(t: Tensor) -> Tensor:
    return Tensor(_unwrap(t).ones_like())


def zeros_like(t: Tensor) -> Tensor:
    return Tensor(_unwrap(t).zeros_like())


def dot(a: Tensor, b: Tensor) -> Tensor:
    return Tensor(_unwrap(a).dot(_unwrap(b)))


def matmul(a: Tensor, b: Tensor) -> Tensor:
    return Tensor(_unwrap(a).matmul(_unwrap(b)))


def exp(t: Tensor) -> Tensor:
    return Tensor(_unwrap(t).exp())


def log(t: Tensor) -> Tensor:
    return Tensor(_unwrap(t).log())


def sigmoid(t: Tensor) -> Tensor:
    return Tensor(_unwrap(t).sigmoid())


def relu(t: Tensor) -> Tensor:
    return Tensor(_unwrap(t).relu())


def tanh(t: Tensor) -> Tensor:
    return Tensor(_unwrap(t).tanh())


def no_grad() -> Any:
    raise _lacks("has no no_grad(): it always records; update with w.assign(w.detach() - lr * w.grad)")


def is_grad_enabled() -> bool:
    return True  # tinygrad has no grad mode: it always records


def _backward(tensors: Any, grad_tensors: Any = None) -> None:
    # One root is Tensor.backward. tinygrad has no backward from several roots at once, and
    # calling backward once per root would be the adapter's semantics, not tinygrad's.
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    grads = [grad_tensors] if isinstance(grad_tensors, Tensor) else list(grad_tensors or [None] * len(roots))
    if len(roots) != 1:
        raise _lacks("has no backward from several roots at once (torch.autograd.backward with a list)")
    roots[0].backward(grads[0])


autograd = SimpleNamespace(backward=_backward)


def to_numpy(t: Any) -> np.ndarray:
    # numpy() computes the values without cutting the graph (realize() on a non-leaf would).
    return t._t.numpy().copy() if isinstance(t, Tensor) else np.array(t, copy=True)
