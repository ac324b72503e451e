"""Find a backend by name and check it against the contract.

One mechanism, three spellings of NAME:
  * a built-in backend (`BUILTIN_BACKENDS`),
  * a name registered by an installed package under the entry-point group
    ``autograd_conformance.backends``,
  * an import path ``package.module:attribute`` (or ``package.module`` for a module
    that is itself the backend).
Every way of getting it wrong raises `BackendConfigError` with a one-line message.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points
from typing import Any

from conformance.contract import BACKEND_MEMBERS, FEATURES, TENSOR_MEMBERS, Backend

ENTRY_POINT_GROUP = "autograd_conformance.backends"
ENV_VAR = "AUTOGRAD_CONFORMANCE_BACKEND"
DEFAULT_BACKEND = "reference"

BUILTIN_BACKENDS = {
    "torch": "conformance.backends.torch_backend",
    "reference": "reference_impl.backend",
}


class BackendConfigError(Exception):
    """The backend could not be found, imported, or does not satisfy the contract."""


def requested_backends(cli_names: list[str]) -> list[str]:
    """The backend names to run: the command line's, else the environment's, else the default."""
    if cli_names:
        return cli_names
    from_env = os.environ.get(ENV_VAR, "").strip()
    return [from_env] if from_env else [DEFAULT_BACKEND]


def load_backend(name: str) -> Backend:
    """Import the backend called ``name`` and check it against the contract."""
    target = _resolve(name)
    backend = _import_target(name, target)
    check_contract(name, backend)
    return backend


def _resolve(name: str) -> str:
    if name in BUILTIN_BACKENDS:
        return BUILTIN_BACKENDS[name]
    registered = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name in registered:
        return registered[name]
    if ":" in name or "." in name:
        return name
    known = sorted(BUILTIN_BACKENDS) + sorted(set(registered) - set(BUILTIN_BACKENDS))
    raise BackendConfigError(
        f"unknown backend {name!r}: not a built-in or registered backend ({', '.join(known)}) "
        f"and not an import path 'package.module:attribute'"
    )


def _import_target(name: str, target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any import-time failure is a configuration error
        raise BackendConfigError(
            f"backend {name!r}: importing {module_name!r} failed: {type(exc).__name__}: {_one_line(exc)}"
        ) from exc
    if not attribute:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise BackendConfigError(f"backend {name!r}: module {module_name!r} has no attribute {attribute!r}") from None


def check_contract(name: str, backend: Any) -> None:
    """Raise `BackendConfigError` naming every contract member ``backend`` lacks."""
    missing = [member for member in BACKEND_MEMBERS if not hasattr(backend, member)]
    if missing:
        raise BackendConfigError(f"backend {name!r} does not satisfy the contract: missing {', '.join(missing)}")
    unknown = sorted(set(backend.features) - set(FEATURES))
    if unknown:
        raise BackendConfigError(
            f"backend {name!r} declares unknown features {', '.join(unknown)}; known: {', '.join(FEATURES)}"
        )
    try:
        probe = backend.tensor([1.0, 2.0])
    except Exception as exc:
        raise BackendConfigError(
            f"backend {name!r}: tensor([1.0, 2.0]) failed: {type(exc).__name__}: {_one_line(exc)}"
        ) from exc
    # dir() lists attributes without calling property getters, whose behaviour is under test.
    present = set(dir(probe))
    missing = [member for member in TENSOR_MEMBERS if member not in present]
    if missing:
        raise BackendConfigError(
            f"backend {name!r}: its tensors do not satisfy the contract: missing {', '.join(missing)}"
        )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."
