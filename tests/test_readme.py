"""README.md stays true: CI runs exactly the set-up and test commands it shows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The commands of README's set-up block, in order."""
    block = re.search(r"<!-- setup -->\s*```(?:sh|bash)?\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md has no ```sh block after <!-- setup -->"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_setup_is_two_commands() -> None:
    assert len(readme_commands()) == 2, readme_commands()


def test_ci_runs_readme_commands_verbatim() -> None:
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    for command in readme_commands():
        assert command.strip() in ci_lines, f".ci/run does not run README's command: {command}"


def test_every_install_pins_torch_through_the_constraints_file() -> None:
    """An unpinned torch pulls gigabytes of CUDA packages; every install path must use constraints.txt."""
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()
    assert "-c constraints.txt" in readme_commands()[0]
    assert "PIP_CONSTRAINT = {toxinidir}/constraints.txt" in (ROOT / "tox.ini").read_text()
