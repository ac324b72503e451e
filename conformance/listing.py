"""``autograd-conformance clauses``: every catalogue clause with its status and its specs."""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import pytest

from conformance import catalogue


class _SpecCollector:
    """A pytest plugin that records, per clause ID, the specs that check it."""

    def __init__(self) -> None:
        self.specs: dict[str, set[str]] = defaultdict(set)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("clause")
            if marker is not None:
                self.specs[marker.args[0]].add(item.nodeid.split("[")[0])


def specs_by_clause(specs: Path) -> dict[str, set[str]]:
    """Collect the specs under ``specs`` and group their ids by clause."""
    collector = _SpecCollector()
    code = pytest.main(
        ["--collect-only", "-q", "--rootdir", str(specs.parent), "-p", "no:cacheprovider", str(specs)],
        plugins=[collector],
    )
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise SystemExit(f"collecting the specs failed (pytest exit code {int(code)})")
    return collector.specs


def render(specs: dict[str, set[str]], show_specs: bool) -> str:
    rows = ["| clause | level | area | status | specs |", "|---|---|---|---|---|"]
    for entry in catalogue.CLAUSES.values():
        found = sorted(specs.get(entry.id, ()))
        status = "covered" if found else "NOT COVERED"
        shown = "<br>".join(found) if show_specs else str(len(found))
        rows.append(f"| {entry.id} | {entry.level} | {catalogue.AREAS[entry.area]} | {status} | {shown} |")
    for clause_id, reason in catalogue.LEFT_OUT.items():
        rows.append(f"| {clause_id} | - | - | left out: {reason} | 0 |")
    core = [c for c in catalogue.CLAUSES.values() if c.level == "core"]
    covered_core = sum(1 for c in core if specs.get(c.id))
    covered_ext = sum(1 for c in catalogue.CLAUSES.values() if c.level == "ext" and specs.get(c.id))
    ext_total = len(catalogue.CLAUSES) - len(core)
    summary = f"core clauses covered: {covered_core}/{len(core)}; ext clauses covered: {covered_ext}/{ext_total}"
    return "\n".join(rows + ["", summary])


def main(specs: Path, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="autograd-conformance clauses", description=__doc__)
    parser.add_argument("--specs", action="store_true", help="list each clause's spec ids instead of counting them")
    options = parser.parse_args(argv)
    by_clause = specs_by_clause(specs)
    print(render(by_clause, options.specs))
    uncovered_core = [c.id for c in catalogue.CLAUSES.values() if c.level == "core" and not by_clause.get(c.id)]
    return 1 if uncovered_core else 0
