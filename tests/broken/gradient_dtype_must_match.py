"""backward(gradient) refuses a gradient whose dtype differs from the output's instead of casting it,
as PyTorch before 0.4 did ("expected type torch.FloatTensor but got torch.DoubleTensor")."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if isinstance(gradient, torch.Tensor) and gradient.dtype != self.dtype:
            raise RuntimeError(f"expected gradient of type {self.dtype} but got {gradient.dtype}")
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("gradient-dtype-must-match", breaks={"VJP-5"}, tensor_type=_Tensor)
