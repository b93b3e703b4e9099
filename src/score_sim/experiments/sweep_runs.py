"""One run of a sweep: a task's scenario and seed, run in a worker, measured.

A task is small and pure (base scenario, seed, parameter set, metrics); a worker imports
score-sim once and runs task after task (:func:`run_task`). Its result is a row of finite
numbers, or empty cells where a metric is undefined or switched off.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.experiments.spec import CUMULATIVE_COLUMNS, metric_columns
from score_sim.experiments.sweep_plan import RunTask
from score_sim.scenario import Scenario, resolve_scenario

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

# --------------------------------------------------------------------------- one run


def measure(
    model: ScoreModel, metrics: tuple[str, ...], absent: list[str] | None = None
) -> dict[str, float]:
    """A finished model's metric values, keyed by result column.

    A time-series column gives its final value (``name.final``) and, when it is a level
    rather than a running total, its mean over the run (``name.run_mean``); a summary
    number (``summary.a.b``) is looked up in :func:`score_sim.summary.summarize`. An
    undefined value (null), one that is not finite, and a metric this run's scenario does
    not measure at all (a feature it switches off) are NaN: an empty cell.

    Args:
        model: a finished run.
        metrics: what to measure.
        absent: if given, the result columns of metrics the scenario does not measure are
            appended to it.
    """
    series = model.timeseries()
    summary: dict[str, Any] | None = None
    values: dict[str, float] = {}
    for name in metrics:
        if name.startswith("summary."):
            if summary is None:
                from score_sim.outputs.summary import summarize

                summary = summarize(model)
            node: Any = summary
            found = True
            for part in name.removeprefix("summary.").split("."):
                found = isinstance(node, dict) and part in node
                node = node.get(part) if found else None
                if not found:
                    break
            if not found and absent is not None:
                absent.append(name)
            values[name] = _finite(node)
            continue
        if name not in series:
            columns = metric_columns((name,))
            values.update(dict.fromkeys(columns, math.nan))
            if absent is not None:
                absent.extend(columns)
            continue
        column = series[name]
        values[f"{name}.final"] = _finite(column[-1])
        if name not in CUMULATIVE_COLUMNS:
            values[f"{name}.run_mean"] = _finite(np.mean(column))
    return values


def _finite(value: Any) -> float:
    """A metric value as a float; NaN (an empty cell) when undefined or not finite."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return math.nan
    number = float(value)
    return number if math.isfinite(number) else math.nan


def run_one(
    scenario: Scenario | str | Path | dict[str, Any],
    seed: int,
    overrides: dict[str, Any] | None = None,
    metrics: tuple[str, ...] | None = None,
    keep_dir: str | Path | None = None,
) -> dict[str, float]:
    """Run one (scenario, seed, overrides) and return its metric values.

    This is what a sweep does for each of its runs, and what anything else needing many
    seeds (``run --seeds``) can reuse.

    Args:
        scenario: a Scenario, its plain data, a scenario file or a bundled name.
        seed: the run's seed (``run.seed``).
        overrides: ``{"key.path": value}`` changes.
        metrics: what to measure (see :func:`measure`); default: the headlines.
        keep_dir: if given, the run's full outputs (no figures) are written there too.

    Returns:
        Result column to value (see :func:`score_sim.experiments.spec.metric_columns`).

    Raises:
        ScenarioError: an argument of the wrong type, a metric no run of the scenario
            measures, or a scenario (with its changes) that is not valid.
    """
    from score_sim.experiments.arguments import check_run_one
    from score_sim.experiments.spec import DEFAULT_METRICS
    from score_sim.scenario import scenario_from_data

    check_run_one(scenario, seed, overrides, metrics, keep_dir)
    changes = {**(overrides or {}), "run.seed": seed}
    if isinstance(scenario, dict):
        resolved = scenario_from_data(scenario, "<scenario>", None, changes)
    else:
        resolved = resolve_scenario(scenario, changes)
    chosen = tuple(metrics) if metrics is not None else DEFAULT_METRICS
    if metrics is not None:
        from score_sim.experiments.arguments import check_metric_names

        check_metric_names(resolved, chosen)
    return _run_and_measure(resolved, chosen, keep_dir, [])


def _run_and_measure(
    resolved: Scenario, metrics: tuple[str, ...], keep_dir: str | Path | None, absent: list[str]
) -> dict[str, float]:
    """Run a validated scenario (writing its outputs to ``keep_dir``) and measure it."""
    from score_sim.agents import release_agent_ids
    from score_sim.model import ScoreModel

    if keep_dir is not None:
        from score_sim.runner import run_scenario

        model = run_scenario(
            resolved,
            keep_dir,
            overwrite=True,
            figures=False,
            command_line=[
                "score_sim.experiments.sweep.run_one",
                f"seed={resolved.run.seed}",
            ],
        ).model
    else:
        model = ScoreModel(resolved, rng=resolved.run.seed).run()
    try:
        return measure(model, metrics, absent)
    finally:
        # Mesa up to 3.3 keeps every model it has seen as a key of a class-level id
        # counter; a worker running thousands of runs must let them go.
        release_agent_ids(model)


def run_task(task: RunTask) -> dict[str, Any]:
    """Do one task of a sweep (in a worker): its run id, values and timings.

    The values of metrics the run's scenario does not measure (a feature its parameter set
    switches off) are NaN, and their columns are listed under ``absent``.
    """
    started, cpu = time.perf_counter(), time.process_time()
    absent: list[str] = []
    values = _run_task_values(task, absent)
    return {
        "run": task.run,
        "values": values,
        "absent": absent,
        "wall_s": round(time.perf_counter() - started, 6),
        "cpu_s": round(time.process_time() - cpu, 6),
        "pid": os.getpid(),
    }


def _run_task_values(task: RunTask, absent: list[str]) -> dict[str, float]:
    from score_sim.scenario import scenario_from_data

    changes = {**dict(task.changes), "run.seed": task.seed}
    resolved = scenario_from_data(task.scenario, "<scenario>", None, changes)
    return _run_and_measure(resolved, task.metrics, task.keep_dir, absent)
