"""Sweeps: a scenario run with many seeds and parameter sets, locally or on a Dask cluster.

What users of Mesa's ``batch_run``, NetLogo's BehaviorSpace and the EMA Workbench expect:

- **Runs in worker processes.** Each worker imports score-sim once and runs task after task
  (:func:`run_task`): a task is small and pure (base scenario, seed, parameter set,
  metrics), a run costs its simulation, and its result is a row of numbers. Per-run
  outputs are written only with ``keep_runs``.
- **One code path, local or Dask.** Both are a ``concurrent.futures`` executor: a process
  pool here (``--workers``), or a Dask client's executor (``--scheduler tcp://HOST:PORT``).
  At most a few runs per worker are in flight, so memory does not grow with the sweep.
  Runs lost with a worker (a dead process, a lost Dask worker) are run again.
- **Durable and resumable.** Each finished run is appended to ``DIR/finished.jsonl`` and
  flushed to disk (``fsync``) as it arrives. The same command on the same ``DIR`` after a
  crash or ``kill -9`` runs only what is missing; a changed sweep on an existing ``DIR`` is
  refused. ``DIR/sweep.json`` records what the sweep is.
- **Same rows, same bytes.** ``results.csv`` and ``results.parquet`` hold one row per run,
  sorted by run id, whatever the number of workers, the executor or the order of
  completion.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from score_sim.errors import argument
from score_sim.experiments.spec import load_sweep, metric_columns
from score_sim.experiments.sweep_plan import RunTask, SweepPlan
from score_sim.experiments.sweep_pools import (
    SCHEDULER_SCHEMES,
    DaskPool,
    LocalPool,
    _cores,
    check_scheduler,
    execute,
)
from score_sim.experiments.sweep_runs import measure, run_one, run_task
from score_sim.experiments.sweep_store import (
    FINISHED_FILE,
    LOCK_FILE,
    RECORD_FILE,
    RESULTS_CSV,
    RESULTS_PARQUET,
    RUNS_SUBDIR,
    SENSITIVITY_CSV,
    SUMMARY_CSV,
    SweepStore,
)

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- progress


class SweepProgress:
    """A one-line progress bar on stderr: runs done, rate, time left.

    Shown only when stderr is a terminal and ``CI`` is not set to true.
    """

    def __init__(self, total: int, done: int, stream: Any = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty() and os.environ.get("CI", "").lower() not in (
            "1",
            "true",
        )
        self.total = total
        self.start_done = done
        self.done = done
        self.started = time.perf_counter()
        self._first = True

    def __call__(self, done: int) -> None:
        """Show that ``done`` runs of the total are finished.

        The first call may report runs stored before (a resumed sweep): the rate counts
        only the runs done since.
        """
        if self._first and done > self.done:
            self.start_done = done
            self.started = time.perf_counter()
        self._first = False
        self.done = done
        if not self.enabled or self.total <= 0:
            return
        elapsed = time.perf_counter() - self.started
        new = done - self.start_done
        rate = new / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else math.nan
        width = 30
        filled = width * done // self.total
        bar = "#" * filled + "." * (width - filled)
        eta = f"{left:5.0f} s left" if math.isfinite(left) else "  ... s left"
        self.stream.write(f"\rsweep [{bar}] {done}/{self.total} runs  {rate:5.1f} runs/s  {eta}")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


# --------------------------------------------------------------------------- a sweep


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced."""

    out_dir: Path
    plan: SweepPlan
    n_run_now: int
    """Runs done by this call (the rest were stored before)."""
    files: tuple[Path, ...]
    run_wall_s: dict[int, float]
    """Each run's wall time in its worker, as stored."""
    sensitivity: Any = None
    """For a finished sample sweep: its :class:`~score_sim.experiments.sensitivity.Sensitivity`."""
    switched_off: dict[str, list[int]] | None = None
    """Result columns that some parameter sets do not measure (their cells are empty),
    with those parameter sets."""

    def __repr__(self) -> str:
        plan = self.plan
        return (
            f"<SweepResult {plan.scenario.name}: {plan.n_runs:,} runs ({len(plan.points):,} "
            f"parameter sets x {len(plan.seeds):,} seeds), {self.n_run_now:,} run now "
            f"-> {self.out_dir}/>"
        )

    def dataframe(self) -> Any:
        """The results as a pandas DataFrame (one row per run)."""
        import pandas as pd

        return pd.read_parquet(self.out_dir / RESULTS_PARQUET)


RESULT_BYTES_PER_VALUE = 3 * 24
"""Disk per value of a run: its cell in results.csv, results.parquet and finished.jsonl."""


def _check_folder_space(out: Path, plan: SweepPlan, keep_runs: bool) -> None:
    """Refuse a sweep folder on a disk that cannot hold its results, before any run."""
    from score_sim.outputs.folder import check_disk_space, output_bytes

    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return  # a file in the way: the folder's own check says so
    need = plan.n_runs * (len(plan.columns) + len(plan.parameters) + 3) * RESULT_BYTES_PER_VALUE
    if keep_runs:
        population = plan.scenario.population
        need += plan.n_runs * output_bytes(population.citizens + population.firms)
    check_disk_space(existing, need, argument("out_dir"), shown_as=out)


def default_out_dir(plan: SweepPlan) -> Path:
    """``runs/sweep-<sweep file>-<hash>``: the same sweep finds its own folder again."""
    stem = Path(plan.file).stem if plan.file != "<sweep>" else plan.scenario.name
    return Path("runs") / f"sweep-{stem}-{plan.sha256()[:8]}"


