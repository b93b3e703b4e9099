"""Calibration: fit a scenario's undocumented numbers to its documented targets, with Optuna.

What modellers know from Starsim's and Covasim's calibration: the parameters to fit with
their ranges, the targets to fit (documented aggregates with their acceptable ranges),
seeds per trial and a budget; a sampler proposes values, each trial runs the scenario
with every seed, and a loss says how far the targets are from their ranges:

    loss = mean over targets of ((median over seeds - middle of the range) / half the range)^2

so a target is within its range when its own term is at most 1, and a trial whose run
leaves a target undefined scores 100 for it. The best trial has the lowest loss.

- **Reproducible.** Trials are asked in batches (``batch``), each trial's values drawn by a
  sampler seeded from the calibration's seed and the trial's number, and told in order
  once the batch's runs are done. The same calibration file gives the same trials and the
  same best values with 1 worker or many, locally or on Dask, in any order of completion.
- **Resumable.** Optuna's storage (``study.journal``) and every finished run
  (``runs.jsonl``, written and synced as each run ends) live in the folder: after Ctrl-C,
  a crash or ``kill -9``, the same command runs only what is missing, and gives what an
  uninterrupted calibration gives. ``--trials N`` continues a finished calibration with a
  larger budget in the same folder.
- **Parallel.** The runs of a batch go to local worker processes (``--workers``) or to a
  Dask cluster (``--scheduler``), as a sweep's do.
- **Its outputs** (in its folder): ``trials.csv`` (every trial: values, loss, each
  target's median), ``best.json`` (the best values and each target's median and 5-95%
  interval over seeds, met or missed), ``calibrated.yaml`` (the scenario with the best
  values, labelled ``calibrated`` with the targets they were fitted to), and
  ``figures/<target>.png`` (each target's fit against its documented range) with
  ``figures/search.png``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from score_sim.errors import ScenarioError
from score_sim.experiments.calibration_spec import CalibrationPlan, load_calibration
from score_sim.experiments.calibration_store import (
    RUNS_FILE,
    STUDY_FILE,
    CalibrationStore,
    Slot,
    _changes,
    _distributions,
    _invalid,
    _known_slots,
    _open_study,
    _sampler,
)
from score_sim.experiments.calibration_targets import (
    TRIALS_CSV,
    calibrated_evidence,
    loss_of,
    target_results,
)
from score_sim.scenario import Target, scenario_from_data

if TYPE_CHECKING:
    import optuna


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class CalibrationTask:
    """One run of a calibration: small and pure, so any worker process can do it."""

    run: int
    """An id unique among the tasks sent together."""
    key: str
    """What the run is, stored with its values: ``trial-<n>-<seed index>`` or
    ``check-<values hash>-<seed index>``."""
    seed: int
    scenario: dict[str, Any]
    changes: tuple[tuple[str, Any], ...]
    targets: tuple[dict[str, Any], ...]


def run_calibration_task(task: CalibrationTask) -> dict[str, Any]:
    """Run one (scenario, values, seed) and measure the targets (in a worker)."""
    from score_sim.agents import release_agent_ids
    from score_sim.model import ScoreModel
    from score_sim.outputs.targets import measure_detail

    started, cpu = time.perf_counter(), time.process_time()
    changes = {**dict(task.changes), "run.seed": task.seed}
    scenario = scenario_from_data(task.scenario, "<scenario>", None, changes)
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    try:
        values = {}
        for data in task.targets:
            target = Target.model_validate(data)
            detail = measure_detail(model, target)
            values[target.name] = {
                k: v for k, v in detail.items() if k in ("value", "open_share", "ended")
            }
    finally:
        release_agent_ids(model)
    return {
        "run": task.run,
        "key": task.key,
        "values": values,
        "wall_s": round(time.perf_counter() - started, 6),
        "cpu_s": round(time.process_time() - cpu, 6),
    }


# --------------------------------------------------------------------------- the loss


# --------------------------------------------------------------------------- progress


class CalibrationProgress:
    """A one-line progress bar on stderr: trials done, the best loss so far, time left.

    Shown only when stderr is a terminal and ``CI`` is not set to true.
    """

    def __init__(self, stream: Any = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty() and os.environ.get("CI", "").lower() not in (
            "1",
            "true",
        )
        self.started = time.perf_counter()
        self.first_runs: int | None = None

    def __call__(self, state: dict[str, Any]) -> None:
        """Show ``trials_done`` of ``trials``, runs done of all, and the best so far."""
        runs, total_runs = state["runs_done"], state["runs_total"]
        if self.first_runs is None:
            self.first_runs = runs
            self.started = time.perf_counter()
        if not self.enabled or total_runs <= 0:
            return
        elapsed = time.perf_counter() - self.started
        new = runs - self.first_runs
        left = (total_runs - runs) * elapsed / new if new > 0 else math.nan
        width = 24
        filled = width * min(runs, total_runs) // total_runs
        bar = "#" * filled + "." * (width - filled)
        best = state.get("best_loss")
        best_text = "best loss  -  " if best is None else f"best loss {best:6.3g}"
        met = state.get("best_met")
        met_text = "" if met is None else f" ({met} of {len(state['targets'])} targets met)"
        eta = f"{left:5.0f} s left" if math.isfinite(left) else "  ... s left"
        self.stream.write(
            f"\rcalibrate [{bar}] trial {state['trials_done']}/{state['trials']}, "
            f"{best_text}{met_text}, {eta} "
        )
        if runs >= total_runs:
            self.stream.write("\n")
        self.stream.flush()


# --------------------------------------------------------------------------- pools


class _TaskPool:
    """A sweep's pool (local or Dask) sending calibration tasks instead of sweep runs."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @property
    def slots(self) -> int:
        return self.pool.slots

    def submit(self, task: CalibrationTask) -> Any:
        return self.pool.executor.submit(run_calibration_task, task)

    def restart(self) -> None:
        self.pool.restart()

    def close(self, cancel: bool = False) -> None:
        self.pool.close(cancel=cancel)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- a calibration


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration produced."""

    out_dir: Path
    plan: CalibrationPlan
    best: dict[str, Any]
    """``best.json``: the best trial, its values, each target's result."""
    n_run_now: int
    """Runs done by this call (the rest were stored before)."""
    files: tuple[Path, ...]

    @property
    def values(self) -> dict[str, float]:
        """The best values, by key path."""
        return dict(self.best["parameters"])

    def dataframe(self) -> Any:
        """The trials as a pandas DataFrame (``trials.csv``)."""
        import pandas as pd

        return pd.read_csv(self.out_dir / TRIALS_CSV)


