"""Unbroadcasting sums the leading dimensions broadcasting added, but along a size-1 dimension it
stretched it keeps the first copy's gradient instead of summing the copies (the engine slices where
it should sum with keepdim). The random graphs (CHAIN-7) never stretch a size-1 dimension."""

from tests.broken import derive
from tests.broken.broadcast_grads_averaged import broadcasting_with


def _first_copy(grad, shape):
    leading = grad.dim() - len(shape)
    if leading:
        grad = grad.sum(dim=tuple(range(leading)))
    for axis, size in enumerate(shape):
        if size == 1:
            grad = grad.narrow(axis, 0, 1)  # wrong on purpose: the copies should be summed
    return grad


backend = derive("stretched-dims-get-first-copy", breaks={"BC-1"}, tensor_type=broadcasting_with(_first_copy))
