"""requires_grad of a float result is worked out when it is read, from its inputs' current flags, as in lazy
engines that build the graph at backward time: u = t * 2 computed before t.requires_grad_() then requires grad too."""

import torch

from tests.broken import derive, torch_attribute

CUTS = {"detach", "__get__"}  # detach() and the .data getter leave the graph for good


def _requires_grad_from_inputs(tensor):
    inputs = tensor.__dict__.get("_inputs", ())
    return torch.Tensor.requires_grad.__get__(tensor) or any(t.requires_grad for t in inputs)


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs)
        if (
            isinstance(result, _Tensor)
            and result.is_floating_point()
            and result.grad_fn is None
            and torch.is_grad_enabled()
            and getattr(func, "__name__", None) not in CUTS
        ):
            result.__dict__.setdefault("_inputs", [a for a in args if isinstance(a, _Tensor) and a is not result])
        return result

    requires_grad = torch_attribute("requires_grad", get=_requires_grad_from_inputs)


backend = derive("requires-grad-read-lazily", breaks={"RG-3"}, tensor_type=_Tensor)
