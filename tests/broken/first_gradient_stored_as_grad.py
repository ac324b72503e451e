"""A leaf's first gradient is stored as its .grad without a copy, as tinygrad's backward does
(t.grad = g): leaf.backward(v) makes v itself the leaf's grad, so later accumulation writes into v."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if self.grad_fn is None and self.requires_grad and gradient is not None and self.grad is None:
            self.grad = gradient  # the gradient of a leaf with respect to itself is the gradient argument
            return
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("first-gradient-stored-as-grad", breaks={"VJP-7"}, tensor_type=_Tensor)
