"""Assigning integer data to w.data converts it to w's float dtype, as NumPy's slice assignment
does, where PyTorch refuses integer data on a tensor that requires grad."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def data(self):
        return torch.Tensor.data.__get__(self)

    @data.setter
    def data(self, value):
        if not (value.is_floating_point() or value.is_complex()):
            value = value.to(self.dtype)
        torch.Tensor.data.__set__(self, value)


backend = derive("data-accepts-integers", breaks={"DATA-4"}, tensor_type=_Tensor)
