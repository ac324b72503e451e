"""Backward checks the version of saved intermediates but not of saved leaves, as an engine that assumes
parameters change only between iterations would: an update of a leaf under no_grad() after the forward goes
unnoticed, and backward silently uses the new values."""

import torch
from torch.autograd.graph import saved_tensors_hooks

from tests.broken import derive


def _pack(t):
    return t, t._version


def _unpack(packed):
    t, version = packed
    if t._version != version and not (t.is_leaf and t.requires_grad):
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{t.type()} {list(t.shape)}] is at version {t._version}; expected version {version} instead."
        )
    return t


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        with saved_tensors_hooks(_pack, _unpack):  # the hooks replace torch's own version check
            return super().__torch_function__(func, types, args, kwargs)


backend = derive("saved-leaves-unchecked", breaks={"NG-3"}, tensor_type=_Tensor)
