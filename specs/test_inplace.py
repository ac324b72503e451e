"""In-place operations and the version counter: which changes backward tolerates, and when it objects."""

from conformance import spec
from conformance.messages import MODIFIED_BY_INPLACE


@spec("VER-1", source="catalogue")
def test_version_counts_inplace_operations(torch, check):
    """_version starts at 0 and grows by one with each add_, setitem and zero_."""
    a = torch.ones(3)
    check.version(a, 0, "of a new tensor")
    a.add_(1)
    check.version(a, 1, "after add_")
    a[1] = 3.0
    check.version(a, 2, "after setitem")
    a.zero_()
    check.version(a, 3, "after zero_")


@spec("VER-1", source="catalogue")
def test_views_and_detached_tensors_share_the_version(torch, check):
    """An in-place change through a view (a[0]) or through a.detach() bumps the counter they share with a."""
    a = torch.ones(3)
    view = a[0]
    view.add_(1)
    check.version(a, 1, "of a after view.add_")
    check.version(view, 1, "of the view after its add_")

    detached = a.detach()
    detached.mul_(2)
    check.version(a, 2, "of a after a.detach().mul_")
    check.version(detached, 2, "of the detached tensor after its mul_")


@spec("VER-2", source="catalogue")
def test_changing_a_saved_input_raises_at_backward(torch, check):
    """b.add_ after c = b * b saved b does not raise, but c's backward then raises 'modified by an inplace operation'."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a + 1
    c = b * b
    b.add_(1)  # must not raise: the change alone is legal
    with check.raises(RuntimeError, MODIFIED_BY_INPLACE, "backward through b * b after b.add_"):
        c.sum().backward()


@spec("VER-2", source="catalogue")
def test_changing_a_saved_output_raises_at_backward(torch, check):
    """exp saves its result; changing that result in place makes the backward raise 'modified by an inplace operation'."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    e = torch.exp(a)
    e.mul_(2)  # must not raise: the change alone is legal
    with check.raises(RuntimeError, MODIFIED_BY_INPLACE, "backward through exp after its result was changed"):
        e.sum().backward()


@spec("VER-3", source="catalogue")
def test_changing_a_tensor_no_node_saved_is_fine(torch, check):
    """In b = a * 1, c = b + 2, nothing saves b, so b.mul_(3) leaves c's backward intact: a.grad = [1, 1]."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    c = b + 2
    b.mul_(3)
    c.sum().backward()
    check.equal(a.grad, [1.0, 1.0], "a.grad through c = a + 2")


@spec("VER-3", source="catalogue")
def test_inplace_multiplication_is_differentiated(torch, check):
    """b = a * 1 followed by b.mul_(3) is b = 3a: a.grad = [3, 3]."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    b.mul_(3)
    b.sum().backward()
    check.equal(a.grad, [3.0, 3.0], "a.grad through b.mul_(3)")


@spec("VER-3", source="catalogue")
def test_setitem_sends_no_gradient_to_overwritten_elements(torch, check):
    """b = a * 1; b[0] = 0 cuts a[0] out of b: a.grad = [0, 1, 1]."""
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1
    b[0] = 0.0
    b.sum().backward()
    check.equal(a.grad, [0.0, 1.0, 1.0], "a.grad after overwriting b[0]")
