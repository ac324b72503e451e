"""autograd.grad and higher order: gradients returned instead of accumulated, and differentiated again."""

from conformance import spec

X = [1.0, 2.0]
"""The values of x in every spec here."""


@spec("AG-1", source="catalogue")
def test_grad_returns_a_tuple_of_gradients_that_do_not_require_grad(torch, check):
    """autograd.grad(sum(x²), x) returns a one-element tuple holding 2x = [2, 4], which does not require grad."""
    x = torch.tensor(X, requires_grad=True)
    result = torch.autograd.grad((x * x).sum(), x)
    check.that(
        isinstance(result, tuple) and len(result) == 1,
        "autograd.grad with a single input returns a 1-tuple",
        expected="tuple of length 1",
        actual=repr(type(result)),
    )
    (gradient,) = result
    check.equal(gradient, [2.0, 4.0], "the returned gradient 2x")
    check.that(not gradient.requires_grad, "returned gradient requires_grad", expected=False, actual=True)


@spec("AG-1", source="catalogue")
def test_grad_leaves_dot_grad_untouched(torch, check):
    """autograd.grad neither fills a .grad that is None nor adds to one that holds a value."""
    fresh = torch.tensor(X, requires_grad=True)
    torch.autograd.grad((fresh * fresh).sum(), fresh)
    check.none(fresh.grad, "fresh.grad after autograd.grad")

    preset = torch.tensor(X, requires_grad=True)
    preset.grad = torch.tensor([100.0, 100.0])
    torch.autograd.grad((preset * preset).sum(), preset)
    check.equal(preset.grad, [100.0, 100.0], "a hand-set preset.grad after autograd.grad")


@spec("AG-2", source="catalogue")
def test_create_graph_gives_a_differentiable_gradient(torch, check):
    """With create_graph=True, d(x³)/dx = 3x² = [3, 12] requires grad, and differentiating its sum gives 6x = [6, 12]."""
    x = torch.tensor(X, requires_grad=True)
    (first,) = torch.autograd.grad((x**3).sum(), x, create_graph=True)
    check.equal(first, [3.0, 12.0], "first derivative 3x²")
    check.that(first.requires_grad, "first derivative requires_grad", expected=True, actual=first.requires_grad)

    (second,) = torch.autograd.grad(first.sum(), x)
    check.equal(second, [6.0, 12.0], "second derivative 6x")


@spec("AG-3", source="catalogue")
def test_unused_input_raises_unless_allowed(torch, check):
    """An input the output does not depend on raises 'appears to not have been used in the graph';
    with allow_unused=True its gradient is None."""
    x = torch.tensor(X, requires_grad=True)
    unused = torch.tensor(X, requires_grad=True)
    y = (x * 2).sum()
    with check.raises(RuntimeError, "appears to not have been used in the graph", "grad(y, [x, unused])"):
        torch.autograd.grad(y, [x, unused], retain_graph=True)

    gx, gunused = torch.autograd.grad(y, [x, unused], allow_unused=True)
    check.equal(gx, [2.0, 2.0], "the used input's gradient")
    check.none(gunused, "the unused input's gradient with allow_unused=True")


@spec("AG-3", source="catalogue")
def test_input_that_does_not_require_grad_raises(torch, check):
    """Differentiating with respect to a tensor that does not require grad raises
    'One of the differentiated Tensors does not require grad'."""
    x = torch.tensor(X, requires_grad=True)
    constant = torch.tensor(X)
    with check.raises(
        RuntimeError, "One of the differentiated Tensors does not require grad", "grad(y, [x, constant])"
    ):
        torch.autograd.grad((x * constant).sum(), [x, constant])


@spec("AG-3", source="catalogue")
def test_output_that_does_not_require_grad_raises(torch, check):
    """Differentiating an output that does not require grad raises 'does not require grad and does not have a grad_fn'."""
    x = torch.tensor(X, requires_grad=True)
    constant = torch.tensor(X)
    with check.raises(RuntimeError, "does not require grad and does not have a grad_fn", "grad(constant.sum(), x)"):
        torch.autograd.grad(constant.sum(), x)


@spec("AG-4", source="catalogue")
def test_grad_with_respect_to_a_non_leaf(torch, check):
    """For h = 3x, autograd.grad(sum(h²), h) gives 2h = [6, 12] and leaves x.grad None."""
    x = torch.tensor(X, requires_grad=True)
    h = x * 3
    (gradient,) = torch.autograd.grad((h**2).sum(), h)
    check.equal(gradient, [6.0, 12.0], "d sum(h²) / dh = 2h")
    check.none(x.grad, "x.grad: autograd.grad accumulates into nothing")


@spec("AG-5", source="catalogue")
def test_backward_inputs_accumulates_only_into_listed_leaves(torch, check):
    """(x * w).sum().backward(inputs=[w]) gives w.grad = x and leaves x.grad None."""
    x = torch.tensor(X, requires_grad=True)
    w = torch.tensor([5.0, 7.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    check.equal(w.grad, [1.0, 2.0], "w.grad, listed in inputs")
    check.none(x.grad, "x.grad, not listed in inputs")


@spec("AG-5", source="catalogue")
def test_backward_inputs_fills_a_listed_non_leaf_and_skips_unused_ones(torch, check):
    """A listed non-leaf gets .grad without retain_grad(), and a listed leaf the output does not use stays None without error."""
    x = torch.tensor(X, requires_grad=True)
    unused = torch.tensor(X, requires_grad=True)
    h = x * 3
    (h * h).sum().backward(inputs=[h, unused])
    check.equal(h.grad, [6.0, 12.0], "h.grad = 2h, h listed in inputs")
    check.none(unused.grad, "unused.grad, listed but not used")
    check.none(x.grad, "x.grad, not listed in inputs")


@spec("AG-5", source="catalogue")
def test_backward_with_empty_inputs_raises(torch, check):
    """backward(inputs=[]) raises '`inputs` argument to `backward()` cannot be empty'."""
    x = torch.tensor(X, requires_grad=True)
    with check.raises(RuntimeError, "`inputs` argument to `backward()` cannot be empty", "backward(inputs=[])"):
        (x * x).sum().backward(inputs=[])
