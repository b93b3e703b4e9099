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

import concurrent.futures as cf
import contextlib
import json
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim import __version__
from score_sim.errors import ScenarioError
from score_sim.experiments.spec import (
    CUMULATIVE_COLUMNS,
    RunTask,
    SweepPlan,
    load_sweep,
    metric_columns,
)
from score_sim.experiments.workers import worker_context
from score_sim.outputs.tables import write_csv
from score_sim.scenario import Scenario, resolve_scenario

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

RECORD_FILE = "sweep.json"
FINISHED_FILE = "finished.jsonl"
LOCK_FILE = "sweep.lock"
RESULTS_CSV = "results.csv"
RESULTS_PARQUET = "results.parquet"
SUMMARY_CSV = "summary.csv"
RUNS_SUBDIR = "runs"
IN_FLIGHT_PER_WORKER = 2
"""Runs submitted ahead per worker: enough to keep each busy, few enough to bound memory."""
MAX_ATTEMPTS = 3
"""A run lost with its worker is tried this many times in all."""
SCHEDULER_TIMEOUT_S = 10.0


# --------------------------------------------------------------------------- one run


def measure(model: ScoreModel, metrics: tuple[str, ...]) -> dict[str, float]:
    """A finished model's metric values, keyed by result column.

    A time-series column gives its final value (``name.final``) and, when it is a level
    rather than a running total, its mean over the run (``name.run_mean``); a summary
    number (``summary.a.b``) is looked up in :func:`score_sim.summary.summarize`, and an
    undefined one (null) is NaN.
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
            for part in name.removeprefix("summary.").split("."):
                node = node.get(part) if isinstance(node, dict) else None
            values[name] = math.nan if node is None else float(node)
            continue
        column = series[name]
        values[f"{name}.final"] = float(column[-1])
        if name not in CUMULATIVE_COLUMNS:
            values[f"{name}.run_mean"] = float(np.mean(column))
    return values


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
    """
    from score_sim.agents import release_agent_ids
    from score_sim.experiments.spec import DEFAULT_METRICS
    from score_sim.model import ScoreModel
    from score_sim.scenario import scenario_from_data

    changes = {**(overrides or {}), "run.seed": seed}
    if isinstance(scenario, dict):
        resolved = scenario_from_data(scenario, "<scenario>", None, changes)
    else:
        resolved = resolve_scenario(scenario, changes)
    if keep_dir is not None:
        from score_sim.runner import run_scenario

        model = run_scenario(
            resolved,
            keep_dir,
            overwrite=True,
            figures=False,
            command_line=["score_sim.experiments.sweep.run_one", f"seed={seed}"],
        ).model
    else:
        model = ScoreModel(resolved, rng=resolved.run.seed).run()
    try:
        return measure(model, tuple(metrics or DEFAULT_METRICS))
    finally:
        # Mesa up to 3.3 keeps every model it has seen as a key of a class-level id
        # counter; a worker running thousands of runs must let them go.
        release_agent_ids(model)


def run_task(task: RunTask) -> dict[str, Any]:
    """Do one task of a sweep (in a worker): its run id, values and timings."""
    started, cpu = time.perf_counter(), time.process_time()
    values = run_one(task.scenario, task.seed, dict(task.changes), task.metrics, task.keep_dir)
    return {
        "run": task.run,
        "values": values,
        "wall_s": round(time.perf_counter() - started, 6),
        "cpu_s": round(time.process_time() - cpu, 6),
        "pid": os.getpid(),
    }


# --------------------------------------------------------------------------- the folder


