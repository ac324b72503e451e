"""autograd.backward(roots, gradients) backpropagates the sum of the roots' elements, dropping the
gradients: an adapter shortcut for an engine with no multi-root backward, right only for ones."""

from types import SimpleNamespace

import torch

from tests.broken import derive


def _backward_of_the_sum(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    roots = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
    sum(root.sum() for root in roots).backward(retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


backend = derive(
    "several-roots-summed-without-gradients",
    breaks={"VJP-8"},
    autograd=SimpleNamespace(backward=_backward_of_the_sum, grad=torch.autograd.grad),
)