def default_out_dir(plan: CalibrationPlan) -> Path:
    """``runs/calibrate-<file>-<hash>``: the same calibration finds its own folder again."""
    stem = Path(plan.file).stem if plan.file != "<calibration>" else plan.scenario.name
    return Path("runs") / f"calibrate-{stem}-{plan.sha256()[:8]}"


class _Runner:
    """Sends a calibration's missing runs to a pool, storing each as it ends."""

    def __init__(
        self,
        plan: CalibrationPlan,
        store: CalibrationStore,
        workers: int | None,
        scheduler: str | None,
        report: Callable[[], None],
    ) -> None:
        self.plan = plan
        self.store = store
        self.workers = workers
        self.scheduler = scheduler
        self.report = report
        self.pool: _TaskPool | None = None
        self.n_run_now = 0
        self.scenario_data = plan.scenario.to_data()
        self.target_data = tuple(t.model_dump(mode="json") for t in plan.targets)

    def task(self, run: int, key: str, seed: int, changes: dict[str, Any]) -> CalibrationTask:
        return CalibrationTask(
            run=run,
            key=key,
            seed=seed,
            scenario=self.scenario_data,
            changes=tuple(changes.items()),
            targets=self.target_data,
        )

    def run(self, tasks: list[CalibrationTask]) -> None:
        """Run the tasks whose results are not stored yet."""
        from score_sim.experiments.sweep import DaskPool, LocalPool, execute

        missing = [t for t in tasks if t.key not in self.store.runs]
        if not missing:
            return
        if self.pool is None:
            self.pool = _TaskPool(
                DaskPool(self.scheduler)
                if self.scheduler
                else LocalPool(max(1, self.workers or _cores()))
            )

        def finished(result: dict[str, Any]) -> None:
            self.store.add(result)
            self.n_run_now += 1
            self.report()

        execute(self.pool, iter(missing), finished)  # type: ignore[arg-type]

    def close(self, cancel: bool) -> None:
        if self.pool is not None:
            self.pool.close(cancel=cancel)
            self.pool = None


