"""Hypothesis profiles for the specs.

* ``fast``: the default when specs run locally; few examples, for quick runs.
* ``ci``: the default when the ``CI`` environment variable is set; derandomized (the same examples on every run, so CI never flakes), no deadline
  (timing depends on the machine, and the per-spec timeout guards against hangs).
* ``thorough``: many more examples, for a nightly run or after changing an engine.
"""

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])
settings.register_profile("fast", max_examples=25, **_common)
settings.register_profile("ci", max_examples=50, derandomize=True, print_blob=True, **_common)
settings.register_profile("thorough", max_examples=500, **_common)


def chosen(profile: str | None) -> str:
    """The profile the specs run under: the one asked for, else ``ci`` on CI, else ``fast``."""
    return profile or ("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "fast")


def activate(profile: str | None, max_examples: int | None) -> str:
    """Load the `chosen` profile, overriding its example count if asked; return its name."""
    name = chosen(profile)
    settings.load_profile(name)
    if max_examples is not None:
        settings.register_profile(f"{name}+max_examples", settings(max_examples=max_examples))
        settings.load_profile(f"{name}+max_examples")
    return name
