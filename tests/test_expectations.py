"""Expectation files let a partial engine gate CI on "no regressions" from its first run,
and exit codes tell CI what happened: 0 all as expected, 1 conformance failures, 4 bad
configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import expectations
from tests.spec_runs import DOT_SPEC, PARTIAL_ENGINE, run_shipped_specs

BROKEN_ID = f"{DOT_SPEC}[broken-wrong-dot-derivative]"


def write(path: Path, *lines: str) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_adoption_writes_failures_then_strict_run_passes(pytester: pytest.Pytester) -> None:
    """A new engine writes its current failures once, then gates on them in strict mode."""
    first = run_shipped_specs(pytester, "--backend", PARTIAL_ENGINE, "--write-expectations", "xfails.txt")
    assert first.ret == pytest.ExitCode.TESTS_FAILED
    written = (pytester.path / "xfails.txt").read_text()
    assert written.startswith("# autograd-conformance expected failures")
    assert "# backend broken-wrong-dot-derivative 2.13" in written
    assert f"\n{DOT_SPEC}  # CHAIN-4: x.grad after y.backward(), which is 4x\n" in written

    gated = run_shipped_specs(
        pytester, "--backend", PARTIAL_ENGINE, "--xfails-file", "xfails.txt", "--strict-expectations"
    )
    assert gated.ret == pytest.ExitCode.OK
    assert gated.parseoutcomes()["xfailed"] >= 1


def test_rewriting_keeps_expected_failures(pytester: pytest.Pytester) -> None:
    """Writing from a run that already uses the file yields the same file: stable diffs."""
    run_shipped_specs(pytester, "--backend", PARTIAL_ENGINE, "--write-expectations", "first.txt")
    run_shipped_specs(
        pytester, "--backend", PARTIAL_ENGINE, "--xfails-file", "first.txt", "--write-expectations", "second.txt"
    )
    assert (pytester.path / "first.txt").read_text() == (pytester.path / "second.txt").read_text()


def test_fixed_spec_is_reported_and_fails_only_a_strict_run(pytester: pytest.Pytester) -> None:
    xfails = write(pytester.path / "xfails.txt", f"{DOT_SPEC}  # dot halves the gradient")
    lenient = run_shipped_specs(pytester, "--backend", "torch", "--xfails-file", xfails)
    assert lenient.ret == pytest.ExitCode.OK
    lenient.stdout.fnmatch_lines(
        ["expected failures that now pass; remove them from *xfails.txt:", f"  {DOT_SPEC}[[]torch[]]"]
    )
    strict = run_shipped_specs(pytester, "--backend", "torch", "--xfails-file", xfails, "--strict-expectations")
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.stdout.fnmatch_lines(["*XPASS(strict)*"])


def test_clause_id_covers_its_specs_and_backend_id_only_that_backend(pytester: pytest.Pytester) -> None:
    for entry in ("CHAIN-4", BROKEN_ID):
        xfails = write(pytester.path / "xfails.txt", f"{entry}  # dot halves the gradient")
        both = ("--backend", "torch", "--backend", PARTIAL_ENGINE)
        result = run_shipped_specs(pytester, *both, "--xfails-file", xfails, "-rxX")
        xfailed = [line for line in result.stdout.lines if line.startswith("XFAIL") and BROKEN_ID in line]
        assert xfailed and "xfails.txt:1): dot halves the gradient" in xfailed[0], result.stdout.str()
        if entry == BROKEN_ID:
            assert result.ret == pytest.ExitCode.OK, "a backend-specific entry must not cover torch"
            assert "XPASS" not in result.stdout.str()


def test_skips_file_skips_with_its_reason_and_exits_0(pytester: pytest.Pytester) -> None:
    skips = write(pytester.path / "skips.txt", "# hangs our engine", f"{DOT_SPEC}  # loops forever in backward")
    result = run_shipped_specs(pytester, "--backend", PARTIAL_ENGINE, "--skips-file", skips, "-rs")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*expected skip (*skips.txt:2): loops forever in backward*"])


def test_stale_entry_warns_and_is_an_error_when_strict(pytester: pytest.Pytester) -> None:
    xfails = write(pytester.path / "xfails.txt", "specs/test_chain_rule.py::test_renamed_long_ago  # was failing")
    lenient = run_shipped_specs(pytester, "--backend", "torch", "--xfails-file", xfails)
    assert lenient.ret == pytest.ExitCode.OK
    lenient.stdout.fnmatch_lines(
        ["WARNING: expectation entries match no spec*", "  *xfails.txt:1: *test_renamed_long_ago"]
    )
    strict = run_shipped_specs(pytester, "--backend", "torch", "--xfails-file", xfails, "--strict-expectations")
    assert strict.ret == pytest.ExitCode.USAGE_ERROR
    strict.stdout.fnmatch_lines(["ERROR: expectation entries match no spec*"])


def test_conformance_failure_exits_1(pytester: pytest.Pytester) -> None:
    assert run_shipped_specs(pytester, "--backend", PARTIAL_ENGINE).ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "cannot read expectation file"), ("ACC-1 reasons belong after a hash", "xfails.txt:1: 'ACC-1 reasons")],
)
def test_unreadable_or_malformed_file_is_one_line_and_exit_4(
    pytester: pytest.Pytester, content: str | None, fragment: str
) -> None:
    if content is not None:
        write(pytester.path / "xfails.txt", content)
    result = run_shipped_specs(pytester, "--backend", "torch", "--xfails-file", "xfails.txt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr.str()


def test_file_format_comments_and_matching(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.txt",
        "# header",
        "",
        "ACC-1  # a clause",
        "specs/a.py::test_b",
        "specs/a.py::test_c[mine]  # one backend",
        "specs/a.py::test_d[mine-x*2 under no_grad]  # a parametrization id with spaces",
    )
    loaded = expectations.load(path)
    assert [(e.id, e.reason, e.source) for e in loaded.entries] == [
        ("ACC-1", "a clause", f"{path}:3"),
        ("specs/a.py::test_b", "", f"{path}:4"),
        ("specs/a.py::test_c[mine]", "one backend", f"{path}:5"),
        ("specs/a.py::test_d[mine-x*2 under no_grad]", "a parametrization id with spaces", f"{path}:6"),
    ]
    assert loaded.match("specs/z.py::test_q[torch]", "ACC-1").id == "ACC-1"
    assert loaded.match("specs/a.py::test_b[torch]", "VJP-1").id == "specs/a.py::test_b"
    assert loaded.match("specs/a.py::test_c[torch]", "VJP-1") is None
    assert loaded.stale([("specs/a.py::test_c[mine]", "VJP-1")]) == [loaded.entries[i] for i in (0, 1, 3)]
