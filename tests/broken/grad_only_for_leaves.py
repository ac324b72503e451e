"""autograd.grad refuses to differentiate with respect to anything but a leaf."""

from types import SimpleNamespace

import torch

from tests.broken import derive


def _grad_for_leaves(outputs, inputs, *args, **kwargs):
    if any(not t.is_leaf for t in ([inputs] if isinstance(inputs, torch.Tensor) else inputs)):
        raise RuntimeError("autograd.grad: inputs must be leaf tensors")
    return torch.autograd.grad(outputs, inputs, *args, **kwargs)


backend = derive(
    "grad-only-for-leaves",
    breaks={"AG-4"},
    autograd=SimpleNamespace(backward=torch.autograd.backward, grad=_grad_for_leaves),
)
