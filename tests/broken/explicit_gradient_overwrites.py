"""backward(gradient) from a computed tensor assigns the vector-Jacobian product to the leaves' .grad
instead of adding it, while a backward of a scalar accumulates: an engine whose explicit-gradient
path is a separate VJP routine over the root's graph."""

import torch

from tests.broken import derive, reached_leaves


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if gradient is not None and self.grad_fn is not None:
            for leaf in reached_leaves([self], inputs):
                if leaf.grad is not None:
                    leaf.grad.zero_()  # wrong on purpose: the product should add to what is there
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("explicit-gradient-overwrites", breaks={"ACC-1"}, tensor_type=_Tensor)
