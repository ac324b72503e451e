"""The `@spec` decorator: ties a test to its clause and its source document."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest

from conformance import catalogue

F = TypeVar("F", bound=Callable[..., object])

SEED_FILES = (
    "000_df3ab9637a332bf6.txt",
    "001_7bced7f8c681d456.txt",
    "002_d01b84c90aaf253a.txt",
    "003_694ffaf11e2d2ced.txt",
    "004_50a5472a54e6f60e.txt",
)
CATALOGUE = "catalogue"


def spec(clause_id: str, *, source: str, needs: Iterable[str] = ()) -> Callable[[F], F]:
    """Mark a spec as checking ``clause_id``, citing ``source``.

    ``source`` is a seed file name and section (``"002_d01b84c90aaf253a.txt § In [52]"``)
    or ``"catalogue"`` (with an optional remark) for facts probed on torch 2.13.
    ``needs`` lists optional features the spec uses beyond its clause's own feature.
    """
    entry = catalogue.get(clause_id)
    if not source.startswith(SEED_FILES + (CATALOGUE,)):
        raise ValueError(f"{clause_id}: source must name a seed file or {CATALOGUE!r}, got {source!r}")
    features = set(needs) | ({entry.feature} if entry.feature else set())
    return pytest.mark.clause(clause_id, source=source, features=tuple(sorted(features)))
