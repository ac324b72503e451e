"""Tensor hooks are called for observation only: whatever they return is dropped, so they
can neither replace a gradient nor change its shape."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def register_hook(self, hook):
        def observe(grad):
            hook(grad)  # wrong on purpose: the result should replace grad

        return super().register_hook(observe)


backend = derive("hook-results-ignored", breaks={"HOOK-1", "HOOK-2", "HOOK-3", "HOOK-4"}, tensor_type=_Tensor)
