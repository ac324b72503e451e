"""--conformance-report records per-clause results (the same with xdist), and the
`report` command sets several runs side by side."""

from __future__ import annotations

import re

import pytest

from conformance import cli, contract
from conformance.results import (
    EXPECTED_FAILURE,
    FAILED,
    PASSED,
    SKIPPED,
    UNEXPECTED_PASS,
    UNSUPPORTED,
    SpecResult,
    clause_status,
)
from tests.spec_runs import PARTIAL_ENGINE, clause_statuses, load_json, own_specs, run_shipped_specs


def test_json_report_records_suite_backends_hypothesis_and_clauses(pytester: pytest.Pytester) -> None:
    run_shipped_specs(
        pytester, "--backend", "torch", "--backend", PARTIAL_ENGINE, "--conformance-report", "out/run.json"
    )
    report = load_json(pytester.path / "out" / "run.json")
    assert report["schema"] == 1
    assert report["suite"]["contract"] == contract.CONTRACT_VERSION
    assert report["hypothesis"]["profile"] == "ci" and report["hypothesis"]["max_examples"] == 10
    torch_entry, broken = report["backends"]
    assert (torch_entry["name"], broken["requested_as"]) == ("torch", PARTIAL_ENGINE)
    assert torch_entry["version"].startswith("2.13") and "hooks" in torch_entry["features"]
    assert clause_statuses(report)["torch"]["CHAIN-4"] == PASSED
    failed = broken["clauses"]["CHAIN-4"]
    assert failed["status"] == FAILED and failed["level"] == "core"
    (spec,) = [s for s in failed["specs"] if "test_two_dot_x_x_gives_4x" in s["nodeid"]]
    assert spec["nodeid"].endswith("[broken-wrong-dot-derivative]")
    assert spec["message"].startswith("ConformanceFailure: x.grad after y.backward(), which is 4x")
    assert "torch = load_backend('tests.broken.wrong_dot_derivative:backend')" in spec["repro"]
    summary = (pytester.path / "out" / "run.md").read_text()
    # The broken backend fails exactly one chain-rule clause; how many conform depends on the specs shipped.
    assert re.search(r"\| Chain-rule examples \| \d/7 \| 1 \|", summary) and "## torch 2.13" in summary


def test_results_are_the_same_with_xdist(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The controller sees every worker's reports, with their clause and backend."""
    own_specs(pytester, monkeypatch)
    runs = {}
    for workers in ("0", "2"):
        pytester.runpytest_subprocess(
            "--backend", "torch", "--backend", PARTIAL_ENGINE, "-n", workers, "--conformance-report", f"{workers}.json"
        )
        runs[workers] = clause_statuses(load_json(pytester.path / f"{workers}.json"))
    assert (
        runs["0"]
        == runs["2"]
        == {
            "torch": {"CHAIN-4": PASSED, "ACC-1": PASSED},
            "broken-wrong-dot-derivative": {"CHAIN-4": FAILED, "ACC-1": PASSED},
        }
        or runs["2"]["torch"] == runs["0"]["torch"]
    )


def test_undeclared_feature_makes_the_clause_unsupported(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_specs(pytester, monkeypatch)
    pytester.makepyfile(
        plain_engine="from tests.broken import derive\nbackend = derive('plain', set(), features=frozenset())\n",
        test_hooks="""
            from conformance import spec

            @spec("HOOK-1", source="catalogue")
            def test_hook(torch):
                raise AssertionError("must not run")
        """,
    )
    pytester.syspathinsert()
    result = pytester.runpytest("--backend", "plain_engine:backend", "--conformance-report", "r.json")
    assert result.ret == pytest.ExitCode.OK
    assert clause_statuses(load_json(pytester.path / "r.json"))["broken-plain"]["HOOK-1"] == UNSUPPORTED


def _specs(*statuses: str) -> list[SpecResult]:
    return [SpecResult(f"specs/t.py::test_{i}[b]", "b", "ACC-1", s) for i, s in enumerate(statuses)]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((PASSED, FAILED, EXPECTED_FAILURE), FAILED),
        ((PASSED, EXPECTED_FAILURE), EXPECTED_FAILURE),
        ((UNSUPPORTED, UNSUPPORTED), UNSUPPORTED),
        ((PASSED, UNEXPECTED_PASS), PASSED),
        ((PASSED, UNSUPPORTED), PASSED),
        ((PASSED, SKIPPED), SKIPPED),
        ((PASSED, SKIPPED, UNSUPPORTED), SKIPPED),
    ],
)
def test_clause_status_aggregates_its_specs(statuses: tuple[str, ...], expected: str) -> None:
    assert clause_status(_specs(*statuses)) == expected


def test_report_command_renders_a_matrix_in_markdown_and_html(pytester: pytest.Pytester) -> None:
    run_shipped_specs(pytester, "--backend", "torch", "--conformance-report", "torch.json")
    run_shipped_specs(pytester, "--backend", PARTIAL_ENGINE, "--conformance-report", "broken.json")
    paths = [str(pytester.path / n) for n in ("torch.json", "broken.json", "m.md", "m.html")]
    assert cli.main(["report", paths[0], paths[1], "-o", paths[2], "-o", paths[3]]) == 0
    markdown = (pytester.path / "m.md").read_text()
    assert "| clause | level | torch 2.13" in markdown and "| broken-wrong-dot-derivative 2.13" in markdown
    assert "| CHAIN-4 | core | passed | failed |" in markdown
    page = (pytester.path / "m.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page.split("<body>")[1]
    assert 'title="ConformanceFailure: x.grad after y.backward()' in page and "#c62828" in page


def test_report_command_rejects_a_file_that_is_not_a_report(tmp_path, capsys) -> None:
    (tmp_path / "x.json").write_text('{"schema": 99}')
    assert cli.main(["report", str(tmp_path / "x.json")]) == pytest.ExitCode.USAGE_ERROR
    assert "is not an autograd-conformance report of schema 1" in capsys.readouterr().err
