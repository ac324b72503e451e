"""A backend that hangs fails one spec and the run goes on; under xdist, one that crashes
its process fails the spec it was running and the run completes."""

from __future__ import annotations

import pytest

from tests.spec_runs import clause_statuses, load_json, own_specs

HANGS = "tests.misbehaving.hangs_in_backward:backend"
CRASHES = "tests.misbehaving.crashes_in_backward:backend"


def test_hanging_backend_fails_the_spec_with_a_clear_message_and_the_run_goes_on(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_specs(pytester, monkeypatch)
    result = pytester.runpytest("--backend", HANGS, "--spec-timeout", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["E *SpecTimeout: spec exceeded its timeout of 2 s: the backend did not return"])
    assert result.duration < 30


def test_crashing_backend_under_xdist_fails_its_spec_and_the_run_completes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_specs(pytester, monkeypatch)
    result = pytester.runpytest_subprocess(
        "--backend", CRASHES, "-n", "2", "-p", "no:cacheprovider", "--conformance-report", "r.json"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*worker 'gw*' crashed while running 'test_specs.py::test_dot*"])
    report = load_json(pytester.path / "r.json")
    assert clause_statuses(report) == {"broken-crashes-in-backward": {"CHAIN-4": "failed", "ACC-1": "passed"}}
    (crashed,) = report["backends"][0]["clauses"]["CHAIN-4"]["specs"]
    assert crashed["message"].startswith("the backend crashed the test process: worker 'gw")
