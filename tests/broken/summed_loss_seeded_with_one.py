"""backward() on the result of sum() or mean() takes a fast path for the usual loss.backward(): it
seeds the graph with 1 whatever gradient is passed, so an explicit gradient on a reduced loss is lost."""

import torch

from tests.broken import derive

REDUCTIONS = {"SumBackward0", "MeanBackward0"}


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if type(self.grad_fn).__name__ in REDUCTIONS:
            gradient = None  # wrong on purpose: the gradient scales the whole backward
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("summed-loss-seeded-with-one", breaks={"VJP-6"}, tensor_type=_Tensor)
