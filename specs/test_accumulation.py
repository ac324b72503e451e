"""Accumulation and zeroing: every backward adds into a leaf's .grad, until zero_() or grad = None resets it."""

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import spec
from conformance.strategies import SMALL_INTEGERS
from conformance.tutorials import filled_2x2

MAX_BACKWARDS = 4
"""The property accumulates at most this many gradients: enough to see a running sum, few enough to stay quick."""


@spec("ACC-1", source="002_d01b84c90aaf253a.txt § In [52]")
def test_second_computation_adds_to_the_first(torch, check):
    """Backpropagating y1 = 2x² then y2 = x² with ones gives x.grad = 4x = [0, 4, 8, 12], then 4x + 2x = [0, 6, 12, 18]."""
    x = torch.arange(4.0, requires_grad=True)

    y1 = 2 * (x**2)
    y1.backward(torch.ones_like(x))
    check.equal(x.grad, [0.0, 4.0, 8.0, 12.0], "x.grad after the first computation, 4x")

    y2 = x**2
    y2.backward(torch.ones_like(x))
    check.equal(x.grad, [0.0, 6.0, 12.0, 18.0], "x.grad after the second computation, 4x + 2x")


@spec("ACC-1", source="catalogue: the tutorial's (eye(4, 5) + 1).pow(2).t(), backpropagated twice")
def test_retained_graph_backpropagated_twice_doubles_the_gradient(torch, check):
    """y = (x + 1)².t() at x = eye(4, 5), backpropagated with ones and retain_graph=True, gives x.grad = 2(x + 1):
    4 on the diagonal and 2 elsewhere; a second backward through the same graph doubles it to 8 and 4."""
    eye = np.eye(4, 5, dtype=np.float32)
    x = torch.tensor(eye, requires_grad=True)
    y = (x + 1).pow(2).t()

    y.backward(torch.ones_like(y), retain_graph=True)
    check.equal(x.grad, np.where(eye == 1, 4.0, 2.0), "x.grad after one backward, 2(x + 1)")
    y.backward(torch.ones_like(y))
    check.equal(x.grad, np.where(eye == 1, 8.0, 4.0), "x.grad after two backwards, 2 * 2(x + 1)")


@spec("ACC-1", source="004_50a5472a54e6f60e.txt § 叶子Tensor: 更新是“累加”的")
def test_another_loss_of_x1_accumulates_into_x1_grad(torch, check):
    """After y = x1·w1·w2 is backpropagated with -1 (x1.grad = -w1·w2 = -30), a second loss L2 = sum(x1²)
    adds its 2·x1 = 4 into x1.grad (-26) and leaves w1.grad = -12 as it was."""
    x1 = filled_2x2(torch, 2.0).requires_grad_(True)
    w1 = filled_2x2(torch, 5.0).requires_grad_(True)
    x2 = x1 * w1
    w2 = filled_2x2(torch, 6.0).requires_grad_(True)
    y = x2 * w2
    y.backward(-1 * torch.ones(2, 2))
    check.equal(x1.grad, np.full((2, 2), -30.0), "x1.grad after y.backward(-1), -w1 * w2")

    l2 = (x1 * x1).sum()
    l2.backward()
    check.equal(x1.grad, np.full((2, 2), -26.0), "x1.grad after L2.backward(), -30 + 2 * x1")
    check.equal(w1.grad, np.full((2, 2), -12.0), "w1.grad, which L2 does not depend on: still -x1 * w2")


def _backward_of_sum(torch, x, c):
    (c * x * x).sum().backward()


def _backward_with_gradient(torch, x, c):
    (x * x).backward(c)


@spec("ACC-1", source="catalogue")
@given(
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
    backwards=st.integers(1, MAX_BACKWARDS),
    data=st.data(),
)
def test_k_backwards_add_up(torch, check, shape, backwards, data):
    """For any shape and k <= 4, the i-th of k backwards of sum(c_i x²), or of x² with gradient c_i, leaves
    x.grad = 2x (c_1 + ... + c_i)."""
    x_np = data.draw(hnp.arrays(np.float64, shape, elements=SMALL_INTEGERS), label="x")
    x = torch.tensor(x_np, dtype=torch.float64, requires_grad=True)
    expected = np.zeros(shape)
    for i in range(1, backwards + 1):
        c_np = data.draw(hnp.arrays(np.float64, shape, elements=SMALL_INTEGERS), label=f"c_{i}")
        backward = data.draw(st.sampled_from([_backward_of_sum, _backward_with_gradient]), label=f"backward {i}")
        backward(torch, x, torch.tensor(c_np, dtype=torch.float64))
        expected = expected + 2 * c_np * x_np
        note(f"after backward {i}: expected x.grad = {expected}")
        check.equal(x.grad, expected, f"x.grad after backward {i} of {backwards}, the sum of the gradients so far")


