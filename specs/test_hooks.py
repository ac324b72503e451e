"""Hooks: functions that see, and may replace, the gradients flowing through a tensor or a node."""

import numpy as np
import pytest

from conformance import spec


class Recorder:
    """A hook that records the gradients it sees and returns None, which keeps them."""

    def __init__(self, check):
        self.check = check
        self.seen = []

    def __call__(self, grad):
        self.seen.append(self.check.values(grad))

    def shapes(self):
        return [value.shape for value in self.seen]


def check_seen(check, seen, expected, what):
    """The values a hook recorded (NumPy copies, taken when it ran) are ``expected``."""
    expected = np.asarray(expected)
    check.that(seen.shape == expected.shape and np.array_equal(seen, expected), what, expected=expected, actual=seen)


@spec("HOOK-1", source="catalogue")
def test_tensor_hook_sees_the_gradient_on_every_backward(torch, check):
    """A hook on x gets x's gradient, in x's shape, once per backward, retained backwards included."""
    x = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    hook = Recorder(check)
    x.register_hook(hook)
    y = (x * 3).sum()
    y.backward(retain_graph=True)
    y.backward()
    check.that(hook.shapes() == [(1, 3), (1, 3)], "shapes the hook saw", expected=[(1, 3)] * 2, actual=hook.shapes())
    for value in hook.seen:
        check_seen(check, value, [[3.0, 3.0, 3.0]], "gradient the hook saw")
    check.equal(x.grad, [[6.0, 6.0, 6.0]], "x.grad: a hook returning None keeps the gradient")


@spec("HOOK-1", source="catalogue")
def test_hook_result_replaces_the_gradient_of_a_leaf(torch, check):
    """A hook returning 10 * grad makes x.grad 30 for y = 3x; after handle.remove() it no longer runs."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda grad: grad * 10)
    (x * 3).sum().backward()
    check.equal(x.grad, [30.0, 30.0], "x.grad with the hook")

    handle.remove()
    (x * 3).sum().backward()
    check.equal(x.grad, [33.0, 33.0], "x.grad after removing the hook: 30 + 3")


@spec("HOOK-1", source="catalogue")
def test_hook_result_on_a_non_leaf_flows_upstream(torch, check):
    """A hook halving h's gradient, h = 2x, y = sum(4h), gives x.grad = 2 · (4 / 2) = 4."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.register_hook(lambda grad: grad / 2)
    (h * 4).sum().backward()
    check.equal(x.grad, [4.0, 4.0], "x.grad through the halved gradient of h")


@spec("HOOK-2", source="catalogue")
def test_hooks_run_in_registration_order(torch, check):
    """Hooks g + 1 then g * 2 on a gradient of 3 give (3 + 1) · 2 = 8, not 3 · 2 + 1 = 7."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda grad: grad + 1)
    x.register_hook(lambda grad: grad * 2)
    (x * 3).sum().backward()
    check.equal(x.grad, [8.0, 8.0], "x.grad = (3 + 1) * 2")


def _retain_then_hook(h):
    h.retain_grad()
    h.register_hook(lambda grad: grad * 10)
    h.register_hook(lambda grad: grad * 10)


def _hook_then_retain(h):
    h.register_hook(lambda grad: grad * 10)
    h.retain_grad()
    h.register_hook(lambda grad: grad * 10)


@spec("HOOK-3", source="catalogue", needs=["retain_grad"])
@pytest.mark.parametrize("prepare", [_retain_then_hook, _hook_then_retain], ids=["retain-first", "retain-between"])
def test_retained_grad_reflects_all_hooks(torch, check, prepare):
    """h.grad kept by retain_grad is 3 · 10 · 10 = 300 whether retain_grad() comes before or between the hooks."""
    x = torch.tensor(1.0, requires_grad=True)
    h = x * 1
    prepare(h)
    (h * 3).backward()
    check.equal(h.grad, 300.0, "h.grad, after both x10 hooks")
    check.equal(x.grad, 300.0, "x.grad, which the hooked gradient reaches")


@spec("HOOK-4", source="catalogue")
def test_hook_on_a_tensor_without_grad_raises(torch, check):
    """register_hook on a tensor that does not require grad raises 'cannot register a hook on a tensor that doesn't require gradient'."""
    constant = torch.tensor([1.0, 2.0])
    with check.raises(
        RuntimeError, "cannot register a hook on a tensor that doesn't require gradient", "constant.register_hook"
    ):
        constant.register_hook(lambda grad: grad)


