"""detach(): a leaf over the same memory, cut from the graph, whose values backward treats as constants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import spec
from conformance.messages import MODIFIED_BY_INPLACE
from conformance.strategies import SMALL_INTEGERS


def _graph_result(torch):
    """(x, y): y = x * x at x = [1, 2, 3], a non-leaf that requires grad."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return x, x * x


def _leaf_requiring_grad(torch):
    """(y, y): y = [1, 4, 9] is its own leaf."""
    y = torch.tensor([1.0, 4.0, 9.0], requires_grad=True)
    return y, y


SOURCES_REQUIRING_GRAD = dict(
    argvalues=[_graph_result, _leaf_requiring_grad], ids=["non-leaf y=x*x", "leaf requiring grad"]
)


def _scalar_graph_result(torch):
    """(x, y): y = x * x at x = 3, a 0-d non-leaf that requires grad."""
    x = torch.tensor(3.0, requires_grad=True)
    return x, x * x


@spec("DET-1", source="catalogue")
@pytest.mark.parametrize(
    "make",
    [_graph_result, _leaf_requiring_grad, _scalar_graph_result],
    ids=["non-leaf y=x*x", "leaf requiring grad", "0-d non-leaf"],
)
def test_detach_gives_a_leaf_with_the_same_values(torch, check, make):
    """y.detach() has y's values and shape, does not require grad, is a leaf with no grad_fn, and leaves y as it was."""
    _, y = make(torch)
    y_was_leaf = y.is_leaf
    u = y.detach()
    check.equal(u, check.values(y), "values of y.detach(), in y's shape")
    check.that(not u.requires_grad, "y.detach().requires_grad", expected=False, actual=u.requires_grad)
    check.that(u.is_leaf, "y.detach().is_leaf", expected=True, actual=u.is_leaf)
    check.none(u.grad_fn, "y.detach().grad_fn")
    check.that(y.requires_grad, "y.requires_grad after y.detach()", expected=True, actual=y.requires_grad)
    check.that(y.is_leaf == y_was_leaf, "y.is_leaf after y.detach()", expected=y_was_leaf, actual=y.is_leaf)


def _graph_result_never_backpropagated(torch):
    """y = x * 1 with x requiring grad: changing y in place is legal as long as nothing backpropagates through it."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return x * 1


@spec("DET-2", source="catalogue")
@pytest.mark.parametrize(
    "make",
    [lambda torch: torch.tensor([1.0, 2.0, 3.0]), _graph_result_never_backpropagated],
    ids=["leaf without grad", "non-leaf with no later backward"],
)
def test_detached_tensor_shares_memory_with_its_source(torch, check, make):
    """u = y.detach() shares y's memory: u.add_(1) turns y = [1, 2, 3] into [2, 3, 4], and y.add_(1) is seen in u."""
    y = make(torch)
    u = y.detach()
    u.add_(1)
    check.equal(y, [2.0, 3.0, 4.0], "y after u.add_(1) through its detached alias u")
    y.add_(1)
    check.equal(u, [3.0, 4.0, 5.0], "u after y.add_(1) on its source y")


def _detached_square_times_x(torch, square):
    """x = arange(4.0) requiring grad, u = square(x).detach(), then (u * x).sum().backward(): returns x and u."""
    x = torch.arange(4.0)
    x.requires_grad_(True)
    u = square(x).detach()
    z = u * x
    z.sum().backward()
    return x, u


@spec("DET-3", source="000_df3ab9637a332bf6.txt § Code")
def test_detached_square_is_a_constant_factor(torch, check):
    """With u = (x * x).detach() at x = arange(4.0), z = u * x backpropagates x.grad = u = [0, 1, 4, 9], not 3x²."""
    x, u = _detached_square_times_x(torch, lambda x: x * x)
    check.equal(u, [0.0, 1.0, 4.0, 9.0], "u = (x * x).detach()")
    check.equal(x.grad, check.values(u), "x.grad == u: d(u * x)/dx with u held constant")


@spec("DET-3", source="002_d01b84c90aaf253a.txt § In [54]")
def test_detached_power_is_a_constant_factor(torch, check):
    """With u = (x ** 2).detach() at x = arange(4.0), z = u * x backpropagates x.grad = [0, 1, 4, 9], equal to u."""
    x, u = _detached_square_times_x(torch, lambda x: x**2)
    check.equal(x.grad, [0.0, 1.0, 4.0, 9.0], "x.grad, printed as tensor([0., 1., 4., 9.])")
    check.equal(x.grad, check.values(u), "x.grad == u, printed as all True")


@spec("DET-3", source="catalogue")
def test_detached_copy_of_y_adds_no_gradient(torch, check):
    """d(y + y.detach())/dx for y = x² at x = 2 is dy/dx = 4: the detached term contributes nothing."""
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    (y + y.detach()).backward()
    check.equal(x.grad, 4.0, "x.grad of y + y.detach(), which is 2x, not 4x")


