"""requires_grad_() gives the leaf a .grad of zeros at once instead of None, as engines that allocate
the gradient buffer when a tensor is marked trainable (micrograd's Value(grad=0)) do; since the
gradient is never None, zero_() on a fresh leaf's grad cannot raise."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def requires_grad_(self, requires_grad=True):
        super().requires_grad_(requires_grad)
        if requires_grad and self.is_leaf and self.grad is None:
            self.grad = torch.zeros_like(self)  # wrong on purpose: no gradient before the first backward
        return self


backend = derive("grads-start-as-zeros", breaks={"ACC-3", "ZERO-3", "CHAIN-4", "RG-3"}, tensor_type=_Tensor)
