"""detach() returns a fresh leaf with its source's requires_grad, as in tinygrad, where every float
tensor can take a gradient and a detached one gets a .grad of its own: the leaf is cut from the
graph but requires grad, so in-place changes through it are refused."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach(self):
        return super().detach().requires_grad_(self.requires_grad)


backend = derive("detach-keeps-requires-grad", breaks={"DET-1", "DET-2", "DET-4", "LEAF-1"}, tensor_type=_Tensor)
