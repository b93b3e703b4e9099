"""Benchmark: drawing every figure of a whole-city run (Rongcheng, 670,000 residents).

Runs ``rongcheng_city`` once (and its twin world without feedback, for the selection and
feedback figure), then draws and saves every figure of the run, as ``score-sim run`` does,
several times, and prints the median wall time and CPU time of the whole set and of each
figure. The target: all figures of a 670,000 run in under 1 s.

    python benchmarks/figures.py [--repeats 5] [--citizens 670000]

Writes ``benchmarks/results/figures.csv``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from score_sim.harm_plots import write_harm_figures
from score_sim.model import ScoreModel
from score_sim.plots import FigureContext, write_figures
from score_sim.summary import summarize

RESULTS = Path(__file__).parent / "results"


def draw_all(model: ScoreModel, summary: dict, out_dir: Path) -> list[Path]:
    """Every figure of a run, as the runner draws them."""
    context = FigureContext.of_model(model)
    timeseries = model.timeseries()
    paths = write_figures(
        timeseries, context, out_dir, summary["pariah_spiral"]["grade_transitions"]
    )
    paths += write_harm_figures(
        timeseries, model.sanctions.cascades, summary, context, out_dir, model.trajectories()
    )
    return paths


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
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        draw_all(model, summary, Path(tmp) / "warm-up")  # font cache, imports
        for repeat in range(args.repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            paths = draw_all(model, summary, Path(tmp) / str(repeat))
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    names = [p.name for p in paths]
    print(f"{len(names)} figures: {', '.join(names)}")
    print(
        f"all figures: median wall {statistics.median(walls):.3f} s, "
        f"median CPU {statistics.median(cpus):.3f} s "
        f"(runs: {', '.join(f'{w:.3f}' for w in walls)})"
    )
    RESULTS.mkdir(exist_ok=True)
    lines = ["repeat,wall_s,cpu_s"] + [
        f"{i},{w:.4f},{c:.4f}" for i, (w, c) in enumerate(zip(walls, cpus, strict=True))
    ]
    (RESULTS / "figures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
