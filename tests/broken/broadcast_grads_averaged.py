"""Gradients of broadcast inputs are averaged over the broadcast dimensions instead of summed."""

import torch

from tests.broken import derive

ELEMENTWISE = {"add", "sub", "mul", "div", "__radd__", "__rsub__", "__rmul__", "__rtruediv__"}


def broadcasting_with(unbroadcast):
    """A tensor type whose elementwise operations broadcast an operand that requires grad through an
    expand whose backward is ``unbroadcast(grad, shape)``: the engine's reduction of the gradient to
    the operand's ``shape``."""

    class _Expand(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t, shape):
            ctx.shape = t.shape
            return t.expand(shape).clone()

        @staticmethod
        def backward(ctx, grad):
            return unbroadcast(grad, ctx.shape), None

    class _Tensor(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            tensors = [a for a in args if isinstance(a, torch.Tensor)]
            if getattr(func, "__name__", None) in ELEMENTWISE and len(tensors) == 2 and torch.is_grad_enabled():
                shape = torch.broadcast_shapes(*(t.shape for t in tensors))
                with torch._C.DisableTorchFunctionSubclass():
                    args = tuple(_expanded(_Expand.apply, a, shape) for a in args)
            return super().__torch_function__(func, types, args, kwargs)

    return _Tensor


def _expanded(expand, arg, shape):
    if isinstance(arg, torch.Tensor) and arg.requires_grad and arg.shape != shape:
        return expand(arg, shape)
    return arg


def _averaged(grad, shape):
    copies = grad.numel() // max(1, torch.Size(shape).numel())
    return grad.sum_to_size(shape) / copies  # wrong on purpose: no division


backend = derive("broadcast-grads-averaged", breaks={"BC-1", "CHAIN-7"}, tensor_type=broadcasting_with(_averaged))
