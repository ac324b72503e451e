"""Leaf versus non-leaf: which tensors are leaves, which of them backward gives a .grad, how a
non-leaf can keep one (retain_grad), and on which tensors requires_grad may be changed."""

import pytest

from conformance import spec
from conformance.tutorials import filled_2x2

NONLEAF_GRAD_WARNING = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

IGNORE_NONLEAF_GRAD_WARNING = pytest.mark.filterwarnings(f"ignore:{NONLEAF_GRAD_WARNING}:UserWarning")
"""Core specs read .grad of non-leaves; whether that warns is LEAF-3's concern (ext), not theirs."""

LEAF_ONLY = "you can only change requires_grad flags of leaf variables"


def check_requires_grad(check, t, requires_grad, what):
    check.that(
        t.requires_grad == requires_grad, f"{what}.requires_grad", expected=requires_grad, actual=t.requires_grad
    )


def _tutorial_model(torch):
    """The tutorial's model, by name: x2 = x1·w1, y = x2·w2, L = Y - y, where x1, w1 and w2 require grad
    and the truth Y does not."""
    x1 = filled_2x2(torch, 2.0).requires_grad_(True)
    w1 = filled_2x2(torch, 5.0).requires_grad_(True)
    x2 = x1 * w1
    w2 = filled_2x2(torch, 6.0).requires_grad_(True)
    y = x2 * w2
    Y = filled_2x2(torch, 10.0)  # the truth
    L = Y - y  # the loss
    return {"x1": x1, "w1": w1, "w2": w2, "Y": Y, "x2": x2, "y": y, "L": L}


TUTORIAL_LEAVES = ("x1", "w1", "w2", "Y")
TUTORIAL_NON_LEAVES = ("x2", "y", "L")


@spec("LEAF-1", source="004_50a5472a54e6f60e.txt § 叶子Tensor")
def test_the_tutorials_leaf_tensors(torch, check):
    """In x2 = x1·w1, y = x2·w2, L = Y - y, the created tensors x1, w1, w2 and Y are leaves without a grad_fn,
    and the computed x2, y and L are non-leaves with a grad_fn that require grad."""
    model = _tutorial_model(torch)
    for name in TUTORIAL_LEAVES:
        check.leaf(model[name], True, name)
    for name in TUTORIAL_NON_LEAVES:
        check.leaf(model[name], False, name)
        check_requires_grad(check, model[name], True, name)


def _detached(torch, x):
    return (x * 2).detach()


def _under_no_grad(torch, x):
    with torch.no_grad():
        return x * 2


def _from_constants(torch, x):
    return torch.ones(2) * 2 + 1


@spec("LEAF-1", source="catalogue")
@pytest.mark.parametrize(
    "make", [_detached, _under_no_grad, _from_constants], ids=["(x*2).detach()", "x*2 under no_grad", "ones(2)*2+1"]
)
def test_results_that_record_no_graph_are_leaves(torch, check, make):
    """A detach() result, a result computed under no_grad and a result of tensors that do not require grad
    have no grad_fn, so they are leaves, and they do not require grad."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    result = make(torch, x)
    check.leaf(result, True, "the result")
    check_requires_grad(check, result, False, "the result")


@spec("LEAF-1", source="catalogue")
def test_plus_two_is_a_non_leaf_but_requires_grad_underscore_keeps_a_leaf(torch, check):
    """ones(2, requires_grad=True) + 2 is a non-leaf that requires grad, while ones(2).requires_grad_()
    stays a leaf and now requires grad."""
    shifted = torch.ones(2, requires_grad=True) + 2
    check.leaf(shifted, False, "ones(2, requires_grad=True) + 2")
    check_requires_grad(check, shifted, True, "ones(2, requires_grad=True) + 2")

    flagged = torch.ones(2).requires_grad_()
    check.leaf(flagged, True, "ones(2).requires_grad_()")
    check_requires_grad(check, flagged, True, "ones(2).requires_grad_()")


@spec("LEAF-1", source="catalogue")
def test_a_view_of_a_leaf_is_not_a_leaf(torch, check):
    """Indexing a leaf that requires grad, a[0], gives a non-leaf with a grad_fn that requires grad."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    view = a[0]
    check.leaf(view, False, "a[0]")
    check_requires_grad(check, view, True, "a[0]")


