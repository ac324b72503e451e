"""Conformance reports: the JSON record of a run, its Markdown summary, and the matrix
that sets several runs side by side (Markdown, or a self-contained HTML page).

The JSON is versioned by `SCHEMA`; a change that drops or renames a field bumps it.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

import conformance
from conformance import catalogue
from conformance.contract import CONTRACT_VERSION, Backend
from conformance.results import CLAUSE_STATUSES, PASSED, SpecResult, by_backend_and_clause, clause_status

SCHEMA = 1
NOT_RUN = "not run"
COLOURS = {
    "passed": "#2e7d32",
    "failed": "#c62828",
    "expected failure": "#ef6c00",
    "unsupported": "#6d6d6d",
    "skipped": "#9e9e9e",
    NOT_RUN: "#e0e0e0",
}


class ReportError(Exception):
    """A file given as a report is not one this version can read."""


def build(results: list[SpecResult], backends: dict[str, Backend], hypothesis: dict[str, Any]) -> dict[str, Any]:
    """The JSON report of a run: ``backends`` maps the name each was requested by to the backend."""
    grouped = by_backend_and_clause(results)
    entries = []
    for requested, backend in backends.items():
        clauses = grouped.get(backend.name, {})
        ordered = [c for c in catalogue.CLAUSES if c in clauses] + sorted(set(clauses) - set(catalogue.CLAUSES))
        entries.append(
            {
                "name": backend.name,
                "requested_as": requested,
                "version": str(backend.version),
                "features": sorted(backend.features),
                "summary": dict(Counter(clause_status(clauses[c]) for c in ordered)),
                "clauses": {c: _clause_entry(c, clauses[c]) for c in ordered},
            }
        )
    return {
        "schema": SCHEMA,
        "suite": {"version": conformance.__version__, "contract": CONTRACT_VERSION},
        "catalogue": catalogue.CATALOGUE_SOURCE,
        "hypothesis": hypothesis,
        "backends": entries,
    }


def _clause_entry(clause_id: str, specs: list[SpecResult]) -> dict[str, Any]:
    entry = catalogue.CLAUSES.get(clause_id)
    return {
        "status": clause_status(specs),
        "level": entry.level if entry else None,
        "area": entry.area if entry else None,
        "specs": [{k: v for k, v in asdict(s).items() if k not in ("backend", "clause")} for s in specs],
    }


def write(report: dict[str, Any], path: Path) -> Path:
    """Write the JSON at ``path`` and its Markdown summary next to it; return the summary's path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    summary = path.with_suffix(".md")
    summary.write_text(summary_markdown(report), encoding="utf-8")
    return summary


def load(path: str) -> dict[str, Any]:
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read report {path}: {exc}") from None
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        raise ReportError(f"{path} is not an autograd-conformance report of schema {SCHEMA}")
    return report


def summary_markdown(report: dict[str, Any]) -> str:
    """Per backend: clauses conforming per area, then every clause that ran with its specs."""
    hypothesis = report["hypothesis"]
    lines = [
        "# autograd-conformance report",
        "",
        f"Suite {report['suite']['version']}, contract {report['suite']['contract']}; "
        f"hypothesis profile {hypothesis.get('profile')}, seed {hypothesis.get('seed')}.",
    ]
    for backend in report["backends"]:
        lines += ["", f"## {backend['name']} {backend['version']}", ""]
        lines += [f"Features: {', '.join(backend['features']) or 'none'}.", ""]
        lines += _area_table(backend["clauses"]) + [""]
        lines += ["| clause | level | status | specs | first failure |", "|---|---|---|---|---|"]
        for clause_id, clause in backend["clauses"].items():
            failures = [s["message"] for s in clause["specs"] if s["status"] == "failed"]
            first = failures[0].splitlines()[0] if failures else ""
            lines.append(
                f"| {clause_id} | {clause['level']} | {clause['status']} | {len(clause['specs'])} | {_cell(first)} |"
            )
    return "\n".join(lines) + "\n"


