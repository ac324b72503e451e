"""In-place operations on graph intermediates write the buffer behind autograd's back, as an
engine without a version counter does: no version bump, no check, no gradient of their own. A view
of a leaf is such an intermediate, so an in-place step through it escapes NG-2's check too."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def add_(self, other):
        return self._untracked(torch.Tensor.add_, other)

    def mul_(self, other):
        return self._untracked(torch.Tensor.mul_, other)

    def __setitem__(self, index, value):
        if self.grad_fn is None:
            return super().__setitem__(index, value)
        self.data[index] = value

    def _untracked(self, inplace, other):
        inplace(self.data if self.grad_fn is not None else self, other)
        return self


backend = derive("nonleaf-inplace-untracked", breaks={"VER-2", "VER-3", "NG-2"}, tensor_type=_Tensor)
