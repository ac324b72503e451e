"""Gradients are stored in float64 whatever the leaf's dtype, as in mygrad, whose NumPy
arithmetic defaults to float64: the values are right but a float32 leaf gets a float64 .grad."""

import torch

from tests.broken import around_backward, derive


def _widen(leaves):
    for leaf in leaves:
        if leaf.grad is not None and leaf.grad.dtype != torch.float64:
            leaf.grad_dtype = None  # lets torch store a gradient of another dtype
            leaf.grad = leaf.grad.to(torch.float64)


backend = derive(
    "grads-stored-in-float64",
    breaks={"ACC-4", "VJP-5", "DATA-5", "TRAIN-1", "TRAIN-2"},
    **around_backward(after=_widen),
)