def run_calibration(
    plan: CalibrationPlan,
    out_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    figures: bool = True,
) -> CalibrationResult:
    """Run a calibration's missing trials and write its results.

    Args:
        plan: from :func:`score_sim.experiments.calibration_spec.load_calibration`.
        out_dir: its folder [default: :func:`default_out_dir`].
        workers: local worker processes [default: the machine's cores]; ignored with
            ``scheduler``.
        scheduler: a Dask scheduler's address (``tcp://HOST:PORT``).
        progress: called with the state (trials done, best loss...) after each run.
        figures: draw ``figures/<target>.png`` and ``figures/search.png``.

    Raises:
        ScenarioError: an unusable folder, an unreachable scheduler, a population too
            large for this machine.
    """
    from score_sim.memory import check_population

    out = Path(out_dir) if out_dir is not None else default_out_dir(plan)
    population = plan.scenario.population
    check_population(population.citizens, population.firms, plan.file)
    if workers is not None and workers < 1:
        raise ScenarioError.of("--workers", None, None, "", "needs at least 1 worker")
    store = CalibrationStore(out, plan).open()
    runs_before = len(store.runs)
    state: dict[str, Any] = {
        "trials": plan.trials,
        "trials_done": 0,
        "runs_total": plan.trials * len(plan.seeds) + len(plan.check_seeds),
        "runs_done": 0,
        "best_loss": None,
        "best_met": None,
        "targets": [t.name for t in plan.targets],
    }

    def report() -> None:
        state["runs_done"] = min(len(store.runs), state["runs_total"])
        if progress is not None:
            progress(state)

    runner = _Runner(plan, store, workers, scheduler, report)
    cancel = True
    try:
        study = _open_study(out)
        slots = _known_slots(study, plan)
        _note_done(plan, slots, store, state)
        report()
        batch = plan.spec.batch
        for start in range(0, plan.trials, batch):
            todo = range(start, min(start + batch, plan.trials))
            if all(s in slots and slots[s].state != "running" for s in todo):
                continue
            distributions = _distributions(plan)
            for s in todo:
                if s not in slots:
                    study.sampler = _sampler(plan, s)
                    trial = study.ask(distributions)
                    trial.set_user_attr("slot", s)
                    slots[s] = Slot(s, trial.number, dict(trial.params), "running")
            tasks = []
            for s in todo:
                slot = slots[s]
                if slot.state != "running":
                    continue
                why = _invalid(plan, _changes(plan, slot.params))
                if why:
                    _fail_invalid(study, slot, why)
                    continue
                tasks += [
                    runner.task(len(tasks), f"trial-{s}-{i}", seed, _changes(plan, slot.params))
                    for i, seed in enumerate(plan.seeds)
                ]
            runner.run(tasks)
            for s in todo:  # told in order, once the whole batch is done
                slot = slots[s]
                if slot.state != "running":
                    continue
                rows = target_results(plan, _trial_runs(plan, store, s))
                slot.loss = loss_of(rows)
                slot.state = "complete"
                study.tell(slot.number, slot.loss)
            _note_done(plan, slots, store, state)
            report()
        best = _best(slots)
        check_key = _values_key(plan, best.params)
        if plan.check_seeds:
            changes = _changes(plan, best.params)
            runner.run(
                [
                    runner.task(i, f"check-{check_key}-{i}", seed, changes)
                    for i, seed in enumerate(plan.check_seeds)
                ]
            )
            report()
        cancel = False
    finally:
        runner.close(cancel)
        store.close()
    from score_sim.experiments.calibration_outputs import write_outputs

    result_best, files = write_outputs(plan, out, slots, store, best, check_key, figures=figures)
    return CalibrationResult(
        out_dir=out,
        plan=plan,
        best=result_best,
        n_run_now=len(store.runs) - runs_before,
        files=tuple(files),
    )


