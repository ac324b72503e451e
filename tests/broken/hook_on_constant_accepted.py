"""register_hook on a tensor that does not require grad is silently accepted and never runs."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def register_hook(self, hook):
        if not self.requires_grad:
            return _NoHandle()
        return super().register_hook(hook)


class _NoHandle:
    def remove(self):
        pass


backend = derive("hook-on-constant-accepted", breaks={"HOOK-4"}, tensor_type=_Tensor)
