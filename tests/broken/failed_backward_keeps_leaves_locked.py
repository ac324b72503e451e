"""A backward that fails partway, on a freed graph, never unlocks the leaves it was accumulating
into (the engine locks them during a backward and has no try/finally), so a fresh forward
through those leaves can no longer be backpropagated."""

import torch

from tests.broken import derive

SECOND_TIME = "Trying to backward through the graph a second time"


class _Tensor(torch.Tensor):
    def backward(self, *args, **kwargs):
        leaves = _leaves(self.grad_fn)
        if any(leaf.__dict__.get("_locked") for leaf in leaves):
            raise RuntimeError("a leaf of this graph is locked by an unfinished backward")
        try:
            return super().backward(*args, **kwargs)
        except RuntimeError as error:
            if SECOND_TIME in str(error):
                for leaf in leaves:
                    leaf.__dict__["_locked"] = True
            raise


def _leaves(root):
    """The leaves the graph under ``root`` accumulates into (its AccumulateGrad nodes' variables)."""
    leaves, seen, pending = [], set(), [root]
    while pending:
        node = pending.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):
            leaves.append(node.variable)
        pending.extend(next_node for next_node, _ in node.next_functions)
    return leaves


backend = derive("failed-backward-keeps-leaves-locked", breaks={"GRAPH-4"}, tensor_type=_Tensor)
