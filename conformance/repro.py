"""Repro snippets: a failing spec as a standalone Python program for one backend.

The snippet loads the backend by the name given to ``--backend``, binds ``torch`` and
``check`` as the fixtures do, assigns the spec's parameters (its ``parametrize`` case, and
for property specs the values hypothesis drew, the falsifying example, including those drawn
with ``data.draw``), then runs the spec's body. Running it raises the spec's failure. A
value with no literal (a named tuple, a module-level function) is rebuilt with pickle; one
that cannot be pickled (a lambda) is left for the reader, with its repr.
Names the body takes from its spec module are imported from it, so the snippet runs
wherever the specs can be imported (a checkout, or an installed suite).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import pickle
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis.strategies import DataObject

FIXTURES = ("torch", "check")


class Replay:
    """Stands for hypothesis's ``data`` in a repro snippet: ``draw`` gives back the values drawn, in order."""

    def __init__(self, *values: Any) -> None:
        self._values = list(values)

    def draw(self, strategy: Any, label: Any = None) -> Any:
        return self._values.pop(0)


class _RecordingData:
    """Hypothesis's ``data``, keeping every value drawn from it."""

    def __init__(self, data: DataObject) -> None:
        self._data = data
        self.values: list[Any] = []

    def draw(self, strategy: Any, label: Any = None) -> Any:
        value = self._data.draw(strategy, label=label)
        self.values.append(value)
        return value


def spec_function(test: Callable) -> Callable:
    """The spec as written: under ``@given``, hypothesis keeps it as ``.hypothesis.inner_test``."""
    handle = getattr(test, "hypothesis", None)
    return handle.inner_test if handle is not None else test


def record_drawn_arguments(test: Callable, drawn: dict[str, Any]) -> Callable[[], None]:
    """Make the property spec ``test`` store the arguments of each call in ``drawn``.

    Hypothesis calls ``.hypothesis.inner_test`` (a documented extension point) once per
    example and last with the shrunk falsifying example, so ``drawn`` ends up holding it.
    Returns the function that undoes the wrapping.
    """
    handle = test.hypothesis
    inner = handle.inner_test

    def recording(*args: Any, **kwargs: Any) -> Any:
        kwargs = {k: _RecordingData(v) if isinstance(v, DataObject) else v for k, v in kwargs.items()}
        drawn.clear()
        drawn.update(kwargs)
        return inner(*args, **kwargs)

    handle.inner_test = recording

    def restore() -> None:
        handle.inner_test = inner

    return restore


def literal(value: Any) -> str:
    """Python source that rebuilds ``value``."""
    if isinstance(value, np.ndarray):
        return f"numpy.array({value.tolist()!r}, dtype=numpy.{value.dtype})"
    if isinstance(value, np.generic):
        return f"numpy.{value.dtype}({value.item()!r})"
    return repr(value)


def _has_literal(value: Any) -> bool:
    """Whether `literal` rebuilds ``value`` (a function or a named tuple has no literal of its own)."""
    if type(value) in (list, tuple):
        return all(_has_literal(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str, np.ndarray, np.generic))


def _assignment(name: str, value: Any) -> list[str]:
    """The lines that bind ``name`` to ``value``: a literal, else pickle with the value's repr beside it."""
    if isinstance(value, _RecordingData):
        return [f"{name} = Replay(", *(f"    {line}" for v in value.values for line in _assignment("", v)), ")"]
    prefix = f"{name} = " if name else ""
    suffix = "" if name else ","
    shown = " ".join(repr(value).split())
    if _has_literal(value):
        return [f"{prefix}{literal(value)}{suffix}"]
    try:
        return [f"{prefix}pickle.loads({pickle.dumps(value)!r}){suffix}  # {shown}"]
    except (pickle.PicklingError, TypeError, AttributeError):  # a lambda, say: the reader must supply it
        return [f"{prefix}None{suffix}  # could not be rebuilt, put it here by hand: {shown}"]