class SweepStore:
    """A sweep's folder: its record, the runs finished so far, and its results.

    A folder is used only if it is new, empty, or holds this same sweep's record; nothing
    in it that the sweep did not write is ever touched.
    """

    def __init__(self, out_dir: Path, plan: SweepPlan) -> None:
        self.out_dir = Path(out_dir)
        self.plan = plan
        self.columns = plan.columns
        self.finished: dict[int, dict[str, float]] = {}
        self.timings: dict[int, float] = {}
        self._handle: Any = None
        self._lock: Any = None

    def open(self) -> SweepStore:
        """Check the folder, take its lock, read the runs finished before.

        Raises:
            ScenarioError: a file is in the way, the folder holds something else or a
                different sweep, or another sweep is running in it.
        """
        out = self.out_dir
        if out.exists() and not out.is_dir():
            raise ScenarioError.of(str(out), None, None, "--out", "exists and is not a folder")
        record_path = out / RECORD_FILE
        record = {"score_sim": __version__, "sha256": self.plan.sha256(), **self.plan.record()}
        if out.is_dir() and any(out.iterdir()):
            if not record_path.is_file():
                raise ScenarioError.of(
                    str(out),
                    None,
                    None,
                    "--out",
                    "folder is not empty and holds no sweep (no sweep.json): choose an empty "
                    "or new folder",
                )
            try:
                stored = json.loads(record_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ScenarioError.of(
                    str(record_path), None, None, "", f"cannot read the sweep record: {exc}"
                ) from None
            if stored.get("sha256") != record["sha256"]:
                raise ScenarioError.of(
                    str(out),
                    None,
                    None,
                    "--out",
                    "holds a different sweep (" + _difference(stored, record) + "); "
                    "a changed sweep is not mixed with an old one's runs: choose a new --out",
                )
        out.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        if not record_path.is_file():
            _write_atomic(record_path, json.dumps(record, indent=2, sort_keys=True) + "\n")
        self._read_finished()
        self._handle = open(out / FINISHED_FILE, "a", encoding="utf-8")  # noqa: SIM115
        return self

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not on Windows: no lock
            return
        self._lock = open(self.out_dir / LOCK_FILE, "w")  # noqa: SIM115
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise ScenarioError.of(
                str(self.out_dir), None, None, "--out", "another sweep is running in this folder"
            ) from None

    def _read_finished(self) -> None:
        """Read the runs stored so far; a line cut short by a crash is dropped."""
        path = self.out_dir / FINISHED_FILE
        if not path.exists():
            return
        data = path.read_bytes()
        good = data.rfind(b"\n") + 1
        if good < len(data):  # the last write did not complete: drop it
            with open(path, "r+b") as handle:
                handle.truncate(good)
        for line in data[:good].splitlines():
            try:
                row = json.loads(line)
                run, values = int(row["run"]), row["values"]
            except (ValueError, KeyError, TypeError):
                continue
            if 0 <= run < self.plan.n_runs and set(values) == set(self.columns):
                self.finished[run] = {c: float(values[c]) for c in self.columns}
                self.timings[run] = float(row.get("wall_s", math.nan))

    def add(self, result: dict[str, Any]) -> None:
        """Store one finished run durably (appended, flushed and synced to disk)."""
        run = int(result["run"])
        if run in self.finished:
            return
        line = json.dumps(
            {
                "run": run,
                "values": result["values"],
                "wall_s": result["wall_s"],
                "cpu_s": result.get("cpu_s"),
            }
        )
        self._handle.write(line + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.finished[run] = {c: float(result["values"][c]) for c in self.columns}
        self.timings[run] = float(result["wall_s"])

    def missing(self) -> list[int]:
        """Run ids not finished yet, in order."""
        return [r for r in range(self.plan.n_runs) if r not in self.finished]

    def close(self) -> None:
        """Release the file and the lock."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def table(self) -> dict[str, np.ndarray]:
        """The finished runs as columns, sorted by run id."""
        plan = self.plan
        runs = np.array(sorted(self.finished), dtype=np.int64)
        n_seeds = len(plan.seeds)
        points = runs // n_seeds
        table: dict[str, np.ndarray] = {
            "run": runs,
            "point": points,
            "seed": np.array([plan.seeds[r % n_seeds] for r in runs.tolist()], dtype=np.int64),
        }
        for j, key in enumerate(plan.parameters):
            table[key] = _parameter_column([plan.points[p][j] for p in points.tolist()])
        for column in self.columns:
            table[column] = np.array(
                [self.finished[r][column] for r in runs.tolist()], dtype=np.float64
            )
        return table

    def summary(self) -> dict[str, np.ndarray]:
        """Each metric of each parameter set over its seeds: median and 90% interval.

        Columns: ``point``, the varied keys, ``metric``, ``n`` (seeds with a value),
        ``median``, ``p05``, ``p95`` (numpy's default percentiles) and ``mean``.
        """
        table = self.table()
        plan = self.plan
        rows: dict[str, list[Any]] = {
            "point": [],
            **{k: [] for k in plan.parameters},
            "metric": [],
            "n": [],
            "median": [],
            "p05": [],
            "p95": [],
            "mean": [],
        }
        for point in np.unique(table["point"]).tolist():
            mine = table["point"] == point
            for column in self.columns:
                values = table[column][mine]
                values = values[~np.isnan(values)]
                rows["point"].append(point)
                for j, key in enumerate(plan.parameters):
                    rows[key].append(plan.points[point][j])
                rows["metric"].append(column)
                rows["n"].append(values.size)
                stats = (
                    (np.median(values), *np.percentile(values, [5, 95]), values.mean())
                    if values.size
                    else (math.nan,) * 4
                )
                for name, value in zip(("median", "p05", "p95", "mean"), stats, strict=True):
                    rows[name].append(float(value))
        return {
            name: _parameter_column(values)
            if name in plan.parameters
            else np.array(values, dtype=object if name == "metric" else None)
            for name, values in rows.items()
        }

    def write_results(self) -> tuple[Path, Path, Path]:
        """Write ``results.csv``, ``results.parquet`` and ``summary.csv`` (each atomically)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = self.table()
        csv_path = self.out_dir / RESULTS_CSV
        parquet_path = self.out_dir / RESULTS_PARQUET
        partial = self.out_dir / f".{RESULTS_CSV}.partial"
        write_csv(partial, _text_columns(table), decimals=10)
        os.replace(partial, csv_path)
        partial = self.out_dir / f".{RESULTS_PARQUET}.partial"
        arrow = pa.table({name: pa.array(values) for name, values in table.items()})
        pq.write_table(arrow, partial, compression="zstd")
        os.replace(partial, parquet_path)
        summary_path = self.out_dir / SUMMARY_CSV
        partial = self.out_dir / f".{SUMMARY_CSV}.partial"
        write_csv(partial, _text_columns(self.summary()), decimals=6)
        os.replace(partial, summary_path)
        return csv_path, parquet_path, summary_path


def _difference(stored: dict[str, Any], record: dict[str, Any]) -> str:
    """Say briefly how two sweep records differ."""
    changed = [
        key
        for key in ("spec", "scenario_sha256", "seeds", "parameters", "metrics", "n_runs")
        if stored.get(key) != record.get(key)
    ]
    if "spec" in changed:
        old, new = stored.get("spec") or {}, record["spec"]
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        return "the sweep file changed: " + ", ".join(keys)
    if "scenario_sha256" in changed:
        return "the scenario changed"
    return "changed: " + ", ".join(changed) if changed else "a different score-sim version"


def _text_columns(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Booleans as ``true``/``false`` for CSV, as in the sweep file."""
    return {
        name: np.where(values, "true", "false").astype(object) if values.dtype == bool else values
        for name, values in table.items()
    }


def _parameter_column(values: list[Any]) -> np.ndarray:
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.float64)
    return np.array(
        [v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in values], dtype=object
    )


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


# --------------------------------------------------------------------------- executors


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C to the parent, which stops the sweep."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalPool:
    """Worker processes on this machine, each importing score-sim once."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        context = worker_context()
        return cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_ignore_interrupts
        )

    @property
    def slots(self) -> int:
        """Runs that can execute at once."""
        return self.workers

    def submit(self, task: RunTask) -> cf.Future:
        """Send one task."""
        return self.executor.submit(run_task, task)

    def restart(self) -> None:
        """Start fresh workers after one died (the pool is then broken)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def close(self, cancel: bool = False) -> None:
        """Stop the workers."""
        self.executor.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskPool:
    """Runs sent to an existing Dask cluster; the client stores results as they arrive."""

    def __init__(self, address: str, timeout_s: float = SCHEDULER_TIMEOUT_S) -> None:
        self.address = address
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency
            raise ScenarioError.of(
                "--scheduler", None, None, "", "needs dask[distributed]: pip install score-sim"
            ) from None
        if "://" not in address:
            address = f"tcp://{address}"
        try:
            self.client = Client(address, timeout=timeout_s, set_as_default=False)
        except Exception as exc:  # every failure to connect is bad input, not a bug
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); "
                "start one with `dask scheduler`, or check the address and port",
            ) from None
        try:
            self.client.wait_for_workers(1, timeout=timeout_s)
        except Exception:
            self.client.close()
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"the Dask scheduler at {address} has no workers; "
                f"start some with `dask worker {address}`",
            ) from None
        try:
            versions = self.client.run(_worker_version)
        except Exception as exc:
            self.client.close()
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"the cluster's workers cannot run score-sim ({type(exc).__name__}: {exc}); "
                "install score-sim on every worker",
            ) from None
        wrong = sorted({v for v in versions.values() if v != __version__})
        if wrong:
            self.client.close()
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"the cluster's workers run score-sim {', '.join(wrong)}, this is "
                f"{__version__}: install the same version on every worker",
            )
        self.executor = self.client.get_executor(pure=False)

    @property
    def slots(self) -> int:
        """Threads across the cluster's workers."""
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, task: RunTask) -> cf.Future:
        """Send one task."""
        return self.executor.submit(run_task, task)

    def restart(self) -> None:
        """Nothing to restart: the scheduler replaces lost workers' tasks itself."""

    def close(self, cancel: bool = False) -> None:
        """Disconnect (the cluster keeps running)."""
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=not cancel)
        with contextlib.suppress(Exception):
            self.client.close()


def _cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _worker_version() -> str:
    return __version__


def _lost_worker(error: BaseException) -> bool:
    """Whether a run failed because its worker went away (so it may be tried again)."""
    return isinstance(error, BrokenProcessPool | cf.CancelledError) or type(error).__name__ in {
        "KilledWorker",
        "CommClosedError",
        "FutureCancelledError",
    }


def execute(
    pool: LocalPool | DaskPool,
    tasks: Iterator[RunTask],
    on_result: Callable[[dict[str, Any]], None],
) -> None:
    """Run tasks on a pool, a few per worker in flight, handing each result on as it ends.

    A task whose worker died is sent again (up to :data:`MAX_ATTEMPTS` times in all).

    Raises:
        RuntimeError: a task failed :data:`MAX_ATTEMPTS` times with its worker.
        Exception: whatever a run raised (a bug): the runs stored so far are kept.
    """
    window = max(1, pool.slots * IN_FLIGHT_PER_WORKER)
    attempts: dict[int, int] = {}
    retry: list[RunTask] = []
    pending: dict[cf.Future, tuple[RunTask, int]] = {}
    generation = 0  # which pool a future was sent to: a broken pool is replaced once
    exhausted = False

    def replace_pool() -> None:
        nonlocal generation
        pool.restart()
        generation += 1
        # every run in flight died with the old pool: send them all again
        retry.extend(task for task, _ in pending.values())
        pending.clear()

    def fill() -> None:
        nonlocal exhausted
        while len(pending) < window:
            if retry:
                task = retry.pop()
            elif not exhausted:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                    continue
            else:
                return
            try:
                pending[pool.submit(task)] = (task, generation)
            except BrokenProcessPool:
                retry.append(task)
                replace_pool()

    fill()
    while pending:
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for future in done:
            if future not in pending:  # sent again already, with its broken pool
                continue
            task, sent_to = pending.pop(future)
            error = future.exception()
            if error is None:
                on_result(future.result())
                continue
            if not _lost_worker(error):
                raise error
            attempts[task.run] = attempts.get(task.run, 1) + 1
            if attempts[task.run] > MAX_ATTEMPTS:
                raise RuntimeError(
                    f"run {task.run} was lost with its worker {MAX_ATTEMPTS} times "
                    f"({type(error).__name__}); is a worker running out of memory?"
                )
            retry.append(task)
            if isinstance(error, BrokenProcessPool) and sent_to == generation:
                replace_pool()
        fill()


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
        ScenarioError: an unusable folder, an unreachable scheduler, a population too
            large for this machine.
    """
    from score_sim.memory import check_population

    out = Path(out_dir) if out_dir is not None else default_out_dir(plan)
    population = plan.scenario.population
    check_population(population.citizens, population.firms, plan.file)
    if workers is not None and workers < 1:
        raise ScenarioError.of("--workers", None, None, "", "needs at least 1 worker")
    store = SweepStore(out, plan).open()
    n_before = len(store.finished)
    try:
        missing = store.missing()
        if missing:
            pool: LocalPool | DaskPool = (
                DaskPool(scheduler)
                if scheduler
                else LocalPool(min(workers or _cores(), len(missing)))
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
        ScenarioError: bad input, located.
    """
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
    "RunTask",
    "SweepProgress",
    "SweepResult",
    "execute",
    "measure",
    "metric_columns",
    "run_one",
    "run_sweep",
    "run_task",
    "sweep",
]
