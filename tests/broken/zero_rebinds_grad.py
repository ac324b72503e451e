"""x.grad.zero_() rebinds x.grad to a new tensor of zeros (grad = zeros_like(grad)) instead of
zeroing it in place, so a reference to the old gradient, an optimizer's or a hook's, keeps stale values."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def grad(self):
        grad = torch.Tensor.grad.__get__(self)
        if grad is not None:
            # An instance attribute shadows the method, for this gradient object only.
            grad.zero_ = lambda: self._zero_by_rebinding(grad)
        return grad

    @grad.setter
    def grad(self, value):
        torch.Tensor.grad.__set__(self, value)

    def _zero_by_rebinding(self, grad):
        self.grad = torch.zeros_like(grad)  # wrong on purpose: the existing object should be zeroed
        return self.grad


backend = derive("zero-rebinds-grad", breaks={"ZERO-1"}, tensor_type=_Tensor)
