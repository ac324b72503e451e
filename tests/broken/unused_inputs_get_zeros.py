"""autograd.grad gives inputs the output does not use a zero gradient instead of raising
(or None with allow_unused=True), as tinygrad does."""

from types import SimpleNamespace

import torch

from tests.broken import derive


def _grad_with_zeros_for_unused(outputs, inputs, grad_outputs=None, allow_unused=None, **kwargs):
    return torch.autograd.grad(outputs, inputs, grad_outputs, allow_unused=True, materialize_grads=True, **kwargs)


backend = derive(
    "unused-inputs-get-zeros",
    breaks={"AG-3"},
    autograd=SimpleNamespace(backward=torch.autograd.backward, grad=_grad_with_zeros_for_unused),
)
