"""requires_grad propagation and no_grad: which results are recorded for backward, and how to turn recording off."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import spec
from conformance.messages import MODIFIED_BY_INPLACE


def check_flag(check, t, expected, what):
    check.that(t.requires_grad is expected, f"{what}: requires_grad", expected=expected, actual=t.requires_grad)


def check_untracked_leaf(check, t, what):
    """``t`` does not require grad and is a leaf without grad_fn, as every result computed under no_grad()."""
    check_flag(check, t, False, what)
    check.leaf(t, True, what)


@spec("RG-1", source="catalogue: probe x + y, (x + y) + z")
def test_output_requires_grad_when_some_input_does(torch, check):
    """With only z requiring grad, x + y does not require grad and (x + y) + z does, as a non-leaf."""
    x = torch.tensor([1.0, 2.0])
    y = torch.tensor([3.0, 4.0])
    z = torch.tensor([5.0, 6.0], requires_grad=True)
    a = x + y
    check_flag(check, a, False, "x + y")
    b = a + z
    check_flag(check, b, True, "(x + y) + z")
    check.leaf(b, False, "(x + y) + z")


@spec("RG-1", source="001_7bced7f8c681d456.txt § code1")
def test_w_requires_grad_only_once_told(torch, check):
    """A tensor does not require grad by default ("默认的Tensor不会计算关于w的梯度"): w = tensor([1.0]) and
    the loss (w x - y)² require grad only after w.requires_grad = True."""
    w = torch.tensor([1.0])
    x, y = 1.0, 2.0
    check_flag(check, w, False, "w = tensor([1.0])")
    check_flag(check, (w * x - y) ** 2, False, "the loss of a w that does not require grad")

    w.requires_grad = True
    check_flag(check, w, True, "w after w.requires_grad = True")
    check_flag(check, (w * x - y) ** 2, True, "the loss (w x - y)²")


@spec("RG-1", source="catalogue")
@pytest.mark.parametrize(
    "create",
    [
        lambda torch: torch.tensor([1.0, 2.0]),
        lambda torch: torch.arange(4.0),
        lambda torch: torch.ones(2, 3),
        lambda torch: torch.zeros(2, 3),
        lambda torch: torch.ones_like(torch.zeros(2)),
        lambda torch: torch.zeros_like(torch.ones(2)),
    ],
    ids=["tensor", "arange", "ones", "zeros", "ones_like", "zeros_like"],
)
def test_created_tensors_do_not_require_grad(torch, check, create):
    """Every creation function makes a leaf with requires_grad=False unless asked otherwise."""
    check_flag(check, create(torch), False, "a newly created tensor")


BINARY_OPERATIONS = {
    "u + v": lambda torch, u, v: u + v,
    "v - u": lambda torch, u, v: v - u,
    "u * v": lambda torch, u, v: u * v,
    "u / v": lambda torch, u, v: u / v,
    "dot(u, v) * v": lambda torch, u, v: torch.dot(u, v) * v,
    "2 * u**2 + v": lambda torch, u, v: 2 * u**2 + v,
}
"""Ways to combine a result u with the next leaf v, putting v on either side of an operation."""


@spec("RG-1", source="catalogue")
@given(
    flags=st.lists(st.booleans(), min_size=2, max_size=5),
    operations=st.lists(st.sampled_from(sorted(BINARY_OPERATIONS)), min_size=4, max_size=4),
)
def test_requires_grad_is_any_of_the_inputs(torch, check, flags, operations):
    """Folding leaves with + - * / dot and powers, in any order, gives a result that requires grad exactly when
    one of the leaves does, whichever side of each operation it is on."""
    leaves = [torch.tensor([1.0, 2.0], requires_grad=flag) for flag in flags]
    result = leaves[0]
    for leaf, operation in zip(leaves[1:], operations, strict=False):
        result = BINARY_OPERATIONS[operation](torch, result, leaf)
    check_flag(check, result, any(flags), f"{operations[: len(flags) - 1]} folded over leaves with flags {flags}")


ONLY_FLOATING_POINT = "Only Tensors of floating point and complex dtype can require gradients"
ONLY_FLOATING_POINT_IN_PLACE = "only Tensors of floating point dtype can require gradients"


@spec("RG-2", source="002_d01b84c90aaf253a.txt § In [49] (its comment x = torch.arange(4, requires_grad=True))")
@pytest.mark.parametrize(
    "create",
    [
        lambda torch: torch.arange(4, requires_grad=True),
        lambda torch: torch.tensor([1, 2], requires_grad=True),
        lambda torch: torch.zeros(2, dtype=torch.int64, requires_grad=True),
    ],
    ids=["arange(4)", "tensor([1, 2])", "zeros(2, dtype=int64)"],
)
def test_integer_tensor_cannot_be_created_requiring_grad(torch, check, create):
    """Creating an int64 tensor with requires_grad=True (arange(4), tensor([1, 2]), zeros(2, dtype=int64)) raises
    RuntimeError 'Only Tensors of floating point and complex dtype can require gradients'."""
    with check.raises(RuntimeError, ONLY_FLOATING_POINT, "creating an int64 tensor with requires_grad=True"):
        create(torch)


@spec("RG-2", source="catalogue")
def test_integer_tensor_cannot_be_told_to_require_grad(torch, check):
    """requires_grad_() on the int64 tensor tensor([1, 2]) raises RuntimeError 'only Tensors of floating point
    dtype can require gradients' and leaves it not requiring grad."""
    t = torch.tensor([1, 2])
    check.that(t.dtype == torch.int64, "dtype of tensor([1, 2])", expected=torch.int64, actual=t.dtype)
    with check.raises(RuntimeError, ONLY_FLOATING_POINT_IN_PLACE, "requires_grad_() on an int64 tensor"):
        t.requires_grad_()
    check_flag(check, t, False, "the int64 tensor after the refused requires_grad_()")


