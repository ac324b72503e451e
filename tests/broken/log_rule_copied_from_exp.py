"""log's backward was copied from exp's: it multiplies the gradient by the saved result (log x)
instead of dividing it by x. Only the random graphs (CHAIN-7) take a log."""

import torch

from tests.broken import derive


class _LogWithExpsRule(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = torch.log(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (result,) = ctx.saved_tensors
        return grad * result  # wrong on purpose: d log(x) / dx = 1 / x


backend = derive("log-rule-copied-from-exp", breaks={"CHAIN-7"}, log=_LogWithExpsRule.apply)