def _parametrize_cases(test: Callable) -> dict[str, list[Any]]:
    """Argument name -> its value in each case of ``test``'s ``parametrize`` marks, in order."""
    cases: dict[str, list[Any]] = {}
    for mark in getattr(test, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        # argnames and argvalues may come positionally or by keyword; the rest (ids, ...) only by keyword
        arguments = dict(zip(("argnames", "argvalues"), mark.args[:2], strict=False), **mark.kwargs)
        names = arguments["argnames"]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        for position, name in enumerate(names):
            cases[name] = [
                (case.values if hasattr(case, "values") else case if len(names) > 1 else (case,))[position]
                for case in arguments["argvalues"]
            ]
    return cases


def parametrized_value(test: Callable, name: str, index: int) -> Any:
    """The value of argument ``name`` in case ``index`` of ``test``'s ``parametrize`` mark."""
    return _parametrize_cases(test)[name][index]


def snippet(
    test: Callable,
    backend_name: str,
    nodeid: str,
    clause: str,
    drawn: dict[str, Any],
    case: dict[str, Any] | None = None,
) -> str:
    """The standalone program reproducing ``test`` (a spec function) on ``backend_name``.

    ``case`` maps each ``parametrize`` argument to its value; a value without a literal is
    looked up in the mark by the snippet itself, by its position among the mark's cases.
    """
    function = spec_function(test)
    module = inspect.getmodule(function)
    body = _body_source(function)
    used = _names(body)
    case = {name: value for name, value in (case or {}).items() if name not in FIXTURES}
    cases = _parametrize_cases(test)
    case_lines = [
        f"{name} = {literal(value)}"
        if _has_literal(value)
        else f"{name} = parametrized_value({test.__name__}, {name!r}, {_position(cases[name], value)})"
        for name, value in case.items()
    ]
    # Hypothesis passes a parametrized spec its parametrize arguments too: those are the case's.
    drawn = {name: value for name, value in drawn.items() if name not in FIXTURES and name not in case}
    assignments = [line for name, value in drawn.items() for line in _assignment(name, value)]
    looked_up = any("parametrized_value(" in line for line in case_lines)
    replayed = any(line.endswith("= Replay(") for line in assignments)
    helpers = [name for name, used in (("parametrized_value", looked_up), ("Replay", replayed)) if used]
    lines = [
        f"# Reproduces {nodeid} (clause {clause}); run it with python, from where the specs import.",
        *_imports(
            module, used - set(drawn) - set(case) - set(FIXTURES) - {"note"} | ({test.__name__} if looked_up else set())
        ),
        *(["import numpy"] if any("numpy." in a for a in case_lines + assignments) else []),
        *(["import pickle"] if any("pickle.loads(" in a for a in assignments) else []),
        *([f"from conformance.repro import {', '.join(helpers)}"] if helpers else []),
        *_fixture_lines(backend_name),
        *(["note = print  # hypothesis's note() works only inside a test"] if "note" in used else []),
    ]
    if case_lines:
        lines += ["# the spec's parametrized case", *case_lines]
    if assignments:
        lines += ["# the values hypothesis drew (its falsifying example)", *assignments]
    return "\n".join(lines) + "\n\n" + body


def standalone_program(body: str, backend_name: str, description: str) -> str:
    """``body``, contract code over ``torch`` and ``check`` written down by a spec as it ran, as a
    program that loads the backend as the fixtures do (a stateful spec's shrunk program)."""
    lines = [
        f"# Reproduces {description}; run it with python, from where the specs import.",
        *_fixture_lines(backend_name),
    ]
    return "\n".join(lines) + "\n\n" + body + "\n"


def _fixture_lines(backend_name: str) -> list[str]:
    """What every repro program sets up before its body: the spec's fixtures ``torch`` and ``check``."""
    return [
        "from conformance.check import Check",
        "from conformance.registry import load_backend",
        "",
        f"torch = load_backend({backend_name!r})",
        "check = Check(torch)",
    ]


def _position(values: list[Any], value: Any) -> int:
    # By identity: the marks hold the very objects pytest passed to the spec.
    return next(i for i, candidate in enumerate(values) if candidate is value)


def _body_source(function: Callable) -> str:
    """The function's statements, without decorators, signature or docstring, dedented."""
    source = textwrap.dedent(inspect.getsource(function))
    definition = ast.parse(source).body[0]
    statements = definition.body
    if isinstance(statements[0], ast.Expr) and isinstance(getattr(statements[0], "value", None), ast.Constant):
        statements = statements[1:] or statements  # the docstring
    lines = source.splitlines()
    return textwrap.dedent("\n".join(lines[statements[0].lineno - 1 : definition.end_lineno])) + "\n"


def _names(source: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


def _imports(module: Any, needed: set[str]) -> list[str]:
    """The module's own import lines for ``needed`` names, and an import from the module for its definitions."""
    tree = ast.parse(inspect.getsource(module))
    lines = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            if bound & needed:
                lines.append(ast.unparse(node))
                needed = needed - bound
    from_module = sorted(name for name in needed if hasattr(module, name) and not hasattr(builtins, name))
    if from_module:
        lines.append(f"from {module.__name__} import {', '.join(from_module)}")
    return lines