@spec("RG-3", source="002_d01b84c90aaf253a.txt § In [49]")
def test_requires_grad__returns_x_itself(torch, check):
    """x.requires_grad_(True) on x = arange(4.0) returns x itself, now a leaf that requires grad with values
    [0, 1, 2, 3] (the notebook prints tensor([0., 1., 2., 3.], requires_grad=True))."""
    x = torch.arange(4.0)
    returned = x.requires_grad_(True)
    check.that(returned is x, "x.requires_grad_(True) is x", expected="x", actual=returned)
    check_flag(check, x, True, "x after x.requires_grad_(True)")
    check.leaf(x, True, "x")
    check.equal(x, [0.0, 1.0, 2.0, 3.0], "x, unchanged by requires_grad_")


@spec("RG-3", source="000_df3ab9637a332bf6.txt § Code: requires_grad_(True) is equivalent to requires_grad=True")
def test_requires_grad__is_equivalent_to_creating_with_requires_grad(torch, check):
    """x = arange(4.0) then x.requires_grad_(True) gives the same leaf as arange(4.0, requires_grad=True):
    requires grad, .grad None, and y = 2 dot(x, x) gives both the same x.grad."""
    told = torch.arange(4.0)
    told.requires_grad_(True)
    created = torch.arange(4.0, requires_grad=True)
    for name, x in (("x.requires_grad_(True)", told), ("arange(4.0, requires_grad=True)", created)):
        check_flag(check, x, True, name)
        check.leaf(x, True, name)
        check.none(x.grad, f"{name}: .grad before backward")
        (2 * torch.dot(x, x)).backward()
    # The same gradient, whatever it is: its value, 4x, is CHAIN-4's concern.
    check.equal(told.grad, check.values(created.grad), "x.grad after requires_grad_(True), against creation's")


@spec("RG-3", source="catalogue")
def test_requires_grad__defaults_to_true_and_can_be_undone(torch, check):
    """t.requires_grad_() sets requires_grad to True, and t.requires_grad_(False) sets it back on the leaf."""
    t = torch.ones(2)
    t.requires_grad_()
    check_flag(check, t, True, "t after t.requires_grad_()")
    t.requires_grad_(False)
    check_flag(check, t, False, "t after t.requires_grad_(False)")
    check.leaf(t, True, "t after both")


@spec("RG-3", source="catalogue")
def test_requires_grad__does_not_reach_earlier_results(torch, check):
    """u = t * 2 computed before t.requires_grad_() keeps requires_grad False; v = t * 2 computed after requires it."""
    t = torch.ones(2)
    u = t * 2
    t.requires_grad_()
    check_flag(check, u, False, "u = t * 2, computed before t.requires_grad_()")
    check_flag(check, t * 2, True, "t * 2, computed after t.requires_grad_()")


def _created_frozen(torch, value):
    return torch.tensor(value)


def _frozen_with_requires_grad_(torch, value):
    return torch.tensor(value, requires_grad=True).requires_grad_(False)


def _frozen_with_assignment(torch, value):
    w = torch.tensor(value, requires_grad=True)
    w.requires_grad = False
    return w


