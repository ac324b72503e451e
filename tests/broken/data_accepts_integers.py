"""Assigning integer data to w.data converts it to w's float dtype, as NumPy's slice assignment
does, where PyTorch refuses integer data on a tensor that requires grad."""

import torch

from tests.broken import derive, torch_attribute


def _set_data_converting(tensor, value):
    if not (value.is_floating_point() or value.is_complex()):
        value = value.to(tensor.dtype)
    torch.Tensor.data.__set__(tensor, value)


class _Tensor(torch.Tensor):
    data = torch_attribute("data", set=_set_data_converting)


backend = derive("data-accepts-integers", breaks={"DATA-4"}, tensor_type=_Tensor)
