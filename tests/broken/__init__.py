"""Broken backends: PyTorch with one clause broken, the way real engines break it.

Each module in this package defines ``backend = derive(...)``: the torch backend with a
tensor subclass or namespace members replaced, and ``breaks``, the set of clause IDs
its specs must fail, no more and no fewer (checked by tests/test_broken_backends.py).
Every clause that has a spec appears in some backend's ``breaks``.
"""

from __future__ import annotations

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


def _creating(factory, tensor_type):
    def create(*args, requires_grad=False, **kwargs):
        # _make_subclass builds a true leaf (as nn.Parameter does) and raises torch's own
        # error for integer data that asks for grad.
        return torch.Tensor._make_subclass(tensor_type, factory(*args, **kwargs), requires_grad)

    return create
