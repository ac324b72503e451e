"""The ``autograd-conformance`` command.

    autograd-conformance [--backend NAME ...] [pytest arguments]   run the specs
    autograd-conformance clauses                                  list clauses and their specs
    autograd-conformance report A.json B.json [-o OUT.html]       clauses × backends matrix of runs
    autograd-conformance broken-matrix [pytest arguments]         clauses × broken backends (checkout only)

Running the specs is pytest with the shipped specs as the test path: every extra
argument goes straight to pytest, and the exit code is pytest's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conformance import listing, report


def specs_dir() -> Path:
    """Where the specs are: inside the package when installed from a wheel, else the checkout's."""
    packaged = Path(__file__).with_name("specs")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "specs"


def spec_run_args(pytest_args: list[str]) -> list[str]:
    """The pytest arguments that run the shipped specs with ``pytest_args`` added."""
    specs = specs_dir()
    # Rooting at the specs' parent gives the same test ids ("specs/test_x.py::...") whether
    # the suite runs from a checkout or from site-packages; the cache stays in the cwd
    # (unless the cache plugin is off, and with it the option).
    cache = [] if "no:cacheprovider" in pytest_args else ["-o", f"cache_dir={os.getcwd()}/.pytest_cache"]
    return ["--rootdir", str(specs.parent), *cache, str(specs), *pytest_args]


def run_specs(pytest_args: list[str]) -> int:
    return int(pytest.main(spec_run_args(pytest_args)))


def broken_matrix(args: list[str]) -> int:
    # Imported on use: it imports this module for spec_run_args.
    from conformance import broken_matrix

    return broken_matrix.main(args)


COMMANDS = {
    "clauses": lambda args: listing.main(specs_dir(), args),
    "report": report.main,
    "broken-matrix": broken_matrix,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in COMMANDS:
        return COMMANDS[args[0]](args[1:])
    return run_specs(args)


if __name__ == "__main__":
    sys.exit(main())
