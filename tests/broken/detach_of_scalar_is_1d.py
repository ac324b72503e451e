"""detach() of a 0-d tensor returns a one-element 1-d tensor, as in engines without true 0-d tensors
(PyTorch before 0.4 had none; tinygrad needs a 1-d tensor to make a real leaf)."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach(self):
        detached = super().detach()
        # A view over the same memory: only the shape is wrong.
        return detached.reshape(1) if detached.dim() == 0 else detached


backend = derive("detach-of-scalar-is-1d", breaks={"DET-1"}, tensor_type=_Tensor)
