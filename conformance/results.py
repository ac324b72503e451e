"""What happened to each spec in a run, and what that means for each clause.

`ResultCollector` is a pytest plugin for the process that reports (the xdist controller,
or the only process): it reads every test report, so results are the same with ``-n``.
Statuses are decided per spec, then aggregated per clause by `clause_status`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pytest

PASSED = "passed"
FAILED = "failed"
EXPECTED_FAILURE = "expected failure"
UNEXPECTED_PASS = "unexpected pass"
UNSUPPORTED = "unsupported"
SKIPPED = "skipped"
SPEC_STATUSES = (PASSED, FAILED, EXPECTED_FAILURE, UNEXPECTED_PASS, UNSUPPORTED, SKIPPED)
CLAUSE_STATUSES = (PASSED, FAILED, EXPECTED_FAILURE, UNSUPPORTED, SKIPPED)

# user_properties the plugin attaches to spec reports; they travel with xdist reports.
CLAUSE_PROPERTY = "clause"
BACKEND_PROPERTY = "backend"
VIOLATED_CLAUSE_PROPERTY = "violated clause"
REPRO_SECTION = "repro snippet"
UNSUPPORTED_PREFIX = "unsupported:"
# xdist reports a spec whose worker died with this phase name.
CRASHED_PHASE = "???"


@dataclass
class SpecResult:
    nodeid: str
    backend: str
    clause: str
    status: str
    message: str = ""
    repro: str = ""

    @property
    def spec_id(self) -> str:
        """The id without its parametrization: what an expectation file names."""
        return self.nodeid.split("[", 1)[0]


def failure_message(report: pytest.TestReport) -> str:
    """The exception line(s) of a failed report, or its text when xdist or pytest gave only text."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message.removeprefix("conformance.check.")
    return str(report.longrepr)


def _skip_reason(report: pytest.TestReport) -> str:
    # A skip's longrepr is (path, line, "Skipped: reason"); xdist may turn the tuple into a list.
    if isinstance(report.longrepr, (tuple, list)):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


def _status(report: pytest.TestReport) -> tuple[str, str] | None:
    """(status, message) that ``report`` decides for its spec, or None if it decides nothing."""
    if report.when == CRASHED_PHASE:
        return FAILED, f"the backend crashed the test process: {report.longrepr}"
    if report.skipped:
        if hasattr(report, "wasxfail"):
            return EXPECTED_FAILURE, failure_message(report)
        reason = _skip_reason(report)
        return (UNSUPPORTED if reason.startswith(UNSUPPORTED_PREFIX) else SKIPPED), reason
    if report.failed:
        if isinstance(report.longrepr, str) and report.longrepr.startswith("[XPASS(strict)]"):
            return UNEXPECTED_PASS, report.longrepr
        return FAILED, failure_message(report)
    if report.when == "call":
        return (UNEXPECTED_PASS, f"[XPASS] {report.wasxfail}") if hasattr(report, "wasxfail") else (PASSED, "")
    return None


class ResultCollector:
    """Pytest plugin: one `SpecResult` per spec that ran, in the order they finished."""

    def __init__(self) -> None:
        self.results: dict[str, SpecResult] = {}
        # A crashed worker's report carries no properties: they come from the spec's setup report.
        self._properties: dict[str, dict[str, str]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties) or self._properties.get(report.nodeid, {})
        if CLAUSE_PROPERTY not in properties:
            return  # not a spec
        self._properties[report.nodeid] = properties
        decided = _status(report)
        if decided is None:
            return
        status, message = decided
        known = self.results.get(report.nodeid)
        if known is not None and known.status == FAILED:
            return  # a teardown or crash report never turns a failure into something milder
        self.results[report.nodeid] = SpecResult(
            nodeid=report.nodeid,
            backend=properties.get(BACKEND_PROPERTY, "?"),
            clause=properties.get(VIOLATED_CLAUSE_PROPERTY, properties[CLAUSE_PROPERTY]),
            status=status,
            message=message,
            repro=dict(report.sections).get(REPRO_SECTION, known.repro if known else ""),
        )

    def specs_ran(self) -> list[tuple[str, str]]:
        """(nodeid, the clause it is marked with) of every spec that reported anything."""
        return [(nodeid, properties[CLAUSE_PROPERTY]) for nodeid, properties in self._properties.items()]


def clause_status(specs: list[SpecResult]) -> str:
    """A clause fails if any spec fails; it is an expected failure if its only failures were
    expected; unsupported if every spec was; passed if every spec the backend supports passed
    (a spec needing a feature the backend does not declare checks that feature, not the
    clause); skipped if some spec it supports did not run."""
    statuses = {spec.status for spec in specs}
    if FAILED in statuses:
        return FAILED
    if EXPECTED_FAILURE in statuses:
        return EXPECTED_FAILURE
    supported = statuses - {UNSUPPORTED}
    if not supported:
        return UNSUPPORTED
    if supported <= {PASSED, UNEXPECTED_PASS}:
        return PASSED
    return SKIPPED


def by_backend_and_clause(results: list[SpecResult]) -> dict[str, dict[str, list[SpecResult]]]:
    """backend name -> clause ID -> its specs' results, each level in first-seen order."""
    grouped: dict[str, dict[str, list[SpecResult]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        grouped[result.backend][result.clause].append(result)
    return grouped
