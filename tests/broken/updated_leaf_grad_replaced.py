"""A gradient belongs to the value its leaf had: after an in-place update of the leaf (its version
changed), the next backward replaces .grad instead of adding to it, as engines that treat an
updated parameter as a new variable do. A training loop that never zeroes then does not accumulate."""

from tests.broken import around_backward, derive

VERSION_KEY = "_version_at_last_backward"


def _restart_updated(leaves):
    for leaf in leaves:
        if leaf.grad is not None and leaf.__dict__.get(VERSION_KEY, leaf._version) != leaf._version:
            leaf.grad.zero_()  # wrong on purpose: updating a leaf does not discard its gradient


def _remember_versions(leaves):
    for leaf in leaves:
        leaf.__dict__[VERSION_KEY] = leaf._version


backend = derive(
    "updated-leaf-grad-replaced",
    breaks={"ZERO-5"},
    **around_backward(before=_restart_updated, after=_remember_versions),
)
