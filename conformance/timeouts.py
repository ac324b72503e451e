"""Per-spec timeouts: a backend that never returns fails one spec, and the run goes on.

pytest-timeout runs the timer (each spec carries a ``timeout`` mark); `SpecTimer`
replaces its alarm handler for specs so the failure says what happened in the spec's
terms. A native engine stuck without returning to Python never sees the alarm, so a
faulthandler watchdog, which needs no interpreter lock, ends the process after
`HARD_DEADLINE_FACTOR` times the timeout: under xdist that is a crashed worker, which
is reported as the spec's failure while the run completes on a fresh worker.
"""

from __future__ import annotations

import faulthandler
import signal
import sys
import threading

import pytest

DEFAULT_SPEC_TIMEOUT = 60.0
HARD_DEADLINE_FACTOR = 2

_armed = pytest.StashKey[bool]()


class SpecTimeout(AssertionError):
    """A spec ran longer than its timeout: the backend did not return."""


def message(timeout: float) -> str:
    return f"spec exceeded its timeout of {timeout:g} s: the backend did not return"


def mark(items: list[pytest.Item], timeout: float) -> None:
    """Give each spec among ``items`` the timeout, unless it sets its own."""
    for item in items:
        if item.get_closest_marker("clause") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(timeout))


class SpecTimer:
    """Pytest plugin implementing pytest-timeout's timer hooks for specs."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_timeout_set_timer(self, item: pytest.Item, settings) -> bool | None:
        if not item.get_closest_marker("clause") or settings.method != "signal":
            return None  # pytest-timeout's own timer
        if threading.current_thread() is not threading.main_thread():
            return None

        def alarm(signum, frame):
            raise SpecTimeout(message(settings.timeout))

        signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.timeout)
        faulthandler.dump_traceback_later(settings.timeout * HARD_DEADLINE_FACTOR, exit=True, file=sys.__stderr__)
        item.stash[_armed] = True
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_timeout_cancel_timer(self, item: pytest.Item) -> bool | None:
        if not item.stash.get(_armed, False):
            return None
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        faulthandler.cancel_dump_traceback_later()
        item.stash[_armed] = False
        return True
