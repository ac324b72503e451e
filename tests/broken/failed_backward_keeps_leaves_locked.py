"""A backward that fails partway, on a freed graph, never unlocks the leaves it was accumulating
into (the engine locks them during a backward and has no try/finally), so a fresh forward
through those leaves can no longer be backpropagated."""

import torch

from tests.broken import derive, reached_leaves

SECOND_TIME = "Trying to backward through the graph a second time"


class _Tensor(torch.Tensor):
    def backward(self, *args, **kwargs):
        leaves = reached_leaves([self])
        if any(leaf.__dict__.get("_locked") for leaf in leaves):
            raise RuntimeError("a leaf of this graph is locked by an unfinished backward")
        try:
            return super().backward(*args, **kwargs)
        except RuntimeError as error:
            if SECOND_TIME in str(error):
                for leaf in leaves:
                    leaf.__dict__["_locked"] = True
            raise


backend = derive("failed-backward-keeps-leaves-locked", breaks={"GRAPH-4"}, tensor_type=_Tensor)
