"""Broken backends: PyTorch with one clause broken, the way real engines break it.

Each module in this package defines ``backend = derive(...)``: the torch backend with a
tensor subclass or namespace members replaced, and ``breaks``, the set of clause IDs
its specs must fail, no more and no fewer (checked by tests/test_broken_backends.py).
Every clause that has a spec is the whole ``breaks`` of some backend: a realistic bug
that fails that clause alone (the meta-test names the one exception and why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import torch

from conformance.backends import torch_backend
from conformance.contract import BACKEND_MEMBERS

CREATION_FUNCTIONS = ("tensor", "arange", "ones", "zeros", "ones_like", "zeros_like")


def derive(name: str, breaks: set[str], tensor_type: type[torch.Tensor] = torch.Tensor, **overrides: Any) -> Any:
    """The torch backend, named ``broken-<name>``, whose tensors are ``tensor_type``.

    Operations on ``tensor_type`` instances return ``tensor_type`` again (torch's
    ``__torch_function__`` keeps the subclass), so overriding a method on it changes
    that method everywhere; ``overrides`` replace namespace members.
    """
    members = {member: getattr(torch_backend, member) for member in BACKEND_MEMBERS}
    if tensor_type is not torch.Tensor:
        for factory in CREATION_FUNCTIONS:
            members[factory] = _creating(getattr(torch, factory), tensor_type)
    members.update(name=f"broken-{name}", breaks=frozenset(breaks), **overrides)
    return SimpleNamespace(**members)


def _convert_in_place(result, cls):
    """torch's ``_tensor._convert``, the step of ``Tensor.__torch_function__`` that gives results the
    subclass, but setting ``__class__`` instead of calling ``as_subclass``: as_subclass would put an
    AliasBackward0 node between every result and the node that computed it, and ``y.grad_fn`` and
    its node hooks (HOOK-6) would be the alias's, not the operation's as in torch."""
    if cls is torch.Tensor:
        return result
    if isinstance(result, torch.Tensor) and not isinstance(result, cls):
        result.__class__ = cls
    if isinstance(result, (tuple, list)):
        return type(result)(_convert_in_place(r, cls) for r in result)
    return result


torch._tensor._convert = _convert_in_place


def _creating(factory, tensor_type):
    def create(*args, requires_grad=False, **kwargs):
        # _make_subclass builds a true leaf (as nn.Parameter does) and raises torch's own
        # error for integer data that asks for grad.
        return torch.Tensor._make_subclass(tensor_type, factory(*args, **kwargs), requires_grad)

    return create


def torch_attribute(name: str, get: Callable | None = None, set: Callable | None = None) -> property:
    """torch.Tensor's attribute ``name`` with a broken getter ``get(tensor)`` or setter
    ``set(tensor, value)``; the half not given is torch's own."""
    own = getattr(torch.Tensor, name)
    return property(get or own.__get__, set or own.__set__)


def with_rule(forward: Callable[[torch.Tensor], torch.Tensor], vjp: Callable[..., torch.Tensor]) -> Callable:
    """A unary op computing ``forward(x)`` whose backward is ``vjp(grad, result)``: an engine's own
    (wrong) rule for an op that saves its result."""

    class _Op(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = forward(x)
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return vjp(grad, result)

    return _Op.apply


def reached_leaves(roots: Sequence[torch.Tensor], inputs: Any = None) -> list[torch.Tensor]:
    """The leaves a backward from ``roots`` accumulates into: those behind an AccumulateGrad
    node of the roots' graph (or a root that is such a leaf), restricted to ``inputs`` if given."""
    leaves = [root for root in roots if root.grad_fn is None and root.requires_grad]
    seen, pending = set(), [root.grad_fn for root in roots if root.grad_fn is not None]
    while pending:
        node = pending.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):
            leaves.append(node.variable)
        pending.extend(child for child, _ in node.next_functions)
    if inputs is not None:
        listed = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
        leaves = [leaf for leaf in leaves if any(leaf is t for t in listed)]
    return leaves


Action = Callable[[list[torch.Tensor]], None]


def around_backward(
    *, before: Action | None = None, after: Action | None = None, tensor_type: type[torch.Tensor] = torch.Tensor
) -> dict[str, Any]:
    """`derive` overrides whose two backward entry points, Tensor.backward and autograd.backward,
    call ``before(leaves)`` and ``after(leaves)`` around the backward, with `reached_leaves`."""

    def run(backward: Callable[[], None], roots: Sequence[torch.Tensor], inputs: Any) -> None:
        leaves = reached_leaves(roots, inputs)
        if before is not None:
            before(leaves)
        backward()
        if after is not None:
            after(leaves)

    class AroundBackward(tensor_type):
        def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
            parent = super().backward
            run(lambda: parent(gradient, retain_graph, create_graph, inputs), [self], inputs)

    def autograd_backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
        roots = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
        run(
            lambda: torch.autograd.backward(tensors, grad_tensors, retain_graph, create_graph, inputs=inputs),
            roots,
            inputs,
        )

    return {
        "tensor_type": AroundBackward,
        "autograd": SimpleNamespace(backward=autograd_backward, grad=torch.autograd.grad),
    }
