"""Asking an integer tensor to require grad is silently ignored instead of raising, as in engines whose integer
tensors are always constants (mygrad, tinygrad)."""

import torch

from tests.broken import CREATION_FUNCTIONS, derive


class _Tensor(torch.Tensor):
    def requires_grad_(self, requires_grad=True):
        return super().requires_grad_(requires_grad and self.is_floating_point())


def _ignoring_integers(factory):
    def create(*args, requires_grad=False, **kwargs):
        t = factory(*args, **kwargs)
        return torch.Tensor._make_subclass(_Tensor, t, requires_grad and t.is_floating_point())

    return create


backend = derive(
    "integer-grad-request-ignored",
    breaks={"RG-2"},
    tensor_type=_Tensor,
    **{name: _ignoring_integers(getattr(torch, name)) for name in CREATION_FUNCTIONS},
)