def run_sweep(
    plan: SweepPlan,
    out_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    keep_runs: bool = False,
    progress: Callable[[int], None] | None = None,
    sensitivity: bool = True,
) -> SweepResult:
    """Run a sweep's missing runs and write its results (and, for a sample, sensitivity).

    Args:
        plan: from :func:`score_sim.experiments.spec.load_sweep`.
        out_dir: the sweep's folder [default: :func:`default_out_dir`].
        workers: local worker processes [default: the machine's cores]; ignored with
            ``scheduler``.
        scheduler: a Dask scheduler's address (``tcp://HOST:PORT``).
        keep_runs: write each run's full outputs under ``DIR/runs/``.
        progress: called with the number of runs done after each.
        sensitivity: analyse a complete sample sweep at the end.

    Raises:
        ScenarioError: an unusable folder (or one whose files were damaged or edited), an
            unreachable scheduler, runs too large for this machine's memory, a disk too
            full for the results.
    """
    from score_sim.memory import check_bytes, run_bytes, workers_that_fit

    out = Path(out_dir) if out_dir is not None else default_out_dir(plan)
    if workers is not None:
        from score_sim.experiments.arguments import check_whole_number

        check_whole_number(workers, argument("workers", "--workers"), 1, 1025)
    if scheduler is not None:
        check_scheduler(scheduler)
    largest = max(plan.largest_run_bytes, run_bytes(plan.scenario))
    if scheduler is None:
        check_bytes(largest, plan.file, "population.citizens", "the largest run of this sweep")
    from score_sim.outputs.folder import check_name_lengths

    check_name_lengths(out, argument("out_dir"), beside=False)
    _check_folder_space(out, plan, keep_runs)
    store = SweepStore(out, plan).open()
    n_before = len(store.finished)
    try:
        missing = store.missing()
        if missing:
            wanted = min(workers or _cores(), len(missing))
            pool: LocalPool | DaskPool = (
                DaskPool(scheduler) if scheduler else LocalPool(workers_that_fit(largest, wanted))
            )
            keep_root = out / RUNS_SUBDIR if keep_runs else None
            if progress is not None:
                progress(len(store.finished))

            def finished(result: dict[str, Any]) -> None:
                store.add(result)
                if progress is not None:
                    progress(len(store.finished))

            cancel = True
            try:
                execute(pool, (plan.task(r, keep_root) for r in missing), finished)
                cancel = False
            finally:
                pool.close(cancel=cancel)
        files = list(store.write_results())
    except BaseException:
        if store.finished:
            with contextlib.suppress(Exception):
                store.write_results()
        raise
    finally:
        store.close()
    indices = None
    if sensitivity and plan.spec.sample is not None and not store.missing():
        from score_sim.experiments.sensitivity import analyse

        indices = analyse(out)
        files += indices.files
    return SweepResult(
        out_dir=out,
        plan=plan,
        n_run_now=len(store.finished) - n_before,
        files=tuple(files),
        run_wall_s=dict(store.timings),
        sensitivity=indices,
        switched_off=store.switched_off(),
    )


def sweep(
    spec: str | Path | dict[str, Any],
    out_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    keep_runs: bool = False,
    yes: bool = False,
) -> Any:
    """Run a sweep and return its results as a pandas DataFrame (one row per run).

    For notebooks: ``score_sim.sweep("my_sweep.yaml")`` or a dict with the same keys as a
    sweep file. Without ``out_dir`` the sweep runs in a temporary folder that is removed
    afterwards; give one to keep the results and to resume an interrupted sweep.

    Args:
        spec: a sweep file, or its content as a dict.
        out_dir: the sweep's folder (see :func:`run_sweep`).
        workers: local worker processes [default: the machine's cores].
        scheduler: a Dask scheduler's address.
        keep_runs: keep each run's full outputs (needs ``out_dir``).
        yes: confirm a very large sweep.

    Returns:
        A ``pandas.DataFrame``: ``run``, ``point``, ``seed``, the varied keys, the metrics.

    Raises:
        ScenarioError: bad input, located (an argument of the wrong type too).
    """
    from score_sim.experiments.arguments import check_sweep

    check_sweep(spec, out_dir, workers, scheduler, keep_runs, yes)
    plan = load_sweep(spec, yes=yes)
    if out_dir is not None:
        return run_sweep(
            plan, out_dir, workers=workers, scheduler=scheduler, keep_runs=keep_runs
        ).dataframe()
    with tempfile.TemporaryDirectory(prefix="score-sim-sweep-") as tmp:
        frame = run_sweep(
            plan, Path(tmp) / "sweep", workers=workers, scheduler=scheduler, keep_runs=False
        ).dataframe()
    return frame


__all__ = [
    "FINISHED_FILE",
    "LOCK_FILE",
    "RECORD_FILE",
    "RESULTS_CSV",
    "RESULTS_PARQUET",
    "SCHEDULER_SCHEMES",
    "SENSITIVITY_CSV",
    "SUMMARY_CSV",
    "DaskPool",
    "LocalPool",
    "RunTask",
    "SweepProgress",
    "SweepResult",
    "SweepStore",
    "check_scheduler",
    "execute",
    "measure",
    "metric_columns",
    "run_one",
    "run_sweep",
    "run_task",
    "sweep",
]
