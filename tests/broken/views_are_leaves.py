"""is_leaf is read from the tensor that owns the storage, so a view of a leaf such as a[0] claims
to be a leaf although it has a grad_fn, as in engines where indexing returns an alias of the base."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def is_leaf(self):
        owner = self._base if self._base is not None else self
        return torch.Tensor.is_leaf.__get__(owner)


backend = derive("views-are-leaves", breaks={"LEAF-1"}, tensor_type=_Tensor)
