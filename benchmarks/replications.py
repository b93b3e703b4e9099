"""How long each replication takes: its quick version and its full version.

    python benchmarks/replications.py                  # quick versions, 3 repeats each
    python benchmarks/replications.py --full --repeats 1
    python benchmarks/replications.py --names lending_liu2018 --workers 1

For each replication it prints the median wall time over the repeats with the given
number of worker processes (default: 2, the machine this project targets) and the median
CPU seconds its runs took (measured in the processes that ran them). The load average is
printed too: other work on the machine lengthens wall times, not CPU times; on an idle
machine the wall time is about the CPU seconds over the workers, plus a second or two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from score_sim.experiments.replications import REPLICATIONS, replicate


def main() -> None:
    """Time the replications' quick (or full) versions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full versions")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--names", nargs="*", default=list(REPLICATIONS))
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in args.names:
        walls, cpus = [], []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as tmp:
                wall = time.perf_counter()
                result = replicate(
                    REPLICATIONS[name],
                    quick=not args.full,
                    out_dir=Path(tmp) / name,
                    workers=args.workers,
                )
                walls.append(time.perf_counter() - wall)
                cpus.append(result.runs_cpu_s)
        held = sum(claim.holds for claim in result.outcome.claims)
        print(
            f"{name} ({'full' if args.full else 'quick'}, {len(result.rows)} rows, "
            f"{len(result.seeds)} seeds): wall median {statistics.median(walls):.1f} s "
            f"over {args.repeats} with {args.workers} workers, the runs "
            f"{statistics.median(cpus):.1f} CPU-seconds; "
            f"{held} of {len(result.outcome.claims)} claims hold; load average now "
            f"{os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
