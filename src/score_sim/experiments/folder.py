"""Reading a sweep's folder back: what is damaged or was edited is named, never guessed.

A sweep's folder is read again when the sweep resumes and when its sensitivity is analysed.
Each file score-sim wrote there is checked as it is read, and a file that is truncated,
edited, of the wrong type or holding numbers that are not finite is refused with its
file, line (or row and column) and what is wrong, exit status 2:

- ``sweep.json``: a JSON object whose content still matches the sha256 it records;
- ``finished.jsonl``: one JSON object per line, ``{"run", "values", ...}``, every value a
  finite number or null (undefined); only a last line without its line break, what a
  killed sweep leaves, is dropped;
- ``results.csv``, ``results.parquet``, ``summary.csv``, ``sensitivity.csv``: written
  again only when they are byte for byte what score-sim wrote last (``written.json``
  records each file's sha256), so that a user's edit is never lost: a file it has no
  record of, or a damaged record, is refused too; ``results.parquet`` is also checked when
  it is read (rows, columns, types, finite values).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from score_sim.errors import Problem, ScenarioError

RECORD_FILE = "sweep.json"
FINISHED_FILE = "finished.jsonl"
WRITTEN_FILE = "written.json"
"""The sha256 of each result file as score-sim last wrote it."""
MAX_PROBLEMS = 10
"""Problems of one file reported at once."""

RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "sha256": str,
    "spec": dict,
    "scenario_sha256": str,
    "parameters": list,
    "seeds": list,
    "metrics": list,
    "columns": list,
    "n_points": int,
    "n_runs": int,
}


def record_sha256(record: dict[str, Any]) -> str:
    """The sha256 a sweep record holds: of everything in it but the version and itself."""
    content = {k: v for k, v in record.items() if k not in ("score_sim", "sha256")}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _read_bytes(path: Path, what: str) -> bytes:
    """A file's bytes, refusing (located) anything but a readable regular file."""
    from score_sim.scenario.yaml_files import check_regular_file, open_regular_file

    def fail(message: str) -> ScenarioError:
        return ScenarioError.of(str(path), None, None, "", f"{message} ({what})")

    try:
        check_regular_file(path, fail)
        with open_regular_file(path, fail) as handle:
            return handle.read()
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror or error}") from None


def _line_of(text: str, key: str) -> int | None:
    match = re.search(r'^\s*"' + re.escape(key) + r'"\s*:', text, flags=re.MULTILINE)
    return None if match is None else text.count("\n", 0, match.start()) + 1


def read_record(out: Path) -> dict[str, Any]:
    """A sweep folder's ``sweep.json``, checked.

    Raises:
        ScenarioError: the record is missing, not a regular file, not JSON, not an object,
            lacks a field or has one of the wrong type, or was changed after score-sim
            wrote it (its content no longer matches its sha256).
    """
    path = out / RECORD_FILE
    file = str(path)
    if not path.exists() and not path.is_symlink():
        raise ScenarioError.of(str(out), None, None, "", "holds no sweep (no sweep.json)")
    data = _read_bytes(path, "the sweep's record")
    try:
        text = data.decode("utf-8")
        record = json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise ScenarioError.of(
            file, None, None, "", f"is not UTF-8 text (byte {error.start}): damaged?"
        ) from None
    except ValueError as error:
        line, col = getattr(error, "lineno", None), getattr(error, "colno", None)
        reason = getattr(error, "msg", str(error))
        raise ScenarioError.of(
            file, line, col, "", f"is not valid JSON ({reason}): truncated or edited?"
        ) from None
    if not isinstance(record, dict):
        raise ScenarioError.of(
            file, 1, 1, "", f"holds {_json_kind(record)}, not a sweep record (an object)"
        )
    problems = []
    for key, kind in RECORD_FIELDS.items():
        if key not in record:
            problems.append(Problem(file, None, None, key, "is missing: the record is damaged"))
        elif not isinstance(record[key], kind) or isinstance(record[key], bool):
            problems.append(
                Problem(
                    file,
                    _line_of(text, key),
                    None,
                    key,
                    f"is {_json_kind(record[key])}, not {_kind_name(kind)}: edited?",
                )
            )
    if problems:
        raise ScenarioError(problems)
    if record_sha256(record) != record["sha256"]:
        raise ScenarioError.of(
            file,
            _line_of(text, "sha256"),
            None,
            "sha256",
            "the record was changed after score-sim wrote it (its content no longer matches "
            "its sha256): put it back as it was, or run the sweep into a new folder",
        )
    return record


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a text", dict: "an object", list: "a list", int: "a whole number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


