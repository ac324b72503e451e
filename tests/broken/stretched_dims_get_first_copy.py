"""Unbroadcasting sums the leading dimensions broadcasting added, but along a size-1 dimension it
stretched it keeps the first copy's gradient instead of summing the copies (the engine slices where
it should sum with keepdim). The random graphs (CHAIN-7) never stretch a size-1 dimension."""

import torch

from tests.broken import derive
from tests.broken.broadcast_grads_averaged import broadcasting_with


class _ExpandKeepingFirstCopy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t, shape):
        ctx.shape = t.shape
        return t.expand(shape).clone()

    @staticmethod
    def backward(ctx, grad):
        leading = grad.dim() - len(ctx.shape)
        if leading:
            grad = grad.sum(dim=tuple(range(leading)))
        for axis, size in enumerate(ctx.shape):
            if size == 1:
                grad = grad.narrow(axis, 0, 1)  # wrong on purpose: the copies should be summed
        return grad, None


backend = derive(
    "stretched-dims-get-first-copy", breaks={"BC-1"}, tensor_type=broadcasting_with(_ExpandKeepingFirstCopy.apply)
)
