"""norm() of a 0-d tensor is NaN, as in an engine that reduces a 0-d tensor over an empty list of elements
(sqrt of 0/0): the tutorial's `while b.norm() < 1000` loop then stops at once."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def norm(self, *args, **kwargs):
        result = super().norm(*args, **kwargs)
        return result * float("nan") if self.dim() == 0 else result


backend = derive("scalar-norm-is-nan", breaks={"CF-1"}, tensor_type=_Tensor)
