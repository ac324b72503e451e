"""a + b requires grad only when a does: the engine copies requires_grad from the left operand, as engines
that build an op's output from `self` do, so a constant plus a tracked tensor drops out of the graph."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        left = args[0] if args else None
        if getattr(func, "__name__", None) in {"add", "__add__"} and isinstance(left, torch.Tensor):
            if not left.requires_grad:
                args = (left, *(a.detach() if isinstance(a, torch.Tensor) else a for a in args[1:]))
        return super().__torch_function__(func, types, args, kwargs)


backend = derive("add-flag-from-left-operand", breaks={"RG-1"}, tensor_type=_Tensor)
