"""A product or a power saves a leaf operand by value, a copy taken at forward time, as engines that snapshot parameters do:
a later in-place update of the leaf goes unnoticed and backward silently uses the old values."""

import torch

from tests.broken import derive

SAVING_OPS = {"mul", "__mul__", "__rmul__", "pow", "__pow__"}


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", None) in SAVING_OPS and torch.is_grad_enabled():
            # clone() passes the gradient on to the leaf but has storage and a version counter of its own.
            args = tuple(
                a.clone() if isinstance(a, torch.Tensor) and a.is_leaf and a.requires_grad else a for a in args
            )
        return super().__torch_function__(func, types, args, kwargs)


backend = derive("saved-leaves-copied", breaks={"NG-3", "DATA-3"}, tensor_type=_Tensor)
