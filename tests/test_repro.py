"""Every spec failure carries a standalone snippet that reproduces it on that backend."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.spec_runs import PARTIAL_ENGINE, ROOT, load_json, run_shipped_specs

PROPERTY_SPEC = """
    import textwrap

    from hypothesis import given, strategies as st

    from conformance import spec

    @spec("CHAIN-4", source="catalogue")
    @given(value=st.floats(min_value=1.0, max_value=8.0), data=st.data())
    def test_dot_of_one_element(torch, check, value, data):
        scale = data.draw(st.sampled_from([1.0, 2.0]), label="scale")
        x = torch.tensor([value * scale], requires_grad=True)
        torch.dot(x, x).backward()
        check.close(x.grad, [2 * value * scale], "x.grad of dot(x, x)", rtol=1e-6, atol=0)
"""

PARAMETRIZED_SPEC = """
    import pytest

    from conformance import spec

    @spec("CHAIN-4", source="catalogue")
    @pytest.mark.parametrize(
        ("product", "factor"), [(lambda torch, x: torch.dot(x, x), 2.0)], ids=["dot"]
    )
    @pytest.mark.parametrize(
        argnames="make_x",
        argvalues=[lambda torch: torch.tensor([2.0], requires_grad=True), lambda torch: torch.tensor([3.0], requires_grad=True)],
        ids=["x=2", "x=3"],
    )
    def test_product_of_x_with_itself(torch, check, product, factor, make_x):
        x = make_x(torch)
        product(torch, x).backward()
        check.equal(x.grad, factor * check.values(x), "x.grad of x·x")
"""


def repros(report_path: Path) -> list[str]:
    report = load_json(report_path)
    return [s["repro"] for b in report["backends"] for c in b["clauses"].values() for s in c["specs"] if s["repro"]]


def run_snippet(snippet: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", snippet], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_snippet_of_a_failing_spec_raises_the_same_failure(pytester: pytest.Pytester) -> None:
    result = run_shipped_specs(pytester, "--backend", PARTIAL_ENGINE, "--conformance-report", "r.json")
    result.stdout.fnmatch_lines(
        ["*- repro snippet -*", "torch = load_backend('tests.broken.wrong_dot_derivative:backend')"]
    )
    (snippet,) = repros(pytester.path / "r.json")
    ran = run_snippet(snippet, ROOT)
    assert ran.returncode == 1
    assert "ConformanceFailure: x.grad after y.backward(), which is 4x" in ran.stderr
    assert "actual:   [0., 2., 4., 6.]" in ran.stderr


def test_snippet_of_a_property_spec_assigns_the_falsifying_example(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_property=textwrap.dedent(PROPERTY_SPEC))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.runpytest(
        "--backend",
        PARTIAL_ENGINE,
        "--hypothesis-profile",
        "ci",
        "-p",
        "no:cacheprovider",
        "--conformance-report",
        "r.json",
    )
    (snippet,) = repros(pytester.path / "r.json")
    # Hypothesis shrinks to the smallest failing value, and the snippet assigns it and replays data.draw.
    assert "value = 1.0\n" in snippet
    assert "data = Replay(\n    1.0,\n)\n" in snippet
    assert "import textwrap" not in snippet, "imports the body does not use are left out"
    ran = run_snippet(snippet, pytester.path)
    assert ran.returncode == 1
    assert "ConformanceFailure: x.grad of dot(x, x)" in ran.stderr and "actual:   [1.]" in ran.stderr


def test_snippet_of_a_parametrized_spec_binds_its_case(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parameters with a literal are assigned; a lambda is looked up in the spec's parametrize mark
    (given positionally or by keyword) by its position among the mark's cases."""
    pytester.makepyfile(test_parametrized=textwrap.dedent(PARAMETRIZED_SPEC))
    monkeypatch.setenv("PYTHONPATH", f"{ROOT}:{pytester.path}")
    pytester.runpytest("--backend", PARTIAL_ENGINE, "-p", "no:cacheprovider", "--conformance-report", "r.json")
    snippets = sorted(repros(pytester.path / "r.json"), key=lambda snippet: "x=3" in snippet)
    for case, (snippet, x) in enumerate(zip(snippets, [2.0, 3.0], strict=True)):
        assert "factor = 2.0\n" in snippet
        assert "product = parametrized_value(test_product_of_x_with_itself, 'product', 0)\n" in snippet
        assert f"make_x = parametrized_value(test_product_of_x_with_itself, 'make_x', {case})\n" in snippet
        ran = run_snippet(snippet, pytester.path)
        assert ran.returncode == 1
        assert "ConformanceFailure: x.grad of x·x" in ran.stderr and f"actual:   [{x:g}.]" in ran.stderr
