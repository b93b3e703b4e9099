"""Benchmark: time and peak memory of ``score-sim run`` at several population sizes.

Each measurement runs the real command line in a fresh process (``python -m score_sim run``),
so it includes start-up, model building, stepping and writing every output. Wall time comes
from the clock around the child process, peak memory from the kernel's accounting of that
child (``wait4``'s maximum resident set size). Each size runs ``--repeat`` times; the table
shows the median.

Usage::

    python benchmarks/run.py                      # baseline at 10,000 and 100,000 citizens
    python benchmarks/run.py --sizes 10000 670000 --repeat 3 --scenario baseline
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(scenario: str, citizens: int, steps: int, figures: bool) -> tuple[float, float]:
    """Run the CLI once; return (wall seconds, peak RSS in MB) of the child process."""
    with tempfile.TemporaryDirectory() as tmp:
        firms = max(1, citizens // 20)
        command = [
            sys.executable,
            "-m",
            "score_sim",
            "run",
            scenario,
            "--citizens",
            str(citizens),
            "--firms",
            str(firms),
            "--steps",
            str(steps),
            "--out",
            str(Path(tmp) / "out"),
        ]
        if not figures:
            command.append("--no-figures")
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"run failed: {child.stderr.read().decode() if child.stderr else ''}")
        return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--steps", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--csv", type=Path, default=HERE / "results" / "cli_runs.csv")
    args = parser.parse_args()

    print(
        f"# {platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()}"
    )
    print(f"# score-sim run {args.scenario}, {args.steps} days, median of {args.repeat}")
    print(f"{'citizens':>10} {'wall s':>8} {'peak MB':>8} {'agent-days/s':>14}")
    rows = []
    for size in args.sizes:
        runs = [
            measure(args.scenario, size, args.steps, not args.no_figures)
            for _ in range(args.repeat)
        ]
        wall = statistics.median(r[0] for r in runs)
        peak = statistics.median(r[1] for r in runs)
        actors = size + max(1, size // 20)
        rate = actors * args.steps / wall
        print(f"{size:>10,} {wall:>8.2f} {peak:>8.0f} {rate:>14,.0f}")
        rows.append(
            {
                "citizens": size,
                "wall_s": round(wall, 3),
                "peak_mb": round(peak, 1),
                "agent_days_per_s": round(rate),
            }
        )
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with args.csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"# written: {args.csv}")


if __name__ == "__main__":
    main()