def _trial_runs(plan: CalibrationPlan, store: CalibrationStore, slot: int) -> list[dict]:
    return [store.runs[f"trial-{slot}-{i}"] for i in range(len(plan.seeds))]


def _fail_invalid(study: optuna.Study, slot: Slot, why: str) -> None:
    from optuna.trial import TrialState

    study.tell(slot.number, state=TrialState.FAIL)
    slot.state, slot.invalid = "invalid", why


def _note_done(
    plan: CalibrationPlan, slots: dict[int, Slot], store: CalibrationStore, state: dict[str, Any]
) -> None:
    """Update the progress state: trials done, the best loss and its targets met."""
    done = [s for s in slots.values() if s.state == "complete" and s.slot < plan.trials]
    state["trials_done"] = sum(
        1 for s in slots.values() if s.state in ("complete", "invalid") and s.slot < plan.trials
    )
    if done:
        best = min(done, key=lambda s: (s.loss, s.slot))
        state["best_loss"] = best.loss
        with contextlib.suppress(KeyError):
            rows = target_results(plan, _trial_runs(plan, store, best.slot))
            state["best_met"] = sum(1 for r in rows if r["met"])


def _best(slots: dict[int, Slot]) -> Slot:
    done = [s for s in slots.values() if s.state == "complete"]
    if not done:
        raise ScenarioError.of(
            "parameters",
            None,
            None,
            "",
            "no trial's values made a valid scenario: narrow the parameters' ranges",
        )
    return min(done, key=lambda s: (s.loss, s.slot))


def _values_key(plan: CalibrationPlan, params: dict[str, Any]) -> str:
    text = json.dumps(_changes(plan, params), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def calibrate(
    spec: str | Path | dict[str, Any],
    out_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    trials: int | None = None,
    yes: bool = False,
) -> CalibrationResult:
    """Calibrate a scenario: fit its parameters to its targets, and write the results.

    For notebooks: ``score_sim.calibrate("calibrations/rongcheng_city.yaml")`` or a dict
    with the same keys as a calibration file. Without ``out_dir`` the calibration runs in
    ``runs/calibrate-<file>-<hash>/`` (the same call resumes it).

    Args:
        spec: a calibration file, or its content as a dict.
        out_dir: its folder (see :func:`run_calibration`).
        workers: local worker processes [default: the machine's cores].
        scheduler: a Dask scheduler's address.
        trials: a budget replacing the file's ``trials``.
        yes: confirm a very large calibration.

    Returns:
        A :class:`CalibrationResult`: ``.values`` (the best values), ``.best`` (each
        target's median and interval, met or missed), ``.dataframe()`` (the trials).

    Raises:
        ScenarioError: bad input, located.
    """
    plan = load_calibration(spec, yes=yes, trials=trials)
    return run_calibration(plan, out_dir, workers=workers, scheduler=scheduler)


__all__ = [
    "RUNS_FILE",
    "STUDY_FILE",
    "CalibrationProgress",
    "CalibrationResult",
    "CalibrationTask",
    "calibrate",
    "calibrated_evidence",
    "default_out_dir",
    "loss_of",
    "run_calibration",
    "run_calibration_task",
    "target_results",
]
