"""Reading .grad of a non-leaf returns None without a word, as in every engine that does not
distinguish leaves (tinygrad, mygrad): the mistake of reading it goes unnoticed."""

import warnings

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def grad(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return torch.Tensor.grad.__get__(self)

    @grad.setter
    def grad(self, value):
        torch.Tensor.grad.__set__(self, value)


backend = derive("nonleaf-grad-read-silently", breaks={"LEAF-3"}, tensor_type=_Tensor)
