"""The pytest plugin: backend selection by each spelling, and bad configuration reported
in one line with pytest's usage-error exit code."""

from __future__ import annotations

import textwrap

import pytest

from conformance.registry import ENV_VAR

PROBE_SPEC = """
    def test_probe(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        assert torch.to_numpy(x.grad).tolist() == [2.0, 4.0]
"""

OUTSIDE_BACKEND = """
    # An engine adapter living outside the project: torch under another name.
    from types import SimpleNamespace

    from conformance.backends import torch_backend
    from conformance.contract import BACKEND_MEMBERS

    backend = SimpleNamespace(**{m: getattr(torch_backend, m) for m in BACKEND_MEMBERS})
    backend.name = "outside"
"""


@pytest.fixture
def probe(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_probe=textwrap.dedent(PROBE_SPEC))
    return pytester


def test_builtin_name_selects_the_backend(probe: pytest.Pytester) -> None:
    result = probe.runpytest("--backend", "torch", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_probe[[]torch[]] PASSED*"])


def test_import_path_plugs_in_a_backend_from_outside_the_project(probe: pytest.Pytester) -> None:
    probe.makepyfile(my_engine=textwrap.dedent(OUTSIDE_BACKEND))
    probe.syspathinsert()
    result = probe.runpytest("--backend", "my_engine:backend", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_probe[[]outside[]] PASSED*"])


def test_entry_point_name_selects_a_registered_backend(probe: pytest.Pytester) -> None:
    probe.makepyfile(my_engine=textwrap.dedent(OUTSIDE_BACKEND))
    dist_info = probe.mkdir("my_engine-1.0.dist-info")
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-engine\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[autograd_conformance.backends]\nmine = my_engine:backend\n")
    probe.syspathinsert()
    result = probe.runpytest("--backend", "mine", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_probe[[]outside[]] PASSED*"])


def test_environment_variable_is_the_default(probe: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "torch")
    result = probe.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_probe[[]torch[]] PASSED*"])


def test_repeated_backend_runs_every_spec_once_per_backend(probe: pytest.Pytester) -> None:
    probe.makepyfile(my_engine=textwrap.dedent(OUTSIDE_BACKEND))
    probe.syspathinsert()
    result = probe.runpytest("--backend", "torch", "--backend", "my_engine:backend", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_probe[[]torch[]] PASSED*", "*test_probe[[]outside[]] PASSED*"])


def test_report_header_names_backend_suite_contract_and_profile(probe: pytest.Pytester) -> None:
    result = probe.runpytest("--backend", "torch")
    result.stdout.fnmatch_lines(
        [
            "autograd-conformance *, contract *",
            "backend torch 2.*; features: *retain_grad*",
            "hypothesis profile: *",
        ]
    )


def assert_one_line_usage_error(result: pytest.RunResult, *fragments: str) -> None:
    """Exit code 4 and a single error line naming the problem, not a traceback."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert "Traceback" not in result.stderr.str()


def test_unknown_backend_is_one_line_and_exit_4(probe: pytest.Pytester) -> None:
    result = probe.runpytest("--backend", "no_such_backend")
    assert_one_line_usage_error(result, "unknown backend 'no_such_backend'")


def test_failing_import_shows_the_original_error_in_one_line(probe: pytest.Pytester) -> None:
    probe.makepyfile(broken_engine="import numpy\nraise ImportError('libengine.so: cannot open shared object file')\n")
    probe.syspathinsert()
    result = probe.runpytest("--backend", "broken_engine:backend")
    assert_one_line_usage_error(result, "importing 'broken_engine' failed", "libengine.so: cannot open shared object")


def test_missing_attribute_is_named(probe: pytest.Pytester) -> None:
    probe.makepyfile(empty_engine="")
    probe.syspathinsert()
    result = probe.runpytest("--backend", "empty_engine:backend")
    assert_one_line_usage_error(result, "module 'empty_engine' has no attribute 'backend'")


def test_contract_violation_names_the_missing_members(probe: pytest.Pytester) -> None:
    probe.makepyfile(
        partial_engine=textwrap.dedent(OUTSIDE_BACKEND) + "del backend.dot, backend.no_grad\n",
    )
    probe.syspathinsert()
    result = probe.runpytest("--backend", "partial_engine:backend")
    assert_one_line_usage_error(result, "does not satisfy the contract", "missing dot, no_grad")


def test_tensor_contract_violation_names_the_missing_tensor_members(probe: pytest.Pytester) -> None:
    probe.makepyfile(
        listy_engine=textwrap.dedent(OUTSIDE_BACKEND) + "backend.tensor = lambda data, **kw: list(data)\n",
    )
    probe.syspathinsert()
    result = probe.runpytest("--backend", "listy_engine:backend")
    assert_one_line_usage_error(result, "its tensors do not satisfy the contract", "missing shape, dtype, grad")


def test_unknown_feature_declaration_is_rejected(probe: pytest.Pytester) -> None:
    probe.makepyfile(
        boasting_engine=textwrap.dedent(OUTSIDE_BACKEND) + "backend.features = frozenset({'time_travel'})\n",
    )
    probe.syspathinsert()
    result = probe.runpytest("--backend", "boasting_engine:backend")
    assert_one_line_usage_error(result, "declares unknown features time_travel")


def test_undeclared_feature_makes_its_specs_unsupported_not_passed(probe: pytest.Pytester) -> None:
    probe.makepyfile(
        plain_engine=textwrap.dedent(OUTSIDE_BACKEND) + "backend.features = frozenset()\n",
        test_hooks_spec="""
            from conformance import spec

            @spec("HOOK-1", source="catalogue")
            def test_hook(torch):
                raise AssertionError("must not run on a backend without hooks")
        """,
    )
    probe.syspathinsert()
    result = probe.runpytest("--backend", "plain_engine:backend", "-rs", "test_hooks_spec.py")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*unsupported: backend outside does not declare feature hooks*"])
