"""The suite proves itself: each broken backend fails exactly the clauses it breaks, and
every clause that has a spec is broken by at least one of them."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.broken
from conformance.cli import main, spec_run_args

BROKEN_BACKENDS = sorted(module.name for module in pkgutil.iter_modules(tests.broken.__path__))


def outcomes_by_clause(pytester: pytest.Pytester, backend: str) -> dict[str, set[str]]:
    """Run every spec on ``backend``; map each clause to the outcomes of its specs."""
    recorder = pytester.inline_run(
        # Derandomized and small: broken backends break deterministically, and this runs
        # the whole suite once per broken backend.
        *spec_run_args(
            ["--backend", backend, "-p", "no:cacheprovider", "--hypothesis-profile", "ci", "--max-examples", "10"]
        )
    )
    outcomes: dict[str, set[str]] = {}
    for report in recorder.getreports("pytest_runtest_logreport"):
        clause = dict(report.user_properties).get("clause")
        if clause is not None and (report.when == "call" or report.outcome != "passed"):
            outcomes.setdefault(clause, set()).add(report.outcome)
    return outcomes


def failing(outcomes: dict[str, set[str]]) -> set[str]:
    return {clause for clause, seen in outcomes.items() if "failed" in seen}


@pytest.mark.parametrize("module", BROKEN_BACKENDS)
def test_broken_backend_fails_exactly_the_clauses_it_breaks(pytester: pytest.Pytester, module: str) -> None:
    """A broken backend that passes a clause it breaks reveals a spec that cannot fail;
    one that fails an extra clause reveals a spec that blames the wrong clause."""
    backend = importlib.import_module(f"tests.broken.{module}").backend
    failed = failing(outcomes_by_clause(pytester, f"tests.broken.{module}:backend"))
    assert failed == set(backend.breaks), (
        f"{module}: missed {sorted(set(backend.breaks) - failed)}, unexpectedly failed {sorted(failed - set(backend.breaks))}"
    )


def test_every_specified_clause_is_broken_by_some_backend(pytester: pytest.Pytester) -> None:
    """Principle 3: a clause whose specs no broken backend can fail is not really checked."""
    specified = set(outcomes_by_clause(pytester, "torch"))
    broken = set().union(*(importlib.import_module(f"tests.broken.{m}").backend.breaks for m in BROKEN_BACKENDS))
    assert specified - broken == set(), f"clauses with specs but no broken backend: {sorted(specified - broken)}"


def test_broken_matrix_shows_each_broken_backend_failing_its_clauses(capsys: pytest.CaptureFixture[str]) -> None:
    """The printer behind `autograd-conformance broken-matrix`, on the dot spec's file only."""
    assert main(["broken-matrix", "-p", "no:cacheprovider", "-k", "test_chain_rule"]) == 0
    out = capsys.readouterr().out
    assert "| CHAIN-4 | core |" in out and "broken-wrong-dot-derivative: breaks CHAIN-4: ok" in out
