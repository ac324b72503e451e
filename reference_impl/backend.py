"""The reference backend: the namespace a spec receives as ``torch`` under ``--backend reference``.

Factories, dtypes and the functional forms of the ops. The semantics live in
`reference_impl.tensor` (the Tensor) and `reference_impl.engine` (the backward pass).
"""

from types import SimpleNamespace

import numpy as np

import conformance
from reference_impl.tensor import Tensor, backward, grad

# Members of the backend as they are ("import x as x" marks a re-export).
from reference_impl.tensor import is_grad_enabled as is_grad_enabled
from reference_impl.tensor import no_grad as no_grad

name = "reference"
version = conformance.__version__
features = frozenset(
    {
        "autograd_grad",
        "hooks",
        "data_attribute",
        "inplace",
        "retain_grad",
        "nonleaf_grad_warning",
        "grad_assignment_checks",
        "grad_object_identity",
        "gradient_dtype_cast",
        "saved_tensor_freeing",
        "non_differentiable_ops",
        "subgradient_conventions",
    }
)

float32, float64, int64 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64)

autograd = SimpleNamespace(backward=backward, grad=grad)


def to_numpy(t):
    """A copy of ``t``'s values."""
    return np.array(t._data)


def _leaf(array, requires_grad):
    """A new leaf on ``array``; only a float one can require grad."""
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor(array, requires_grad=bool(requires_grad))


def tensor(data, requires_grad=False, dtype=None):
    """A new leaf holding a copy of ``data``: Python floats give float32 and ints int64; arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data._data
    elif dtype is None and not isinstance(data, (np.ndarray, np.generic)):
        kind = np.asarray(data).dtype.kind
        dtype = float32 if kind == "f" else int64 if kind in "iu" else None
    return _leaf(np.array(data, dtype=dtype), requires_grad)


def arange(start, end=None, step=1, requires_grad=False, dtype=None):
    """``[start, end)`` by ``step`` (``[0, start)`` given one bound): float32 if any bound is a float, else int64."""
    start, end = (0, start) if end is None else (start, end)
    floating = any(isinstance(bound, float) for bound in (start, end, step))
    return _leaf(np.arange(start, end, step, dtype=dtype or (float32 if floating else int64)), requires_grad)


def _shape(shape):
    """``ones(2, 3)`` and ``ones((2, 3))`` mean the same shape."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def ones(*shape, requires_grad=False, dtype=None):
    return _leaf(np.ones(_shape(shape), dtype or float32), requires_grad)


def zeros(*shape, requires_grad=False, dtype=None):
    return _leaf(np.zeros(_shape(shape), dtype or float32), requires_grad)


def ones_like(t, requires_grad=False, dtype=None):
    return _leaf(np.ones(t.shape, dtype or t.dtype), requires_grad)


def zeros_like(t, requires_grad=False, dtype=None):
    return _leaf(np.zeros(t.shape, dtype or t.dtype), requires_grad)


def dot(a, b):
    return a.dot(b)


def matmul(a, b):
    return a.matmul(b)


def exp(t):
    return t.exp()


def log(t):
    return t.log()


def sigmoid(t):
    return t.sigmoid()


def relu(t):
    return t.relu()


def tanh(t):
    return t.tanh()
