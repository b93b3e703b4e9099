"""Running a scenario to its outputs: the time series, final states, events, figures, manifest.

This is what ``score-sim run`` does, as a function, for the command line, notebooks and
scripts. A run claims its folder before it simulates, writes into a work folder beside it
and renames that into place when complete (:mod:`score_sim.outputs.folder`), so an
interrupted run leaves no half-written output and nothing the user wrote is ever deleted.
It simulates here (:func:`simulate`) and writes every file through :mod:`score_sim.outputs`
(:func:`~score_sim.outputs.files.write_run_outputs`); :func:`run_figure_jobs` is kept here
too, for the benchmarks that time a run's figures.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from score_sim.errors import argument
from score_sim.experiments.bad_luck import measure_bad_luck
from score_sim.memory import activity_bytes, check_population
from score_sim.model import ScoreModel
from score_sim.outputs.figures.jobs import run_figure_jobs
from score_sim.outputs.files import write_run_outputs
from score_sim.outputs.folder import claim_output_folder, output_bytes
from score_sim.scenario import Scenario, resolve_scenario

__all__ = ["RUNS_DIR", "RunResult", "run_figure_jobs", "run_scenario", "simulate"]

RUNS_DIR = Path("runs")


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced."""

    out_dir: Path
    model: ScoreModel
    manifest: dict[str, Any]
    files: tuple[Path, ...]
    summary: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return (
            f"<RunResult {self.manifest.get('scenario')}, seed {self.manifest.get('seed')}, "
            f"{self.manifest.get('steps')} days -> {self.out_dir}/ ({len(self.files)} files)>"
        )


def simulate(
    scenario: Scenario,
    *,
    progress: Callable[[int, int], None] | None = None,
    decompose: bool | None = None,
) -> tuple[ScoreModel, ScoreModel | None]:
    """Build and run a scenario at its own seed, and the twin worlds it asks for.

    The twin without feedback splits the misconduct ratio (``decompose``); the twin without
    erroneous reports measures the bad-luck ratio (``harm_metrics.bad_luck_early_days``,
    see :mod:`score_sim.experiments.bad_luck`), stored as ``model.bad_luck``.

    Args:
        scenario: a validated scenario.
        progress: optional ``progress(day, total)`` callback.
        decompose: run the twin world without feedback (same seed, same people) that splits
            the misconduct ratio into selection and feedback; default: when the people
            differ (``heterogeneity``) and a feedback is active.

    Returns:
        The finished model (its ``phase_times_s`` filled in) and the twin, or None.
    """
    started = time.perf_counter()
    model = ScoreModel(scenario, rng=scenario.run.seed)
    stepping = time.perf_counter()
    model.run(progress=progress)
    stepped = time.perf_counter()
    if decompose is None:
        decompose = scenario.heterogeneity.enabled
    twin = None
    if decompose and model.feedback.enabled:
        unchanged = resolve_scenario(scenario, {"effects.enabled": False})
        twin = ScoreModel(unchanged, rng=scenario.run.seed).run()
    twinned = time.perf_counter()
    model.bad_luck = measure_bad_luck(model)
    model.phase_times_s = {
        "build": round(stepping - started, 3),
        "steps": round(stepped - stepping, 3),
        **({"twin_world_without_feedback": round(twinned - stepped, 3)} if twin else {}),
        **(
            {"twin_world_without_errors": round(time.perf_counter() - twinned, 3)}
            if model.bad_luck is not None
            else {}
        ),
    }
    return model, twin


def run_scenario(
    scenario: Scenario | str | Path,
    out_dir: Path | str | None = None,
    *,
    seed: int | None = None,
    steps: int | None = None,
    citizens: int | None = None,
    firms: int | None = None,
    overrides: dict[str, Any] | None = None,
    overwrite: bool = False,
    figures: bool = True,
    progress: Callable[[int, int], None] | None = None,
    command_line: Sequence[str] | None = None,
    on_phase: Callable[[str], None] | None = None,
    decompose: bool | None = None,
) -> RunResult:
    """Run a scenario and write its outputs.

    The output folder is claimed before anything is simulated, and the outputs appear in
    it all at once when complete (see :mod:`score_sim.outputs.folder`).

    Args:
        scenario: a Scenario, a path to a YAML file or a bundled scenario's name.
        out_dir: output folder; default ``runs/<name>-<short hash>/`` (or ``-2``, ``-3``...).
        seed: shorthand for ``run.seed``.
        steps: shorthand for ``run.steps``.
        citizens: shorthand for ``population.citizens``.
        firms: shorthand for ``population.firms``.
        overrides: further ``{"key.path": value}`` changes to the scenario.
        overwrite: replace ``out_dir`` when it holds an earlier score-sim output (and
            nothing else) instead of refusing.
        figures: whether to draw the PNG figures.
        progress: optional ``progress(day, total)`` callback.
        command_line: recorded in the manifest (default ``sys.argv``).
        on_phase: optional callback told each phase's name as it starts (``"writing"``).
        decompose: whether to run the twin world without feedback (same seed, same people)
            that splits the misconduct rate ratio into selection and feedback
            (``summary.json``'s ``selection_vs_feedback`` and its figure). Default: when the
            scenario's people differ (``heterogeneity``) and it has an active feedback. It
            costs a second simulation.

    Returns:
        The output folder, the finished model, the manifest and the files written.

    Raises:
        ScenarioError: bad scenario, override, output folder or population size.
    """
    started = time.perf_counter()
    start_time = datetime.now(UTC).isoformat(timespec="seconds")
    source = None if isinstance(scenario, Scenario) else str(scenario)
    scenario = resolve_scenario(
        scenario, overrides, seed=seed, steps=steps, citizens=citizens, firms=firms
    )
    population = scenario.population
    check_population(population.citizens, population.firms, extra_bytes=activity_bytes(scenario))
    claim = claim_output_folder(
        out_dir,
        RUNS_DIR / f"{scenario.name}-{scenario.sha256()[:8]}",
        overwrite=overwrite,
        option=argument("out_dir"),
        bytes_needed=output_bytes(population.citizens + population.firms),
    )
    with claim:
        built = time.perf_counter()
        model, twin = simulate(scenario, progress=progress, decompose=decompose)
        stepped = time.perf_counter()
        if on_phase is not None:
            on_phase("writing")
        files, manifest = write_run_outputs(
            model,
            claim.work,
            figures=figures,
            twin=twin,
            manifest={
                "scenario_source": source,
                "command_line": list(sys.argv if command_line is None else command_line),
                "start_time": start_time,
                "phase_times_s": {"load": round(built - started, 3), **model.phase_times_s},
                "mechanism_cpu_s": {
                    name: round(seconds, 4)
                    for name, seconds in model.mechanism_cpu_seconds().items()
                },
            },
            clock=(started, stepped),
        )
        target = claim.commit()
    written = tuple(target / f.relative_to(claim.work) for f in files)
    return RunResult(out_dir=target, model=model, manifest=manifest, files=written)
