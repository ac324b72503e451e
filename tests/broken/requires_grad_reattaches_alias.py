"""requires_grad_() on a detached alias makes it a leaf whose gradient is also sent to its source,
as in an engine that keys gradients by memory: the alias and its source share memory, so whatever
reaches the alias reaches the source's graph too."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach(self):
        detached = super().detach()
        detached.__dict__["_source"] = self
        return detached

    def requires_grad_(self, requires_grad=True):
        super().requires_grad_(requires_grad)
        source = self.__dict__.get("_source")
        if requires_grad and source is not None and source.requires_grad:
            self.register_hook(lambda grad: torch.autograd.backward(source, grad))
        return self


backend = derive("requires-grad-reattaches-alias", breaks={"DET-6"}, tensor_type=_Tensor)
