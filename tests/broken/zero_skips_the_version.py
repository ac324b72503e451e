"""zero_() fills the storage without counting as an in-place operation: the version counter stays
where it was, while add_, mul_ and setitem still count. A zeroed saved tensor would go unnoticed."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def zero_(self):
        torch.Tensor.zero_(self.data)  # wrong on purpose: .data has a version counter of its own
        return self


backend = derive("zero-skips-the-version", breaks={"VER-1"}, tensor_type=_Tensor)
