"""x * 0 is simplified to the constant 0 while the graph is built, as algebraic simplifiers do:
the leaf drops out of the graph, so a leaf reached only with a zero gradient gets no .grad (and a
backward from the folded constant has nothing to differentiate)."""

import torch

from tests.broken import derive

MULTIPLICATIONS = {"mul", "__mul__", "__rmul__"}


def _is_zero_number(arg):
    return isinstance(arg, (int, float)) and arg == 0


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", None) in MULTIPLICATIONS and any(_is_zero_number(a) for a in args):
            tensor = next(a for a in args if isinstance(a, torch.Tensor))
            with torch._C.DisableTorchFunctionSubclass():
                return torch.zeros_like(tensor)  # wrong on purpose: x * 0 still depends on x
        return super().__torch_function__(func, types, args, kwargs)


backend = derive("zero-product-folded", breaks={"ACC-3"}, tensor_type=_Tensor)
