"""Every tensor in the graph keeps its gradient, intermediates and outputs included, as
tinygrad and mygrad do: non-leaves get a .grad as if retain_grad() had been called."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs)
        if isinstance(result, torch.Tensor) and result.grad_fn is not None:
            with torch._C.DisableTorchFunctionSubclass():
                result.retain_grad()
        return result


backend = derive("intermediates-keep-grad", breaks={"CHAIN-6", "LEAF-2", "LEAF-3"}, tensor_type=_Tensor)
