"""backward() clears the graph behind every leaf it reaches, as mygrad's does: another output built
from those leaves before that backward can no longer be backpropagated, and its backward raises.
Outputs built afterwards, and the graph the backward itself went through, are unaffected."""

import torch

from tests.broken import derive

_backwards = [0]
"""How many backward() calls have run; a node built when the count was k predates call k + 1."""


def _nodes(root):
    """Every node reachable from ``root``."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return seen


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs)
        if isinstance(result, torch.Tensor) and result.grad_fn is not None:
            result.grad_fn.metadata.setdefault("built_at", _backwards[0])
        return result

    def backward(self, *args, **kwargs):
        nodes = _nodes(self.grad_fn)
        leaves = [node.variable for node in nodes if hasattr(node, "variable")]
        for leaf in leaves:
            cleared_at, went_through = leaf.__dict__.get("_cleared", (0, set()))
            if any(node.metadata.get("built_at", cleared_at) < cleared_at for node in nodes - went_through):
                raise RuntimeError("the graph was cleared by an earlier backward through one of its leaves")
        super().backward(*args, **kwargs)
        _backwards[0] += 1
        for leaf in leaves:
            leaf.__dict__["_cleared"] = (_backwards[0], nodes)


backend = derive("backward-clears-shared-graph", breaks={"MULTI-1"}, tensor_type=_Tensor)
