"""Facts about the reference engine's own machinery that no spec can see: the engine checks
each VJP's arity, walks deep graphs without recursion, and knows nothing of arrays."""

from __future__ import annotations

import pytest

from reference_impl import backend, engine


class Leaf:
    """A stand-in for a leaf tensor: the engine only reads its hooks and calls ``_accumulate_grad`` on it."""

    _tensor_hooks = ()

    def __init__(self) -> None:
        self.grad = None

    def _accumulate_grad(self, g: float) -> None:
        self.grad = g if self.grad is None else self.grad + g


def test_vjp_returning_the_wrong_number_of_gradients_fails_naming_the_node() -> None:
    x, y = Leaf(), Leaf()
    node = engine.Node("two_inputs", lambda g: (g,), (), (x, y))
    with pytest.raises(AssertionError, match="two_inputs: the VJP returned 1 gradients for 2 inputs"):
        engine.backward([node], [1.0])


def test_engine_runs_on_plain_numbers_and_sums_every_path() -> None:
    """The diamond f = a·a + a with a = 2x at x = 3, its VJPs written on floats: df/dx = 2(2a + 1) = 26."""
    x = Leaf()
    a = engine.Node("double", lambda g: (2 * g,), (), (x,))
    square = engine.Node("square", lambda g, a_value: (g * a_value, g * a_value), (6.0,), (a, a))
    f = engine.Node("add", lambda g: (g, g), (), (square, a))
    engine.backward([f], [1.0])
    assert x.grad == 26.0


def test_a_graph_deeper_than_the_recursion_limit_backpropagates() -> None:
    depth = 5000  # far beyond Python's default recursion limit of 1000
    x = backend.tensor(0.0, requires_grad=True)
    y = x
    for _ in range(depth):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0
