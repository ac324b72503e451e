"""backward(inputs=...) ignores its inputs and accumulates into every leaf the output reaches."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        return super().backward(gradient, retain_graph, create_graph)


backend = derive("backward-inputs-ignored", breaks={"AG-5"}, tensor_type=_Tensor)
