"""Chain-rule examples: the tutorials' worked computations, with the values they print."""

import numpy as np
import pytest

from conformance import spec
from conformance.tutorials import filled_2x2

PRINTED_4_DIGITS = dict(rtol=0.0, atol=0.5e-4)
"""A value printed with 4 decimals is known to half a unit in the last digit, no better."""

PRINTED_2_DIGITS = dict(rtol=0.0, atol=0.5e-2)
PRINTED_1_DIGIT = dict(rtol=0.0, atol=0.5e-1)


@spec("CHAIN-1", source="003_694ffaf11e2d2ced.txt § Chain Law")
def test_sum_times_z_gives_the_printed_gradients(torch, check):
    """f = (x + y) z at (x, y, z) = (-2, 5, -4) gives q = 3, f = -12, df/dx = df/dy = z = -4 and df/dz = q = 3."""
    x = torch.tensor(-2.0, requires_grad=True)
    y = torch.tensor(5.0, requires_grad=True)
    z = torch.tensor(-4.0, requires_grad=True)

    q = x + y
    f = q * z
    check.equal(q, 3.0, "q = x + y")
    check.equal(f, -12.0, "f = q * z")

    f.backward()
    check.equal(x.grad, -4.0, "df/dx = df/dq * dq/dx = z * 1")
    check.equal(y.grad, -4.0, "df/dy = df/dq * dq/dy = z * 1")
    check.equal(z.grad, 3.0, "df/dz = q")


def _explicit_sigmoid(torch, z):
    return 1 / (1 + torch.exp(-z))


def _builtin_sigmoid(torch, z):
    return torch.sigmoid(z)


@spec("CHAIN-2", source="003_694ffaf11e2d2ced.txt § Sigmoid function example")
@pytest.mark.parametrize("sigmoid", [_explicit_sigmoid, _builtin_sigmoid], ids=["1/(1+exp(-z))", "torch.sigmoid"])
def test_sigmoid_neuron_gives_the_printed_gradients(torch, check, sigmoid):
    """f = sigmoid(w0 x0 + w1 x1 + w2) at w = [2, -3, -3], x = [-1, -2] gives f = 0.7311,
    w.grad = [-0.1966, -0.3932, 0.1966] and x.grad = [0.3932, -0.5898], whichever way sigmoid is written."""
    w = torch.tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = torch.tensor([-1.0, -2.0], requires_grad=True)

    f = sigmoid(torch, w[0] * x[0] + w[1] * x[1] + w[2])
    check.close(f, 0.7311, "f = sigmoid(1)", **PRINTED_4_DIGITS)

    f.backward()
    # df/dz = f (1 - f) = 0.1966 at z = 1, times dz/dw = [x0, x1, 1] and dz/dx = [w0, w1].
    check.close(w.grad, [-0.1966, -0.3932, 0.1966], "w.grad", **PRINTED_4_DIGITS)
    check.close(x.grad, [0.3932, -0.5898], "x.grad", **PRINTED_4_DIGITS)


@spec(
    "CHAIN-2",
    source="003_694ffaf11e2d2ced.txt § Sigmoid function example (the graph's intermediate gradients)",
    needs=["retain_grad"],
)
def test_sigmoid_graph_gives_the_printed_intermediate_gradients(torch, check):
    """Backward through 1/d, d = 1 + e, e = exp(-z) gives d = 1.37, df/dd = df/de = -1/d² = -0.53
    and df/d(-z) = -0.53 e = -0.2, the values of the tutorial's graph."""
    w = torch.tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = torch.tensor([-1.0, -2.0], requires_grad=True)

    negated = -(w[0] * x[0] + w[1] * x[1] + w[2])
    e = torch.exp(negated)
    d = 1 + e
    f = 1 / d
    for intermediate in (negated, e, d):
        intermediate.retain_grad()
    check.close(d, 1.37, "d = 1 + exp(-1)", **PRINTED_2_DIGITS)

    f.backward()
    check.close(d.grad, -0.53, "df/dd = -1/d²", **PRINTED_2_DIGITS)
    check.close(e.grad, -0.53, "df/de = df/dd, since d = 1 + e", **PRINTED_2_DIGITS)
    check.close(negated.grad, -0.2, "df/d(-z) = df/de * exp(-z)", **PRINTED_1_DIGIT)


