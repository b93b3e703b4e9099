"""Benchmark: whole-city runs at several sizes, and the vectorised model against per-agent Mesa.

Two measurements, one table:

1. Scaling. ``score-sim run SCENARIO --citizens N --firms N/20`` runs as a user would run it,
   in a fresh process, from start to finished outputs. Wall time is the clock around the
   child process; peak memory is the kernel's account of the child (``wait4``'s maximum
   resident set size); the stepping time comes from the run's manifest
   (``phase_times_s.steps``) and gives agent-days per second. Each size runs ``--repeat``
   times; the table shows medians. The memory guard's estimate is shown beside the
   measured peak.
2. Reference. At ``--reference-citizens`` the per-agent Mesa reference
   (``benchmarks/reference_model.py``, written the way Mesa's examples are) and the
   vectorised model step the same core-only scenario for the same days; the ratio of their
   stepping times is the speed-up. The benchmark also checks that the two agree: the
   reference's final mean scores and list counts must lie within sampling error of the
   vectorised model's spread over several seeds.

Usage::

    python benchmarks/run.py                       # full: 10k, 100k, 670k, 2M; 3 repeats
    python benchmarks/run.py --sizes 10000 100000 --repeat 1 --reference-citizens 2000

Writes ``benchmarks/results/scaling.csv`` and ``benchmarks/results/scaling.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

FIRMS_PER_CITIZEN = 1 / 20


def machine() -> str:
    """One line about this machine."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run_cli(scenario: str, citizens: int, steps: int) -> dict[str, float]:
    """One ``score-sim run`` in a fresh process: wall s, peak MB, stepping s."""
    firms = max(1, round(citizens * FIRMS_PER_CITIZEN))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [
            sys.executable, "-m", "score_sim", "run", scenario,
            "--citizens", str(citizens), "--firms", str(firms), "--steps", str(steps),
            "--out", str(out), "--no-decompose",
        ]  # fmt: skip
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            error = child.stderr.read().decode() if child.stderr else ""
            raise SystemExit(f"score-sim run failed at {citizens:,} citizens:\n{error}")
        manifest = json.loads((out / "manifest.json").read_text())
    return {
        "wall_s": wall,
        "peak_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "steps_s": manifest["phase_times_s"]["steps"],
        "actors": citizens + firms,
    }


def scaling(scenario: str, sizes: list[int], steps: int, repeat: int) -> list[dict]:
    """Median figures of ``repeat`` CLI runs at each size."""
    from score_sim.memory import estimate_bytes

    rows = []
    for citizens in sizes:
        runs = [run_cli(scenario, citizens, steps) for _ in range(repeat)]
        actors = runs[0]["actors"]
        steps_s = statistics.median(r["steps_s"] for r in runs)
        firms = actors - citizens
        rows.append(
            {
                "citizens": citizens,
                "firms": firms,
                "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
                "steps_s": round(steps_s, 3),
                "agent_days_per_s": round(actors * steps / steps_s),
                "peak_mb": round(statistics.median(r["peak_mb"] for r in runs), 1),
                "estimate_mb": round(estimate_bytes(citizens, firms) / 2**20, 1),
            }
        )
        row = rows[-1]
        print(
            f"{citizens:>10,} {row['wall_s']:>8.2f} {row['steps_s']:>8.2f} "
            f"{row['agent_days_per_s'] / 1e6:>10.1f}M {row['peak_mb']:>8.0f} "
            f"{row['estimate_mb']:>9.0f}",
            flush=True,
        )
    return rows


