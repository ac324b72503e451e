"""sigmoid's derivative drops the factor (1 - s): s instead of s(1 - s), a wrong rule in one operation."""

import torch

from tests.broken import derive


class _SigmoidWithoutOneMinus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        s = torch.sigmoid(z)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s  # wrong on purpose: d sigmoid / dz = s (1 - s)


backend = derive(
    "wrong-sigmoid-derivative", breaks={"CHAIN-2", "CHAIN-7", "VJP-3"}, sigmoid=_SigmoidWithoutOneMinus.apply
)
