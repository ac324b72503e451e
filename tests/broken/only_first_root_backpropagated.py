"""autograd.backward(roots, gradients) backpropagates the first root only, as an adapter that maps it
to roots[0].backward(gradients[0]) for an engine whose backward takes one root."""

from types import SimpleNamespace

import torch

from tests.broken import derive


def _first_root_only(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    roots = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
    gradients = [None] * len(roots) if grad_tensors is None else list(grad_tensors)
    roots[0].backward(gradients[0], retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


backend = derive(
    "only-first-root-backpropagated",
    breaks={"VJP-8", "MULTI-1"},
    autograd=SimpleNamespace(backward=_first_root_only, grad=torch.autograd.grad),
)
