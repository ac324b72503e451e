"""Assigning w.data re-initialises the tensor, and like micrograd's Value it starts over with a
zero gradient: the .grad accumulated before the update is lost."""

import torch

from tests.broken import derive, torch_attribute


def _set_data_resetting_grad(tensor, value):
    torch.Tensor.data.__set__(tensor, value)
    if tensor.requires_grad:
        tensor.grad = torch.zeros_like(tensor)


class _Tensor(torch.Tensor):
    data = torch_attribute("data", set=_set_data_resetting_grad)


backend = derive("data-assignment-resets-grad", breaks={"DATA-2"}, tensor_type=_Tensor)
