"""How fast the reference engine runs three workloads, as ratios to torch measured side by side.

    python benchmarks/engine_speed.py [--rounds N] [--min-time SECONDS] [--threads N] [--workload KEY ...]

Each workload is written once, against the backend namespace a spec receives as ``torch``
(`conformance.registry.load_backend`), so both backends run literally the same code:

  (a) ``mlp``: one forward and backward pass of an MLP 784-256-10 (linear, relu, linear, mean
      squared error) on a batch of 64 in float32; the parameters' .grad is reset to None
      before each pass, untimed, so every pass does the same work.
  (b) ``chain``: graph overhead. A chain of 10,000 elementwise ops (``*2, +1, *0.5, -0.5``
      repeated, which maps y back to y, so values and gradients stay exact and never
      underflow) on a 16-element float32 tensor, then its sum's backward. The time covers
      building the graph, the backward and releasing the graph; ``chain-backward`` times the
      backward alone on a chain built, untimed, before each pass.
  (c) ``training``: the seed tutorial's loop that TRAIN-2 checks (001_7bced7f8c681d456.txt
      § code2: SGD on w1·x² + w2·x + b, 100 epochs of 3 samples, the update under no_grad),
      run through `specs.test_training_loops.train`, so it is the very loop the spec runs.

Timing follows `timeit`: a measurement calls the workload ``number`` times, ``number``
being chosen per backend (1, 2, 5, 10, 20, ...) so that one measurement lasts at least
``--min-time``; the best of ``--rounds`` measurements counts. The rounds interleave the
backends (torch first in even rounds, the reference first in odd ones) so that a busy
machine slows both alike. Unlike `timeit`, garbage collection stays on, since the Python
objects an engine's graph allocates are part of its cost; a collection runs before every
measurement so each one starts from the same heap. torch and NumPy's BLAS (OpenBLAS, reached
through ctypes as threadpoolctl does) are both pinned to ``--threads`` threads, by default as
many as this process may use; the header states the machine and the counts. On a machine that
other work keeps busy, both libraries' multithreaded matrix products slow down erratically (by
5 to 100 times on 2 cores: their threads wait on each other at every product), so (a) is then
best compared with ``--threads 1``, where each library's own speed shows.

Before timing, the script checks that both backends compute the same result for each
workload (the values of its loss, gradient or trained weight) and warns if they do not. It only
measures: the exit code is 0 whatever the ratios, and non-zero only when a backend cannot be loaded.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch as torch_library  # only to pin its thread count and read its version: workloads use the namespaces

from conformance.registry import BackendConfigError, load_backend
from specs.test_training_loops import no_grad_step, train

BASELINE, SUBJECT = "torch", "reference"

Arrange = Callable[[], Any]  # untimed, before each pass: returns what the pass acts on
Act = Callable[[Any], Any]  # the timed pass: returns a tensor whose values both backends must agree on


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    target: float | None  # the issue's target for the ratio reference/torch, None where it sets none
    prepare: Callable[[Any], tuple[Arrange, Act]]  # prepare(torch namespace) -> (arrange, act)


# ***** (a) an MLP's forward and backward *****

BATCH, LAYERS = 64, ((784, 256), (256, 10))  # (inputs, outputs) of each linear layer


def mlp(torch):
    """Linear 784-256, relu, linear 256-10, mean squared error against a fixed target, at batch 64."""
    rng = np.random.default_rng(0)  # the same data and weights on both backends
    x = torch.tensor(rng.standard_normal((BATCH, LAYERS[0][0]), dtype=np.float32))
    target = torch.tensor(rng.standard_normal((BATCH, LAYERS[-1][1]), dtype=np.float32))
    params = []
    for fan_in, fan_out in LAYERS:
        bound = 1 / np.sqrt(fan_in)  # PyTorch's nn.Linear initialisation range
        params.append(torch.tensor(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)))
        params.append(torch.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    for p in params:
        p.requires_grad_(True)
    w1, b1, w2, b2 = params

    def arrange():
        for p in params:
            p.grad = None  # zero_grad(set_to_none=True): each pass creates .grad afresh

    def act(_):
        hidden = torch.relu(x @ w1 + b1)
        loss = ((hidden @ w2 + b2 - target) ** 2).mean()
        loss.backward()
        return loss

    return arrange, act


# ***** (b) graph overhead: a long chain of small ops *****

CHAIN_LENGTH, CHAIN_WIDTH = 10_000, 16
CYCLE = (lambda y: y * 2.0, lambda y: y + 1.0, lambda y: y * 0.5, lambda y: y - 0.5)  # y -> y exactly, dy/dy = 1


def chain_leaf(torch):
    x = torch.arange(float(CHAIN_WIDTH))
    x.requires_grad_(True)
    return x


def build_chain(x):
    """The sum of the chain of ``CHAIN_LENGTH`` ops on ``x``: its backward gives x.grad = 1 everywhere."""
    y = x
    for i in range(CHAIN_LENGTH):
        y = CYCLE[i % len(CYCLE)](y)
    return y.sum()


def chain(torch):
    x = chain_leaf(torch)

    def arrange():
        x.grad = None

    def act(_):
        build_chain(x).backward()
        return x.grad

    return arrange, act


def chain_backward(torch):
    x = chain_leaf(torch)

    def arrange():
        x.grad = None
        return build_chain(x)

    def act(root):
        root.backward()
        return x.grad

    return arrange, act


# ***** (c) the seed tutorial's training loop *****


def training(torch):
    """TRAIN-2's loop (specs/test_training_loops.py, quadratic_loop with no_grad_step), from fresh weights each time."""

    def arrange():
        w1, w2, b = torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([1.0])
        for p in (w1, w2, b):
            p.requires_grad = True
        return w1, w2, b

    def act(params):
        w1, w2, b = params
        train(torch, [w1, w2, b], lambda x: w1 * (x**2) + w2 * x + b, no_grad_step)
        return w1  # the trained weight

    return arrange, act


