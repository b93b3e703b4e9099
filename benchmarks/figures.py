"""Benchmark: drawing every figure of a whole-city run (Rongcheng, 670,000 residents).

Runs ``rongcheng_city`` with its own seed, as ``score-sim run --decompose`` does (with its
twin world without feedback, for the selection and feedback figure: eight figures; plain
``score-sim run rongcheng_city`` draws seven, its people being alike). Then draws and saves
every figure of the run exactly as ``score-sim run`` does
(:func:`score_sim.runner.run_figure_jobs` and :func:`score_sim.plots.save_figures` with its
default number of processes, one per usable core), several times, alternating with the same
figures drawn in this process alone (``workers=1``), so that other work on the machine
weighs on both alike. Prints the first draw (as in a fresh ``score-sim run``, before any
figure has been drawn), then the median wall time and CPU time (this process and its forked
ones) of the whole set in each mode, and the load average. The target: all figures of a
670,000 run in under 1 s.

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

from score_sim.model import ScoreModel
from score_sim.plots import default_workers, save_figures
from score_sim.runner import run_figure_jobs, simulate
from score_sim.scenario import resolve_scenario
from score_sim.summary import summarize

RESULTS = Path(__file__).parent / "results"


def draw_all(
    model: ScoreModel, summary: dict, out_dir: Path, workers: int | None = None
) -> list[Path]:
    """Every figure of a run, as the runner draws them (``workers=None``: its default)."""
    return save_figures(run_figure_jobs(model, summary, out_dir), workers)


def timed(model: ScoreModel, summary: dict, out_dir: Path, workers: int | None):
    """Draw every figure once; return (paths, wall s, CPU s of this process and its children)."""
    before = os.times()
    wall = time.perf_counter()
    paths = draw_all(model, summary, out_dir, workers)
    wall = time.perf_counter() - wall
    after = os.times()
    return paths, wall, sum(after[:4]) - sum(before[:4])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--citizens", type=int, default=None, help="default: the scenario's")
    args = parser.parse_args()
    sizes = (
        {} if args.citizens is None else {"citizens": args.citizens, "firms": args.citizens // 20}
    )
    started = time.perf_counter()
    model, twin = simulate(resolve_scenario("rongcheng_city", **sizes), decompose=True)
    summary = summarize(model, twin)
    print(
        f"rongcheng_city: {model.world.n_citizens:,} citizens, {model.world.n_firms:,} firms, "
        f"{model.steps} days, {model.sanctions.cascades.size:,} cascades "
        f"(simulated in {time.perf_counter() - started:.1f} s)"
    )
    n_default = default_workers(len(run_figure_jobs(model, summary, Path("figures"))))
    modes = {
        f"default ({n_default} process{'es' if n_default > 1 else ''})": None,
        "one process": 1,
    }
    rows = []
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        paths, wall, cpu = timed(model, summary, Path(tmp) / "first", None)
        rows.append(("first (default)", wall, cpu))
        print(f"first draw, default: {len(paths)} figures, wall {wall:.3f} s, CPU {cpu:.3f} s")
        results: dict[str, tuple[list[float], list[float]]] = {m: ([], []) for m in modes}
        for repeat in range(args.repeats):
            for label, workers in modes.items():
                _, wall, cpu = timed(model, summary, Path(tmp) / f"{workers}-{repeat}", workers)
                results[label][0].append(wall)
                results[label][1].append(cpu)
                rows.append((label, wall, cpu))
            loads.append(os.getloadavg()[0])
    for label, (walls, cpus) in results.items():
        print(
            f"{label}: median wall {statistics.median(walls):.3f} s, "
            f"median CPU {statistics.median(cpus):.3f} s "
            f"(walls: {', '.join(f'{w:.3f}' for w in walls)})"
        )
    print(f"load average (1 min) during the runs: {min(loads):.2f} to {max(loads):.2f}")
    print(f"figures: {', '.join(p.name for p in paths)}")
    RESULTS.mkdir(exist_ok=True)
    lines = ["mode,wall_s,cpu_s"] + [f"{m},{w:.4f},{c:.4f}" for m, w, c in rows]
    (RESULTS / "figures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
