"""backward(gradient) ignores the values of its gradient and backpropagates ones, as an engine whose
backward only checks the argument's shape and always seeds with 1 (micrograd's self.grad = 1)."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if isinstance(gradient, torch.Tensor) and tuple(gradient.shape) == tuple(self.shape):
            gradient = torch.ones_like(self)
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive(
    "gradient-argument-ignored", breaks={"VJP-3", "VJP-5", "VJP-6", "VJP-7", "CHAIN-6", "ACC-1"}, tensor_type=_Tensor
)
