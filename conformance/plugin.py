"""The pytest plugin (entry point ``pytest11``): selects backends and hands them to specs.

Kept thin: each hook delegates to the module that owns the concept. It imports no
backend until pytest is configured, so it costs nothing in unrelated test runs beyond
loading the default backend.
"""

from __future__ import annotations

import pytest

import conformance
from conformance import catalogue, profiles, registry
from conformance.check import Check
from conformance.contract import CONTRACT_VERSION

BACKEND_OPTION = "--backend"
MAX_EXAMPLES_OPTION = "--max-examples"
UNSUPPORTED = "unsupported"

_backends_key = pytest.StashKey[list]()
_profile_key = pytest.StashKey[str]()


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clause(id, source, features): the catalogue clause a spec checks (set by @spec)"
    )
    names = registry.requested_backends(config.getoption("backend"))
    try:
        config.stash[_backends_key] = [registry.load_backend(name) for name in names]
    except registry.BackendConfigError as exc:
        raise pytest.UsageError(f"autograd-conformance: {exc}") from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"autograd-conformance {conformance.__version__}, contract {CONTRACT_VERSION}"]
    for backend in config.stash[_backends_key]:
        lines.append(
            f"backend {backend.name} {backend.version}; features: {', '.join(sorted(backend.features)) or 'none'}"
        )
    profile = config.getoption("hypothesis_profile", None) or "(chosen when specs are collected)"
    lines.append(f"hypothesis profile: {config.stash.get(_profile_key, profile)}")
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "torch" in metafunc.fixturenames:
        backends = metafunc.config.stash[_backends_key]
        metafunc.parametrize("torch", backends, ids=[b.name for b in backends], scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if any(item.get_closest_marker("clause") for item in items):
        config.stash[_profile_key] = profiles.activate(
            config.getoption("hypothesis_profile", None), config.getoption("max_examples")
        )


@pytest.fixture(scope="session")
def check(torch) -> Check:
    """Assertions that read the backend's values through its ``to_numpy``."""
    return Check(torch)


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("clause")
    if marker is None:
        return
    # Reports (and JUnit XML) carry the clause, so every consumer can attribute results.
    item.user_properties.append(("clause", marker.args[0]))
    callspec = getattr(item, "callspec", None)
    if callspec is None or "torch" not in callspec.params:
        return
    backend = callspec.params["torch"]
    lacking = [f for f in marker.kwargs.get("features", ()) if f not in backend.features]
    if lacking:
        pytest.skip(f"{UNSUPPORTED}: backend {backend.name} does not declare feature {', '.join(lacking)}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    marker = item.get_closest_marker("clause")
    if marker is not None and report.failed:
        entry = catalogue.get(marker.args[0])
        report.sections.append(
            ("conformance clause", f"{entry.id} [{entry.level}]: {entry.statement}\nsource: {marker.kwargs['source']}")
        )
    return report
