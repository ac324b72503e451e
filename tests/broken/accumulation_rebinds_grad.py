"""Accumulation is out of place, grad = grad + g, as in micrograd-style engines: the sum is right
but .grad is a new object after each backward, and earlier references keep the old sum."""

from tests.broken import around_backward, derive


def _rebind(leaves):
    for leaf in leaves:
        if leaf.grad is not None:
            leaf.grad = leaf.grad.clone()  # wrong on purpose: the existing object should be updated


backend = derive("accumulation-rebinds-grad", breaks={"ACC-2"}, **around_backward(before=_rebind))