# (g, f, ∂f/∂x with c held constant): f(x, g(x).detach()) must backpropagate the partial
# derivative evaluated at c = g(x), never the total derivative that would include dg/dx.
# Each function uses only operators, so it runs on NumPy arrays and backend tensors alike;
# each f uses x once, so only detach, not the summing over uses (MULTI-1), is at stake.
HELD_CONSTANT = [
    (lambda x: x * x, lambda x, c: c * x, lambda x, c: c),
    (lambda x: x**3, lambda x, c: (x + c) ** 2, lambda x, c: 2 * (x + c)),
    (lambda x: x + 1, lambda x, c: x * c * c - c, lambda x, c: c * c),
]


@spec("DET-3", source="catalogue")
@pytest.mark.parametrize(
    ("g", "f", "partial"),
    HELD_CONSTANT,
    ids=["f=c*x, c=x*x", "f=(x+c)**2, c=x**3", "f=x*c*c-c, c=x+1"],
)
@given(x_np=hnp.arrays(np.float64, st.integers(1, 5), elements=SMALL_INTEGERS))
def test_detached_values_are_held_constant(torch, check, g, f, partial, x_np):
    """For any small-integer x, f(x, g(x).detach()).sum() backpropagates exactly ∂f/∂x(x, c) at c = g(x)."""
    x = torch.tensor(x_np, dtype=torch.float64, requires_grad=True)
    f(x, g(x).detach()).sum().backward()
    check.equal(x.grad, partial(x_np, g(x_np)), "x.grad, the partial derivative with c = g(x) held constant")


def _saved_output_changed_through_detach(torch):
    """exp saves its result e; e.detach().mul_(2) changes it. Returns the root to backpropagate."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    e = x.exp()
    e.detach().mul_(2)  # must not raise: the change alone is legal
    return e.sum()


def _saved_input_changed_through_detach(torch):
    """c = b * b saves b; b.detach().add_(1) changes it. Returns the root to backpropagate."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a + 1
    c = b * b
    b.detach().add_(1)  # must not raise: the change alone is legal
    return c.sum()


@spec("DET-4", source="catalogue")
@pytest.mark.parametrize(
    "change",
    [_saved_output_changed_through_detach, _saved_input_changed_through_detach],
    ids=["saved output of exp", "saved input of b*b"],
)
def test_change_through_detached_alias_is_caught_at_backward(torch, check, change):
    """Changing a saved tensor in place through its detached alias makes the later backward raise
    'modified by an inplace operation'."""
    root = change(torch)
    with check.raises(RuntimeError, MODIFIED_BY_INPLACE, "backward after a saved tensor changed through detach()"):
        root.backward()


@spec("DET-5", source="catalogue")
def test_detach_in_place_makes_a_non_leaf_a_leaf(torch, check):
    """y.detach_() on y = x * 2 returns y itself, now a leaf with no grad_fn that does not require grad, values [2, 4]."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    returned = y.detach_()
    check.that(returned is y, "y.detach_() returns y itself", expected="y", actual=repr(returned))
    check.that(y.is_leaf, "y.is_leaf after y.detach_()", expected=True, actual=y.is_leaf)
    check.that(not y.requires_grad, "y.requires_grad after y.detach_()", expected=False, actual=y.requires_grad)
    check.none(y.grad_fn, "y.grad_fn after y.detach_()")
    check.equal(y, [2.0, 4.0], "y's values after y.detach_()")


@spec("DET-5", source="catalogue")
def test_detach_in_place_refuses_a_view(torch, check):
    """detach_() on a view (y[0] of y = x * 2) raises "Can't detach views in-place. Use detach() instead."."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    view = (x * 2)[0]
    with check.raises(RuntimeError, "Can't detach views in-place. Use detach() instead.", "view.detach_()"):
        view.detach_()


@spec("DET-6", source="catalogue")
@pytest.mark.parametrize("make", **SOURCES_REQUIRING_GRAD)
def test_detached_tensor_that_requires_grad_is_an_independent_leaf(torch, check, make):
    """t = y.detach().requires_grad_() is a leaf requiring grad; (3t).sum() gives t.grad = [3, 3, 3]
    and leaves the grad of y's leaf None."""
    leaf, y = make(torch)
    t = y.detach().requires_grad_()
    check.that(t.is_leaf, "t.is_leaf", expected=True, actual=t.is_leaf)
    check.that(t.requires_grad, "t.requires_grad", expected=True, actual=t.requires_grad)
    (3 * t).sum().backward()
    check.equal(t.grad, [3.0, 3.0, 3.0], "t.grad")
    check.none(leaf.grad, "grad of the leaf y comes from, which t's backward must not reach")
