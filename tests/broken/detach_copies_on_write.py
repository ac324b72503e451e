"""detach() is copy-on-write, as arrays with value semantics are (JAX, Swift for TensorFlow): the
detached tensor reads its source's memory until the first in-place write through it, which lands in a
private copy that the source never sees. The version counter is still shared."""

import torch

from tests.broken import derive

WRITES = {"add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "__iadd__", "__isub__", "__imul__", "__setitem__"}


class _Tensor(torch.Tensor):
    def detach(self):
        detached = super().detach()
        detached.__dict__["_shares_memory"] = True
        return detached

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        target = args[0] if args else None
        if getattr(func, "__name__", None) in WRITES and target.__dict__.pop("_shares_memory", False):
            # The copy itself is not a change anyone should see: keep the shared version where it was.
            with torch.autograd._unsafe_preserve_version_counter(target), torch._C.DisableTorchFunctionSubclass():
                target.set_(target.clone())
        return super().__torch_function__(func, types, args, kwargs)


backend = derive("detach-copies-on-write", breaks={"DET-2"}, tensor_type=_Tensor)
