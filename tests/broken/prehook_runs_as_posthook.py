"""grad_fn.register_prehook is wired to the node's post-hooks, as an engine with a single hook
list per node does: the prehook runs after the node and is handed its grad_inputs."""

import torch

from tests.broken import derive


class _Node:
    """A grad_fn whose register_prehook registers a post-hook; everything else is the node's."""

    def __init__(self, node):
        self._node = node

    def register_prehook(self, hook):
        return self._node.register_hook(lambda grad_inputs, grad_outputs: hook(grad_inputs))

    def __getattr__(self, name):
        return getattr(self._node, name)


class _Tensor(torch.Tensor):
    @property
    def grad_fn(self):
        node = super().grad_fn
        return None if node is None else _Node(node)


backend = derive("prehook-runs-as-posthook", breaks={"HOOK-6"}, tensor_type=_Tensor)
