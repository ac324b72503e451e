"""Running specs the way users do, for the tests of expectations, reports, repros and timeouts."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import spec_run_args

ROOT = Path(__file__).resolve().parent.parent
PARTIAL_ENGINE = "tests.broken.wrong_dot_derivative:backend"
DOT_SPEC = "specs/test_chain_rule.py::test_two_dot_x_x_gives_4x"
# Derandomized and small, as in the meta-test; -k keeps the runs to the dot spec's file.
QUICK = ["-p", "no:cacheprovider", "--hypothesis-profile", "ci", "--max-examples", "10", "-k", "test_chain_rule"]

# Two specs of the project's own, independent of the shipped ones: one goes through dot,
# which the broken and misbehaving backends break, and one never touches it.
TWO_SPECS = textwrap.dedent(
    """
    from conformance import spec

    @spec("CHAIN-4", source="catalogue")
    def test_dot(torch, check):
        x = torch.arange(4.0)
        x.requires_grad_(True)
        (2 * torch.dot(x, x)).backward()
        check.equal(x.grad, [0.0, 4.0, 8.0, 12.0], "x.grad of 2 * dot(x, x)")

    @spec("ACC-1", source="catalogue")
    def test_accumulation(torch, check):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        check.equal(x.grad, [5.0, 5.0], "x.grad after two backward calls")
    """
)


def run_shipped_specs(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The shipped specs of the dot spec's file, in process, with ``args``."""
    return pytester.runpytest(*spec_run_args([*QUICK, *args]))


def own_specs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """``pytester`` holding `TWO_SPECS`, with the project importable also from subprocesses."""
    pytester.makepyfile(test_specs=TWO_SPECS)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return pytester


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def clause_statuses(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """backend name -> clause -> status, from a JSON report."""
    return {b["name"]: {c: v["status"] for c, v in b["clauses"].items()} for b in report["backends"]}
