"""How long the whole suite takes on each backend, as ratios to torch measured in one run.

    python benchmarks/suite_speed.py [--backend NAME ...] [--rounds N] [extra pytest arguments]

Runs ``autograd-conformance --backend NAME`` with the ci hypothesis profile (the same
examples every time) for torch and each other backend (default: the bundled reference
engine), alternating backends round by round so that a busy machine slows them alike, and
prints each backend's best wall time and its ratio to torch's. It only measures: failing
specs do not change its exit code, which is non-zero only when a run could not start.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

BASELINE = "torch"
RUN = ["autograd-conformance", "--hypothesis-profile", "ci", "-q", "--tb=no", "-p", "no:cacheprovider"]


def timed_run(backend: str, extra: list[str]) -> tuple[float, str]:
    """Wall time of one suite run on ``backend``, and pytest's summary line."""
    start = time.perf_counter()
    run = subprocess.run([*RUN, "--backend", backend, *extra], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode not in (0, 1):
        raise SystemExit(f"{backend}: the run could not start (exit {run.returncode})\n{run.stderr or run.stdout}")
    return elapsed, (run.stdout.strip().splitlines() or ["(no output)"])[-1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", action="append", default=[], help="a backend to compare with torch")
    parser.add_argument("--rounds", type=int, default=3, help="runs per backend; the best one counts")
    options, extra = parser.parse_known_args(argv)
    backends = [BASELINE, *(options.backend or ["reference"])]
    best: dict[str, float] = {}
    summary: dict[str, str] = {}
    for _ in range(options.rounds):
        for backend in backends:
            elapsed, summary[backend] = timed_run(backend, extra)
            best[backend] = min(elapsed, best.get(backend, elapsed))
    print(f"{' '.join(RUN)} --backend NAME {' '.join(extra)}; best of {options.rounds} rounds")
    for backend in backends:
        ratio = best[backend] / best[BASELINE]
        print(f"  {backend:<12} {best[backend]:6.2f} s  {ratio:5.2f}x {BASELINE}   ({summary[backend]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
