"""The stateful spec proves itself: it catches every broken backend that breaks a clause it checks,
names the clause, prints a program that reproduces the failure, and finds mygrad's deviations."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck

from conformance.check import ConformanceFailure
from conformance.cli import spec_run_args
from conformance.registry import load_backend
from specs.test_stateful import CHECKED_CLAUSES, run
from tests.spec_runs import ROOT, load_json
from tests.test_broken_backends import BROKEN_BACKENDS, broken_backend

EXAMPLES = 500
"""Programs per broken backend: most are caught within their first hundred, and the run stops there."""
QUIET = {"derandomize": True, "database": None, "deadline": None, "suppress_health_check": list(HealthCheck)}
"""The same programs on every run, whatever profile the surrounding test run loaded."""

NOT_REACHED = {
    "autograd_grad_keeps_graph": "breaks GRAPH-1 in autograd.grad, which the machine does not call",
    "broadcast_grads_averaged": "breaks broadcasting; the machine combines tensors of one shape",
    "clamp_passes_all_gradients": "breaks clamp, which the machine does not use",
    "log_rule_copied_from_exp": "breaks log, which the machine does not use",
    "wrong_dot_derivative": "breaks dot, which the machine does not use",
    "wrong_sigmoid_derivative": "breaks sigmoid, which the machine does not use",
    "views_are_leaves": "breaks indexing, which the machine does not use",
    "zero_product_folded": "folds x * 0 with the number 0; the machine multiplies tensors",
    "grads_stored_in_float64": "breaks float32 leaves; the machine keeps float64, to predict values exactly",
    "only_first_root_backpropagated": "breaks autograd.backward of several roots, which the machine does not call",
    "nonleaf_inplace_untracked": "breaks in-place operations on non-leaves; the machine updates leaves only",
}
"""Broken backends that break a clause the machine checks through an operation the machine never performs."""


STATEFUL_BREAKERS = [
    m for m in BROKEN_BACKENDS if set(broken_backend(m).breaks) & set(CHECKED_CLAUSES) and m not in NOT_REACHED
]


def test_not_reached_lists_only_breakers_of_checked_clauses() -> None:
    for module in NOT_REACHED:
        assert set(broken_backend(module).breaks) & set(CHECKED_CLAUSES), (
            f"{module} breaks no clause the machine checks"
        )


@pytest.mark.parametrize("module", STATEFUL_BREAKERS)
def test_the_machine_catches_every_breaker_of_a_clause_it_checks(module: str) -> None:
    """Each broken backend whose clauses the machine checks fails it, attributed to a clause it breaks."""
    backend = broken_backend(module)
    with pytest.raises(ConformanceFailure) as caught:
        run(backend, max_examples=EXAMPLES, **QUIET)
    assert caught.value.clause in backend.breaks, f"{module}: blamed {caught.value.clause}\n{caught.value}"


def test_the_printed_program_reproduces_the_failure(pytester: pytest.Pytester) -> None:
    """The repro snippet of a stateful failure is its shrunk program: run alone, it fails the same check."""
    backend = "tests.broken.explicit_gradient_overwrites:backend"
    pytester.runpytest(
        *spec_run_args(
            ["--backend", backend, "-p", "no:cacheprovider", "--hypothesis-profile", "ci", "-k", "test_stateful"]
            + ["--conformance-report", "r.json"]
        )
    )
    report = load_json(pytester.path / "r.json")
    (spec,) = [s for b in report["backends"] for c in b["clauses"].values() for s in c["specs"]]
    assert spec["status"] == "failed" and "ACC-1" in report["backends"][0]["clauses"]
    program = spec["repro"]
    assert f"torch = load_backend({backend!r})" in program
    ran = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 1
    failed_check = program.strip().splitlines()[-1]
    assert failed_check.startswith("check.close(") and "ConformanceFailure" in ran.stderr
    assert spec["message"].splitlines()[0].removeprefix("ConformanceFailure: ") in ran.stderr


MYGRAD_KNOWN = {
    "LEAF-2": "every tensor in the graph gets a gradient, intermediates included (S7)",
    "LEAF-1": "a result of constants still has a creator, so it is no leaf",
    "RG-1": "tensors are differentiable by default (S1)",
    "RG-3": "requires_grad is fixed when a tensor is created",
    "RG-6": "requires_grad is fixed when a tensor is created",
    "DET-6": "requires_grad is fixed when a tensor is created",
    "NG-1": "results under no_autodiff are not constants",
    "GRAPH-2": "there is no retain_graph",
    "LEAF-5": "requires_grad_(False) on a non-leaf does not raise RuntimeError",
    "VJP-2": "backward() of a vector sums it (S6)",
    "VJP-4": "a gradient of another shape is broadcast (S6)",
    "NG-2": "an in-place update of a differentiable leaf is allowed outside no_autodiff",
    "NG-4": "backward inside no_autodiff computes no gradient",
    "DATA-5": "a tensor in a live graph is read-only, so its untracked update raises",
    "DET-1": "mg.tensor(y, constant=True) of a result of constants keeps its creator",
}
"""mygrad's deviations that other specs show one by one, masked so the machine finds the stateful ones."""
GRAPH_CLEARING = {"GRAPH-1", "MULTI-1"}


def test_the_machine_finds_mygrads_accumulation_and_graph_clearing_in_a_few_steps() -> None:
    """mygrad resets a leaf's grad when the leaf is used again (ACC-1) and clears its graph after backward, so a
    second backward does nothing (GRAPH-1) and another output through the same leaves cannot backpropagate (MULTI-1)."""
    mygrad = load_backend("mygrad")
    masked = frozenset(MYGRAD_KNOWN)
    # Each deviation with the other masked: the machine reports the shortest failing program it finds.
    with pytest.raises(ConformanceFailure) as accumulation:
        run(mygrad, masked | GRAPH_CLEARING, max_examples=EXAMPLES, **QUIET)
    with pytest.raises(ConformanceFailure) as clearing:
        run(mygrad, masked | {"ACC-1"}, max_examples=EXAMPLES, **QUIET)
    assert accumulation.value.clause == "ACC-1" and clearing.value.clause in GRAPH_CLEARING
    for found in (accumulation.value, clearing.value):
        assert len(found.actions) <= 6, found
        assert len(found.program.splitlines()) <= 8, found
