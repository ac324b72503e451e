"""Reading .grad of a non-leaf returns None without a word, as in every engine that does not
distinguish leaves (tinygrad, mygrad): the mistake of reading it goes unnoticed."""

import warnings

import torch

from tests.broken import derive, torch_attribute


def _grad_without_warning(tensor):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.Tensor.grad.__get__(tensor)


class _Tensor(torch.Tensor):
    grad = torch_attribute("grad", get=_grad_without_warning)


backend = derive("nonleaf-grad-read-silently", breaks={"LEAF-3"}, tensor_type=_Tensor)
