"""autograd.grad never frees the graph (its retain_graph is always on), while backward does, as
in engines whose functional gradient is written apart from backward."""

from types import SimpleNamespace

import torch

from tests.broken import derive


def _grad_keeping_graph(outputs, inputs, grad_outputs=None, retain_graph=None, **kwargs):
    return torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph=True, **kwargs)


backend = derive(
    "autograd-grad-keeps-graph",
    breaks={"GRAPH-1"},
    autograd=SimpleNamespace(backward=torch.autograd.backward, grad=_grad_keeping_graph),
)
