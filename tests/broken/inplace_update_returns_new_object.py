"""An in-place operator on a parameter (w -= lr * w.grad under no_grad) hands back a new Python
object for the same storage and gradient, as a binding that wraps every returned handle afresh
does: the values are right, but the name w no longer refers to the tensor it did."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def _rewrapped(self, result):
        if not (result is self and self.is_leaf and self.requires_grad):
            return result
        fresh = torch.Tensor._make_subclass(_Tensor, self, True)  # an alias: same storage and version
        fresh.grad = self.grad
        return fresh

    def __iadd__(self, other):
        return self._rewrapped(super().__iadd__(other))

    def __isub__(self, other):
        return self._rewrapped(super().__isub__(other))

    def __imul__(self, other):
        return self._rewrapped(super().__imul__(other))


backend = derive("inplace-update-returns-new-object", breaks={"DATA-5"}, tensor_type=_Tensor)
