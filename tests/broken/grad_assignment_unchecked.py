"""Assigning .grad is not validated: a gradient of the wrong shape or dtype, or a Python number,
is dropped without an error, as engines whose .grad is a plain attribute never complain."""

import torch

from tests.broken import derive, torch_attribute


def _set_grad_unchecked(tensor, value):
    try:
        torch.Tensor.grad.__set__(tensor, value)
    except (RuntimeError, TypeError):
        pass  # wrong on purpose: the mismatch should raise


class _Tensor(torch.Tensor):
    grad = torch_attribute("grad", set=_set_grad_unchecked)


backend = derive("grad-assignment-unchecked", breaks={"ACC-5"}, tensor_type=_Tensor)