WORKLOADS = (
    Workload("mlp", "(a) MLP 784-256-10, forward+backward, batch 64", 1.0, mlp),
    Workload("chain", "(b) 10,000-op chain: build+backward", 2.0, chain),
    Workload("chain-backward", "    of which the backward alone", None, chain_backward),
    Workload("training", "(c) seed training loop (TRAIN-2, 300 steps)", None, training),
)


# ***** timing *****


def measure(arrange: Arrange, act: Act, number: int) -> float:
    """Seconds per pass over ``number`` passes, counting only the ``act`` calls."""
    gc.collect()
    total = 0.0
    for _ in range(number):
        arranged = arrange()
        start = time.perf_counter()
        act(arranged)
        total += time.perf_counter() - start
    return total / number


def autorange(arrange: Arrange, act: Act, min_time: float) -> int:
    """The smallest ``number`` in 1, 2, 5, 10, 20, 50, ... whose passes last ``min_time`` in all (timeit's rule)."""
    for magnitude in (10**k for k in range(10)):
        for number in (magnitude, 2 * magnitude, 5 * magnitude):
            if measure(arrange, act, number) * number >= min_time:
                return number
    return number


def best_times(workload: Workload, backends: dict[str, Any], rounds: int, min_time: float) -> dict[str, float]:
    """The best seconds per pass of ``workload`` on each backend, over ``rounds`` interleaved rounds."""
    passes = {name: workload.prepare(backend) for name, backend in backends.items()}
    numbers = {name: autorange(*passes[name], min_time) for name in backends}  # also the warm-up
    best = {name: float("inf") for name in backends}
    for round_ in range(rounds):
        for name in list(backends)[:: 1 if round_ % 2 == 0 else -1]:
            best[name] = min(best[name], measure(*passes[name], numbers[name]))
    return best


def results_agree(workload: Workload, backends: dict[str, Any]) -> str | None:
    """None if every backend's pass gives the baseline's result (to float32 summation-order noise), else why not."""
    results = {name: workload.prepare(backend) for name, backend in backends.items()}
    values = {name: backends[name].to_numpy(act(arrange())).sum() for name, (arrange, act) in results.items()}
    if all(np.isclose(value, values[BASELINE], rtol=1e-4) for value in values.values()):
        return None
    return ", ".join(f"{name} {value!r}" for name, value in values.items())


