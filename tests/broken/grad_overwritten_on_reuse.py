"""A leaf's .grad is reset to None as soon as the leaf takes part in a new operation, as in
mygrad: a backward through a fresh graph overwrites the gradient instead of adding to it."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs)
        with torch._C.DisableTorchFunctionSubclass():
            if isinstance(result, torch.Tensor) and result.grad_fn is not None:
                for arg in args:
                    if isinstance(arg, torch.Tensor) and arg.is_leaf:
                        arg.grad = None
        return result


backend = derive(
    "grad-overwritten-on-reuse",
    breaks={"ACC-1", "ACC-2", "ACC-5", "ZERO-5", "AG-1", "GRAPH-4", "HOOK-1", "HOOK-5"},
    tensor_type=_Tensor,
)
