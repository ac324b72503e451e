"""``autograd-conformance broken-matrix``: which broken backend fails which clause.

Runs the specs once against every backend in tests/broken (each breaks its ``breaks``
clauses, the way real engines break them) and prints the clause × backend matrix, then
one line per backend saying whether it failed exactly the clauses it breaks. Works only
from a checkout: tests/ is not shipped in the wheel.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import tempfile
from pathlib import Path

import pytest

from conformance import report
from conformance.cli import spec_run_args, specs_dir
from conformance.results import FAILED

# Broken backends break deterministically: a few derandomized examples find every break.
QUICK_PROFILE = ["--hypothesis-profile", "ci", "--max-examples", "10"]


def broken_backends() -> dict[str, object]:
    """Import path -> backend, for every module of tests/broken in the checkout."""
    sys.path.insert(0, str(specs_dir().parent))
    try:
        package = importlib.import_module("tests.broken")
    except ImportError:
        raise SystemExit(
            "broken-matrix needs a checkout of autograd-conformance: tests/broken is not installed"
        ) from None
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
    return {f"tests.broken.{n}:backend": importlib.import_module(f"tests.broken.{n}").backend for n in names}


def verdicts(run: dict, backends: dict[str, object]) -> list[str]:
    """One line per broken backend: does it fail exactly the clauses it breaks?"""
    lines = []
    for entry in run["backends"]:
        # With a selection (-k), judge only the clauses whose specs ran.
        breaks = set(backends[entry["requested_as"]].breaks) & set(entry["clauses"])
        failed = {c for c, clause in entry["clauses"].items() if clause["status"] == FAILED}
        missed, extra = sorted(breaks - failed), sorted(failed - breaks)
        verdict = "ok" if not (missed or extra) else f"MISMATCH: passes {missed}, also fails {extra}"
        lines.append(f"{entry['name']}: breaks {', '.join(sorted(breaks))}: {verdict}")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="autograd-conformance broken-matrix", description=__doc__)
    parser.add_argument("-o", "--output", action="append", default=[], metavar="OUT", help="as for 'report'")
    options, pytest_args = parser.parse_known_args(argv)
    backends = broken_backends()
    with tempfile.TemporaryDirectory() as scratch:
        json_path = Path(scratch) / "broken.json"
        selection = [arg for name in backends for arg in ("--backend", name)]
        code = pytest.main(
            spec_run_args(
                [
                    *selection,
                    *QUICK_PROFILE,
                    "-q",
                    "--no-header",
                    "--tb=no",
                    "-p",
                    "no:cacheprovider",
                    "--conformance-report",
                    str(json_path),
                    *pytest_args,
                ]
            )
        )
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            return int(code)
        run = report.load(str(json_path))
    report.write_matrix({"broken backends": run}, options.output)
    lines = verdicts(run, backends)
    print("\n".join(lines))
    return 1 if any("MISMATCH" in line for line in lines) else 0
