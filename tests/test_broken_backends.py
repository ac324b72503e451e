"""The suite proves itself: each broken backend fails exactly the clauses it breaks, and
every clause that has a spec is broken by at least one of them."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.broken
from conformance.cli import main, spec_run_args
from conformance.results import CLAUSE_PROPERTY, VIOLATED_CLAUSE_PROPERTY

BROKEN_BACKENDS = sorted(module.name for module in pkgutil.iter_modules(tests.broken.__path__))


def broken_backend(module: str):
    """The backend that ``tests/broken/<module>.py`` defines."""
    return importlib.import_module(f"tests.broken.{module}").backend


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
        properties = dict(report.user_properties)
        # A failure is the violated clause's when it names one (the stateful spec checks many clauses).
        clause = properties.get(VIOLATED_CLAUSE_PROPERTY, properties.get(CLAUSE_PROPERTY))
        if clause is not None and (report.when == "call" or report.outcome != "passed"):
            outcomes.setdefault(clause, set()).add(report.outcome)
    return outcomes


def failing(outcomes: dict[str, set[str]]) -> set[str]:
    return {clause for clause, seen in outcomes.items() if "failed" in seen}


@pytest.mark.parametrize("module", BROKEN_BACKENDS)
def test_broken_backend_fails_exactly_the_clauses_it_breaks(pytester: pytest.Pytester, module: str) -> None:
    """A broken backend that passes a clause it breaks reveals a spec that cannot fail;
    one that fails an extra clause reveals a spec that blames the wrong clause."""
    backend = broken_backend(module)
    failed = failing(outcomes_by_clause(pytester, f"tests.broken.{module}:backend"))
    assert failed == set(backend.breaks), (
        f"{module}: missed {sorted(set(backend.breaks) - failed)}, unexpectedly failed {sorted(failed - set(backend.breaks))}"
    )


NOT_BREAKABLE_ALONE = {
    "ZERO-3": (
        "in Python, None.zero_() always raises this AttributeError, so a backend fails ZERO-3 only by giving "
        "a .grad where ACC-3 requires None (grads_start_as_zeros breaks both)"
    ),
}
"""Clauses that no backend can fail without failing another clause, with the reason."""


def test_every_specified_clause_has_a_backend_that_breaks_it_alone(pytester: pytest.Pytester) -> None:
    """Principle 3: for every clause with specs, some broken backend fails that clause and no
    other, so each clause's specs are shown to fail on their own account (`NOT_BREAKABLE_ALONE`
    clauses at least fail on some backend)."""
    specified = set(outcomes_by_clause(pytester, "torch"))
    breaks = [broken_backend(m).breaks for m in BROKEN_BACKENDS]
    broken_alone = {clause for clauses in breaks if len(clauses) == 1 for clause in clauses}
    broken_at_all = set().union(*breaks)
    assert specified - broken_alone - set(NOT_BREAKABLE_ALONE) == set(), (
        f"clauses with specs but no backend breaking them alone: {sorted(specified - broken_alone)}"
    )
    assert set(NOT_BREAKABLE_ALONE) <= broken_at_all, "a clause no backend breaks at all cannot fail"
    assert set(NOT_BREAKABLE_ALONE).isdisjoint(broken_alone), "remove clauses that now have a breaker of their own"


def test_broken_matrix_shows_each_broken_backend_failing_its_clauses(capsys: pytest.CaptureFixture[str]) -> None:
    """The printer behind `autograd-conformance broken-matrix`, on the dot spec's file only."""
    assert main(["broken-matrix", "-p", "no:cacheprovider", "-k", "test_chain_rule"]) == 0
    out = capsys.readouterr().out
    assert "| CHAIN-4 | core |" in out and "broken-wrong-dot-derivative: breaks CHAIN-4: ok" in out
