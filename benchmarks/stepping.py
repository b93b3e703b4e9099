"""Benchmark: the time to step a city, this checkout against another commit, side by side.

A restructuring must not slow the day down. For each size, this builds the scenario's
model and times only the stepping (``ScoreModel.step`` for every day), with the code of
this checkout (A) and of another commit (B, checked out into a temporary git worktree),
each in a fresh process, alternating A B A B ... so that a machine whose speed drifts
affects both alike. It prints each side's median stepping time and the median of the
pairwise ratios A/B.

    python benchmarks/stepping.py --against main
    python benchmarks/stepping.py --against HEAD~3 --sizes 10000 670000 --days 365 --pairs 5
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Builds the model, then prints the CPU and wall seconds spent stepping it.
DRIVER = """
import sys, time
from score_sim.model import ScoreModel
from score_sim.scenario import load_scenario
scenario, citizens, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
model = ScoreModel(load_scenario(scenario), rng=1, citizens=citizens,
                   firms=max(citizens // 20, 1), steps=days)
wall, cpu = time.perf_counter(), time.process_time()
while model.running:
    model.step()
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def step_seconds(src: Path, scenario: str, citizens: int, days: int) -> float:
    """Wall seconds spent stepping, in a fresh process importing score_sim from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", DRIVER, scenario, str(citizens), str(days)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.split()[0])


def main() -> int:
    """Time this checkout against ``--against`` at each size; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the commit to compare with")
    parser.add_argument("--scenario", default="national_concept")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 670_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--pairs", type=int, default=5, help="alternating runs of each")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, ", end="")
    print(f"load average {load:.2f}; {args.scenario}, {args.days} days, {args.pairs} pairs")
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "reference"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(reference), args.against],
            check=True,
            capture_output=True,
        )
        try:
            print("citizens  this checkout (s)  " + f"{args.against} (s)  ratio (median)")
            for size in args.sizes:
                a_times, b_times, ratios = [], [], []
                step_seconds(ROOT / "src", args.scenario, size, min(args.days, 5))  # warm-up
                for _ in range(args.pairs):
                    a = step_seconds(ROOT / "src", args.scenario, size, args.days)
                    b = step_seconds(reference / "src", args.scenario, size, args.days)
                    a_times.append(a)
                    b_times.append(b)
                    ratios.append(a / b)
                print(
                    f"{size:>8,}  {statistics.median(a_times):17.3f}  "
                    f"{statistics.median(b_times):{len(args.against) + 4}.3f}  "
                    f"{statistics.median(ratios):.3f} "
                    f"(min {min(ratios):.3f}, max {max(ratios):.3f})",
                    flush=True,
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(reference)],
                check=False,
                capture_output=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
