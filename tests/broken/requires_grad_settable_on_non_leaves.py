"""requires_grad is a plain attribute: setting it on a non-leaf just flips the flag, without an
error and without changing the graph, as in tinygrad, where requires_grad is an ordinary field."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def requires_grad(self):
        return self.__dict__.get("_flag", torch.Tensor.requires_grad.__get__(self))

    @requires_grad.setter
    def requires_grad(self, value):
        if self.is_leaf:
            torch.Tensor.requires_grad.__set__(self, value)
        else:
            self.__dict__["_flag"] = value

    def requires_grad_(self, requires_grad=True):
        if self.is_leaf:
            return super().requires_grad_(requires_grad)
        self.__dict__["_flag"] = requires_grad
        return self


backend = derive("requires-grad-settable-on-non-leaves", breaks={"LEAF-5"}, tensor_type=_Tensor)