@spec("LEAF-2", source="004_50a5472a54e6f60e.txt § 叶子Tensor: 计算得出的梯度值分别为x1.grad，w1.grad和w2.grad")
@IGNORE_NONLEAF_GRAD_WARNING
def test_loss_backward_fills_grad_only_on_the_leaves_that_require_grad(torch, check):
    """L.backward(ones) gives x1, w1 and w2 a (2, 2) .grad, while the non-leaves x2, y and L and the leaf Y,
    which does not require grad, keep .grad = None."""
    model = _tutorial_model(torch)
    # L has four elements, so backward needs the gradient argument: dL/dL = ones.
    model["L"].backward(torch.ones(2, 2))
    for name in ("x1", "w1", "w2"):
        check.shape(model[name].grad, (2, 2), f"{name}.grad, of a leaf that requires grad")
    for name in TUTORIAL_NON_LEAVES:
        check.none(model[name].grad, f"{name}.grad, of a non-leaf")
    check.none(model["Y"].grad, "Y.grad, of a leaf that does not require grad")


@spec("LEAF-3", source="catalogue")
@pytest.mark.parametrize("after_backward", [False, True], ids=["before backward", "after backward"])
def test_reading_grad_of_a_non_leaf_warns_and_gives_none(torch, check, after_backward):
    """Reading y.grad of y = x * 2 returns None with a UserWarning 'The .grad attribute of a Tensor that is
    not a leaf Tensor is being accessed', before and after backward."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    if after_backward:
        y.sum().backward()
    with check.warns(UserWarning, NONLEAF_GRAD_WARNING, "reading y.grad of the non-leaf y = x * 2"):
        grad = y.grad
    check.none(grad, "y.grad")


@spec("LEAF-3", source="catalogue")
def test_reading_grad_of_a_leaf_does_not_warn(torch, check):
    """Reading .grad of leaves warns never: not before or after backward, nor on a leaf that does not
    require grad."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    constant = torch.tensor([3.0, 4.0])
    with check.no_warning("reading x.grad and constant.grad before backward"):
        x.grad, constant.grad  # noqa: B018 - the read is what is checked
    (x * constant).sum().backward()
    with check.no_warning("reading x.grad and constant.grad after backward"):
        x.grad, constant.grad  # noqa: B018 - the read is what is checked


@spec("LEAF-3", source="catalogue")
def test_reading_a_hand_assigned_grad_of_a_non_leaf_does_not_warn(torch, check):
    """A .grad assigned by hand to the non-leaf y = x * 2 reads back without a warning."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.grad = torch.tensor([5.0, 6.0])
    with check.no_warning("reading the hand-assigned y.grad"):
        grad = y.grad
    check.equal(grad, [5.0, 6.0], "the hand-assigned y.grad")


@spec("LEAF-3", source="catalogue", needs=["retain_grad"])
def test_reading_grad_of_a_non_leaf_that_retains_it_does_not_warn(torch, check):
    """After y.retain_grad(), reading y.grad does not warn: None before backward, the gradient after it."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    with check.no_warning("reading y.grad after retain_grad(), before backward"):
        grad = y.grad
    check.none(grad, "y.grad before backward")
    y.sum().backward()
    with check.no_warning("reading y.grad after retain_grad(), after backward"):
        grad = y.grad
    check.equal(grad, [1.0, 1.0], "y.grad after y.sum().backward()")