@spec("ACC-2", source="catalogue")
def test_accumulation_updates_the_grad_object_in_place(torch, check):
    """After (2x).sum() and (3x).sum() are backpropagated, x.grad is the object the first backward created,
    now holding [5, 5, 5]."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).sum().backward()
    first = x.grad

    (x * 3).sum().backward()
    check.that(x.grad is first, "x.grad is the object the first backward created", expected=True, actual=False)
    check.equal(first, [5.0, 5.0, 5.0], "the first backward's .grad object after the second backward, 2 + 3")


@spec("ACC-3", source="000_df3ab9637a332bf6.txt § Code")
def test_grad_is_none_until_the_first_backward(torch, check):
    """x.grad is None (默认为None) after x.requires_grad_(True) and before y = 2 dot(x, x) is backpropagated,
    then a tensor of x's shape (its values, 4x, are CHAIN-4's)."""
    x = torch.arange(4.0)
    x.requires_grad_(True)
    check.none(x.grad, "x.grad before any backward")

    y = 2 * torch.dot(x, x)
    y.backward()
    check.shape(x.grad, (4,), "x.grad after y.backward()")


def _unused(torch, b):
    """b takes part in no computation at all."""


def _in_another_output(torch, b):
    """b takes part in a computation whose output is never backpropagated."""
    return (b * 3).sum()


@spec("ACC-3", source="catalogue")
@pytest.mark.parametrize("use_b", [_unused, _in_another_output], ids=["unused", "in-another-output"])
def test_leaf_the_backward_never_reaches_keeps_none(torch, check, use_b):
    """When (2a).sum() is backpropagated, a.grad = [2, 2, 2] and a leaf b that requires grad but that
    the backward never reaches keeps b.grad = None, not zeros."""
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
    use_b(torch, b)

    (a * 2).sum().backward()
    check.equal(a.grad, [2.0, 2.0, 2.0], "a.grad")
    check.none(b.grad, "b.grad of a leaf the backward does not reach")


@spec("ACC-3", source="catalogue")
@pytest.mark.parametrize(
    ("output", "gradient"),
    [
        (lambda a: (a * 0).sum(), [0.0, 0.0, 0.0]),
        (lambda a: a[0], [1.0, 0.0, 0.0]),
    ],
    ids=["(a*0).sum()", "a[0]"],
)
def test_leaf_reached_with_zero_gradient_gets_zeros(torch, check, output, gradient):
    """A leaf the backward reaches with a zero gradient gets zeros where it is zero:
    (a * 0).sum() gives a.grad = [0, 0, 0] and a[0] gives [1, 0, 0]."""
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    output(a).backward()
    check.equal(a.grad, gradient, "a.grad, a tensor of a's shape even where the gradient is zero")


@spec("ACC-4", source="catalogue")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_is_a_plain_leaf_of_the_leafs_shape_and_dtype(torch, check, dtype):
    """A (2, 3) leaf of dtype float32 or float64 gets a .grad of shape (2, 3) and the same dtype,
    that does not require grad, is a leaf and has no grad_fn."""
    x = torch.ones(2, 3, dtype=getattr(torch, dtype), requires_grad=True)
    (x * x).sum().backward()

    grad = x.grad
    check.shape(grad, (2, 3), "x.grad shape")
    check.that(grad.dtype == x.dtype, "x.grad dtype", expected=x.dtype, actual=grad.dtype)
    check.that(grad.requires_grad is False, "x.grad.requires_grad", expected=False, actual=grad.requires_grad)
    check.that(grad.is_leaf is True, "x.grad.is_leaf", expected=True, actual=grad.is_leaf)
    check.none(grad.grad_fn, "x.grad.grad_fn")


@spec("ACC-5", source="catalogue")
@pytest.mark.parametrize(
    ("make_grad", "error", "fragment"),
    [
        (lambda torch: torch.zeros(2), RuntimeError, "attempting to assign a gradient of size"),
        (lambda torch: torch.zeros(3, dtype=torch.float64), RuntimeError, "attempting to assign a gradient with dtype"),
        (lambda torch: 1.0, TypeError, "assigned grad expected to be a Tensor or None"),
    ],
    ids=["wrong-shape", "wrong-dtype", "not-a-tensor"],
)
def test_assigning_a_mismatched_grad_raises(torch, check, make_grad, error, fragment):
    """Assigning a .grad of shape (2,) or dtype float64 to a float32 leaf of shape (3,) raises RuntimeError;
    assigning a Python float raises TypeError."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with check.raises(error, fragment, "x.grad = a mismatched gradient"):
        x.grad = make_grad(torch)


