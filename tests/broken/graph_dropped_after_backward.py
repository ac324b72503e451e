"""Backward drops the whole graph, not just its saved tensors: the result loses its grad_fn, so
even a graph that saved nothing, like x.sum(), cannot be backpropagated again (tinygrad in 2024
deleted each node's context after backward)."""

import torch

from tests.broken import derive

SECOND_TIME = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Specify retain_graph=True if you need to backward a second time."
)


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if self.__dict__.get("_dropped"):
            raise RuntimeError(SECOND_TIME)
        super().backward(gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
        # A leaf is a graph of its own, with nothing to drop.
        if not (retain_graph or create_graph or self.is_leaf):
            self.__dict__["_dropped"] = True

    @property
    def grad_fn(self):
        return None if self.__dict__.get("_dropped") else torch.Tensor.grad_fn.__get__(self)


backend = derive("graph-dropped-after-backward", breaks={"GRAPH-3"}, tensor_type=_Tensor)
