"""The gradient is itself a differentiable tensor: .grad requires grad, as in engines where every
float tensor takes gradients (tinygrad, mygrad's default). Its values are right, and in-place
changes of it, zero_() and accumulation, are untracked."""

import torch

from tests.broken import around_backward, derive


class _DifferentiableGrad(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        in_place = (name.endswith("_") and not name.endswith("__")) or name.startswith("__i")
        in_place_on_grad = in_place and bool(args) and isinstance(args[0], cls)
        # Without conversion to cls: results of other operations are plain tensors, and
        # an in-place operation returns the gradient object itself.
        with (
            torch._C.DisableTorchFunctionSubclass(),
            torch.set_grad_enabled(torch.is_grad_enabled() and not in_place_on_grad),
        ):
            return func(*args, **(kwargs or {}))


def _make_differentiable(leaves):
    for leaf in leaves:
        if leaf.grad is not None and not leaf.grad.requires_grad:
            # wrong on purpose: a gradient does not require grad
            leaf.grad = torch.Tensor._make_subclass(_DifferentiableGrad, leaf.grad, True)


backend = derive("grads-require-grad", breaks={"ACC-4"}, **around_backward(after=_make_differentiable))
