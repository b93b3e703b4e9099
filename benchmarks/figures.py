"""Benchmark: drawing every figure of a whole-city run (Rongcheng, 670,000 residents).

Runs ``rongcheng_city`` once (and its twin world without feedback, for the selection and
feedback figure), then draws and saves every figure of the run, as ``score-sim run`` does,
several times, in one process (the default) and in two forked workers, and prints the median
wall time and CPU time (this process and its workers) of the whole set. The target: all
figures of a 670,000 run in under 1 s.

    python benchmarks/figures.py [--repeats 5] [--citizens 670000]

Writes ``benchmarks/results/figures.csv``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from score_sim.harm_plots import harm_figure_jobs
from score_sim.model import ScoreModel
from score_sim.plots import FigureContext, figure_jobs, save_figures
from score_sim.summary import summarize

RESULTS = Path(__file__).parent / "results"


def draw_all(
    model: ScoreModel, summary: dict, out_dir: Path, workers: int | None = None
) -> list[Path]:
    """Every figure of a run, as the runner draws them."""
    context = FigureContext.of_model(model)
    timeseries = model.timeseries()
    jobs = figure_jobs(timeseries, context, out_dir, summary["pariah_spiral"]["grade_transitions"])
    jobs += harm_figure_jobs(
        timeseries, model.sanctions.cascades, summary, context, out_dir, model.trajectories()
    )
    return save_figures(jobs, workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--citizens", type=int, default=None, help="default: the scenario's")
    args = parser.parse_args()
    sizes = (
        {} if args.citizens is None else {"citizens": args.citizens, "firms": args.citizens // 20}
    )
    started = time.perf_counter()
    model = ScoreModel("rongcheng_city", **sizes).run()
    twin = ScoreModel("rongcheng_city", **sizes, **{"effects.enabled": False}).run()
    summary = summarize(model, twin)
    print(
        f"rongcheng_city: {model.world.n_citizens:,} citizens, {model.world.n_firms:,} firms, "
        f"{model.steps} days, {model.sanctions.cascades.size:,} cascades "
        f"(simulated in {time.perf_counter() - started:.1f} s)"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        draw_all(model, summary, Path(tmp) / "warm-up", 1)  # font cache, imports
        for workers in (1, 2):
            label = "one process (default)" if workers == 1 else "two forked workers"
            walls, cpus = [], []
            for repeat in range(args.repeats):
                before = os.times()
                wall = time.perf_counter()
                paths = draw_all(model, summary, Path(tmp) / f"{workers}-{repeat}", workers)
                walls.append(time.perf_counter() - wall)
                after = os.times()
                cpus.append(
                    sum(after[:4]) - sum(before[:4])  # this process and its workers
                )
            rows += [(label, w, c) for w, c in zip(walls, cpus, strict=True)]
            print(
                f"{label}: {len(paths)} figures, median wall {statistics.median(walls):.3f} s, "
                f"median CPU {statistics.median(cpus):.3f} s "
                f"(walls: {', '.join(f'{w:.3f}' for w in walls)})"
            )
    print(f"figures: {', '.join(p.name for p in paths)}")
    RESULTS.mkdir(exist_ok=True)
    lines = ["mode,wall_s,cpu_s"] + [f"{m},{w:.4f},{c:.4f}" for m, w, c in rows]
    (RESULTS / "figures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
