"""backward() without a gradient on an output of several elements fails an assert, as tinygrad's does:
AssertionError instead of PyTorch's RuntimeError."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if gradient is None:
            assert self.numel() == 1, "backward can only be called for scalar tensors"
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("nonscalar-backward-asserts", breaks={"VJP-2"}, tensor_type=_Tensor)