# --------------------------------------------------------------------------- finished.jsonl


def parse_finished(
    path: Path, data: bytes, n_runs: int, columns: Iterable[str]
) -> tuple[dict[int, dict[str, float]], dict[int, float], dict[int, frozenset[str]]]:
    """The runs stored in ``finished.jsonl`` (the bytes of its complete lines).

    Each line is ``{"run": id, "values": {column: number or null}, "wall_s": seconds,
    "absent": [column, ...]}``. A value of null (or NaN, as older versions wrote) is
    undefined; ``absent`` lists the columns the run's scenario does not measure at all.

    Returns:
        Each run's values, its wall time, and its absent columns.

    Raises:
        ScenarioError: one problem per damaged line (at most :data:`MAX_PROBLEMS`), with
            its line: not JSON, not an object, a run id out of range, values missing,
            extra or not finite numbers, a run stored twice with different values.
    """
    file = str(path)
    wanted = list(columns)
    finished: dict[int, dict[str, float]] = {}
    timings: dict[int, float] = {}
    absent: dict[int, frozenset[str]] = {}
    first_line: dict[int, int] = {}
    problems: list[Problem] = []

    def problem(line: int, key: str, message: str) -> None:
        problems.append(Problem(file, line, None, key, message))

    for number, raw in enumerate(data.splitlines(), start=1):
        if len(problems) >= MAX_PROBLEMS:
            break
        try:
            row = json.loads(raw)
        except ValueError as error:
            reason = getattr(error, "msg", str(error))
            problem(number, "", f"is not a JSON object ({reason}): damaged or edited?")
            continue
        if not isinstance(row, dict):
            problem(number, "", f"holds {_json_kind(row)}, not a finished run (an object)")
            continue
        run = row.get("run")
        if isinstance(run, bool) or not isinstance(run, int) or not 0 <= run < n_runs:
            problem(number, "run", f"{run!r} is not a run of this sweep (0 to {n_runs - 1})")
            continue
        values = row.get("values")
        if not isinstance(values, dict):
            problem(number, "values", f"is {_json_kind(values)}, not an object of values")
            continue
        missing = [c for c in wanted if c not in values]
        extra = [c for c in values if c not in wanted]
        if missing or extra:
            parts = []
            if missing:
                parts.append(
                    "lacks " + ", ".join(missing[:3]) + ("..." if len(missing) > 3 else "")
                )
            if extra:
                parts.append("has unknown " + ", ".join(map(str, extra[:3])))
            problem(number, "values", "; ".join(parts) + ": edited, or from another sweep?")
            continue
        parsed: dict[str, float] = {}
        bad = False
        for column in wanted:
            value = values[column]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                parsed[column] = math.nan
            elif isinstance(value, bool) or not isinstance(value, int | float):
                problem(number, f"values.{column}", f"{value!r} is not a number")
                bad = True
            elif not math.isfinite(value):
                problem(number, f"values.{column}", f"{value!r} is not a finite number")
                bad = True
            else:
                parsed[column] = float(value)
        if bad:
            continue
        wall = row.get("wall_s")
        if run in finished:
            same = all(
                (math.isnan(a) and math.isnan(b)) or a == b
                for a, b in zip(finished[run].values(), parsed.values(), strict=True)
            )
            if not same:
                problem(
                    number,
                    "run",
                    f"run {run} is stored twice with different values (lines "
                    f"{first_line[run]} and {number}): edited?",
                )
            continue
        finished[run] = parsed
        first_line[run] = number
        is_time = isinstance(wall, int | float) and not isinstance(wall, bool)
        timings[run] = float(wall) if is_time and math.isfinite(wall) else math.nan
        listed = row.get("absent")
        if isinstance(listed, list):
            absent[run] = frozenset(c for c in listed if c in parsed)
    if problems:
        problems.append(
            Problem(
                file,
                None,
                None,
                "",
                "fix or delete the lines named (a deleted run is run again), or run the sweep "
                "into a new folder",
            )
        )
        raise ScenarioError(problems)
    return finished, timings, absent