# ***** the machine *****


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class OpenBLAS:
    """NumPy's OpenBLAS, reached through the library this process loaded (as threadpoolctl does)."""

    library: str
    get_num_threads: Callable[[], int]
    set_num_threads: Callable[[int], None]


def numpy_openblas() -> OpenBLAS | None:
    """The OpenBLAS NumPy loaded, found by its thread functions' names, or None if NumPy uses another BLAS."""
    np.ones(2) @ np.ones(2)  # make sure the BLAS is loaded
    try:
        with open("/proc/self/maps") as maps:
            libraries = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None
    for path in libraries:
        library = ctypes.CDLL(path)
        for prefix in ("scipy_", ""):  # NumPy's wheels rename OpenBLAS's symbols
            for suffix in ("64_", ""):
                name = f"{prefix}openblas_%s_num_threads{suffix}"
                if hasattr(library, name % "get"):
                    return OpenBLAS(
                        os.path.basename(path), getattr(library, name % "get"), getattr(library, name % "set")
                    )
    return None


def pin_threads(threads: int) -> list[str]:
    """Give torch and NumPy's BLAS ``threads`` threads each; the header lines that say so."""
    torch_library.set_num_threads(threads)
    blas = numpy_openblas()
    if blas is None:
        blas_line = "BLAS not OpenBLAS: its threads are left as NumPy set them"
    else:
        blas.set_num_threads(threads)
        blas_line = f"BLAS OpenBLAS ({blas.library}) pinned to {blas.get_num_threads()} threads"
    return [
        f"machine: {cpu_model()}, {usable_cores()} usable cores; Python {platform.python_version()}",
        f"numpy {np.__version__}, {blas_line}",
        f"torch {torch_library.__version__}, pinned to {torch_library.get_num_threads()} intra-op threads",
    ]


# ***** the report *****


def duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:7.2f} {unit}"
    return f"{seconds / 1e-9:7.0f} ns"


def row(workload: Workload, best: dict[str, float]) -> str:
    ratio = best[SUBJECT] / best[BASELINE]
    if workload.target is None:
        verdict = f"{'-':>7}  {'':<3}"
    else:
        verdict = f"{'<= ' + format(workload.target, '.1f'):>7}  {'yes' if ratio <= workload.target else 'NO':<3}"
    return f"{workload.title:<48} {duration(best[SUBJECT])} {duration(best[BASELINE])} {ratio:7.2f}  {verdict}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="measurements per backend and workload; the best counts")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds one measurement lasts at least")
    parser.add_argument(
        "--threads", type=int, help="threads for torch and for NumPy's BLAS (default: all usable cores)"
    )
    parser.add_argument(
        "--workload", action="append", choices=[w.key for w in WORKLOADS], help="run only these (default: all)"
    )
    options = parser.parse_args(argv)
    header = pin_threads(options.threads or usable_cores())
    try:
        backends = {name: load_backend(name) for name in (BASELINE, SUBJECT)}
    except BackendConfigError as error:
        raise SystemExit(f"the benchmark cannot run: {error}") from None
    # Both libraries live in this one process, so a full garbage collection would scan
    # torch's ~175k import-time objects too: one costs about as much as torch's whole chain
    # (b), a cost no process using the reference engine alone pays. Freezing moves every
    # object allocated so far out of the collector's reach; the workloads' own objects, the
    # graphs each engine builds, are still collected and still counted.
    gc.freeze()
    workloads = [w for w in WORKLOADS if not options.workload or w.key in options.workload]

    print(*header, sep="\n")
    print(f"best of {options.rounds} interleaved rounds, each of at least {options.min_time} s; time per pass\n")
    print(f"{'workload':<48} {SUBJECT:>10} {BASELINE:>10} {'ratio':>7}  {'target':>7}  met")
    for workload in workloads:
        disagreement = results_agree(workload, backends)
        print(row(workload, best_times(workload, backends, options.rounds, options.min_time)), flush=True)
        if disagreement:
            print(f"    WARNING: the backends' results differ: {disagreement}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
