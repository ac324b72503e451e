"""Assertions for specs: each reads values only through the backend's `to_numpy` and,
when it fails, says what was checked, what was expected and what the backend gave.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from conformance.contract import Backend


class ConformanceFailure(AssertionError):
    """A backend's behaviour differs from a clause.

    ``clause`` names the violated clause when it is not the one the spec is marked with
    (a stateful spec checks many clauses); reports then attribute the failure to it.
    ``program`` is the contract code that led to the failure, when the spec wrote it down as it
    ran (a stateful spec's random program): the repro snippet is then that program.
    """

    def __init__(self, message: str, clause: str | None = None, program: str | None = None) -> None:
        super().__init__(message)
        self.clause = clause
        self.program = program


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, floatmode="unique", separator=", ") + f" (shape {tuple(value.shape)})"
    return repr(value)


def fail(what: str, expected: Any, actual: Any, clause: str | None = None) -> None:
    """Raise a `ConformanceFailure` showing both values."""
    raise ConformanceFailure(f"{what}\n  expected: {_show(expected)}\n  actual:   {_show(actual)}", clause)


class Check:
    """The ``check`` fixture: assertions bound to one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def values(self, t: Any) -> np.ndarray:
        """The values of a backend tensor, as NumPy."""
        return np.asarray(self.backend.to_numpy(t))

    def _read(self, actual: Any, what: str, expected: Any) -> np.ndarray:
        if actual is None:
            fail(what, np.asarray(expected), None)
        if isinstance(actual, (int, float, bool)):
            return np.asarray(actual)
        return self.values(actual)

    def equal(self, actual: Any, expected: Any, what: str) -> None:
        """``actual`` (a tensor or number) has exactly ``expected``'s shape and values."""
        want = np.asarray(expected)
        got = self._read(actual, what, want)
        if got.shape != want.shape or not np.array_equal(got, want):
            fail(what, want, got)

    def close(self, actual: Any, expected: Any, what: str, *, rtol: float, atol: float) -> None:
        """Like `equal`, within ``|actual - expected| <= atol + rtol * |expected|``.

        Callers state why their tolerance is right where they call this.
        """
        want = np.asarray(expected, dtype=np.float64)
        got = self._read(actual, what, want)
        if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=False):
            fail(f"{what} (rtol={rtol:g}, atol={atol:g})", want, got)

    def none(self, actual: Any, what: str) -> None:
        """``actual`` is None."""
        if actual is not None:
            fail(what, None, self.values(actual) if not isinstance(actual, (bool, int, float)) else actual)

    def that(self, condition: bool, what: str, *, expected: Any, actual: Any) -> None:
        """A plain condition, with the values that explain it when it is false."""
        if not condition:
            fail(what, expected, actual)

    def shape(self, t: Any, expected: tuple[int, ...], what: str) -> None:
        """``t`` is a tensor of shape ``expected``."""
        if t is None:
            fail(what, expected, None)
        self.that(tuple(t.shape) == tuple(expected), what, expected=tuple(expected), actual=tuple(t.shape))

    def leaf(self, t: Any, expected: bool, what: str) -> None:
        """``t.is_leaf`` is ``expected``, and ``t.grad_fn`` is None exactly when ``t`` is a leaf (LEAF-1)."""
        self.that(t.is_leaf is expected, f"{what}: is_leaf", expected=expected, actual=t.is_leaf)
        grad_fn = "None" if expected else "a node"
        self.that((t.grad_fn is None) is expected, f"{what}: grad_fn", expected=grad_fn, actual=t.grad_fn)

    def version(self, t: Any, expected: int, what: str) -> None:
        """``t._version``, the count of in-place changes to its storage, is ``expected``."""
        self.that(t._version == expected, f"_version {what}", expected=expected, actual=t._version)

    @contextmanager
    def raises(self, exception: type[BaseException], fragment: str, what: str) -> Iterator[None]:
        """The block raises ``exception`` whose message contains ``fragment``."""
        try:
            yield
        except exception as exc:
            if fragment not in str(exc):
                fail(f"{what}: message of {exception.__name__}", f"... {fragment} ...", str(exc))
        except Exception as exc:
            fail(what, f"{exception.__name__}: ... {fragment} ...", f"{type(exc).__name__}: {exc}")
        else:
            fail(what, f"{exception.__name__}: ... {fragment} ...", "no exception")

    @contextmanager
    def warns(self, category: type[Warning], fragment: str, what: str) -> Iterator[None]:
        """The block emits a warning of ``category`` whose message contains ``fragment``."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        messages = [f"{w.category.__name__}: {w.message}" for w in caught]
        if not any(issubclass(w.category, category) and fragment in str(w.message) for w in caught):
            fail(what, f"{category.__name__}: ... {fragment} ...", messages or "no warning")

    @contextmanager
    def no_warning(self, what: str) -> Iterator[None]:
        """The block emits no warning."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        if caught:
            fail(what, "no warning", [f"{w.category.__name__}: {w.message}" for w in caught])
