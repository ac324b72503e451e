"""The wheel carries the specs: installed into a fresh virtual environment, with no
checkout in sight, `autograd-conformance --backend torch` (or `reference`) runs them."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("autograd_conformance-*.whl")
    return built


def test_wheel_ships_specs_plugin_and_console_script(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped_specs = {Path(n).name for n in names if n.startswith("conformance/specs/")}
    checkout_specs = {p.name for p in (ROOT / "specs").glob("*.py")}
    assert checkout_specs <= shipped_specs, f"specs missing from the wheel: {sorted(checkout_specs - shipped_specs)}"
    assert any(n.startswith("reference_impl/") for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "autograd_conformance = conformance.plugin" in text
    assert "autograd-conformance = conformance.cli:main" in text


def test_installed_wheel_runs_the_specs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run(
        [bin_dir / "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", f"{wheel}[torch]"],
        check=True,
        capture_output=True,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    for backend in ("torch", "reference"):  # PyTorch, and the engine bundled in the wheel
        result = subprocess.run(
            [bin_dir / "autograd-conformance", "--backend", backend, "-q", "-n", "2"],
            cwd=workdir,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert " passed" in result.stdout
