"""backward(gradient) broadcasts a gradient of another shape to the output's shape instead of raising,
as mygrad does (and as the 004 tutorial claims PyTorch does)."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if isinstance(gradient, torch.Tensor) and tuple(gradient.shape) != tuple(self.shape):
            try:
                gradient = gradient.expand(self.shape)
            except RuntimeError:
                pass  # not broadcastable: torch's own shape error follows
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("gradient-broadcast-to-output", breaks={"VJP-4"}, tensor_type=_Tensor)
