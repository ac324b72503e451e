"""Assigning into a graph intermediate (b[i] = v) writes the value but records an identity
backward, so the overwritten elements still pass their gradient upstream."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def __setitem__(self, index, value):
        if self.grad_fn is None or (isinstance(value, torch.Tensor) and value.requires_grad):
            return super().__setitem__(index, value)
        written = self.detach().clone()
        written[index] = value
        # Adding the constant difference gives b the written values with an identity gradient
        # (wrong on purpose: the overwritten elements should get none).
        self.add_(written - self.detach())


backend = derive("setitem-passes-gradient-through", breaks={"VER-3"}, tensor_type=_Tensor)
