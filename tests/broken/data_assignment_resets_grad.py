"""Assigning w.data re-initialises the tensor, and like micrograd's Value it starts over with a
zero gradient: the .grad accumulated before the update is lost."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def data(self):
        return torch.Tensor.data.__get__(self)

    @data.setter
    def data(self, value):
        torch.Tensor.data.__set__(self, value)
        if self.requires_grad:
            self.grad = torch.zeros_like(self)


backend = derive("data-assignment-resets-grad", breaks={"DATA-2"}, tensor_type=_Tensor)
