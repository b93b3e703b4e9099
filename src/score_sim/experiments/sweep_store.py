"""A sweep's folder as a store: its record, the runs finished so far, and the results.

Each finished run is appended to ``finished.jsonl`` and flushed to disk as it arrives; the
same command on the same folder after a crash or ``kill -9`` runs only what is missing, and
a changed sweep on an existing folder is refused. ``results.csv`` and ``results.parquet``
hold one row per run, sorted by run id, whatever the order of completion.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim import __version__
from score_sim.errors import ScenarioError
from score_sim.experiments.folder import (
    _read_bytes,
    check_unchanged,
    parse_finished,
    read_record,
    replace_recorded,
    take_lock,
)
from score_sim.experiments.sweep_plan import SweepPlan
from score_sim.experiments.sweep_runs import _finite
from score_sim.outputs.tables import write_csv

if TYPE_CHECKING:
    pass

RECORD_FILE = "sweep.json"
FINISHED_FILE = "finished.jsonl"
LOCK_FILE = "sweep.lock"
RESULTS_CSV = "results.csv"
RESULTS_PARQUET = "results.parquet"
SUMMARY_CSV = "summary.csv"
SENSITIVITY_CSV = "sensitivity.csv"
RUNS_SUBDIR = "runs"


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
        except BaseException:
            self.close()
            raise

    def _open(self) -> SweepStore:
        out = self.out_dir
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise ScenarioError.of(str(out), None, None, "--out", "exists and is not a folder")
        record_path = out / RECORD_FILE
        record = {"score_sim": __version__, "sha256": self.plan.sha256(), **self.plan.record()}
        if (
            out.is_dir()
            and any(out.iterdir())
            and not _exists(record_path)
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
        if _exists(record_path):
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
        self._lock = take_lock(self.out_dir, LOCK_FILE, "sweep")

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
        summary_path = self.out_dir / SUMMARY_CSV
        csv_partial = self.out_dir / f".{RESULTS_CSV}.partial"
        write_csv(csv_partial, _text_columns(table), decimals=10)
        parquet_partial = self.out_dir / f".{RESULTS_PARQUET}.partial"
        # undefined values as nulls, not NaN
        arrow = pa.table(
            {name: pa.array(values, from_pandas=True) for name, values in table.items()}
        )
        pq.write_table(arrow, parquet_partial, compression="zstd")
        summary_partial = self.out_dir / f".{SUMMARY_CSV}.partial"
        write_csv(summary_partial, _text_columns(self.summary()), decimals=6)
        replace_recorded(
            self.out_dir,
            (
                (csv_partial, csv_path),
                (parquet_partial, parquet_path),
                (summary_partial, summary_path),
            ),
        )
        return csv_path, parquet_path, summary_path


def _exists(path: Path) -> bool:
    """Whether anything (a file, a folder, a link, even a broken one) is at ``path``."""
    return path.is_symlink() or path.exists()


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
