"""x.grad = None only hides the gradient: the engine keeps the buffer and the next backward writes
the new gradient into it, as engines that pool gradient buffers do. The values are right, but a
gradient set aside before the reset changes under its holder."""

import torch

from tests.broken import around_backward, derive, torch_attribute

RELEASED = "_released_grad"


def _set_grad_keeping_released(tensor, value):
    if value is None and torch.Tensor.grad.__get__(tensor) is not None:
        tensor.__dict__[RELEASED] = torch.Tensor.grad.__get__(tensor)
    torch.Tensor.grad.__set__(tensor, value)


class _Tensor(torch.Tensor):
    grad = torch_attribute("grad", set=_set_grad_keeping_released)


def _reuse_released(leaves):
    for leaf in leaves:
        released = leaf.__dict__.pop(RELEASED, None)
        if released is not None and leaf.grad is not None:
            with torch.no_grad():
                released.copy_(leaf.grad)  # wrong on purpose: the new gradient is a fresh tensor
            leaf.grad = released


backend = derive(
    "released-grad-buffer-reused", breaks={"ZERO-2"}, **around_backward(after=_reuse_released, tensor_type=_Tensor)
)