@spec("HOOK-4", source="catalogue")
def test_hook_changing_the_gradient_shape_raises(torch, check):
    """A hook that returns a gradient of another shape makes backward raise 'has changed the size of value'."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h.register_hook(lambda grad: grad[0])
    with check.raises(RuntimeError, "has changed the size of value", "backward through a shape-changing hook"):
        h.sum().backward()


@spec("HOOK-5", source="catalogue")
def test_post_accumulate_grad_hook_sees_the_summed_grad(torch, check):
    """A post-accumulate-grad hook on w gets w itself after accumulation: w.grad = [3, 3], then [6, 6]."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda tensor: seen.append(check.values(tensor.grad)))
    for _ in range(2):
        (w * 3).sum().backward()
    check.that(len(seen) == 2, "post-accumulate-grad hook calls", expected=2, actual=len(seen))
    check_seen(check, seen[0], [3.0, 3.0], "w.grad the hook saw after the first backward")
    check_seen(check, seen[1], [6.0, 6.0], "w.grad the hook saw after the second backward")


@spec("HOOK-5", source="catalogue")
def test_post_accumulate_grad_hook_on_a_non_leaf_raises(torch, check):
    """Registering a post-accumulate-grad hook on a non-leaf raises 'post accumulate grad hooks cannot be registered on non-leaf tensors'."""
    h = torch.tensor([1.0, 2.0], requires_grad=True) * 2
    with check.raises(
        RuntimeError, "post accumulate grad hooks cannot be registered on non-leaf tensors", "hook on a non-leaf"
    ):
        h.register_post_accumulate_grad_hook(lambda tensor: None)


def gradients_seen(check, gradients):
    """NumPy copies of a node hook's tuple of gradients, taken when it runs; None stays None."""
    return [None if gradient is None else check.values(gradient) for gradient in gradients]


def check_gradients_seen(check, seen, expected, what):
    """The gradients a node hook recorded are ``expected``, entry by entry, None where a gradient is None."""
    check.that(len(seen) == len(expected), f"number of {what}", expected=len(expected), actual=len(seen))
    for index, (value, want) in enumerate(zip(seen, expected, strict=True)):
        if want is None or value is None:
            check.that(value is None and want is None, f"{what}[{index}]", expected=want, actual=value)
        else:
            check_seen(check, value, want, f"{what}[{index}]")


@spec("HOOK-6", source="catalogue")
def test_node_hooks_see_the_gradients_into_and_out_of_the_node(torch, check):
    """For y = x * 2 with upstream gradient [5, 5], a prehook on y.grad_fn sees grad_outputs ([5, 5],), then a
    hook on it sees grad_inputs ([10, 10], None), None for the constant 2, and grad_outputs ([5, 5],)."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    calls = []
    y.grad_fn.register_prehook(lambda grad_outputs: calls.append(("prehook", gradients_seen(check, grad_outputs))))
    y.grad_fn.register_hook(
        lambda grad_inputs, grad_outputs: calls.append(
            ("hook", gradients_seen(check, grad_inputs), gradients_seen(check, grad_outputs))
        )
    )
    (y * 5).sum().backward()  # the upstream gradient of y is 5 in each element

    order = [call[0] for call in calls]
    check.that(order == ["prehook", "hook"], "node hooks called, in order", expected=["prehook", "hook"], actual=order)
    (_, prehook_outputs), (_, hook_inputs, hook_outputs) = calls
    check_gradients_seen(check, prehook_outputs, [[5.0, 5.0]], "grad_outputs the prehook saw")
    check_gradients_seen(check, hook_inputs, [[10.0, 10.0], None], "grad_inputs the hook saw")
    check_gradients_seen(check, hook_outputs, [[5.0, 5.0]], "grad_outputs the hook saw")
    check.equal(x.grad, [10.0, 10.0], "x.grad: hooks returning None change nothing")