def reference_comparison(citizens: int, steps: int, seeds: int) -> dict:
    """Stepping time of the per-agent reference and of the vectorised model, and agreement."""
    from reference_model import ReferenceModel

    from score_sim.model import ScoreModel
    from score_sim.scenario import load_scenario

    scenario = load_scenario(
        "baseline",
        {
            "population.citizens": citizens,
            "population.firms": max(1, round(citizens * FIRMS_PER_CITIZEN)),
            "run.steps": steps,
        },
    )
    reference = ReferenceModel(scenario, seed=1)
    started = time.perf_counter()
    for _ in range(steps):
        reference.step()
    reference_s = time.perf_counter() - started
    ref_final = reference.datacollector.get_model_vars_dataframe().iloc[-1]

    vector_times, finals = [], []
    for seed in range(1, seeds + 1):
        model = ScoreModel(scenario, rng=seed)
        started = time.perf_counter()
        model.run()
        vector_times.append(time.perf_counter() - started)
        finals.append(model.metrics)
    checks = {}
    for column in (
        "citizen_mean_score",
        "citizen_n_blacklisted",
        "firm_mean_score",
        "firm_n_blacklisted",
    ):
        values = np.array([f[column] for f in finals])
        spread = values.std(ddof=1) if values.size > 1 else 0.0
        # one reference run against the vectorised model's spread over seeds
        tolerance = 4 * spread * np.sqrt(1 + 1 / values.size) + 0.5
        checks[column] = (float(ref_final[column]), float(values.mean()), float(tolerance))
    agree = all(abs(r - v) <= t for r, v, t in checks.values())
    vector_s = statistics.median(vector_times)
    return {
        "citizens": citizens,
        "reference_steps_s": round(reference_s, 3),
        "vectorised_steps_s": round(vector_s, 4),
        "ratio": round(reference_s / vector_s, 1),
        "agree": agree,
        "checks": checks,
    }


def plot(rows: list[dict], path: Path, title: str) -> None:
    """Log-log plot of wall and stepping time against population, with a linear guide."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    citizens = np.array([r["citizens"] for r in rows], dtype=float)
    wall = np.array([r["wall_s"] for r in rows])
    steps = np.array([r["steps_s"] for r in rows])
    figure = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.loglog(citizens, wall, "o-", label="whole run (wall)")
    ax.loglog(citizens, steps, "s-", label="stepping only")
    guide = steps[-1] * citizens / citizens[-1]
    ax.loglog(citizens, guide, ":", color="0.5", label="linear in population")
    ax.set_xlabel("citizens (firms: one per 20)")
    ax.set_ylabel("time (s)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="rongcheng_city")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 670_000, 2_000_000]
    )
    parser.add_argument("--steps", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-citizens", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=8, help="vectorised seeds for agreement")
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()

    print(f"# {machine()}")
    print(f"# score-sim run {args.scenario}, {args.steps} days, median of {args.repeat}")
    print(f"{'citizens':>10} {'wall s':>8} {'steps s':>8} {'agent-days/s':>11} {'peak MB':>8} "
          f"{'estimate':>9}")  # fmt: skip
    rows = scaling(args.scenario, args.sizes, args.steps, args.repeat)
    if len(rows) > 1:
        slope = np.polyfit(
            np.log([r["citizens"] for r in rows]), np.log([r["steps_s"] for r in rows]), 1
        )[0]
        print(f"# stepping time grows as population^{slope:.2f} over all sizes (1.00 is linear)")
        top = rows[-2:]
        local = np.log(top[1]["steps_s"] / top[0]["steps_s"]) / np.log(
            top[1]["citizens"] / top[0]["citizens"]
        )
        print(
            f"# between {top[0]['citizens']:,} and {top[1]['citizens']:,}: population^{local:.2f}"
        )

    if not args.no_reference:
        ref = reference_comparison(args.reference_citizens, args.steps, args.seeds)
        print(
            f"# reference (per-agent Mesa, baseline, {ref['citizens']:,} citizens): "
            f"{ref['reference_steps_s']:.2f} s stepping; vectorised "
            f"{ref['vectorised_steps_s']:.3f} s; ratio {ref['ratio']:.0f}x; "
            f"results agree: {'yes' if ref['agree'] else 'NO'}"
        )
        for column, (r, v, t) in ref["checks"].items():
            print(f"#   {column}: reference {r:.2f}, vectorised {v:.2f} +- {t:.2f}")
        for row in rows:
            row["ratio_vs_reference"] = ref["ratio"] if row["citizens"] == ref["citizens"] else ""

    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "scaling.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, RESULTS / "scaling.png", f"score-sim run {args.scenario} · {machine()}")
    print(f"# written: {RESULTS / 'scaling.csv'}, {RESULTS / 'scaling.png'}")


if __name__ == "__main__":
    main()
