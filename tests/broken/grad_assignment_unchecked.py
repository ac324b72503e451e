"""Assigning .grad is not validated: a gradient of the wrong shape or dtype, or a Python number,
is dropped without an error, as engines whose .grad is a plain attribute never complain."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def grad(self):
        return torch.Tensor.grad.__get__(self)

    @grad.setter
    def grad(self, value):
        try:
            torch.Tensor.grad.__set__(self, value)
        except (RuntimeError, TypeError):
            pass  # wrong on purpose: the mismatch should raise


backend = derive("grad-assignment-unchecked", breaks={"ACC-5"}, tensor_type=_Tensor)
