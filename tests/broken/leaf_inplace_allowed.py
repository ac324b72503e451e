"""In-place updates of a leaf that requires grad are applied silently outside no_grad() too, as in engines
without the check (tinygrad's assign): w -= lr * w.grad works with recording on."""

import torch

from tests.broken import derive


def _unchecked(inplace):
    def update(self, other):
        if self.is_leaf and self.requires_grad and torch.is_grad_enabled():
            inplace(self.data, other)
            return self
        return inplace(self, other)

    return update


class _Tensor(torch.Tensor):
    add_ = _unchecked(torch.Tensor.add_)
    mul_ = _unchecked(torch.Tensor.mul_)
    __iadd__ = _unchecked(torch.Tensor.__iadd__)
    __isub__ = _unchecked(torch.Tensor.__isub__)
    __imul__ = _unchecked(torch.Tensor.__imul__)


backend = derive("leaf-inplace-allowed", breaks={"NG-2"}, tensor_type=_Tensor)
