"""Broadcasting and repeated use: gradients are summed, over broadcast dimensions and over uses."""

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import spec
from conformance.strategies import SMALL_INTEGERS


def _sum_to_shape(grad, shape):
    """Reduce a gradient of the broadcast shape to ``shape``: sum the leading dimensions
    broadcasting added, then the dimensions where ``shape`` has 1 and the result does not."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=stretched, keepdims=True)


@spec("BC-1", source="catalogue: probe a(3,1) * b(1,4) + c(4) + s()")
def test_broadcast_inputs_get_grads_of_their_own_shape(torch, check):
    """In (a * b + c + s).sum() with shapes (3, 1), (1, 4), (4,) and (), a.grad has shape (3, 1) with every
    entry b.sum(), b.grad has shape (1, 4) with every entry a.sum(), c.grad = [3, 3, 3, 3], s.grad = 12."""
    a = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    b = torch.tensor([[1.0, 2.0, 3.0, 4.0]], requires_grad=True)
    c = torch.tensor([0.5, -0.5, 1.5, 2.5], requires_grad=True)
    s = torch.tensor(7.0, requires_grad=True)

    (a * b + c + s).sum().backward()
    check.equal(a.grad, np.full((3, 1), 10.0), "a.grad: b summed over the 4 columns a was broadcast along")
    check.equal(b.grad, np.full((1, 4), 6.0), "b.grad: a summed over the 3 rows b was broadcast along")
    check.equal(c.grad, [3.0, 3.0, 3.0, 3.0], "c.grad: ones summed over the 3 rows")
    check.equal(s.grad, np.array(12.0), "s.grad: ones summed over all 12 elements, shape ()")


@spec("BC-1", source="catalogue: probe (2,1,3) + (5,2,4,3)")
def test_leading_and_inner_broadcast_dims_are_summed(torch, check):
    """Adding a (2, 1, 3) leaf to a (5, 2, 4, 3) tensor gives a (2, 1, 3) grad of 20s: 5 leading copies times 4 inner ones."""
    small = torch.ones(2, 1, 3, requires_grad=True)
    big = torch.ones(5, 2, 4, 3)
    (small + big).sum().backward()
    check.equal(small.grad, np.full((2, 1, 3), 20.0), "small.grad")


@spec("BC-1", source="catalogue")
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=3), data=st.data())
def test_broadcast_grads_are_summed_to_each_inputs_shape(torch, check, shapes, data):
    """For any mutually broadcastable shapes, (a * b + c).sum() gives a.grad = b summed to a's shape,
    b.grad = a summed to b's shape and c.grad = ones summed to c's shape."""
    a_shape, b_shape, c_shape = shapes.input_shapes
    a_np, b_np, c_np = (
        data.draw(hnp.arrays(np.float64, shape, elements=SMALL_INTEGERS), label=name)
        for name, shape in zip("abc", shapes.input_shapes, strict=True)
    )
    note(f"shapes {shapes.input_shapes} broadcast to {shapes.result_shape}")
    a, b, c = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a_np, b_np, c_np))

    (a * b + c).sum().backward()
    ones = np.ones(shapes.result_shape)
    check.equal(a.grad, _sum_to_shape(ones * b_np, a_shape), "a.grad = b summed to a's shape")
    check.equal(b.grad, _sum_to_shape(ones * a_np, b_shape), "b.grad = a summed to b's shape")
    check.equal(c.grad, _sum_to_shape(ones, c_shape), "c.grad = ones summed to c's shape")


@spec("MULTI-1", source="catalogue")
@pytest.mark.parametrize(
    ("expression", "derivative"),
    [
        (lambda x: x * x, 6.0),
        (lambda x: x + x + x, 3.0),
    ],
    ids=["x*x", "x+x+x"],
)
def test_every_use_of_a_leaf_contributes(torch, check, expression, derivative):
    """At x = 3, x*x gives 2x = 6 and x+x+x gives 3."""
    x = torch.tensor(3.0, requires_grad=True)
    expression(x).backward()
    check.equal(x.grad, derivative, "x.grad, the sum over every use of x")


@spec("MULTI-1", source="catalogue")
def test_every_use_of_an_intermediate_contributes(torch, check):
    """In the diamond a = 2x, f = a*a + a, a's two uses add up before flowing to x: df/dx = 2(2a + 1) = 26 at x = 3."""
    x = torch.tensor(3.0, requires_grad=True)
    a = 2 * x
    f = a * a + a
    check.equal(f, 42.0, "f = a² + a at a = 6")
    f.backward()
    check.equal(x.grad, 26.0, "x.grad = 8x + 2")


def _sum_then_backward(torch, y1, y2):
    (y1.sum() + y2.sum()).backward()


def _two_backwards(torch, y1, y2):
    y1.sum().backward()
    y2.sum().backward()


def _backward_of_both_roots(torch, y1, y2):
    torch.autograd.backward([y1.sum(), y2.sum()])


@spec("MULTI-1", source="catalogue")
@pytest.mark.parametrize(
    "backpropagate",
    [_sum_then_backward, _two_backwards, _backward_of_both_roots],
    ids=["sum-then-backward", "two-backwards", "autograd.backward-of-both"],
)
def test_outputs_sharing_a_leaf_add_up(torch, check, backpropagate):
    """With y1 = x*x and y2 = 2x at x = [1, 2], backpropagating both outputs gives 2x + 2 = [4, 6], however it is done."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    backpropagate(torch, x * x, 2 * x)
    check.equal(x.grad, [4.0, 6.0], "x.grad = 2x + 2")
