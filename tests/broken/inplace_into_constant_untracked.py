"""An in-place op on a tensor that does not require grad only writes its values, even when the other operand
requires grad: the target stays a constant leaf, cut from the graph, as in engines whose in-place ops are
buffer writes."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def add_(self, other, **kwargs):
        return super().add_(self._untracked(other), **kwargs)

    def mul_(self, other):
        return super().mul_(self._untracked(other))

    def _untracked(self, other):
        return other.detach() if isinstance(other, torch.Tensor) and not self.requires_grad else other


backend = derive("inplace-into-constant-untracked", breaks={"RG-5"}, tensor_type=_Tensor)
