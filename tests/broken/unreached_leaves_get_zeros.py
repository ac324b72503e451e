"""The engine keeps a tape of every leaf used in a recorded operation and, after a backward,
gives each one it did not reach a zero gradient, as tape engines that allocate an adjoint for
every recorded variable do: a leaf the backward never reaches gets zeros instead of None."""

import weakref

import torch

from tests.broken import around_backward, derive

_tape = weakref.WeakValueDictionary()
"""The recorded leaves by id(): a WeakSet would compare tensors with ==."""


class _Taped(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs)
        with torch._C.DisableTorchFunctionSubclass():
            if isinstance(result, torch.Tensor) and result.grad_fn is not None:
                _tape.update({id(a): a for a in args if isinstance(a, torch.Tensor) and a.is_leaf and a.requires_grad})
        return result


def _fill_the_tape(reached):
    for leaf in list(_tape.values()):
        if leaf.grad is None:
            leaf.grad = torch.zeros_like(leaf)  # wrong on purpose: an unreached leaf keeps None
    _tape.clear()


backend = derive(
    "unreached-leaves-get-zeros",
    breaks={"ACC-3", "DET-6", "AG-5", "RG-6"},  # RG-6: a leaf taped, then frozen, gets zeros too
    **around_backward(after=_fill_the_tape, tensor_type=_Taped),
)
