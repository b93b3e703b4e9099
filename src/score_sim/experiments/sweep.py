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
from score_sim.errors import ScenarioError, argument
from score_sim.experiments.folder import (
    _read_bytes,
    check_unchanged,
    parse_finished,
    read_record,
    record_written,
)
from score_sim.experiments.spec import (
    CUMULATIVE_COLUMNS,
    RunTask,
    SweepPlan,
    load_sweep,
    metric_columns,
)
from score_sim.experiments.workers import watch_parent, worker_context
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
SENSITIVITY_CSV = "sensitivity.csv"
RUNS_SUBDIR = "runs"
IN_FLIGHT_PER_WORKER = 2
"""Runs submitted ahead per worker: enough to keep each busy, few enough to bound memory."""
MAX_ATTEMPTS = 3
"""A run lost with its worker is tried this many times in all."""
SCHEDULER_TIMEOUT_S = 10.0


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
        self.absent: dict[int, frozenset[str]] = {}
        """Per run, the result columns its scenario does not measure (switched off)."""
        self._handle: Any = None
        self._lock: Any = None

    def open(self) -> SweepStore:
        """Check the folder, take its lock, read the runs finished before.

        What a start that failed left (a lock, a partial record, an empty list of finished
        runs, with no record beside them) is the sweep's own: it is cleaned up, so a sweep
        whose start failed (a full disk, a read-only place) starts again once the cause is
        gone.

        Raises:
            ScenarioError: a file is in the way, the folder holds something else or a
                different sweep, another sweep is running in it, or it cannot be written.
        """
        out = self.out_dir
        try:
            return self._open()
        except OSError as error:
            self.close()
            raise ScenarioError.of(
                str(out), None, None, "--out", f"cannot be written: {error.strerror or error}"
            ) from None

    def _open(self) -> SweepStore:
        out = self.out_dir
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise ScenarioError.of(str(out), None, None, "--out", "exists and is not a folder")
        record_path = out / RECORD_FILE
        record = {"score_sim": __version__, "sha256": self.plan.sha256(), **self.plan.record()}
        if (
            out.is_dir()
            and any(out.iterdir())
            and not record_path.is_file()
            and not _failed_start(out)
        ):
            raise ScenarioError.of(
                str(out),
                None,
                None,
                "--out",
                "folder is not empty and holds no sweep (no sweep.json): choose an empty "
                "or new folder",
            )
        if record_path.is_file():
            stored = read_record(out)
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
            for leftover in _FAILED_START_FILES:
                if leftover != LOCK_FILE:
                    (out / leftover).unlink(missing_ok=True)
            _write_atomic(record_path, json.dumps(record, indent=2, sort_keys=True) + "\n")
        self._read_finished()
        self.check_results_unchanged()
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
        """Read the runs stored so far; a last line cut short by a crash is dropped.

        Raises:
            ScenarioError: a damaged or edited line, located (see
                :func:`~score_sim.experiments.folder.parse_finished`).
        """
        path = self.out_dir / FINISHED_FILE
        if not path.exists() and not path.is_symlink():
            return
        data = _read_bytes(path, "the runs finished so far")
        good = data.rfind(b"\n") + 1
        self.finished, self.timings, self.absent = parse_finished(
            path, data[:good], self.plan.n_runs, self.columns
        )
        if good < len(data):  # the last write did not complete: drop it
            with open(path, "r+b") as handle:
                handle.truncate(good)

    def add(self, result: dict[str, Any]) -> None:
        """Store one finished run durably (appended, flushed and synced to disk).

        Undefined values are stored as null (JSON has no NaN).
        """
        run = int(result["run"])
        if run in self.finished:
            return
        values = {c: _finite(result["values"].get(c)) for c in self.columns}
        absent = [c for c in result.get("absent", ()) if c in values]
        row = {
            "run": run,
            "values": {c: None if math.isnan(v) else v for c, v in values.items()},
            "wall_s": result["wall_s"],
            "cpu_s": result.get("cpu_s"),
        }
        if absent:
            row["absent"] = absent
        self._handle.write(json.dumps(row, allow_nan=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.finished[run] = values
        self.timings[run] = float(result["wall_s"])
        if absent:
            self.absent[run] = frozenset(absent)

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
        ``median``, ``p05``, ``p95`` (numpy's default percentiles), ``mean`` and ``note``
        (why a metric has no value: its parameter set switches it off).
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
            "note": [],
        }
        for point in np.unique(table["point"]).tolist():
            mine = table["point"] == point
            runs = table["run"][mine].tolist()
            for column in self.columns:
                off = sum(1 for r in runs if column in self.absent.get(r, ()))
                rows["note"].append(
                    ""
                    if not off
                    else "not measured: switched off in this parameter set"
                    if off == len(runs)
                    else f"not measured in {off} of {len(runs)} seeds: switched off there"
                )
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
                    rows[name].append(_finite(value))
        return {
            name: _parameter_column(values)
            if name in plan.parameters
            else np.array(values, dtype=object if name in ("metric", "note") else None)
            for name, values in rows.items()
        }

    def switched_off(self) -> dict[str, list[int]]:
        """Result columns some parameter sets do not measure, with those sets' indices."""
        n_seeds = len(self.plan.seeds)
        found: dict[str, set[int]] = {}
        for run, columns in self.absent.items():
            for column in columns:
                found.setdefault(column, set()).add(run // n_seeds)
        return {column: sorted(points) for column, points in sorted(found.items())}

    def check_results_unchanged(self) -> None:
        """Refuse to go on when a result file was edited since score-sim wrote it.

        Raises:
            ScenarioError: naming each changed file (``results.csv`` with its first
                changed line).
        """
        check_unchanged(
            self.out_dir,
            (RESULTS_CSV, RESULTS_PARQUET, SUMMARY_CSV, SENSITIVITY_CSV),
            self._locate_change,
        )

    def _locate_change(self, path: Path) -> tuple[int | None, str]:
        """Where a changed result file first differs from what its runs give."""
        if path.name != RESULTS_CSV:
            return None, ""
        import io

        expected = io.StringIO()
        partial = self.out_dir / f".{RESULTS_CSV}.expected.partial"
        try:
            write_csv(partial, _text_columns(self.table()), decimals=10)
            expected.write(partial.read_text(encoding="utf-8"))
        finally:
            partial.unlink(missing_ok=True)
        lines = expected.getvalue().split("\n")
        by_run = {line.split(",", 1)[0]: line for line in lines[1:] if line}
        try:
            old = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return 1, " (it is no longer UTF-8 text)"
        old_lines = old.split("\n")
        for number, line in enumerate(old_lines, start=1):
            if number == len(old_lines):
                if line:
                    return number, f" (line {number} is cut short)"
                break
            if number == 1:
                if line != lines[0]:
                    return 1, " (its header differs)"
                continue
            if by_run.get(line.split(",", 1)[0]) != line:
                return number, f" (line {number} differs from the run it holds)"
        return None, ""

    def write_results(self) -> tuple[Path, Path, Path]:
        """Write ``results.csv``, ``results.parquet`` and ``summary.csv`` (each atomically).

        Raises:
            ScenarioError: one of them was edited since score-sim wrote it (it is kept).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.check_results_unchanged()
        table = self.table()
        csv_path = self.out_dir / RESULTS_CSV
        parquet_path = self.out_dir / RESULTS_PARQUET
        partial = self.out_dir / f".{RESULTS_CSV}.partial"
        write_csv(partial, _text_columns(table), decimals=10)
        os.replace(partial, csv_path)
        partial = self.out_dir / f".{RESULTS_PARQUET}.partial"
        # undefined values as nulls, not NaN
        arrow = pa.table(
            {name: pa.array(values, from_pandas=True) for name, values in table.items()}
        )
        pq.write_table(arrow, partial, compression="zstd")
        os.replace(partial, parquet_path)
        summary_path = self.out_dir / SUMMARY_CSV
        partial = self.out_dir / f".{SUMMARY_CSV}.partial"
        write_csv(partial, _text_columns(self.summary()), decimals=6)
        os.replace(partial, summary_path)
        record_written(self.out_dir, (csv_path, parquet_path, summary_path))
        return csv_path, parquet_path, summary_path


_FAILED_START_FILES = (LOCK_FILE, f".{RECORD_FILE}.partial", FINISHED_FILE)
"""What a sweep's start writes before its record is in place."""


def _failed_start(out: Path) -> bool:
    """Whether ``out`` holds only what a sweep's failed start left (so it may be reused)."""
    for entry in out.iterdir():
        if entry.name not in _FAILED_START_FILES or entry.is_symlink() or not entry.is_file():
            return False
        if entry.name == FINISHED_FILE and entry.stat().st_size:
            return False
    return True


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


def _start_worker(parent: int, parent_start: str | None) -> None:
    """In a worker: leave Ctrl-C to the parent, which stops the sweep.

    The worker exits when the parent is gone (killed without a chance to stop it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent, parent_start)


class LocalPool:
    """Worker processes on this machine, each importing score-sim once."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        from score_sim.experiments.workers import process_start

        context = worker_context()
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(), process_start(os.getpid())),
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
        address = check_scheduler(address, timeout_s)
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency
            raise ScenarioError.of(
                "--scheduler", None, None, "", "needs dask[distributed]: pip install score-sim"
            ) from None
        try:
            with _quiet_dask():
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


SCHEDULER_SCHEMES = ("tcp",)
"""How score-sim talks to a Dask scheduler (``tcp://HOST:PORT``, or ``HOST:PORT``)."""


def check_scheduler(address: Any, timeout_s: float = SCHEDULER_TIMEOUT_S) -> str:
    """A Dask scheduler's address, checked promptly before any Dask client is made.

    The scheme must be ``tcp`` (or none), the host a name or address that resolves, the
    port 1 to 65535, and something must answer there (one TCP connection attempt, which a
    closed port refuses at once).

    Returns:
        The address as ``tcp://HOST:PORT``.

    Raises:
        ScenarioError: naming ``--scheduler`` and what is wrong.
    """
    import socket
    from urllib.parse import urlsplit

    from score_sim.text_safety import shown

    def refuse(message: str) -> ScenarioError:
        return ScenarioError.of(argument("scheduler", "--scheduler"), None, None, "", message)

    if not isinstance(address, str) or not address.strip():
        raise refuse(f"needs an address such as tcp://HOST:PORT, not {shown(address)}")
    text = address.strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else "tcp"
    if scheme not in SCHEDULER_SCHEMES:
        raise refuse(
            f"{shown(text)}: score-sim reaches a Dask scheduler over tcp:// only, not "
            f"{shown(scheme + '://')}; give tcp://HOST:PORT"
        )
    try:
        parts = urlsplit(text if "://" in text else f"tcp://{text}")
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise refuse(
            f"{shown(text)} is not an address of the form tcp://HOST:PORT ({error})"
        ) from None
    if not host or port is None or parts.path not in ("", "/") or parts.query:
        raise refuse(f"{shown(text)} is not an address of the form tcp://HOST:PORT")
    if not 0 < port < 65536:
        raise refuse(f"{shown(text)}: the port must be 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise refuse(
            f"cannot reach the Dask scheduler at {shown(text)}: unknown host {shown(host)}"
        ) from None
    reason = "no answer"
    for family, kind, proto, _, where in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.settimeout(min(timeout_s, 5.0))
            try:
                probe.connect(where)
            except OSError as error:
                reason = error.strerror or type(error).__name__
                continue
        shown_host = f"[{host}]" if ":" in host else host
        return f"tcp://{shown_host}:{port}"
    raise refuse(
        f"cannot reach the Dask scheduler at tcp://{host}:{port} ({reason}); start one with "
        "`dask scheduler`, or check the address and port"
    )


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own logging off while connecting: its failures are reported as sentences."""
    import logging

    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


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
    switched_off: dict[str, list[int]] | None = None
    """Result columns that some parameter sets do not measure (their cells are empty),
    with those parameter sets."""

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
