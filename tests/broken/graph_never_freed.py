"""Backward never frees the graph, so a second backward through it accumulates again instead of
raising, as in tinygrad."""

from types import SimpleNamespace

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        return super().backward(gradient, retain_graph=True, create_graph=create_graph, inputs=inputs)


def _backward(tensors, grad_tensors=None, retain_graph=None, **kwargs):
    return torch.autograd.backward(tensors, grad_tensors, retain_graph=True, **kwargs)


def _grad(outputs, inputs, grad_outputs=None, retain_graph=None, **kwargs):
    return torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph=True, **kwargs)


backend = derive(
    "graph-never-freed",
    # Freeing is seen only through the error of the backward after it, so GRAPH-2's freeing
    # backward (the one after the retained ones) frees nothing either.
    breaks={"GRAPH-1", "GRAPH-2"},
    tensor_type=_Tensor,
    autograd=SimpleNamespace(backward=_backward, grad=_grad),
)
