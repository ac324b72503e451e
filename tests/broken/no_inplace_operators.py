"""Tensors have no in-place operators, as in micrograd: Python runs w -= x as w = w - x, so an
update under no_grad rebinds w to a new tensor that does not require grad and w never changes."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def __iadd__(self, other):
        return self + other

    def __isub__(self, other):
        return self - other

    def __imul__(self, other):
        return self * other


backend = derive(
    "no-inplace-operators", breaks={"DATA-5", "TRAIN-1", "TRAIN-2", "ZERO-5", "NG-2", "NG-3"}, tensor_type=_Tensor
)