@spec("RG-6", source="catalogue")
@pytest.mark.parametrize(
    "freeze",
    [_created_frozen, _frozen_with_requires_grad_, _frozen_with_assignment],
    ids=["created-frozen", "requires_grad_(False)", "requires_grad=False"],
)
def test_frozen_parameter_keeps_grad_none(torch, check, freeze):
    """In loss = sum(x · frozen · trainable) with x = [1, 2], frozen = [3, 4], trainable = [5, 6], the frozen
    parameter keeps .grad None and the trainable one gets x · frozen = [3, 8]."""
    x = torch.tensor([1.0, 2.0])
    frozen = freeze(torch, [3.0, 4.0])
    trainable = torch.tensor([5.0, 6.0], requires_grad=True)
    (x * frozen * trainable).sum().backward()
    check.none(frozen.grad, "frozen.grad")
    check.equal(trainable.grad, [3.0, 8.0], "trainable.grad = x · frozen")


@spec("RG-6", source="catalogue: probed on torch 2.13")
def test_parameter_frozen_after_the_forward_keeps_grad_none(torch, check):
    """A parameter frozen with requires_grad_(False) after the loss was computed, before backward, keeps
    .grad None: the flag counts when the gradient arrives, not when the graph was built."""
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    trainable = torch.tensor([5.0, 6.0], requires_grad=True)
    loss = (w * trainable).sum()
    w.requires_grad_(False)
    loss.backward()
    check.none(w.grad, "w.grad, w frozen after the forward")
    check.equal(trainable.grad, [3.0, 4.0], "trainable.grad = w")


@spec("NG-1", source="catalogue")
def test_results_under_no_grad_are_untracked_leaves(torch, check):
    """Inside no_grad(), y = x * 2 of an x that requires grad has the values [2, 4] but does not require grad,
    has no grad_fn and is a leaf."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        y = x * 2
    check.equal(y, [2.0, 4.0], "y = x * 2")
    check_untracked_leaf(check, y, "y = x * 2 computed under no_grad()")


def check_grad_enabled(check, torch, expected, where):
    enabled = torch.is_grad_enabled()
    check.that(enabled is expected, f"is_grad_enabled() {where}", expected=expected, actual=enabled)


@spec("NG-1", source="catalogue")
def test_no_grad_restores_the_previous_mode_on_exit(torch, check):
    """is_grad_enabled() is True outside no_grad(), False inside it, still False after a nested no_grad() exits
    (results there stay untracked), and True again after the outer one exits."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    check_grad_enabled(check, torch, True, "before no_grad()")
    with torch.no_grad():
        check_grad_enabled(check, torch, False, "inside no_grad()")
        with torch.no_grad():
            check_grad_enabled(check, torch, False, "inside a nested no_grad()")
        check_grad_enabled(check, torch, False, "after the nested no_grad() exits, still inside the outer one")
        check_untracked_leaf(check, x * 2, "x * 2 after the nested no_grad() exits")
    check_grad_enabled(check, torch, True, "after no_grad() exits")
    check_flag(check, x * 2, True, "x * 2 after no_grad() exits")


@spec("NG-1", source="catalogue")
def test_values_computed_under_no_grad_act_as_constants(torch, check):
    """c = x * 10 computed under no_grad() is a constant in a later graph: (c * x).sum().backward() gives
    x.grad = c = [10, 20], not the 2 · 10x of a tracked c."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        c = x * 10
    (c * x).sum().backward()
    check.equal(x.grad, [10.0, 20.0], "x.grad = c")


@spec("NG-1", source="catalogue")
def test_creating_with_requires_grad_under_no_grad_makes_a_leaf_that_requires_grad(torch, check):
    """tensor([1, 2], requires_grad=True) under no_grad() is a leaf that requires grad, and gets x.grad = 2x
    from a backward after the block."""
    with torch.no_grad():
        x = torch.tensor([1.0, 2.0], requires_grad=True)
    check_flag(check, x, True, "x created with requires_grad=True under no_grad()")
    check.leaf(x, True, "x created under no_grad()")
    (x * x).sum().backward()
    check.equal(x.grad, [2.0, 4.0], "x.grad = 2x")


LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_IN_PLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def _subtract_in_place(w):
    w -= 0.5


IN_PLACE_STEPS = pytest.mark.parametrize(
    ("step_in_place", "stepped"),
    [(_subtract_in_place, [0.5, 1.5]), (lambda w: w.add_(-0.5), [0.5, 1.5]), (lambda w: w.mul_(0.5), [0.5, 1.0])],
    ids=["w -= 0.5", "w.add_(-0.5)", "w.mul_(0.5)"],
)


@spec("NG-2", source="catalogue")
@IN_PLACE_STEPS
def test_in_place_update_of_a_leaf_requires_no_grad(torch, check, step_in_place, stepped):
    """An in-place step (w -= 0.5, add_, mul_) on a leaf w = [1, 2] that requires grad raises RuntimeError 'a leaf
    Variable that requires grad is being used in an in-place operation.' and leaves w unchanged."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with check.raises(RuntimeError, LEAF_IN_PLACE, "an in-place step on a leaf that requires grad"):
        step_in_place(w)
    check.equal(w, [1.0, 2.0], "w after the refused step")


