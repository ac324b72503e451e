"""Tensor hooks run last-registered first, as a stack rather than a queue."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def register_hook(self, hook):
        # Each new hook is chained in front of the ones before it.
        hooks = self.__dict__.setdefault("_hooks", [])
        if not hooks:
            super().register_hook(lambda grad: _run(reversed(list(hooks)), grad))
        hooks.append(hook)
        return _Handle(hooks, hook)


def _run(hooks, grad):
    for hook in hooks:
        result = hook(grad)
        grad = grad if result is None else result
    return grad


class _Handle:
    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        self.hooks.remove(self.hook)


backend = derive("hooks-run-in-reverse", breaks={"HOOK-2"}, tensor_type=_Tensor)
