"""w.data returns a copy of the values, as engines whose .data hands out a NumPy copy do: changes
through it never reach w, so the tutorial's w.grad.data.zero_() leaves gradients accumulating."""

import torch

from tests.broken import derive, torch_attribute


def _grad_of_this_type(tensor):
    # torch's engine makes .grad a plain tensor; hand out one alias of it of this type
    # (the same object for as long as .grad is), so w.grad.data copies too.
    grad = torch.Tensor.grad.__get__(tensor)
    if grad is None:
        return None
    seen = tensor.__dict__.get("_grad_alias")
    if seen is None or seen[0] is not grad:
        seen = tensor.__dict__["_grad_alias"] = (grad, grad.as_subclass(_Tensor))
    return seen[1]


class _Tensor(torch.Tensor):
    data = torch_attribute("data", get=lambda tensor: torch.Tensor.data.__get__(tensor).clone())
    grad = torch_attribute("grad", get=_grad_of_this_type)


backend = derive("data-is-a-copy", breaks={"DATA-1", "DATA-3", "TRAIN-1", "TRAIN-2"}, tensor_type=_Tensor)
