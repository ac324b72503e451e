"""Facts about the reference engine's own machinery that no spec can see: the engine checks
that a node has one VJP per input, walks deep graphs without recursion, knows nothing of
arrays, runs only the nodes autograd.grad needs and only the VJPs of inputs that take a gradient; every VJP differentiates itself (create_graph); in-place changes
through a view are recorded on its base."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from reference_impl import backend, engine


class Leaf:
    """A stand-in for a leaf tensor: the engine only reads its hooks and calls ``_accumulate_grad`` on it."""

    _tensor_hooks = ()

    def __init__(self) -> None:
        self.grad = None

    def _accumulate_grad(self, g: float) -> None:
        self.grad = g if self.grad is None else self.grad + g


def test_a_node_without_one_vjp_per_input_fails_naming_the_node() -> None:
    x, y = Leaf(), Leaf()
    node = engine.Node("two_inputs", (lambda g: g,), (), (x, y))
    with pytest.raises(AssertionError, match="two_inputs: 1 VJPs for 2 inputs"):
        engine.backward([node], [1.0])


def test_engine_runs_on_plain_numbers_and_sums_every_path() -> None:
    """The diamond f = a·a + a with a = 2x at x = 3, its VJPs written on floats: df/dx = 2(2a + 1) = 26."""
    x = Leaf()
    a = engine.Node("double", (lambda g: 2 * g,), (), (x,))
    square = engine.Node("square", (lambda g, a_value: g * a_value,) * 2, (6.0,), (a, a))
    f = engine.Node("add", (lambda g: g,) * 2, (), (square, a))
    engine.backward([f], [1.0])
    assert x.grad == 26.0


def test_the_vjp_of_an_input_that_takes_no_gradient_never_runs() -> None:
    """x * c with c a constant: the engine skips c's VJP (PyTorch's needs_input_grad), so its product is never made."""
    x, c = backend.tensor([1.0, 2.0], requires_grad=True), backend.tensor([3.0, 4.0])
    y = x * c
    ran = []
    x_vjp, c_vjp = y.grad_fn.vjps
    y.grad_fn.vjps = (x_vjp, lambda *args: ran.append("c") or c_vjp(*args))
    y.sum().backward()
    assert ran == [], "the constant's VJP ran"
    assert backend.to_numpy(x.grad).tolist() == [3.0, 4.0]


def test_a_graph_deeper_than_the_recursion_limit_backpropagates() -> None:
    depth = 5000  # far beyond Python's default recursion limit of 1000
    x = backend.tensor(0.0, requires_grad=True)
    y = x
    for _ in range(depth):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_autograd_grad_runs_only_the_nodes_between_outputs_and_inputs() -> None:
    """grad(z, h) for z = h * h stops at h: h's own node is neither run nor freed, so h can backpropagate later."""
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    (gradient,) = backend.autograd.grad((h * h).sum(), h)
    assert backend.to_numpy(gradient).tolist() == [2.0, 8.0]
    h.sum().backward()
    assert backend.to_numpy(x.grad).tolist() == [2.0, 4.0]


A, B = np.array([[0.5, 1.5, 2.0], [1.2, 0.7, 1.9]]), np.array([[0.9, 1.1, 0.6]])
SECOND_ORDER: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add sub neg (broadcast)": lambda m, a, b: ((a + b) * (a - b) * -a).sum(),
    "mul div": lambda m, a, b: (a * b / (a + b)).sum(),
    "pow": lambda m, a, b: (a**3 + a**b + 2.0**a).sum(),
    "matmul, 1-d too": lambda m, a, b: ((a @ b.t()) ** 2).sum() + ((a @ b[0]) @ a[:, 0]) ** 2,
    "t": lambda m, a, b: ((a.t() @ a) ** 2).sum(),
    "exp log": lambda m, a, b: (a.exp() * a.log()).sum(),
    "sigmoid tanh": lambda m, a, b: (m.sigmoid(a) * m.tanh(a) * a).sum(),
    "relu clamp": lambda m, a, b: (m.relu(a - 1) ** 2 + a.clamp(min=0.8, max=1.5) ** 3).sum(),
    "abs max maximum": lambda m, a, b: ((a - 1).abs() * a).sum() + (a * a).max() + (a.maximum(b) ** 2).sum(),
    "sum mean over a dim": lambda m, a, b: ((a * a).sum(0) ** 2).sum() + ((a**3).mean(1, keepdim=True) * a).sum(),
    "norm": lambda m, a, b: (a * a).norm() * a.sum(),
    "indexing, repeated too": lambda m, a, b: (a[1] ** 3).sum() + (a[m.tensor([0, 1, 0])] ** 3).sum(),
}


def second_derivatives(m: Any, f: Callable[[Any, Any, Any], Any]) -> list[np.ndarray]:
    """d/d(a, b) of the sum of squares of df/d(a, b), which needs df/d(a, b) recorded (create_graph)."""
    a, b = (m.tensor(v, dtype=m.float64, requires_grad=True) for v in (A, B))
    first = m.autograd.grad(f(m, a, b), [a, b], create_graph=True, allow_unused=True)
    second = m.autograd.grad(sum((g * g).sum() for g in first if g is not None), [a, b], allow_unused=True)
    values = backend.to_numpy if m is backend else lambda g: g.numpy()
    return [np.zeros(v.shape) if g is None else values(g) for v, g in zip((A, B), second, strict=True)]


@pytest.mark.parametrize("f", SECOND_ORDER.values(), ids=SECOND_ORDER.keys())
def test_every_vjp_differentiates_itself(f: Callable[[Any, Any, Any], Any]) -> None:
    """The VJPs run on tensors under create_graph; the second derivatives they record are torch's."""
    for ours, torchs in zip(second_derivatives(backend, f), second_derivatives(torch, f), strict=True):
        np.testing.assert_allclose(ours, torchs, rtol=1e-12, atol=1e-12)


def test_in_place_change_through_a_view_is_recorded_on_its_base() -> None:
    """b = 2x; b[1].mul_(x[2]) makes b = [2x0, 2x1·x2, 2x2] (PyTorch's CopySlices): sum(b²) gives
    x.grad = [8x0, 8x1·x2², 8x2 + 8x1²·x2] = [8, 144, 120] at x = [1, 2, 3]."""
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 2
    b[1].mul_(x[2])
    assert b._version == 1
    (b * b).sum().backward()
    assert backend.to_numpy(x.grad).tolist() == [8.0, 144.0, 120.0]


def test_in_place_change_through_a_transposed_view_is_recorded_on_its_base() -> None:
    """b = x * 1; b.t().mul_(c) makes b = x * cᵀ: sum(b) gives x.grad = cᵀ."""
    x = backend.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = x * 1
    b.t().mul_(backend.tensor([[1.0, 2.0], [3.0, 4.0]]))
    b.sum().backward()
    assert backend.to_numpy(x.grad).tolist() == [[1.0, 3.0], [2.0, 4.0]]
