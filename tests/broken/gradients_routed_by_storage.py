"""The engine finds a tensor's place in the graph by the memory it reads, as tapes keyed by buffer
address do: a detached alias of y reads y's memory, so operations on it are differentiated as
operations on y and gradient flows through the "constant"."""

import torch

from tests.broken import derive

OPERATIONS = {"add", "sub", "mul", "div", "pow", "matmul", "mm", "dot", "__radd__", "__rsub__", "__rmul__"}


class _Tensor(torch.Tensor):
    def detach(self):
        detached = super().detach()
        detached.__dict__["_source"] = self
        return detached

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", None) in OPERATIONS and torch.is_grad_enabled():
            args = tuple(_by_storage(arg) for arg in args)
        return super().__torch_function__(func, types, args, kwargs)


def _by_storage(arg):
    """The tensor the graph knows for ``arg``'s memory: its source, for an alias that does not require grad."""
    if isinstance(arg, torch.Tensor) and not arg.requires_grad:
        return arg.__dict__.get("_source", arg)
    return arg


backend = derive("gradients-routed-by-storage", breaks={"DET-3"}, tensor_type=_Tensor)
