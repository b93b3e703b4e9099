"""Same seed, same bytes: every bundled scenario's outputs, here and at another commit.

A restructuring must not change what a run writes. This script runs every bundled scenario
at several sizes and seeds with the code of this checkout and with the code of another
commit (checked out into a temporary git worktree), and compares ``timeseries.csv``,
``agents.csv``, ``events.csv``, ``cascades.csv`` and ``summary.json`` byte for byte.

    python benchmarks/same_bytes.py --against HEAD~1
    python benchmarks/same_bytes.py --against main --seeds 1 2 3 --sizes 2000:100:60 600:40:200

It prints one line per run that differs (and the first differing line of each file) and
exits with status 1 if any differs, 0 if all are identical.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("timeseries.csv", "agents.csv", "events.csv", "cascades.csv", "summary.json")

# Runs every (scenario, size, seed) with the score_sim importable in this interpreter.
DRIVER = """
import json, sys
from pathlib import Path
from score_sim.runner import run_scenario
from score_sim.scenario import bundled_scenarios

jobs = json.loads(sys.argv[1])
out = Path(sys.argv[2])
names = jobs["scenarios"] or sorted(bundled_scenarios())
for name in names:
    for citizens, firms, steps in jobs["sizes"]:
        for seed in jobs["seeds"]:
            run_scenario(
                name,
                out / f"{name}-{citizens}-{firms}-{steps}-{seed}",
                seed=seed,
                citizens=citizens,
                firms=firms,
                steps=steps,
                figures=False,
                command_line=["same_bytes"],
            )
            print(name, citizens, firms, steps, seed, flush=True)
"""


def run_all(src: Path, jobs: dict, out: Path) -> None:
    """Run every job with the package found under ``src``."""
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}
    subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(jobs), str(out)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def first_difference(a: Path, b: Path) -> str:
    """The first line at which two text files differ, as ``line N``."""
    lines_a = a.read_text().splitlines()
    lines_b = b.read_text().splitlines()
    for number, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
        if x != y:
            return f"line {number}: {x[:80]!r} vs {y[:80]!r}"
    return f"lengths {len(lines_a)} vs {len(lines_b)} lines"


def size(text: str) -> list[int]:
    """``citizens:firms:days`` as three whole numbers."""
    parts = [int(p) for p in text.split(":")]
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"{text!r}: write citizens:firms:days")
    return parts


def main() -> int:
    """Compare this checkout's outputs with another commit's; exit 1 on any difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the commit to compare with")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 7, 2024])
    parser.add_argument("--sizes", type=size, nargs="+", default=[[1500, 80, 90], [400, 40, 400]])
    parser.add_argument("--scenarios", nargs="*", default=[], help="default: every bundled one")
    args = parser.parse_args()
    jobs = {"scenarios": args.scenarios, "sizes": args.sizes, "seeds": args.seeds}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        reference = tmp_path / "reference"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(reference), args.against],
            check=True,
            capture_output=True,
        )
        try:
            run_all(reference / "src", jobs, tmp_path / "before")
            run_all(ROOT / "src", jobs, tmp_path / "after")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(reference)],
                check=False,
                capture_output=True,
            )
        runs = sorted(p.name for p in (tmp_path / "before").iterdir())
        differing = 0
        for run in runs:
            for name in FILES:
                a, b = tmp_path / "before" / run / name, tmp_path / "after" / run / name
                if a.read_bytes() != b.read_bytes():
                    differing += 1
                    print(f"DIFFERS {run}/{name}: {first_difference(a, b)}")
        print(f"{len(runs)} runs x {len(FILES)} files compared with {args.against}: ", end="")
        print("all identical" if not differing else f"{differing} files differ")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
