"""A tensor used several times gets the gradient of only one use: the engine assigns each
contribution (grad = g) where it should add it (grad += g), so the last write wins."""

import torch

from tests.broken import derive

FANOUT_CLAUSES = {
    "MULTI-1",  # the clause it breaks; the other clauses' specs use some tensor twice (x * x, dot(x, x))
    *("CHAIN-4", "CHAIN-7", "AG-1", "AG-5", "ACC-1", "GRAPH-2", "GRAPH-3", "GRAPH-4"),
    *("LEAF-4", "NG-1", "NG-4", "VJP-8"),
}
OPERATIONS = {"add", "sub", "mul", "div", "pow", "dot", "matmul", "mm", "__radd__", "__rsub__", "__rmul__"}


class _Writes:
    """The gradient written by the use processed last in the current backward, for one tensor."""

    def __init__(self):
        self.last = None

    def write(self, grad):
        # torch adds what the uses pass on; passing the difference from the previous write
        # makes that sum telescope to the last write.
        previous, self.last = self.last, grad
        return None if previous is None else grad - previous

    def reset(self, grad):
        self.last = None  # every use has written once the tensor's own gradient is complete


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", None) in OPERATIONS and torch.is_grad_enabled():
            with torch._C.DisableTorchFunctionSubclass():
                args = tuple(tracked_use(a) for a in args)
        return super().__torch_function__(func, types, args, kwargs)


def tracked_use(arg):
    """A view of ``arg`` standing for one use of it; a view keeps in-place checks intact."""
    if not (isinstance(arg, torch.Tensor) and arg.requires_grad):
        return arg
    writes = arg.__dict__.get("_writes")
    if writes is None:
        writes = arg.__dict__["_writes"] = _Writes()
        arg.register_hook(writes.reset)
    use = arg.view_as(arg)
    use.register_hook(writes.write)
    return use


backend = derive("fanout-last-write-wins", breaks=FANOUT_CLAUSES, tensor_type=_Tensor)
