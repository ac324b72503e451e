"""The pytest plugin (entry point ``pytest11``): selects backends and hands them to specs.

Kept thin: each hook delegates to the module that owns the concept. It imports no
backend until pytest is configured, so it costs nothing in unrelated test runs beyond
loading the default backend.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

import conformance
from conformance import catalogue, expectations, profiles, registry, report, repro, results, timeouts
from conformance.check import Check, ConformanceFailure
from conformance.contract import CONTRACT_VERSION

BACKEND_OPTION = "--backend"
MAX_EXAMPLES_OPTION = "--max-examples"
XFAILS_FILE_OPTION = "--xfails-file"
SKIPS_FILE_OPTION = "--skips-file"
STRICT_EXPECTATIONS_OPTION = "--strict-expectations"
WRITE_EXPECTATIONS_OPTION = "--write-expectations"
REPORT_OPTION = "--conformance-report"
SPEC_TIMEOUT_OPTION = "--spec-timeout"
UNSUPPORTED = results.UNSUPPORTED_PREFIX.rstrip(":")

_backends_key = pytest.StashKey[dict]()  # the name each backend was requested by -> the backend
_profile_key = pytest.StashKey[str]()
_xfails_key = pytest.StashKey["expectations.Expectations | None"]()
_skips_key = pytest.StashKey["expectations.Expectations | None"]()
_collector_key = pytest.StashKey[results.ResultCollector]()
_drawn_key = pytest.StashKey[dict]()
_summary_key = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograd-conformance")
    group.addoption(
        BACKEND_OPTION,
        action="append",
        default=[],
        metavar="NAME",
        help=(
            "backend to run the specs against: a built-in (torch, reference), a name registered "
            f"under the entry-point group {registry.ENTRY_POINT_GROUP}, or 'package.module:attribute'. "
            f"Repeat to run every spec once per backend. Default: ${registry.ENV_VAR}, else "
            f"{registry.DEFAULT_BACKEND}."
        ),
    )
    group.addoption(
        MAX_EXAMPLES_OPTION,
        type=int,
        default=None,
        metavar="N",
        help="number of hypothesis examples per property spec (overrides the profile's).",
    )
    expectation_help = (
        "one clause ID (ACC-1) or spec id (specs/test_x.py::test_y, optionally with [backend]) per "
        "line, '# reason' comments allowed. Entries that match no spec are reported."
    )
    group.addoption(
        XFAILS_FILE_OPTION,
        metavar="FILE",
        help=f"expectation file of specs expected to fail on this backend: {expectation_help}",
    )
    group.addoption(
        SKIPS_FILE_OPTION,
        metavar="FILE",
        help=f"expectation file of specs not to run (they hang or crash the engine): {expectation_help}",
    )
    group.addoption(
        STRICT_EXPECTATIONS_OPTION,
        action="store_true",
        help="fail the run when an expected failure passes (exit 1) or an entry matches no spec (exit 4).",
    )
    group.addoption(
        WRITE_EXPECTATIONS_OPTION,
        metavar="FILE",
        help="write the specs that failed as an expectation file, for --xfails-file.",
    )
    group.addoption(
        REPORT_OPTION,
        metavar="PATH",
        help="write the per-clause results as JSON to PATH and as a Markdown summary next to it (.md).",
    )
    group.addoption(
        SPEC_TIMEOUT_OPTION,
        type=float,
        default=timeouts.DEFAULT_SPEC_TIMEOUT,
        metavar="SECONDS",
        help=f"a spec running longer fails, and the run goes on (default {timeouts.DEFAULT_SPEC_TIMEOUT:g}).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clause(id, source, features): the catalogue clause a spec checks (set by @spec)"
    )
    names = registry.requested_backends(config.getoption("backend"))
    try:
        config.stash[_backends_key] = {name: registry.load_backend(name) for name in names}
        config.stash[_xfails_key] = _load_expectations(config.getoption("xfails_file"))
        config.stash[_skips_key] = _load_expectations(config.getoption("skips_file"))
    except (registry.BackendConfigError, expectations.ExpectationsError) as exc:
        raise pytest.UsageError(f"autograd-conformance: {exc}") from None
    if config.pluginmanager.hasplugin("timeout"):
        config.pluginmanager.register(timeouts.SpecTimer(), "autograd-conformance-timer")
    # Results are gathered where reports arrive: the xdist controller, or the only process.
    if not hasattr(config, "workerinput"):
        config.stash[_collector_key] = results.ResultCollector()
        config.pluginmanager.register(config.stash[_collector_key], "autograd-conformance-results")


def _load_expectations(path: str | None) -> expectations.Expectations | None:
    return expectations.load(path) if path else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"autograd-conformance {conformance.__version__}, contract {CONTRACT_VERSION}"]
    for backend in config.stash[_backends_key].values():
        lines.append(
            f"backend {backend.name} {backend.version}; features: {', '.join(sorted(backend.features)) or 'none'}"
        )
    profile = profiles.chosen(config.getoption("hypothesis_profile", None))
    examples = config.getoption("max_examples")
    lines.append(f"hypothesis profile: {profile}" + (f", max examples {examples}" if examples else ""))
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "torch" in metafunc.fixturenames:
        backends = list(metafunc.config.stash[_backends_key].values())
        metafunc.parametrize("torch", backends, ids=[b.name for b in backends], scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if any(item.get_closest_marker("clause") for item in items):
        config.stash[_profile_key] = profiles.activate(
            config.getoption("hypothesis_profile", None), config.getoption("max_examples")
        )
    xfails, skips = config.stash[_xfails_key], config.stash[_skips_key]
    for item in items:
        marker = item.get_closest_marker("clause")
        if marker is None:
            continue
        # Reports (and JUnit XML) carry the clause and backend, so every consumer, and the
        # xdist controller, can attribute results; set at collection, they reach skip reports too.
        item.user_properties.append((results.CLAUSE_PROPERTY, marker.args[0]))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "torch" in callspec.params:
            item.user_properties.append((results.BACKEND_PROPERTY, callspec.params["torch"].name))
        expectations.apply(item, marker.args[0], xfails, skips, strict=config.getoption("strict_expectations"))
    timeouts.mark(items, config.getoption("spec_timeout"))


@pytest.fixture(scope="session")
def check(torch) -> Check:
    """Assertions that read the backend's values through its ``to_numpy``."""
    return Check(torch)


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("clause")
    if marker is None:
        return
    callspec = getattr(item, "callspec", None)
    if callspec is None or "torch" not in callspec.params:
        return
    backend = callspec.params["torch"]
    lacking = [f for f in marker.kwargs.get("features", ()) if f not in backend.features]
    if lacking:
        pytest.skip(f"{UNSUPPORTED}: backend {backend.name} does not declare feature {', '.join(lacking)}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Property specs record what hypothesis drew, for the repro snippet."""
    if item.get_closest_marker("clause") is None or not hasattr(item.obj, "hypothesis"):
        return (yield)
    restore = repro.record_drawn_arguments(item.obj, item.stash.setdefault(_drawn_key, {}))
    try:
        return (yield)
    finally:
        restore()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    marker = item.get_closest_marker("clause")
    if marker is None or call.excinfo is None or not (report.failed or hasattr(report, "wasxfail")):
        return report
    violated = getattr(call.excinfo.value, "clause", None) if call.excinfo.errisinstance(ConformanceFailure) else None
    if violated:  # expected failures too: reports and expectation files name the clause that failed
        report.user_properties.append((results.VIOLATED_CLAUSE_PROPERTY, violated))
    if not report.failed:
        return report
    entry = catalogue.get(violated or marker.args[0])
    report.sections.append(
        ("conformance clause", f"{entry.id} [{entry.level}]: {entry.statement}\nsource: {marker.kwargs['source']}")
    )
    callspec = getattr(item, "callspec", None)
    if call.when == "call" and callspec is not None and "torch" in callspec.params:
        backend = callspec.params["torch"]
        requested = next(n for n, b in item.config.stash[_backends_key].items() if b is backend)
        program = getattr(call.excinfo.value, "program", None)
        try:
            if program is not None:  # the spec wrote down what it ran: that is the repro
                snippet = repro.standalone_program(program, requested, f"{item.nodeid} (clause {entry.id})")
            else:
                snippet = repro.snippet(
                    item.obj, requested, item.nodeid, entry.id, item.stash.get(_drawn_key, {}), callspec.params
                )
        except Exception as exc:  # a snippet is a courtesy: failing to write one must not end the run
            snippet = f"# no repro snippet for {item.nodeid}: {type(exc).__name__}: {exc}\n"
        report.sections.append((results.REPRO_SECTION, snippet))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    collector = config.stash.get(_collector_key, None)
    if collector is None:
        return
    summary = config.stash[_summary_key] = []
    ran = collector.specs_ran()
    stale = [e for found in (config.stash[_xfails_key], config.stash[_skips_key]) if found for e in found.stale(ran)]
    strict = config.getoption("strict_expectations")
    summary += expectations.stale_lines(stale, strict)
    if stale and strict:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    spec_results = list(collector.results.values())
    summary += expectations.unexpected_pass_lines(spec_results, config.getoption("xfails_file"))
    write_path = config.getoption("write_expectations")
    if write_path:
        summary.append(expectations.write(Path(write_path), spec_results, _run_description(config)))
    report_path = config.getoption("conformance_report")
    if report_path:
        built = report.build(spec_results, config.stash[_backends_key], _hypothesis_settings(config))
        summary.append(f"wrote conformance report {report_path} and {report.write(built, Path(report_path))}")


def _run_description(config: pytest.Config) -> list[str]:
    lines = [f"autograd-conformance {conformance.__version__}, contract {CONTRACT_VERSION}"]
    return lines + [f"backend {b.name} {b.version}" for b in config.stash[_backends_key].values()]


def _hypothesis_settings(config: pytest.Config) -> dict:
    # Under xdist the controller collects nothing, so the profile is activated here for the record.
    profile = config.stash.get(_profile_key, None) or profiles.activate(
        config.getoption("hypothesis_profile", None), config.getoption("max_examples")
    )
    current = settings()
    return {
        "profile": profile,
        "seed": config.getoption("hypothesis_seed", None),
        "derandomize": current.derandomize,
        "max_examples": current.max_examples,
    }


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    lines = config.stash.get(_summary_key, [])
    if lines:
        terminalreporter.section("autograd-conformance")
        for line in lines:
            terminalreporter.write_line(line)
