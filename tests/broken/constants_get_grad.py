"""Every float tensor an operation meets takes a gradient, so leaves that do not require grad get
a .grad too, as in tinygrad and micrograd, which have no requires_grad to tell them apart."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        # In-place operations and setters are left alone: their first operand must stay the tensor
        # written to. backward's gradient argument is a value, not an operand.
        if (
            torch.is_grad_enabled()
            and name != "backward"
            and not name.endswith("_")
            and not name.startswith(("__i", "__set"))
        ):
            with torch._C.DisableTorchFunctionSubclass():
                if any(isinstance(a, torch.Tensor) and a.requires_grad for a in args):
                    args = tuple(_stand_in(a) for a in args)
        return super().__torch_function__(func, types, args, kwargs)


def _stand_in(arg):
    """A leaf that requires grad, standing for a constant leaf ``arg``, whose gradient lands in arg.grad."""
    if not (isinstance(arg, torch.Tensor) and arg.is_leaf and not arg.requires_grad and arg.is_floating_point()):
        return arg
    stand_in = arg.detach().requires_grad_(True)

    def pass_on(t):
        arg.grad = t.grad if arg.grad is None else arg.grad + t.grad
        t.grad = None

    stand_in.register_post_accumulate_grad_hook(pass_on)
    return stand_in


backend = derive("constants-get-grad", breaks={"LEAF-2"}, tensor_type=_Tensor)