@spec("NG-2", source="catalogue")
@IN_PLACE_STEPS
def test_in_place_update_under_no_grad_keeps_a_leaf(torch, check, step_in_place, stepped):
    """Under no_grad() the same step updates w = [1, 2] (to [0.5, 1.5], or [0.5, 1] for mul_(0.5)), and w stays a
    leaf that requires grad."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        step_in_place(w)
    check.equal(w, stepped, "w after the step")
    check_flag(check, w, True, "w after the step under no_grad()")
    check.leaf(w, True, "w after the step under no_grad()")


@spec("NG-2", source="catalogue", needs=["inplace"])
@pytest.mark.parametrize(
    "write",
    [lambda w: w[0].add_(1.0), lambda w: w.__setitem__(0, 3.0)],
    ids=["w[0].add_(1)", "w[0] = 3"],
)
def test_in_place_update_through_a_view_of_a_leaf_requires_no_grad(torch, check, write):
    """Writing into a leaf that requires grad through a view or setitem raises RuntimeError 'a view of a leaf
    Variable that requires grad is being used in an in-place operation.'"""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with check.raises(RuntimeError, VIEW_OF_LEAF_IN_PLACE, "an in-place write into a view of a leaf"):
        write(w)


@spec("NG-3", source="catalogue")
def test_update_under_no_grad_invalidates_a_graph_that_saved_the_leaf(torch, check):
    """y = w * w saves w; w -= 0.5 under no_grad() takes w._version from 0 to 1, so y.sum().backward() raises
    RuntimeError 'modified by an inplace operation'."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    y = w * w
    with torch.no_grad():
        w -= 0.5
    check.that(w._version == 1, "w._version after the step", expected=1, actual=w._version)
    with check.raises(RuntimeError, MODIFIED_BY_INPLACE, "backward through w * w after w changed under no_grad()"):
        y.sum().backward()


@spec("NG-4", source="catalogue")
def test_backward_inside_no_grad_computes_gradients(torch, check):
    """y = sum(x · x) built outside no_grad() and backpropagated inside it gives x.grad = 2x = [2, 4], a tensor
    without grad_fn."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with torch.no_grad():
        y.backward()
    check.equal(x.grad, [2.0, 4.0], "x.grad = 2x")
    check.that(x.grad.grad_fn is None, "x.grad.grad_fn", expected=None, actual=x.grad.grad_fn)


NON_DIFFERENTIABLE = [
    lambda torch, x: x.argmax(),
    lambda torch, x: x > 0,
    lambda torch, x: x < 0,
    lambda torch, x: x.long(),
    lambda torch, x: torch.zeros_like(x),
]


@spec("RG-4", source="catalogue")
@pytest.mark.parametrize(
    "operation", NON_DIFFERENTIABLE, ids=["x.argmax()", "x > 0", "x < 0", "x.long()", "zeros_like(x)"]
)
def test_non_differentiable_results_do_not_require_grad(torch, check, operation):
    """argmax, comparisons, the cast .long() and zeros_like of an x that requires grad do not require grad."""
    x = torch.tensor([-1.6, 0.4, 2.5], requires_grad=True)
    check_flag(check, operation(torch, x), False, "the result")


@spec("RG-4", source="catalogue")
@pytest.mark.parametrize(
    "operation",
    [lambda x: x.sign(), lambda x: x.floor(), lambda x: x.round()],
    ids=["sign", "floor", "round"],
)
def test_piecewise_constant_results_have_zero_gradients(torch, check, operation):
    """sign, floor and round of x = [-1.6, 0.4, 2.5] require grad, and backward through them gives x.grad = 0."""
    x = torch.tensor([-1.6, 0.4, 2.5], requires_grad=True)
    y = operation(x)
    check_flag(check, y, True, "the result")
    y.sum().backward()
    check.equal(x.grad, np.zeros(3), "x.grad, zero where the function is flat")


@spec("RG-5", source="catalogue")
def test_in_place_op_with_a_tracked_input_makes_a_tracked_non_leaf(torch, check):
    """a = zeros(2); a.add_(x) with x = [1, 2] requiring grad makes a = [1, 2] a non-leaf that requires grad,
    through which (3a).sum().backward() gives x.grad = [3, 3]."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    a = torch.zeros(2)
    a.add_(x)
    check.equal(a, [1.0, 2.0], "a after a.add_(x)")
    check_flag(check, a, True, "a after a.add_(x)")
    check.leaf(a, False, "a after a.add_(x)")
    (3 * a).sum().backward()
    check.equal(x.grad, [3.0, 3.0], "x.grad through a")
