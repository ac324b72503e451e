"""backward(gradient) reads the gradient's memory in column-major order, as an engine copying a
row-major NumPy buffer into its Fortran-ordered storage would: right for 1-d and uniform gradients,
transposed for the others."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if isinstance(gradient, torch.Tensor) and gradient.dim() >= 2:
            # The elements in column-major order, laid out again in row-major order.
            gradient = gradient.permute(*reversed(range(gradient.dim()))).reshape(gradient.shape)
        return super().backward(gradient, retain_graph, create_graph, inputs)


backend = derive("gradient-read-column-major", breaks={"VJP-3"}, tensor_type=_Tensor)
