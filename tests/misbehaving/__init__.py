"""Backends that misbehave as a process, not as a semantics: they hang or crash.

Kept out of tests/broken, whose every module the meta-test runs the whole suite against.
Each breaks only ``dot``'s backward, so specs that avoid dot still pass and show that the
run goes on past the misbehaving spec.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from tests.broken import derive


def with_dot_backward(name: str, backward: Callable[[], None]):
    """The torch backend whose dot runs ``backward()`` instead of its derivative."""

    class _Dot(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return torch.dot(a, b)

        @staticmethod
        def backward(ctx, grad):
            backward()

    return derive(name, breaks=set(), dot=_Dot.apply)
