"""The shipped engine adapters, and the adapter printed in docs/writing-an-adapter.md.

Tests that need mygrad or tinygrad skip when the engine is not installed
(``pip install -c constraints.txt -e ".[mygrad,tinygrad]"``); tinygrad also needs a
device: clang on PATH, or ``DEV=PYTHON``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.cli import spec_run_args
from conformance.contract import FEATURES
from conformance.registry import BackendConfigError, load_backend

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ["mygrad", "tinygrad"]
QUIET_RUN = ["-p", "no:cacheprovider", "--hypothesis-profile", "ci", "-q"]


def engine_backend(engine: str):
    """The adapter for ``engine``, loaded through its entry point; skip if the engine is absent."""
    pytest.importorskip(engine)
    try:
        return load_backend(engine)
    except BackendConfigError as exc:
        if "no usable devices" in str(exc):  # tinygrad without clang or DEV=PYTHON
            pytest.skip(str(exc))
        raise


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_adapter_is_registered_and_satisfies_the_contract(engine: str) -> None:
    """`--backend mygrad` / `--backend tinygrad` resolve through the entry points and load."""
    backend = engine_backend(engine)
    assert backend.name == engine
    assert set(backend.features) <= set(FEATURES)


@pytest.mark.parametrize("engine", ENGINES)
def test_adapter_creates_float32_unless_asked(engine: str) -> None:
    """mygrad's own default is float64: the adapter passes the contract's float32 instead."""
    backend = engine_backend(engine)
    assert backend.tensor([1.0, 2.0]).dtype == backend.float32
    assert backend.tensor([1.0], dtype=backend.float64).dtype == backend.float64
    assert backend.arange(3).dtype == backend.int64


@pytest.mark.parametrize(
    ("engine", "second_grad"),
    [
        ("mygrad", [3.0, 3.0]),  # mygrad overwrites .grad: the adapter must not accumulate for it
        ("tinygrad", [5.0, 5.0]),  # tinygrad accumulates, as PyTorch does
    ],
)
def test_adapter_passes_accumulation_through(engine: str, second_grad: list[float]) -> None:
    """Two backward calls: whatever the engine does to .grad is what the specs see."""
    backend = engine_backend(engine)
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    assert backend.to_numpy(x.grad).tolist() == second_grad


@pytest.mark.parametrize(
    ("engine", "use", "named"),
    [
        ("tinygrad", lambda b, x: b.no_grad(), "no_grad"),
        ("tinygrad", lambda b, x: x.is_leaf, "is_leaf"),
        ("tinygrad", lambda b, x: (x * x).sum().backward(retain_graph=False), "never frees its graph"),
        ("tinygrad", lambda b, x: b.tensor(3.0, requires_grad=True), "device-less constant"),
        ("mygrad", lambda b, x: (x * x).sum().backward(retain_graph=True), "retain_graph"),
        ("mygrad", lambda b, x: x.detach().requires_grad_(), "constant"),
        ("mygrad", lambda b, x: b.autograd.backward([x.sum(), x.sum()]), "several roots"),
    ],
)
def test_member_without_equivalent_raises_a_named_error(engine: str, use, named: str) -> None:
    """Not emulated, and not a RuntimeError, so no spec expecting PyTorch's error passes by accident."""
    backend = engine_backend(engine)
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(Exception, match=named) as raised:
        use(backend, x)
    assert type(raised.value).__name__ == "EngineLacks"
    assert not isinstance(raised.value, RuntimeError)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_conforms_exactly_as_its_expectations_say(pytester: pytest.Pytester, engine: str) -> None:
    """Strict mode: a new failure, a fixed spec or a stale entry in expectations/ENGINE.txt fails this."""
    engine_backend(engine)
    expectations = ROOT / "expectations" / f"{engine}.txt"
    recorder = pytester.inline_run(
        *spec_run_args(["--backend", engine, "--xfails-file", str(expectations), "--strict-expectations", *QUIET_RUN])
    )
    failed = [report.nodeid for report in recorder.getfailures()]
    assert recorder.ret == 0 and not failed, (
        f"{engine}: exit {recorder.ret}, failed {failed}. If the specs changed, regenerate the file with "
        f"`autograd-conformance --backend {engine} --hypothesis-profile ci --write-expectations {expectations}`"
        " and review its diff."
    )