TWO_LAYER_SEED = 0
"""The tutorial draws its data with torch.randn; a fixed NumPy seed gives the same kind of data reproducibly."""


def _two_layer_backprop(x, y, w1, w2):
    """The tutorial's hand-written backpropagation for x.mm(w1).clamp(min=0).mm(w2), loss sum((pred - y)²)."""
    h = x @ w1
    h_relu = np.maximum(h, 0.0)
    grad_pred = 2.0 * (h_relu @ w2 - y)
    grad_w2 = h_relu.T @ grad_pred
    grad_h = grad_pred @ w2.T
    grad_h[h < 0] = 0.0
    return x.T @ grad_h, grad_w2


@spec("CHAIN-3", source="catalogue: the two-layer net of the PyTorch examples, autograd versus NumPy backprop")
def test_two_layer_net_matches_hand_written_backprop(torch, check):
    """For x.mm(w1).clamp(min=0).mm(w2) with loss sum((pred - y)²), w1.grad and w2.grad have shapes (3, 5)
    and (5, 2) and equal the gradients of hand-written backpropagation."""
    rng = np.random.default_rng(TWO_LAYER_SEED)
    x_np, y_np = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    w1_np, w2_np = rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    x, y = torch.tensor(x_np, dtype=torch.float64), torch.tensor(y_np, dtype=torch.float64)
    w1 = torch.tensor(w1_np, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(w2_np, dtype=torch.float64, requires_grad=True)

    pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (pred - y).pow(2).sum()
    loss.backward()

    want_w1, want_w2 = _two_layer_backprop(x_np, y_np, w1_np, w2_np)
    check.shape(w1.grad, (3, 5), "w1.grad shape")
    check.shape(w2.grad, (5, 2), "w2.grad shape")
    # Both sides compute in float64 and differ only in summation order over at most 5 terms
    # of size ~10, so they agree to ~1e-14; a wrong rule is off by the gradient's own size.
    check.close(w1.grad, want_w1, "w1.grad versus NumPy backprop", rtol=1e-10, atol=1e-10)
    check.close(w2.grad, want_w2, "w2.grad versus NumPy backprop", rtol=1e-10, atol=1e-10)


@spec("CHAIN-4", source="000_df3ab9637a332bf6.txt § Code")
def test_two_dot_x_x_gives_4x(torch, check):
    """y = 2 * dot(x, x) backpropagates 4x into x (x = arange(4.0): y = 28, x.grad = [0, 4, 8, 12])."""
    x = torch.arange(4.0)
    x.requires_grad_(True)
    check.none(x.grad, "x.grad before any backward")

    y = 2 * torch.dot(x, x)
    check.equal(y, 28.0, "y = 2 * dot(x, x)")
    y.backward()
    check.equal(x.grad, [0.0, 4.0, 8.0, 12.0], "x.grad after y.backward(), which is 4x")


@spec("CHAIN-4", source="002_d01b84c90aaf253a.txt § In [50]-[51]")
def test_two_x_squared_backward_with_ones_gives_4x(torch, check):
    """y = 2 * x**2 with y.backward(ones_like(x)) gives x.grad = 4x (x = arange(4.0): y = [0, 2, 8, 18])."""
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * (x**2)
    check.equal(y, [0.0, 2.0, 8.0, 18.0], "y = 2 * x**2")
    y.backward(torch.ones_like(x))
    check.equal(x.grad, [0.0, 4.0, 8.0, 12.0], "x.grad, which is 4x")


@spec("CHAIN-4", source="catalogue: the 60-minute blitz")
def test_blitz_mean_gives_4_5(torch, check):
    """out = ((x + 2)² · 3).mean() at x = ones(2, 2) is 27, and x.grad = 6(x + 2)/4 = 4.5 everywhere."""
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    check.equal(out, 27.0, "out = mean(3 (x + 2)²)")
    out.backward()
    check.equal(x.grad, np.full((2, 2), 4.5), "x.grad = 6 (x + 2) / 4")


@spec("CHAIN-4", source="catalogue: A Gentle Introduction to torch.autograd")
def test_q_equals_3a_cubed_minus_b_squared(torch, check):
    """Q = 3a³ - b² with Q.backward(ones) gives a.grad = 9a² and b.grad = -2b (a = [2, 3], b = [6, 4])."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a**3 - b**2
    check.equal(q, [-12.0, 65.0], "Q = 3a³ - b²")
    q.backward(torch.ones(2))
    check.equal(a.grad, [36.0, 81.0], "a.grad = 9a²")
    check.equal(b.grad, [-12.0, -8.0], "b.grad = -2b")


KINK_POINTS = [-1.0, 0.0, 2.0]
"""A point on each side of the kink at 0, and the kink itself."""


@spec("CHAIN-5", source="catalogue")
@pytest.mark.parametrize(
    ("function", "derivative"),
    [
        (lambda torch, x: torch.relu(x), [0.0, 0.0, 1.0]),
        (lambda torch, x: x.clamp(min=0), [0.0, 1.0, 1.0]),
        (lambda torch, x: x.clamp(min=0, max=0), [0.0, 1.0, 0.0]),
        (lambda torch, x: x.abs(), [-1.0, 0.0, 1.0]),
    ],
    ids=["relu'(0)=0", "clamp(min=0)'(0)=1", "clamp(0,0)'(0)=1", "abs'(0)=0"],
)
def test_derivative_at_a_kink_is_pytorchs_choice(torch, check, function, derivative):
    """At x = 0 relu' = 0, clamp(min=0)' = clamp(0, 0)' = 1 (clamp passes the gradient on its closed interval)
    and abs' = 0; away from 0 each has its ordinary derivative."""
    x = torch.tensor(KINK_POINTS, requires_grad=True)
    function(torch, x).sum().backward()
    check.equal(x.grad, derivative, f"derivative at {KINK_POINTS}")


@spec("CHAIN-5", source="catalogue")
def test_max_splits_ties_evenly(torch, check):
    """x.max() with the maximum reached twice sends half the gradient to each maximal element."""
    x = torch.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    check.equal(x.grad, [0.0, 0.5, 0.5], "x.grad of max() over [1, 3, 3]")


@spec("CHAIN-5", source="catalogue")
def test_maximum_splits_ties_evenly(torch, check):
    """maximum(a, b) where a == b sends half the gradient to each side."""
    a = torch.tensor([1.0, 2.0, 5.0], requires_grad=True)
    b = torch.tensor([3.0, 2.0, 4.0], requires_grad=True)
    a.maximum(b).sum().backward()
    check.equal(a.grad, [0.0, 0.5, 1.0], "a.grad: 0 where b wins, 0.5 at the tie, 1 where a wins")
    check.equal(b.grad, [1.0, 0.5, 0.0], "b.grad: 1 where b wins, 0.5 at the tie, 0 where a wins")


@spec("CHAIN-6", source="004_50a5472a54e6f60e.txt § 叶子Tensor")
# Reading .grad of a non-leaf warns (LEAF-3); that is not this clause's concern.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_two_weight_model_backward_with_upstream_gradient(torch, check):
    """In x2 = x1·w1, y = x2·w2 (x1 = 2, w1 = 5, w2 = 6), y.backward(-1·ones) gives x1.grad = -w1·w2 = -30,
    w1.grad = -x1·w2 = -12, w2.grad = -x2 = -10, and x2, y keep no .grad."""
    x1 = filled_2x2(torch, 2.0).requires_grad_(True)
    w1 = filled_2x2(torch, 5.0).requires_grad_(True)
    x2 = x1 * w1
    w2 = filled_2x2(torch, 6.0).requires_grad_(True)
    y = x2 * w2
    loss = filled_2x2(torch, 10.0) - y
    check.equal(x2, np.full((2, 2), 10.0), "x2 = x1 * w1")
    check.equal(y, np.full((2, 2), 60.0), "y = x2 * w2")
    check.equal(loss, np.full((2, 2), -50.0), "L = Y - y")

    # The gradient argument is dL/dy = -1. The tutorial says it may also be of a shape
    # broadcastable to y's; torch 2.13 rejects any other shape (VJP-4), so it has y's shape.
    y.backward(-1 * torch.ones(2, 2))
    check.equal(x1.grad, np.full((2, 2), -30.0), "x1.grad = -w1 * w2")
    check.equal(w1.grad, np.full((2, 2), -12.0), "w1.grad = -x1 * w2")
    check.equal(w2.grad, np.full((2, 2), -10.0), "w2.grad = -x2")
    check.none(x2.grad, "x2.grad: x2 is not a leaf")
    check.none(y.grad, "y.grad: y is not a leaf")
