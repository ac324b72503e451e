"""Expectation files: the specs a partial engine is known to fail (xfails) or cannot run (skips).

One entry per line, with an optional ``# reason`` after it::

    # a whole clause: every spec marked with it
    ACC-2  # grad objects are rebuilt on every backward
    # one spec, on every backend and every parametrization
    specs/test_accumulation.py::test_grad_sums_backward_calls
    # one spec on one backend only
    specs/test_accumulation.py::test_grad_sums_backward_calls[myengine]

Blank lines and lines that are only a comment are ignored. `write` produces the same
format from a run's failures, so an engine adopts the suite in one step and gates on
"no regressions" from then on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.results import EXPECTED_FAILURE, FAILED, UNEXPECTED_PASS, SpecResult

CLAUSE_ID = re.compile(r"[A-Z]+-\d+")
SPEC_ID = re.compile(r"[^\s\[]+::[^\s\[]+(\[.*\])?")
"""A spec id, with its parametrization in brackets; only the brackets may hold spaces."""


class ExpectationsError(Exception):
    """An expectation file cannot be read or has a line that is not an entry."""


@dataclass(frozen=True)
class Entry:
    id: str
    reason: str
    source: str  # "FILE:LINE", shown wherever the entry is acted upon

    def matches(self, nodeid: str, clause: str | None) -> bool:
        # "specs/x.py::test_y" covers "specs/x.py::test_y[torch]" and any other parametrization.
        return self.id in (clause, nodeid, nodeid.split("[", 1)[0])


@dataclass(frozen=True)
class Expectations:
    path: str
    entries: tuple[Entry, ...]

    def match(self, nodeid: str, clause: str | None) -> Entry | None:
        """The first entry that covers the spec ``nodeid`` checking ``clause``."""
        return next((entry for entry in self.entries if entry.matches(nodeid, clause)), None)

    def stale(self, ran: Iterable[tuple[str, str | None]]) -> list[Entry]:
        """The entries that cover none of the (nodeid, clause) pairs in ``ran``."""
        ran = list(ran)
        return [entry for entry in self.entries if not any(entry.matches(n, c) for n, c in ran)]


def load(path: str) -> Expectations:
    """Parse the expectation file at ``path``; `ExpectationsError` names the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExpectationsError(f"cannot read expectation file {path}: {exc}") from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry_id, _, reason = line.partition("#")
        entry_id = entry_id.strip()
        if not entry_id:
            continue
        if not (CLAUSE_ID.fullmatch(entry_id) or SPEC_ID.fullmatch(entry_id)):
            raise ExpectationsError(
                f"{path}:{number}: {entry_id!r} is neither a clause ID (ACC-1) nor a spec id "
                "(specs/test_x.py::test_y); put reasons after '#'"
            )
        entries.append(Entry(entry_id, reason.strip(), f"{path}:{number}"))
    return Expectations(path, tuple(entries))


def failing_entries(results: Iterable[SpecResult]) -> dict[str, str]:
    """Entry id -> reason for every spec that failed (expectedly or not) in ``results``.

    A spec is named without its parametrization when all its parametrizations that ran
    failed, else each failing one is named in full, so that no entry covers a pass.
    """
    by_spec: dict[str, list[SpecResult]] = {}
    for result in results:
        by_spec.setdefault(result.spec_id, []).append(result)
    entries = {}
    for spec_id, runs in by_spec.items():
        failing = [r for r in runs if r.status in (FAILED, EXPECTED_FAILURE)]
        if len(failing) == len(runs):
            entries[spec_id] = _reason(failing[0])
        elif failing:
            entries.update((r.nodeid, _reason(r)) for r in failing)
    return entries


def _reason(result: SpecResult) -> str:
    first_line = result.message.strip().splitlines()[0] if result.message.strip() else result.status
    return f"{result.clause}: {first_line.removeprefix('ConformanceFailure: ')}"


def render(failures: dict[str, str], header: Iterable[str]) -> str:
    """An expectation file listing ``failures`` (entry id -> one-line reason), sorted.

    Sorted ids and one entry per line keep the file stable across runs, so its diff in
    review shows exactly which specs started or stopped failing.
    """
    lines = [f"# {line}" for line in header]
    lines += [f"{entry_id}  # {reason}" if reason else entry_id for entry_id, reason in sorted(failures.items())]
    return "\n".join(lines) + "\n"


def apply(
    item: pytest.Item, clause: str, xfails: Expectations | None, skips: Expectations | None, strict: bool
) -> None:
    """Mark the spec ``item`` skipped or expected to fail when an entry covers it; skips win."""
    skip = skips.match(item.nodeid, clause) if skips else None
    if skip is not None:
        item.add_marker(pytest.mark.skip(reason=f"expected skip ({skip.source}): {skip.reason or 'no reason given'}"))
        return
    xfail = xfails.match(item.nodeid, clause) if xfails else None
    if xfail is not None:
        # strict is explicit: the suite must behave the same whatever ini file is found.
        reason = f"expected failure ({xfail.source}): {xfail.reason or 'no reason given'}"
        item.add_marker(pytest.mark.xfail(reason=reason, strict=strict))


def stale_lines(stale: list[Entry], strict: bool) -> list[str]:
    """Terminal lines naming entries that matched no spec that ran."""
    if not stale:
        return []
    if strict:
        head = "ERROR: expectation entries match no spec (a renamed or removed spec?); exit code 4:"
    else:
        head = "WARNING: expectation entries match no spec (a renamed or removed spec?); remove them:"
    return [head, *(f"  {entry.source}: {entry.id}" for entry in stale)]


def unexpected_pass_lines(results: Iterable[SpecResult], xfails_path: str | None) -> list[str]:
    """Terminal lines naming the expected failures that passed: the engine fixed them."""
    fixed = sorted(r.nodeid for r in results if r.status == UNEXPECTED_PASS)
    if not fixed:
        return []
    return [f"expected failures that now pass; remove them from {xfails_path}:", *(f"  {n}" for n in fixed)]


def write(path: Path, results: Iterable[SpecResult], run_description: list[str]) -> str:
    """Write the failures among ``results`` as an expectation file; return a line saying so."""
    failures = failing_entries(results)
    header = [
        "autograd-conformance expected failures, written by --write-expectations; use with --xfails-file.",
        *run_description,
        "Remove a line when its spec passes; move specs that hang or crash to a --skips-file.",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(failures, header), encoding="utf-8")
    return f"wrote {len(failures)} expected failures to {path}"