def take_lock(out: Path, name: str, what: str) -> IO[str] | None:
    """Lock ``out`` for one sweep or calibration at a time, with the lock file ``name``.

    A link, folder or pipe where the lock file goes is refused, never opened (opening a
    link for writing would empty the file it points to). Without ``fcntl`` (Windows)
    nothing is locked.

    Args:
        out: the folder.
        name: the lock file's name in it.
        what: what runs there, for the message (``sweep``, ``calibration``).

    Returns:
        The open lock file, held until it is closed; None where locks are not available.

    Raises:
        ScenarioError: the lock file is not a plain file, or another process holds it.
    """
    try:
        import fcntl
    except ImportError:  # not on Windows: no lock
        return None
    lock = out / name
    if lock.is_symlink() or (lock.exists() and not lock.is_file()):
        raise ScenarioError.of(
            str(lock),
            None,
            None,
            "",
            "is not the lock file score-sim makes (a link, a folder or a pipe): move it "
            "away and run the same command again",
        )
    handle = open(lock, "w")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ScenarioError.of(
            str(out), None, None, "--out", f"another {what} is running in this folder"
        ) from None
    return handle


# --------------------------------------------------------------------------- written files


def file_sha256(path: Path) -> str | None:
    """The sha256 of a file's bytes (None when it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _damaged_record(path: Path, what: str) -> ScenarioError:
    return ScenarioError.of(
        str(path),
        None,
        None,
        "",
        f"{what}: score-sim cannot tell which result files are its own. Move the result "
        "files you want to keep away (results.csv, results.parquet, summary.csv, "
        "sensitivity.csv), delete this file, and run the same command again: the results "
        "are written again from finished.jsonl",
    )


def read_written(out: Path) -> dict[str, tuple[str, ...]]:
    """What score-sim last wrote into a sweep folder: file name to its sha256s.

    A name may have two sha256s for a moment: the file as it was and as it is being
    replaced (see :func:`replace_recorded`), so that a sweep killed between the two is
    still recognised. Empty when score-sim has written no result file there yet.

    Raises:
        ScenarioError: ``written.json`` is there but is not a record score-sim wrote (a
            link, a folder, not JSON, not an object of names and sha256s).
    """
    path = out / WRITTEN_FILE
    if not (path.exists() or path.is_symlink()):
        return {}
    if path.is_symlink() or not path.is_file():
        raise _damaged_record(path, "is not a file")
    try:
        written = json.loads(_read_bytes(path, "what score-sim wrote").decode("utf-8"))
    except ValueError:
        raise _damaged_record(path, "is not the JSON score-sim wrote") from None
    if not isinstance(written, dict):
        raise _damaged_record(path, "is not an object of file names and sha256s")
    record: dict[str, tuple[str, ...]] = {}
    for name, value in written.items():
        values = [value] if isinstance(value, str) else value
        if not (
            isinstance(values, list)
            and values
            and all(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) for v in values)
        ):
            raise _damaged_record(path, f"holds no sha256 for {name!r}")
        record[name] = tuple(values)
    return record


def _write_record(out: Path, record: dict[str, list[str]]) -> None:
    path = out / WRITTEN_FILE
    if path.is_symlink() or path.is_dir():
        raise _damaged_record(path, "is not a file")
    partial = out / f".{WRITTEN_FILE}.partial"
    plain = {name: values[0] if len(values) == 1 else values for name, values in record.items()}
    partial.write_text(json.dumps(plain, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)


def record_written(out: Path, paths: Iterable[Path]) -> None:
    """Note the sha256 of files just written (kept with those noted before)."""
    record = {name: [values[-1]] for name, values in read_written(out).items()}
    for path in paths:
        digest = file_sha256(path)
        if digest is not None:
            record[path.relative_to(out).as_posix()] = [digest]
    _write_record(out, record)


def replace_recorded(out: Path, replacements: Iterable[tuple[Path, Path]]) -> None:
    """Move each written ``partial`` over its ``final`` file, keeping the record true.

    The new files' sha256s are noted beside the old ones first, then the files replaced,
    then the old sha256s dropped: a sweep killed at any moment leaves every result file
    recognised as score-sim's own (as it was, or as it became).
    """
    pairs = list(replacements)
    record = {name: list(values) for name, values in read_written(out).items()}
    for partial, final in pairs:
        name = final.relative_to(out).as_posix()
        digest = file_sha256(partial)
        if digest is not None:
            record[name] = [*record.get(name, [])[-1:], digest]
    _write_record(out, record)
    for partial, final in pairs:
        os.replace(partial, final)
    record_written(out, [final for _, final in pairs])


def _not_written_over(path: Path, why: str, or_else: str) -> Problem:
    """A result file refused: why, and that it is kept."""
    return Problem(
        str(path),
        None,
        None,
        "",
        f"{why}; it is not written over: move it away{or_else} and run the same command again",
    )


def check_unchanged(
    out: Path, names: Iterable[str], locate: Any = None, reading: bool = False
) -> None:
    """Refuse to write again (or read) a result file that is not what score-sim wrote last.

    A result file score-sim has no record of (``written.json`` missing, or not naming it)
    is not taken as its own: it may be the user's, and is refused like an edited one.

    Args:
        out: the sweep's folder.
        names: the files about to be written again, relative to ``out``.
        locate: for a changed file, a function of its path giving ``(line, what)`` of its
            first difference, or None.
        reading: the files are about to be read, not written (the message says what to do
            then).

    Raises:
        ScenarioError: naming each changed file (and where it first differs).
    """
    written = read_written(out)
    problems = []
    for name in names:
        path = out / name
        expected = written.get(name)
        if not (path.exists() or path.is_symlink()):
            continue
        if path.is_symlink() or not path.is_file():
            kind = "a link" if path.is_symlink() else "a folder" if path.is_dir() else "not a file"
            if reading:
                continue  # reading it says what it is
            problems.append(
                _not_written_over(path, f"is {kind}, not the file score-sim writes there", "")
            )
            continue
        if expected is None:
            if reading:
                continue  # reading checks the file itself
            problems.append(
                _not_written_over(
                    path,
                    "is not a file score-sim has a record of writing (written.json does not "
                    "name it)",
                    " (or delete it)",
                )
            )
            continue
        if file_sha256(path) not in expected:
            line, what = (None, "")
            if locate is not None:
                line, what = locate(path)
            problems.append(
                Problem(
                    str(path),
                    line,
                    None,
                    "",
                    f"was changed after score-sim wrote it{what}; "
                    + (
                        "its numbers cannot be trusted: move it away and run the sweep "
                        "command again to write it from finished.jsonl"
                        if reading
                        else "it is not written over: move it away (or delete it) and run the "
                        "same command again"
                    ),
                )
            )
    if problems:
        raise ScenarioError(problems)


# --------------------------------------------------------------------------- results.parquet


def read_results(out: Path, record: dict[str, Any]) -> dict[str, list[Any]]:
    """A sweep folder's ``results.parquet``, checked against its record.

    Returns:
        The table as columns (``run``, ``point``, ``seed``, parameters, metrics).

    Raises:
        ScenarioError: the file is missing, not Parquet (truncated or replaced), lacks a
            column, has one of the wrong type, rows out of order or repeated, or a value
            that is not a finite number (null is an undefined value), each located by row
            and column.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = out / "results.parquet"
    file = str(path)
    if not path.exists() and not path.is_symlink():
        raise ScenarioError.of(
            str(out), None, None, "", "has no results.parquet yet: run the sweep first"
        )
    data = _read_bytes(path, "the sweep's results")
    try:
        columns = pq.read_table(pa.BufferReader(data)).to_pydict()
    except (pa.ArrowException, OSError, ValueError) as error:  # UnicodeDecodeError too
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ScenarioError.of(
            file,
            None,
            None,
            "",
            f"is not a readable Parquet file ({reason}): truncated or replaced?",
        ) from None
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(file, None, None, key, message))

    metric_columns = [c for c in record["columns"] if isinstance(c, str)]
    for name in ("run", "point", "seed", *metric_columns):
        if name not in columns:
            problem(name, "this column is missing: the file was edited or is from another sweep")
    if problems:
        raise ScenarioError(problems)
    n_seeds = max(1, len(record["seeds"]))
    for row, run in enumerate(columns["run"]):
        if isinstance(run, bool) or not isinstance(run, int) or not 0 <= run < record["n_runs"]:
            problem(f"row {row}.run", f"{run!r} is not a run of this sweep")
        elif row and isinstance(columns["run"][row - 1], int) and run <= columns["run"][row - 1]:
            problem(f"row {row}.run", f"run {run} is out of order or repeated: edited?")
        elif columns["point"][row] != run // n_seeds:
            problem(
                f"row {row}.point", f"{columns['point'][row]!r} is not run {run}'s parameter set"
            )
    for name in metric_columns:
        for row, value in enumerate(columns[name]):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue  # undefined (older versions wrote NaN)
            if isinstance(value, bool) or not isinstance(value, int | float):
                problem(f"row {row}.{name}", f"{value!r} is not a number")
            elif not math.isfinite(value):
                problem(f"row {row}.{name}", f"{value!r} is not a finite number")
    if problems:
        raise ScenarioError(problems)
    # well formed, yet perhaps changed where the format cannot tell (a number edited)
    check_unchanged(out, ("results.parquet",), reading=True)
    return columns
