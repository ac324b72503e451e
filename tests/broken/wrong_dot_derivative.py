"""dot's derivative forgets the factor 2 of d(x·x)/dx: a wrong rule in one operation."""

import torch

from tests.broken import derive


class _HalfDot(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return torch.dot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # Wrong on purpose: when a and b are the same tensor, each side's share is
        # right but torch adds both; halving mimics a rule written for one operand.
        return grad * b / 2, grad * a / 2


backend = derive("wrong-dot-derivative", breaks={"CHAIN-4", "CHAIN-7"}, dot=_HalfDot.apply)
