"""Benchmark: sweeps. Throughput, overhead per run, and memory over many runs.

Three measurements, one table (``benchmarks/results/sweep.csv``):

1. **Throughput.** ``score-sim sweep`` of 64 runs of ``baseline`` (10,000 citizens, 500
   firms, 365 days) on 2 local workers, in a fresh process and a fresh folder, as a user
   runs it: the wall clock around the command, and per run. Beside it, one run of the
   per-agent Mesa reference (``benchmarks/reference_model.py``) on the same scenario.
2. **Overhead per run.** In one process, what a worker does for a run (:func:`run_task`:
   validate the scenario with its changes, build the city, step, measure) against the
   stepping alone, over the same seeds. Overhead = (task - stepping) / stepping. Then the
   sweep's own overhead: the wall of the 64-run sweep against its runs' simulation time
   divided by the workers (start-up of the workers, sending tasks, storing results).
3. **Memory.** ``score-sim sweep`` of 100 and of 1,000 small runs (1,000 citizens, 50
   days): the peak resident memory of the whole process tree (parent, fork server,
   workers), sampled every 50 ms. It should not grow with the number of runs.

Usage::

    python benchmarks/sweep.py                 # everything, 3 repeats of the 64-run sweep
    python benchmarks/sweep.py --repeat 1 --skip-memory
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))


def write_spec(folder: Path, name: str, **spec) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def run_sweep_cli(spec: Path, out: Path, workers: int) -> tuple[float, float]:
    """Run ``score-sim sweep`` in a fresh process: wall seconds, peak MB of the tree."""
    command = [sys.executable, "-m", "score_sim", "sweep", str(spec), "--out", str(out)]
    command += ["--workers", str(workers)]
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "CI": "true"},
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        try:
            parent = psutil.Process(child.pid)
            while not done.is_set():
                total = 0
                for process in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += process.memory_info().rss
                peak[0] = max(peak[0], total)
                time.sleep(0.05)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, error = child.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"score-sim sweep failed:\n{error.decode()}")
    return wall, peak[0] / 2**20


def overhead(citizens: int, steps: int, runs: int) -> dict[str, float]:
    """Median task time against stepping time of the same runs, in one process."""
    from score_sim.experiments.spec import load_sweep
    from score_sim.experiments.sweep import run_task
    from score_sim.model import ScoreModel
    from score_sim.scenario import scenario_from_data

    plan = load_sweep({"scenario": "baseline", "seeds": runs, "citizens": citizens, "steps": steps})
    run_task(plan.task(0))  # warm up
    task_s, step_s, build_s = [], [], []
    clock = time.process_time  # CPU time: the machine may be shared
    for run in range(runs):
        task = plan.task(run)
        started = clock()
        run_task(task)
        task_s.append(clock() - started)
        scenario = scenario_from_data(task.scenario, overrides={"run.seed": task.seed})
        started = clock()
        model = ScoreModel(scenario)
        built = clock()
        model.run()
        step_s.append(clock() - built)
        build_s.append(built - started)
    task_median, step_median = statistics.median(task_s), statistics.median(step_s)
    return {
        "task_s": task_median,
        "steps_s": step_median,
        "build_s": statistics.median(build_s),
        "overhead_share": (task_median - step_median) / step_median,
    }


def reference_run(citizens: int, steps: int) -> float:
    """Wall seconds of one run of the per-agent Mesa reference on baseline."""
    from reference_model import ReferenceModel

    from score_sim.scenario import load_scenario

    scenario = load_scenario(
        "baseline",
        {"population.citizens": citizens, "population.firms": citizens // 20, "run.steps": steps},
    )
    started = time.perf_counter()
    ReferenceModel(scenario, seed=1).run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = write_spec(
            folder,
            "throughput",
            scenario="baseline",
            seeds=args.runs,
            citizens=args.citizens,
            firms=args.citizens // 20,
            steps=args.steps,
        )
        walls, peaks, sim, cpu = [], [], [], []
        for i in range(args.repeat):
            out = folder / f"throughput-{i}"
            wall, peak = run_sweep_cli(spec, out, args.workers)
            walls.append(wall)
            peaks.append(peak)
            with open(out / "finished.jsonl", encoding="utf-8") as handle:
                stored = [json.loads(line) for line in handle]
            sim.append(sum(row["wall_s"] for row in stored))
            cpu.append(sum(row["cpu_s"] for row in stored))
        wall = statistics.median(walls)
        per_run_s = wall / args.runs
        run_cpu_s = statistics.median(cpu) / args.runs
        busy = statistics.median(sim) / args.workers
        print(
            f"sweep: {args.runs} runs of baseline, {args.citizens:,} citizens x {args.steps} "
            f"days, {args.workers} workers: {wall:.2f} s wall (median of {args.repeat}: "
            f"{', '.join(f'{w:.2f}' for w in walls)}), {wall / args.runs:.3f} s per run; "
            f"workers busy {busy:.2f} s each (CPU {statistics.median(cpu) / args.runs:.3f} s "
            f"a run); peak memory {statistics.median(peaks):.0f} MB; load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        rows.append(
            {
                "measure": "sweep_wall_s",
                "value": round(wall, 3),
                "note": f"{args.runs} runs, {args.workers} workers",
            }
        )
        rows.append({"measure": "sweep_wall_per_run_s", "value": round(wall / args.runs, 4)})
        rows.append({"measure": "sweep_worker_busy_s", "value": round(busy, 3)})
        rows.append({"measure": "run_cpu_s", "value": round(statistics.median(cpu) / args.runs, 4)})
        rows.append(
            {
                "measure": "sweep_outside_runs_s",
                "value": round(wall - busy, 3),
                "note": "CLI start, worker start-up, sending tasks, storing and writing results",
            }
        )

        cost = overhead(args.citizens, args.steps, 8)
        print(
            f"per run, in a worker (CPU time): {cost['task_s']:.3f} s, of which stepping "
            f"{cost['steps_s']:.3f} s and building {cost['build_s']:.4f} s: overhead "
            f"{100 * cost['overhead_share']:.1f}% of the simulation"
        )
        rows += [
            {"measure": "run_task_s", "value": round(cost["task_s"], 4)},
            {"measure": "run_steps_s", "value": round(cost["steps_s"], 4)},
            {"measure": "run_build_s", "value": round(cost["build_s"], 4)},
            {"measure": "run_overhead_share", "value": round(cost["overhead_share"], 4)},
        ]

        if not args.skip_memory:
            for n in (100, 1000):
                small = write_spec(
                    folder, f"memory-{n}", scenario="baseline", seeds=n, citizens=1000, steps=50
                )
                wall, peak = run_sweep_cli(small, folder / f"memory-{n}", args.workers)
                print(
                    f"memory: {n:,} runs (1,000 citizens x 50 days): "
                    f"peak {peak:.0f} MB, {wall:.1f} s"
                )
                rows.append({"measure": f"peak_mb_{n}_runs", "value": round(peak, 1)})

    if not args.skip_reference:
        reference = reference_run(args.citizens, args.steps)
        print(
            f"reference: one run of the per-agent Mesa model, {args.citizens:,} citizens x "
            f"{args.steps} days: {reference:.2f} s, against {per_run_s:.3f} s of wall and "
            f"{run_cpu_s:.3f} s of CPU per run in the sweep ({reference / per_run_s:.0f}x, "
            f"{reference / run_cpu_s:.0f}x)"
        )
        rows.append({"measure": "reference_one_run_s", "value": round(reference, 3)})

    with open(RESULTS / "sweep.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["measure", "value", "note"])
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
