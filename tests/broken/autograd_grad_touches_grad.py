"""autograd.grad is built on backward(): it returns the right gradients but also leaves them
accumulated in the leaves' .grad, as an engine without a side-effect-free grad would."""

from types import SimpleNamespace

import torch

from tests.broken import derive


def _grad_that_accumulates(outputs, inputs, *args, **kwargs):
    grads = torch.autograd.grad(outputs, inputs, *args, **kwargs)
    with torch.no_grad():
        for tensor, grad in zip([inputs] if isinstance(inputs, torch.Tensor) else inputs, grads, strict=True):
            if tensor.is_leaf and grad is not None:
                tensor.grad = grad.clone() if tensor.grad is None else tensor.grad + grad
    return grads


backend = derive(
    "autograd-grad-touches-grad",
    breaks={"AG-1"},
    autograd=SimpleNamespace(backward=torch.autograd.backward, grad=_grad_that_accumulates),
)
