"""backward() without a gradient seeds a one-element output of one or more dimensions with a flat
ones(numel) vector instead of ones in the output's shape: right for 0-d (scalar path) and (1,)
outputs, a shape mismatch for (1, 1)."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if gradient is None and self.dim() >= 1 and self.numel() == 1:
            gradient = torch.ones(self.numel(), dtype=self.dtype)
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("implicit-gradient-is-flat", breaks={"VJP-1"}, tensor_type=_Tensor)
