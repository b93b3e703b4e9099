"""A calibration's folder and Optuna study: what makes a calibration resumable.

:class:`CalibrationStore` guards the folder (new, empty or this calibration's own; one
calibration at a time) and keeps every finished run in ``runs.jsonl``, appended and synced
to disk as each run ends. Optuna's study lives beside it in ``study.journal`` (its journal
file storage). Each trial is a *slot*: its number in the calibration, set on the trial
once all its values are drawn, so that a trial cut short while being asked (a kill) is
told failed and asked again, and a trial whose values make no valid scenario is told
failed and kept. :func:`_sampler` seeds the sampler from the calibration and the slot:
the values of a trial depend on the trials told before it, never on timing.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from score_sim import __version__
from score_sim.errors import ScenarioError
from score_sim.experiments.calibration_spec import CalibrationPlan, SamplerName
from score_sim.experiments.folder import take_lock
from score_sim.scenario import scenario_from_data

if TYPE_CHECKING:
    import optuna

RECORD_FILE = "calibration.json"
STUDY_FILE = "study.journal"
RUNS_FILE = "runs.jsonl"
LOCK_FILE = "calibration.lock"
STUDY_NAME = "calibration"


# --------------------------------------------------------------------------- the folder


class CalibrationStore:
    """A calibration's folder: its record, the runs finished so far, Optuna's study.

    A folder is used only if it is new, empty, or holds this same calibration's record;
    nothing in it that the calibration did not write is touched.
    """

    def __init__(self, out_dir: Path, plan: CalibrationPlan) -> None:
        self.out_dir = Path(out_dir)
        self.plan = plan
        self.runs: dict[str, dict[str, Any]] = {}
        self._handle: Any = None
        self._lock: Any = None

    def open(self) -> CalibrationStore:
        """Check the folder, take its lock, read the runs finished before.

        Raises:
            ScenarioError: a file is in the way, the folder holds something else or a
                different calibration, or another calibration is running in it.
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
                    "folder is not empty and holds no calibration (no calibration.json): "
                    "choose an empty or new folder",
                )
            try:
                stored = json.loads(record_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ScenarioError.of(
                    str(record_path), None, None, "", f"cannot read the calibration record: {exc}"
                ) from None
            if stored.get("sha256") != record["sha256"]:
                raise ScenarioError.of(
                    str(out),
                    None,
                    None,
                    "--out",
                    "holds a different calibration (its scenario, parameters, targets, seeds "
                    "or sampler differ); a changed calibration is not mixed with an old one's "
                    "trials: choose a new --out (only `trials` and `check_seeds` may change)",
                )
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError.of(
                str(out), None, None, "--out", f"cannot be made: {exc}"
            ) from None
        self._take_lock()
        if not record_path.is_file():
            _write_atomic(record_path, json.dumps(record, indent=2, sort_keys=True) + "\n")
        self._read_runs()
        self._handle = open(out / RUNS_FILE, "a", encoding="utf-8")  # noqa: SIM115
        return self

    def _take_lock(self) -> None:
        self._lock = take_lock(self.out_dir, LOCK_FILE, "calibration")

    def _read_runs(self) -> None:
        """Read the runs stored so far; a line cut short by a crash is dropped."""
        path = self.out_dir / RUNS_FILE
        if not path.exists():
            return
        for line in _complete_lines(path):
            try:
                row = json.loads(line)
                self.runs[str(row["key"])] = dict(row["values"])
            except (ValueError, KeyError, TypeError):
                continue

    def add(self, result: dict[str, Any]) -> None:
        """Store one finished run durably (appended, flushed and synced to disk)."""
        key = str(result["key"])
        if key in self.runs:
            return
        line = {"key": key, "values": result["values"], "wall_s": result.get("wall_s")}
        self._handle.write(json.dumps(line, sort_keys=True) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.runs[key] = result["values"]

    def close(self) -> None:
        """Release the file and the lock."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _complete_lines(path: Path) -> list[bytes]:
    """The file's complete lines; a last line cut short (a crash mid-write) is cut off."""
    data = path.read_bytes()
    good = data.rfind(b"\n") + 1
    if good < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(good)
    return data[:good].splitlines()


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


# --------------------------------------------------------------------------- the study


def _open_study(out: Path) -> optuna.Study:
    """Optuna's study in the folder (created, or loaded to resume)."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = out / STUDY_FILE
    if path.exists():
        _complete_lines(path)
    # the folder's own lock is held: a lock file left by a killed process is stale
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{path}.lock")
    storage = JournalStorage(JournalFileBackend(str(path)))
    return optuna.create_study(
        storage=storage, study_name=STUDY_NAME, direction="minimize", load_if_exists=True
    )


def _distributions(plan: CalibrationPlan) -> dict[str, Any]:
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        p.key: IntDistribution(int(p.low), int(p.high), log=p.log)
        if p.integer
        else FloatDistribution(p.low, p.high, log=p.log)
        for p in plan.parameters
    }


def _sampler(plan: CalibrationPlan, slot: int) -> optuna.samplers.BaseSampler:
    """The sampler that proposes trial ``slot``: seeded from the calibration and the slot."""
    import warnings

    import optuna

    seed = plan.sampler_seed(slot)
    if plan.spec.sampler is SamplerName.random:
        return optuna.samplers.RandomSampler(seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(
            seed=seed,
            n_startup_trials=plan.spec.startup_trials,
            multivariate=True,
            constant_liar=True,
        )


@dataclass
class Slot:
    """Trial ``slot`` of the calibration: Optuna's trial, its values, its state."""

    slot: int
    number: int
    params: dict[str, Any]
    state: str
    """complete, running (asked, not yet told) or invalid (its values make no scenario)."""
    invalid: str = ""
    loss: float | None = None


def _known_slots(study: optuna.Study, plan: CalibrationPlan) -> dict[int, Slot]:
    """The trials asked before, by slot; a trial cut short while being asked is failed.

    A trial is given its slot only once all its values are drawn, so a failed trial with a
    slot is one whose values made no valid scenario.
    """
    from optuna.trial import TrialState

    names = {p.key for p in plan.parameters}
    slots: dict[int, Slot] = {}
    for trial in study.get_trials(deepcopy=False):
        slot = trial.user_attrs.get("slot")
        complete_params = set(trial.params) == names
        if trial.state is TrialState.RUNNING and (slot is None or not complete_params):
            study.tell(trial.number, state=TrialState.FAIL)
            continue
        if slot is None or slot in slots:
            continue
        if trial.state is TrialState.COMPLETE:
            slots[slot] = Slot(slot, trial.number, dict(trial.params), "complete", "", trial.value)
        elif trial.state is TrialState.RUNNING:
            slots[slot] = Slot(slot, trial.number, dict(trial.params), "running")
        elif trial.state is TrialState.FAIL and complete_params:
            why = _invalid(plan, _changes(plan, dict(trial.params)))
            slots[slot] = Slot(slot, trial.number, dict(trial.params), "invalid", why)
    return slots


def _changes(plan: CalibrationPlan, params: dict[str, Any]) -> dict[str, Any]:
    """A trial's values as scenario changes (integers as integers)."""
    return {
        p.key: int(params[p.key]) if p.integer else float(params[p.key]) for p in plan.parameters
    }


def _invalid(plan: CalibrationPlan, changes: dict[str, Any]) -> str:
    """Why these values make no valid scenario ('' when they do)."""
    try:
        scenario_from_data(plan.scenario.to_data(), "calibration", None, changes)
    except ScenarioError as error:
        return "; ".join(p.message for p in error.problems)[:500]
    return ""
