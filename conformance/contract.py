"""The backend contract: everything a spec may touch, and nothing more.

A backend is any object (usually a module) with the members of `Backend`; its tensors
have the members of `Tensor`. The surface is PyTorch's, so a spec reads like the tutorial
it came from. Three members are not PyTorch's: `name`, `version` and `to_numpy`, through
which the harness reads values without relying on the semantics under test.

Core semantics are never optional. The members listed in `FEATURES` are: a backend
declares the ones it has in `features`, and specs that need an undeclared one are
reported as unsupported instead of being run.

The contract is versioned: a new required member bumps the major version; a new
optional feature, or a new optional keyword, bumps the minor one.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

import numpy as np

CONTRACT_VERSION = "2.0"  # 2.0: __bool__ became a required tensor member (CF-2)

FEATURES: dict[str, str] = {
    "retain_grad": "Tensor.retain_grad() and Tensor.retains_grad (clauses LEAF-4, HOOK-3).",
    "hooks": (
        "Tensor.register_hook, Tensor.register_post_accumulate_grad_hook and the "
        "grad_fn node hooks register_prehook / register_hook, each returning a handle "
        "with .remove() (clauses HOOK-*)."
    ),
    "data_attribute": "Tensor.data, the untracked alias, readable and assignable (clauses DATA-*).",
    "autograd_grad": (
        "autograd.grad, backward(create_graph=..., inputs=...) and higher-order gradients (clauses AG-*)."
    ),
    "inplace": (
        "In-place operations on tensors in a graph (add_, mul_, setitem, detach_), integer "
        "indexing giving views, and the version counter Tensor._version "
        "(clauses VER-*, DET-4, DET-5, NG-3, RG-5)."
    ),
    "nonleaf_grad_warning": "Reading .grad of a non-leaf warns with a UserWarning (LEAF-3).",
    "grad_assignment_checks": "Assigning .grad validates type, shape and dtype (ACC-5).",
    "grad_object_identity": (
        "Accumulation updates the existing .grad object in place, and the gradient "
        "argument is never aliased into .grad (ACC-2, VJP-7)."
    ),
    "gradient_dtype_cast": "backward(gradient) silently casts the gradient's dtype (VJP-5).",
    "saved_tensor_freeing": (
        "Backward frees only saved tensors: graphs that saved nothing can be "
        "backpropagated again, and grad_fn stays attached (GRAPH-3)."
    ),
    "non_differentiable_ops": (
        "argmax, comparisons and casts give results that do not require grad; sign, "
        "floor and round give zero gradients (RG-4)."
    ),
    "subgradient_conventions": (
        "PyTorch's choice of derivative at kinks and ties, with the Tensor methods "
        "abs(), maximum(other) and max() (whole tensor) besides relu and clamp (CHAIN-5)."
    ),
}
"""Optional features a backend may declare, with the members and clauses each one covers."""


@runtime_checkable
class Tensor(Protocol):
    """A tensor as the specs use it: PyTorch's names and PyTorch's semantics.

    Besides the members below, tensors support the Python operators ``+ - * / ** @``,
    unary ``-``, their reflected forms with Python numbers, the comparisons
    ``< <= > >= ==`` (giving boolean tensors), ``bool()`` (the truth of a one-element
    tensor; a RuntimeError for any other, which CF-2 checks),
    indexing with integers, and the in-place forms ``+= -= *=``.
    """

    @property
    def shape(self) -> Sequence[int]:
        """The shape; ``tuple(t.shape)`` gives a tuple of ints."""

    @property
    def dtype(self) -> Any:
        """The element type, comparable with the backend's ``float32``/``float64``/``int64``."""

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient of a leaf, or None. Assignable, including to None."""

    @grad.setter
    def grad(self, value: Tensor | None) -> None: ...

    @property
    def requires_grad(self) -> bool:
        """Whether gradients are recorded for this tensor. Assignable on leaves."""

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None: ...

    @property
    def is_leaf(self) -> bool:
        """True exactly when ``grad_fn`` is None."""

    @property
    def grad_fn(self) -> Any | None:
        """The node that produced this tensor in the graph, or None for a leaf."""

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None) -> None:
        """Accumulate d(self)/d(leaf), weighted by ``gradient``, into every reachable leaf's grad.

        Backends with the ``autograd_grad`` feature also accept ``create_graph`` and ``inputs``.
        """

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's values, cut from the graph."""

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""

    def numel(self) -> int:
        """The number of elements."""

    def zero_(self) -> Tensor:
        """Fill with zeros in place and return self."""

    def add_(self, other: Tensor | float) -> Tensor:
        """Add in place and return self."""

    def mul_(self, other: Tensor | float) -> Tensor:
        """Multiply in place and return self."""

    def sum(self) -> Tensor:
        """The sum of all elements, a 0-d tensor."""

    def mean(self) -> Tensor:
        """The mean of all elements, a 0-d tensor."""

    def norm(self) -> Tensor:
        """The Euclidean norm of all elements, a 0-d tensor."""

    def exp(self) -> Tensor:
        """Elementwise e**x."""

    def pow(self, exponent: float) -> Tensor:
        """Elementwise power, the same as ``self ** exponent``."""

    def mm(self, other: Tensor) -> Tensor:
        """Matrix product of two 2-d tensors."""

    def t(self) -> Tensor:
        """Transpose of a 2-d tensor."""

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Elementwise clamp; its derivative is 1 inside [min, max], ends included."""


@runtime_checkable
class Autograd(Protocol):
    """The ``autograd`` sub-namespace of a backend."""

    def backward(self, tensors: Sequence[Tensor], grad_tensors: Sequence[Tensor | None] | None = None) -> None:
        """Backward from several roots at once; their contributions add up."""


@runtime_checkable
class Backend(Protocol):
    """A torch-like namespace: the object a spec receives as ``torch``.

    Creation functions return float32 tensors for float data unless ``dtype`` says otherwise.
    Backends with the ``autograd_grad`` feature also have ``autograd.grad``.
    """

    name: str
    """Short name shown in reports and test ids, e.g. ``"torch"``."""

    version: str
    """The engine's version, shown in the report header and reports."""

    features: frozenset[str]
    """The optional features (keys of `FEATURES`) this backend declares."""

    float32: Any
    """The 32-bit float dtype (the default for float data)."""

    float64: Any
    """The 64-bit float dtype."""

    int64: Any
    """The 64-bit integer dtype (the default for integer data)."""

    autograd: Autograd
    """Sub-namespace with ``backward`` (and ``grad`` under the ``autograd_grad`` feature)."""

    def to_numpy(self, t: Tensor) -> np.ndarray:
        """A NumPy copy of ``t``'s values. The harness reads values only through this."""

    def tensor(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A new leaf from nested lists, numbers or a NumPy array."""

    def arange(self, end: float, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """``[0, 1, ..., end)``: float32 for a float ``end``, int64 for an int."""

    def ones(self, *shape: int, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A new leaf of ones."""

    def zeros(self, *shape: int, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A new leaf of zeros."""

    def ones_like(self, t: Tensor) -> Tensor:
        """Ones with ``t``'s shape and dtype; never requires grad."""

    def zeros_like(self, t: Tensor) -> Tensor:
        """Zeros with ``t``'s shape and dtype; never requires grad."""

    def dot(self, a: Tensor, b: Tensor) -> Tensor:
        """Inner product of two 1-d tensors."""

    def matmul(self, a: Tensor, b: Tensor) -> Tensor:
        """Matrix product, the same as ``a @ b``."""

    def exp(self, t: Tensor) -> Tensor:
        """Elementwise e**x."""

    def log(self, t: Tensor) -> Tensor:
        """Elementwise natural logarithm."""

    def sigmoid(self, t: Tensor) -> Tensor:
        """Elementwise 1 / (1 + e**-x)."""

    def relu(self, t: Tensor) -> Tensor:
        """Elementwise max(x, 0); its derivative at 0 is 0."""

    def tanh(self, t: Tensor) -> Tensor:
        """Elementwise hyperbolic tangent."""

    def no_grad(self) -> AbstractContextManager[None]:
        """A context in which results are not recorded and do not require grad."""

    def is_grad_enabled(self) -> bool:
        """False inside ``no_grad()``, True otherwise."""


BACKEND_MEMBERS: tuple[str, ...] = (
    "name",
    "version",
    "features",
    "float32",
    "float64",
    "int64",
    "autograd",
    "to_numpy",
    "tensor",
    "arange",
    "ones",
    "zeros",
    "ones_like",
    "zeros_like",
    "dot",
    "matmul",
    "exp",
    "log",
    "sigmoid",
    "relu",
    "tanh",
    "no_grad",
    "is_grad_enabled",
)
"""Members every backend must have; checked when the backend is loaded."""

TENSOR_MEMBERS: tuple[str, ...] = (
    "shape",
    "dtype",
    "grad",
    "requires_grad",
    "is_leaf",
    "grad_fn",
    "requires_grad_",
    "backward",
    "detach",
    "item",
    "numel",
    "zero_",
    "add_",
    "mul_",
    "sum",
    "mean",
    "norm",
    "exp",
    "pow",
    "mm",
    "t",
    "clamp",
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__pow__",
    "__matmul__",
    "__neg__",
    "__lt__",
    "__gt__",
    "__getitem__",
    "__bool__",
    "__iadd__",
    "__isub__",
    "__imul__",
)
"""Members every tensor must have; checked on a probe tensor when the backend is loaded."""
