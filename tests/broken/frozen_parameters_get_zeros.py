"""Freezing a parameter (requires_grad set to False) only masks its gradient: every backward gives it a .grad of
zeros instead of leaving None, as engines that implement freezing as a gradient mask do."""

import weakref

import torch

from tests.broken import derive, torch_attribute

_frozen = weakref.WeakSet()


class _Tensor(torch.Tensor):
    def requires_grad_(self, requires_grad=True):
        self._freeze_if(not requires_grad)
        return super().requires_grad_(requires_grad)

    def _freeze_if(self, freezing):
        if freezing and self.is_leaf:
            _frozen.add(self)

    def _set_requires_grad(self, value):
        self._freeze_if(not value)
        torch.Tensor.requires_grad.__set__(self, value)

    requires_grad = torch_attribute("requires_grad", set=_set_requires_grad)

    def backward(self, *args, **kwargs):
        super().backward(*args, **kwargs)
        for parameter in _frozen:
            if parameter.grad is None:
                parameter.grad = torch.zeros_like(parameter)


backend = derive("frozen-parameters-get-zeros", breaks={"RG-6"}, tensor_type=_Tensor)
