"""round() passes the gradient straight through (derivative 1 instead of 0), the straight-through estimator
that quantization-aware training engines use in place of round's true derivative."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def round(self, *args, **kwargs):
        return self + (super().round(*args, **kwargs) - self).detach()


backend = derive("round-straight-through", breaks={"RG-4"}, tensor_type=_Tensor)
