"""How long the whole suite takes against torch and the reference engine, as CI runs it.

    python benchmarks/suite_speed.py [extra pytest arguments]

Runs ``autograd-conformance --backend torch --backend reference`` with the ci hypothesis
profile on two workers and prints the wall time against the budget. It only measures:
failing specs (the reference engine is still being written) do not change its exit
code, which is non-zero only when the run could not start or exceeds the budget.
"""

from __future__ import annotations

import subprocess
import sys
import time

BUDGET_SECONDS = 60.0
COMMAND = [
    "autograd-conformance",
    *("--backend", "torch", "--backend", "reference"),
    *("--hypothesis-profile", "ci", "-n", "2", "-q", "--tb=no", "-p", "no:cacheprovider"),
]


def main(extra: list[str]) -> int:
    start = time.perf_counter()
    run = subprocess.run([*COMMAND, *extra], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    outcome = (run.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"{' '.join(COMMAND + extra)}\n  {outcome}\n  wall time {elapsed:.1f} s (budget {BUDGET_SECONDS:g} s)")
    if run.returncode not in (0, 1):
        print(run.stderr or run.stdout, file=sys.stderr)
        return run.returncode
    return 0 if elapsed <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