def _area_table(clauses: dict[str, Any]) -> list[str]:
    rows = ["| area | conforming | " + " | ".join(s for s in CLAUSE_STATUSES if s != PASSED) + f" | {NOT_RUN} |"]
    rows.append("|---" * (len(CLAUSE_STATUSES) + 2) + "|")
    for area, title in catalogue.AREAS.items():
        in_area = [c.id for c in catalogue.CLAUSES.values() if c.area == area]
        counts = Counter(clauses[c]["status"] if c in clauses else NOT_RUN for c in in_area)
        others = " | ".join(str(counts[s]) for s in CLAUSE_STATUSES if s != PASSED)
        rows.append(f"| {title} | {counts[PASSED]}/{len(in_area)} | {others} | {counts[NOT_RUN]} |")
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def matrix_columns(reports: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(label, backend entry) for every backend of every report; labels name the file when names repeat."""
    entries = [(path, backend) for path, report in reports.items() for backend in report["backends"]]
    names = Counter(f"{b['name']} {b['version']}" for _, b in entries)
    return [
        (f"{b['name']} {b['version']}" + (f" ({Path(p).stem})" if names[f"{b['name']} {b['version']}"] > 1 else ""), b)
        for p, b in entries
    ]


def _matrix_rows(columns: list[tuple[str, dict[str, Any]]]) -> list[tuple[catalogue.Clause, list[dict[str, Any]]]]:
    """Each catalogue clause that ran somewhere, with its entry (or a not-run stand-in) per column."""
    missing = {"status": NOT_RUN, "specs": []}
    return [
        (entry, [backend["clauses"].get(entry.id, missing) for _, backend in columns])
        for entry in catalogue.CLAUSES.values()
        if any(entry.id in backend["clauses"] for _, backend in columns)
    ]


def _conforming(columns: list[tuple[str, dict[str, Any]]], rows) -> list[str]:
    return [f"{sum(cells[i]['status'] == PASSED for _, cells in rows)}/{len(rows)}" for i in range(len(columns))]


def matrix_markdown(reports: dict[str, dict[str, Any]]) -> str:
    """Clauses × backends, one status per cell."""
    columns = matrix_columns(reports)
    rows = _matrix_rows(columns)
    lines = [
        "| clause | level | " + " | ".join(label for label, _ in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for entry, cells in rows:
        lines.append(f"| {entry.id} | {entry.level} | " + " | ".join(c["status"] for c in cells) + " |")
    lines.append("| **conforming** | | " + " | ".join(_conforming(columns, rows)) + " |")
    return "\n".join(lines) + "\n"


def matrix_html(reports: dict[str, dict[str, Any]]) -> str:
    """The matrix as one HTML page with inline styles; hovering a cell shows its first failure."""
    columns = matrix_columns(reports)
    rows = _matrix_rows(columns)
    style = "".join(f".s{i}{{background:{colour};color:#fff}}" for i, colour in enumerate(COLOURS.values()))
    classes = {status: f"s{i}" for i, status in enumerate(COLOURS)}
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in columns)
    body = []
    for entry, cells in rows:
        tds = "".join(
            f'<td class="{classes[c["status"]]}" title="{html.escape(_first_failure(c))}">{html.escape(c["status"])}</td>'
            for c in cells
        )
        body.append(
            f'<tr><th title="{html.escape(entry.statement)}">{entry.id}</th><td>{entry.level}</td>'
            f"<td>{html.escape(catalogue.AREAS[entry.area])}</td>{tds}</tr>"
        )
    totals = "".join(f"<td>{c}</td>" for c in _conforming(columns, rows))
    legend = " ".join(f'<span class="{classes[s]}">&nbsp;{html.escape(s)}&nbsp;</span>' for s in COLOURS)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>autograd-conformance matrix</title><style>"
        "body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
        f"{style}.{classes[NOT_RUN]}{{color:#333}}</style></head><body>"
        f"<h1>autograd-conformance matrix</h1><p>{legend}</p><table>"
        f"<tr><th>clause</th><th>level</th><th>area</th>{head}</tr>{''.join(body)}"
        f"<tr><th>conforming</th><td></td><td></td>{totals}</tr></table></body></html>\n"
    )


def _first_failure(clause: dict[str, Any]) -> str:
    return next((s["message"] for s in clause["specs"] if s["status"] == "failed"), "")


def main(argv: list[str]) -> int:
    """``autograd-conformance report A.json B.json ... [-o OUT.md] [-o OUT.html]``."""
    parser = argparse.ArgumentParser(
        prog="autograd-conformance report",
        description="Set the JSON reports of several runs (--conformance-report) side by side: clauses × backends.",
    )
    parser.add_argument("reports", nargs="+", metavar="REPORT.json")
    parser.add_argument(
        "-o",
        "--output",
        action="append",
        default=[],
        metavar="OUT",
        help="write the matrix to OUT: HTML if it ends in .html, else Markdown; repeatable (default: Markdown on stdout)",
    )
    options = parser.parse_args(argv)
    try:
        reports = {path: load(path) for path in options.reports}
    except ReportError as exc:
        print(f"ERROR: autograd-conformance report: {exc}", file=sys.stderr)
        return int(pytest.ExitCode.USAGE_ERROR)
    write_matrix(reports, options.output)
    return 0


def write_matrix(reports: dict[str, dict[str, Any]], outputs: list[str]) -> None:
    """The matrix to each of ``outputs`` (HTML for .html, else Markdown), or as Markdown on stdout."""
    if not outputs:
        print(matrix_markdown(reports), end="")
    for out in map(Path, outputs):
        out.write_text(matrix_html(reports) if out.suffix == ".html" else matrix_markdown(reports), encoding="utf-8")
