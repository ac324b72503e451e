"""A tensor hook's handle.remove() does nothing: the handle points at a copy of the hook list, so
the hook keeps running on every later backward."""

import torch

from tests.broken import derive


class _Handle:
    def remove(self):
        pass  # wrong on purpose: the hook should stop running


class _Tensor(torch.Tensor):
    def register_hook(self, hook):
        super().register_hook(hook)
        return _Handle()


backend = derive("hook-handle-remove-ignored", breaks={"HOOK-1"}, tensor_type=_Tensor)
