"""autograd.grad ignores create_graph: the gradients it returns are constants, so there are
no higher-order derivatives."""

from types import SimpleNamespace

import torch

from tests.broken import derive


def _grad_without_graph(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, **kwargs):
    return torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph=retain_graph, **kwargs)


backend = derive(
    "create-graph-ignored",
    breaks={"AG-2"},
    autograd=SimpleNamespace(backward=torch.autograd.backward, grad=_grad_without_graph),
)
