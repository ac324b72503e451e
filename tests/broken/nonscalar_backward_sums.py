"""backward() without a gradient on an output of several elements silently backpropagates its sum
(a gradient of ones) instead of raising, as mygrad does."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if gradient is None:
            gradient = torch.ones_like(self)
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("nonscalar-backward-sums", breaks={"VJP-2"}, tensor_type=_Tensor)