@spec("LEAF-4", source="catalogue")
def test_retain_grad_keeps_the_gradient_of_a_non_leaf(torch, check):
    """c = a * 2 with c.retain_grad() has retains_grad = True, and (c * c).sum().backward() gives c.grad = 2c = [4, 8]
    (a = [1, 2])."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    c.retain_grad()
    check.that(c.retains_grad is True, "c.retains_grad after c.retain_grad()", expected=True, actual=c.retains_grad)
    (c * c).sum().backward()
    check.equal(c.grad, [4.0, 8.0], "c.grad = 2c")
    check.equal(a.grad, [8.0, 16.0], "a.grad = 2c · 2, as without retain_grad")


@spec("LEAF-4", source="catalogue")
def test_retained_grad_accumulates_over_retained_backwards(torch, check):
    """A retained c.grad accumulates like a leaf's: backward of sum(c * 3) twice, the graph retained, gives
    [3, 3] and then [6, 6]."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    c.retain_grad()
    y = (c * 3).sum()
    y.backward(retain_graph=True)
    check.equal(c.grad, [3.0, 3.0], "c.grad after the first backward")
    y.backward()
    check.equal(c.grad, [6.0, 6.0], "c.grad after the second backward: 3 + 3")


@spec("LEAF-4", source="catalogue")
def test_retained_grad_off_the_backward_path_stays_none(torch, check):
    """A non-leaf d = a * 3 that retains its grad but that the backward does not pass through keeps d.grad = None."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    d = a * 3
    d.retain_grad()
    c.sum().backward()
    check.none(d.grad, "d.grad of a retaining non-leaf off the backward path")


@spec("LEAF-4", source="catalogue")
def test_retain_grad_on_a_leaf_is_a_no_op(torch, check):
    """retain_grad() on a leaf changes nothing: retains_grad stays False and a.grad is the ordinary [2, 2]."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    a.retain_grad()
    check.that(a.retains_grad is False, "a.retains_grad of a leaf", expected=False, actual=a.retains_grad)
    (a * 2).sum().backward()
    check.equal(a.grad, [2.0, 2.0], "a.grad")


@spec("LEAF-4", source="catalogue")
def test_retain_grad_without_requires_grad_raises(torch, check):
    """retain_grad() on a tensor that does not require grad raises 'can't retain_grad on Tensor that has
    requires_grad=False'."""
    constant = torch.tensor([1.0, 2.0])
    with check.raises(RuntimeError, "can't retain_grad on Tensor that has requires_grad=False", "retain_grad()"):
        constant.retain_grad()


@spec("LEAF-5", source="001_7bced7f8c681d456.txt § code1")
def test_requires_grad_of_a_leaf_can_be_changed(torch, check):
    """On the leaf w = tensor([1.0]), w.requires_grad = True turns gradients on and w.requires_grad_(False)
    turns them off again; w stays a leaf."""
    w = torch.tensor([1.0])
    w.requires_grad = True
    check_requires_grad(check, w, True, "w after w.requires_grad = True")
    check.leaf(w, True, "w after w.requires_grad = True")
    w.requires_grad_(False)
    check_requires_grad(check, w, False, "w after w.requires_grad_(False)")
    check.leaf(w, True, "w after w.requires_grad_(False)")


@spec("LEAF-5", source="catalogue")
@pytest.mark.parametrize(
    "change",
    [
        lambda c: setattr(c, "requires_grad", False),
        lambda c: c.requires_grad_(False),
        lambda c: setattr(c, "requires_grad", True),
    ],
    ids=["c.requires_grad = False", "c.requires_grad_(False)", "c.requires_grad = True"],
)
def test_changing_requires_grad_of_a_non_leaf_raises(torch, check, change):
    """Setting requires_grad on the non-leaf c = a * 2 raises 'you can only change requires_grad flags of leaf
    variables' and leaves c a non-leaf that requires grad."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    with check.raises(RuntimeError, LEAF_ONLY, "changing requires_grad of c = a * 2"):
        change(c)
    check_requires_grad(check, c, True, "c")
    check.leaf(c, False, "c")


@spec("LEAF-5", source="catalogue")
def test_requires_grad_underscore_true_on_a_non_leaf_is_a_silent_no_op(torch, check):
    """c.requires_grad_(True) on the non-leaf c = a * 2 neither raises nor warns, returns c and changes nothing."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    with check.no_warning("c.requires_grad_(True)"):
        returned = c.requires_grad_(True)
    check.that(returned is c, "c.requires_grad_(True) returns c", expected="c", actual=returned)
    check_requires_grad(check, c, True, "c")
    check.leaf(c, False, "c")
