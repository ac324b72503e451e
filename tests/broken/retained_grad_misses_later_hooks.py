"""retain_grad() keeps the gradient as it was when it was called, before the hooks registered
after it, as PyTorch did before 2.0."""

import torch

from tests.broken import derive, torch_attribute


def _kept_or_grad(tensor):
    """The gradient retain_grad() kept, where it was called, else torch's .grad."""
    if "_kept" in tensor.__dict__:
        return tensor.__dict__["_kept"]
    return torch.Tensor.grad.__get__(tensor)


class _Tensor(torch.Tensor):
    def retain_grad(self):
        if self.is_leaf:
            return super().retain_grad()
        self.__dict__["_kept"] = None

        def keep(grad):
            kept = self.__dict__["_kept"]
            self.__dict__["_kept"] = grad.detach().clone() if kept is None else kept + grad

        self.register_hook(keep)

    @property
    def retains_grad(self):
        return "_kept" in self.__dict__ or torch.Tensor.retains_grad.__get__(self)

    grad = torch_attribute("grad", get=_kept_or_grad)


backend = derive("retained-grad-misses-later-hooks", breaks={"HOOK-3"}, tensor_type=_Tensor)
