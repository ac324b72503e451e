"""x.grad.zero_() rebinds x.grad to a new tensor of zeros (grad = zeros_like(grad)) instead of
zeroing it in place, so a reference to the old gradient, an optimizer's or a hook's, keeps stale values."""

import torch

from tests.broken import derive, torch_attribute


def _grad_zeroed_by_rebinding(tensor):
    grad = torch.Tensor.grad.__get__(tensor)
    if grad is not None:
        # An instance attribute shadows the method, for this gradient object only.
        grad.zero_ = lambda: _zero_by_rebinding(tensor, grad)
    return grad


def _zero_by_rebinding(tensor, grad):
    tensor.grad = torch.zeros_like(grad)  # wrong on purpose: the existing object should be zeroed
    return tensor.grad


class _Tensor(torch.Tensor):
    grad = torch_attribute("grad", get=_grad_zeroed_by_rebinding)


backend = derive("zero-rebinds-grad", breaks={"ZERO-1"}, tensor_type=_Tensor)