@spec("ACC-5", source="catalogue")
def test_backward_accumulates_onto_an_assigned_grad(torch, check):
    """After x.grad = [7, 7, 7], x.sum().backward() adds its ones: x.grad = [8, 8, 8]."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.grad = torch.tensor([7.0, 7.0, 7.0])
    x.sum().backward()
    check.equal(x.grad, [8.0, 8.0, 8.0], "x.grad after backward onto the assigned 7s")


@spec("ZERO-1", source="002_d01b84c90aaf253a.txt § In [52]-[53]")
def test_zero_between_computations_gives_each_gradient_alone(torch, check):
    """With x.grad.zero_() before each backward, y1 = 2x² gives x.grad = [0, 4, 8, 12] and y2 = x² gives
    [0, 2, 4, 6]; a last zero_() leaves [0, 0, 0, 0]."""
    x = torch.arange(4.0, requires_grad=True)
    (2 * (x**2)).backward(torch.ones_like(x))
    (x**2).backward(torch.ones_like(x))  # In [52]: x.grad now holds both gradients

    x.grad.zero_()
    y1 = 2 * (x**2)
    y1.backward(torch.ones_like(x))
    check.equal(x.grad, [0.0, 4.0, 8.0, 12.0], "x.grad of y1 alone, 4x")

    x.grad.zero_()
    y2 = x**2
    y2.backward(torch.ones_like(x))
    check.equal(x.grad, [0.0, 2.0, 4.0, 6.0], "x.grad of y2 alone, 2x")

    x.grad.zero_()
    check.equal(x.grad, [0.0, 0.0, 0.0, 0.0], "x.grad after the last zero_()")


@spec("ZERO-1", source="catalogue")
def test_zero_clears_the_gradient_in_place(torch, check):
    """x.grad.zero_() zeroes the gradient object itself: a reference g = x.grad taken before reads [0, 0, 0],
    and the next backward of sum(x²) gives x.grad = 2x = [2, 4, 6]."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad

    x.grad.zero_()
    check.equal(g, [0.0, 0.0, 0.0], "g, the gradient read before x.grad.zero_()")
    check.equal(x.grad, [0.0, 0.0, 0.0], "x.grad after zero_()")
    (x**2).sum().backward()
    check.equal(x.grad, [2.0, 4.0, 6.0], "x.grad after the next backward, 2x alone")


@spec("ZERO-2", source="catalogue")
def test_setting_grad_to_none_resets_it(torch, check):
    """After x.grad = None, x.grad is None and the next backward of (5x).sum() creates a fresh x.grad = [5, 5, 5],
    leaving the old gradient [2, 2, 2] untouched."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).sum().backward()
    old = x.grad

    x.grad = None
    check.none(x.grad, "x.grad after x.grad = None")
    (x * 5).sum().backward()
    check.equal(x.grad, [5.0, 5.0, 5.0], "x.grad after the next backward, 5 alone")
    check.equal(old, [2.0, 2.0, 2.0], "the gradient set aside before x.grad = None")


@spec("ZERO-3", source="000_df3ab9637a332bf6.txt § Code")
def test_zero_on_a_grad_that_is_none_raises_attribute_error(torch, check):
    """x.grad.zero_() before any backward, while x.grad is None, raises AttributeError
    "'NoneType' object has no attribute 'zero_'"."""
    x = torch.arange(4.0)
    x.requires_grad_(True)
    with check.raises(AttributeError, "'NoneType' object has no attribute 'zero_'", "x.grad.zero_() before backward"):
        x.grad.zero_()


LEARNING_RATE = 0.25
"""A power of two, so every update of w is exact in float32."""


@spec("ZERO-5", source="001_7bced7f8c681d456.txt § code1: 一定显式清0，否则w中每次计算出的梯度会累加")
def test_training_loop_that_never_zeroes_accumulates(torch, check):
    """A loop over loss = 2w with the untracked update w -= 0.25 w.grad and no zeroing, from w = [1], sees
    w.grad = [2], [4], [6] after its three backwards, so w goes 0.5, -0.5, -2."""
    w = torch.tensor([1.0])
    w.requires_grad = True
    for iteration, (grad, value) in enumerate([(2.0, 0.5), (4.0, -0.5), (6.0, -2.0)], start=1):
        loss = 2 * w
        loss.backward()
        check.equal(w.grad, [grad], f"w.grad after backward {iteration}, 2 per iteration so far")
        with torch.no_grad():
            w -= LEARNING_RATE * w.grad
        check.equal(w, [value], f"w after update {iteration}")