# A stand-in for the guide's imaginary engine: torch under tapegrad's names.
TAPEGRAD_STAND_IN = """
import torch

__version__ = "0-stand-in"
f32, f64, i64 = torch.float32, torch.float64, torch.int64
paused, is_recording, inner, backprop_all = torch.no_grad, torch.is_grad_enabled, torch.dot, torch.autograd.backward


class Node(torch.Tensor):
    value = property(lambda self: self.detach().numpy())
    gradient = property(lambda self: None if self.grad is None else self.grad.as_subclass(Node))
    op = property(lambda self: self.grad_fn)
    trainable = property(lambda self: self.requires_grad, lambda self, flag: setattr(self, "requires_grad", flag))

    def clear_gradient(self):
        self.grad = None

    def backprop(self, seed=None, keep_tape=False):
        self.backward(seed, retain_graph=keep_tape)

    def stop(self):
        return self.detach()

    def count(self):
        return self.numel()

    def swap(self):
        return self.t()

    def clear(self):
        return self.zero_()

    def set_trainable(self, flag=True):
        return self.requires_grad_(flag)


def array(data, dtype=None, trainable=False):
    return torch.Tensor._make_subclass(Node, torch.tensor(data, dtype=dtype), trainable)
"""


def guide_adapter_code() -> str:
    text = (ROOT / "docs" / "writing-an-adapter.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- adapter -->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/writing-an-adapter.md has no ```python block after <!-- adapter -->"
    return match.group(1)


def test_guide_adapter_is_under_80_lines() -> None:
    """The guide promises a complete adapter a reader can take in at once."""
    assert len(guide_adapter_code().splitlines()) < 80


def test_guide_adapter_loads_and_runs_the_specs(pytester: pytest.Pytester) -> None:
    """The guide's adapter, over a torch stand-in for its engine, loads and passes the specs it runs."""
    pytester.makepyfile(my_adapter=guide_adapter_code(), tapegrad=TAPEGRAD_STAND_IN)
    pytester.syspathinsert()
    backend = load_backend("my_adapter:backend")
    assert backend.name == "tapegrad"
    # Not the stateful spec: the stand-in is a torch.Tensor subclass, whose results under no_grad are
    # alias views (as_subclass), which torch forbids to change in place once they require grad (NG-2).
    # That is the stand-in's own semantics, not the guide adapter's, and the machine finds it.
    recorder = pytester.inline_run(
        *spec_run_args(["--backend", "my_adapter:backend", "-k", "not test_stateful", *QUIET_RUN])
    )
    passed, _, failed = recorder.listoutcomes()
    assert passed and not failed, f"the guide's adapter fails {[report.nodeid for report in failed]}"


# tinygrad's adapter, except that it reads values through realize(), which swaps a non-leaf's
# graph for its computed buffer: the mistake the shipped adapter avoids by reading with numpy().
REALIZING_TINYGRAD = """
import sys

import numpy as np

from conformance.backends import tinygrad_backend

globals().update({member: value for member, value in vars(tinygrad_backend).items() if not member.startswith("__")})
name = "realizing-tinygrad"


def to_numpy(t):
    return t._t.realize().numpy().copy() if isinstance(t, Tensor) else np.array(t, copy=True)


backend = sys.modules[__name__]
"""


def test_realize_cutting_tinygrad_graph_fails_a_clause_plainly(pytester: pytest.Pytester) -> None:
    """tinygrad's silent trap: a non-leaf realized before backward loses its graph. Read that way,
    the blitz example (its loss printed, then backpropagated) fails CHAIN-4 showing x.grad None."""
    engine_backend("tinygrad")
    pytester.makepyfile(realizing_tinygrad=REALIZING_TINYGRAD)
    pytester.syspathinsert()
    recorder = pytester.inline_run(
        *spec_run_args(["--backend", "realizing_tinygrad:backend", "-k", "test_blitz_mean_gives_4_5", *QUIET_RUN])
    )
    [failure] = recorder.getfailures()
    assert dict(failure.user_properties)["clause"] == "CHAIN-4"
    assert "x.grad = 6 (x + 2) / 4" in failure.longreprtext and "actual:   None" in failure.longreprtext
