"""retain_grad() keeps only the gradient of the latest backward: each backward overwrites the
retained .grad of a non-leaf instead of adding to it (grad = g where it should be grad += g)."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def retain_grad(self):
        if not self.is_leaf and self.requires_grad:
            # Tensor hooks run before the one that retains the grad, so this clears it just in time.
            self.register_hook(lambda grad: torch.Tensor.grad.__set__(self, None))
        return super().retain_grad()


backend = derive("retained-grad-overwritten", breaks={"LEAF-4"}, tensor_type=_Tensor)
