"""Running a scenario to its outputs: the time series, final states, events, figures, manifest.

This is what ``score-sim run`` does, as a function. A run writes into a fresh folder, built
under a temporary name and renamed when complete, so an interrupted run leaves no
half-written output and an earlier run is never overwritten.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from score_sim import __version__
from score_sim.errors import ScenarioError
from score_sim.events import Cause, EventKind
from score_sim.harm_plots import write_harm_figures
from score_sim.ledger import manifest_entry
from score_sim.model import ScoreModel
from score_sim.plots import FigureContext, write_figures
from score_sim.rules.sanctions import restriction_names
from score_sim.scenario import Channel, Scenario, resolve_scenario
from score_sim.summary import summarize
from score_sim.tables import write_csv

RUNS_DIR = Path("runs")


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced."""

    out_dir: Path
    model: ScoreModel
    manifest: dict[str, Any]
    files: tuple[Path, ...]
    summary: dict[str, Any] | None = None


def unused_path(base: Path) -> Path:
    """``base``, or ``base-2``, ``base-3``... the first that does not exist yet."""
    candidate = base
    n = 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def write_timeseries(path: Path, timeseries: dict[str, np.ndarray]) -> None:
    """Write the time series as CSV: a header, then one row per day from day 0."""
    columns = {
        name: values.astype(np.int64) if name == "step" or "_n_" in name else values
        for name, values in timeseries.items()
    }
    write_csv(path, columns)


def _agent_table(model: ScoreModel) -> dict[str, np.ndarray]:
    world = model.world
    n = world.n_actors
    employer_id = np.full(n, -1, dtype=np.int64)
    employed = np.flatnonzero(world.employer >= 0)
    employer_id[employed] = _ids(model, world.n_citizens + world.employer[employed])
    sectors = np.array([*model.scenario.population.sectors, ""], dtype=object)
    sector = np.full(n, len(sectors) - 1, dtype=np.int64)
    sector[world.n_citizens :] = world.firm_sector
    masks, inverse = np.unique(model.sanctions.restrictions, return_inverse=True)
    restriction_text = np.array(["+".join(restriction_names(int(m))) for m in masks], dtype=object)
    return {
        "id": _ids(model, np.arange(n)),
        "kind": _kinds(model, np.arange(n)),
        "score": world.score,
        "grade": np.array(model.grading.names, dtype=object)[model.grades],
        "blacklisted": world.lists.blacklisted.astype(np.int8),
        "redlisted": world.lists.redlisted.astype(np.int8),
        "days_blacklisted": world.lists.days_blacklisted(model.steps),
        "days_redlisted": world.lists.days_redlisted(model.steps),
        "listed_innocent": world.lists.blacklist_innocent.astype(np.int8),
        "restrictions": restriction_text[inverse.reshape(-1)],
        "days_restricted": model.harms.days_restricted,
        "pariah": model.harms.pariah(model.steps).astype(np.int8),
        "false_points": world.false_points,
        "employer_id": employer_id,
        "sector": sectors[sector],
        **{
            column: values
            for name in model.extra_lists
            for column, values in (
                (f"on_{name}", world.lists.books[name].listed.astype(np.int8)),
                (f"days_on_{name}", world.lists.books[name].days_listed_total(model.steps)),
            )
        },
    }


def write_agents(path: Path, model: ScoreModel) -> None:
    """Write each actor's final state: id, kind, score, grade, list status, days listed."""
    write_csv(path, _agent_table(model))


def _ids(model: ScoreModel, actors: np.ndarray) -> np.ndarray:
    """Mesa ``unique_id`` of actor indices (citizens first, then firms)."""
    return model.agent_ids(actors)


def _names(codes: np.ndarray, names: list[str]) -> np.ndarray:
    """Names for codes; -1 (not applicable) becomes an empty string."""
    table = np.array([*names, ""], dtype=object)
    return table[np.where(codes < 0, len(names), codes)]


_KIND_NAMES = np.array(["citizen", "firm"], dtype=object)


def _kinds(model: ScoreModel, actors: np.ndarray) -> np.ndarray:
    # two shared strings, not one string object per row: a city's tables stay small
    return _KIND_NAMES[(actors >= model.world.n_citizens).astype(np.intp)]


def write_events(path: Path, model: ScoreModel) -> None:
    """Write the event log: day, id, kind, event, behaviour, channel, true, cause, source."""
    rows = model.events.rows
    actor = rows["actor"].astype(np.int64)
    source = rows["source"].astype(np.int64)
    causes = [c.name for c in Cause]
    causes[Cause.none] = ""
    source_id = np.full(source.size, "", dtype=object)
    has_source = source >= 0
    source_id[has_source] = list(map(str, _ids(model, source[has_source]).tolist()))
    write_csv(
        path,
        {
            "day": rows["day"],
            "id": _ids(model, actor),
            "kind": _kinds(model, actor),
            "event": _names(rows["event"], [k.name for k in EventKind]),
            "behaviour": _names(rows["behaviour"], [b.name for b in model.scenario.behaviours]),
            "channel": _names(rows["channel"], [c.value for c in Channel]),
            "true": _names(rows["true"], ["0", "1"]),
            "cause": _names(rows["cause"], causes),
            "source_id": source_id,
            "days": rows["days"],
            "list": _names(rows["list"], list(model.scenario.lists)),
        },
    )


def write_cascades(path: Path, model: ScoreModel) -> None:
    """Write one row per new sanction: who, and how many actors and sectors it restricted."""
    rows = model.sanctions.cascades
    actor = rows["actor"].astype(np.int64)
    write_csv(
        path,
        {
            "day": rows["day"],
            "id": _ids(model, actor),
            "kind": _kinds(model, actor),
            "cascade_size": rows["n_agents"],
            "n_sectors": rows["n_sectors"],
            "true": rows["true"],
        },
    )


def _file_sha256(path: Path) -> str:
    return sha256(path.read_bytes()).hexdigest()


def prepare_out_dir(out_dir: Path | str | None, default: Path, overwrite: bool) -> Path:
    """The folder to write into: a fresh ``default``, or ``out_dir`` if it may be used.

    Raises:
        ScenarioError: ``out_dir`` is a file, or a folder with something in it (unless
            ``overwrite``): nothing the user wrote or ran is replaced by accident.
    """
    if out_dir is None:
        return unused_path(default)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ScenarioError.of(str(out_dir), None, None, "--out", "exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise ScenarioError.of(
            str(out_dir),
            None,
            None,
            "--out",
            "folder exists and is not empty; choose another --out, or pass "
            "--overwrite to replace it",
        )
    return out_dir


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
) -> RunResult:
    """Run a scenario and write its outputs.

    Args:
        scenario: a Scenario, a path to a YAML file or a bundled scenario's name.
        out_dir: output folder; default ``runs/<name>-<short hash>/``.
        seed: shorthand for ``run.seed``.
        steps: shorthand for ``run.steps``.
        citizens: shorthand for ``population.citizens``.
        firms: shorthand for ``population.firms``.
        overrides: further ``{"key.path": value}`` changes to the scenario.
        overwrite: replace a non-empty ``out_dir`` instead of refusing.
        figures: whether to draw the PNG figures.
        progress: optional ``progress(day, total)`` callback.
        command_line: recorded in the manifest (default ``sys.argv``).

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

    target = prepare_out_dir(
        out_dir, RUNS_DIR / f"{scenario.name}-{scenario.sha256()[:8]}", overwrite
    )
    built = time.perf_counter()
    model = ScoreModel(scenario)
    stepping = time.perf_counter()
    model.run(progress=progress)
    stepped = time.perf_counter()

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        files = [
            work / "timeseries.csv",
            work / "agents.csv",
            work / "events.csv",
            work / "cascades.csv",
            work / "summary.json",
        ]
        write_timeseries(files[0], model.timeseries())
        write_agents(files[1], model)
        write_events(files[2], model)
        write_cascades(files[3], model)
        summary = summarize(model)
        files[4].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if figures:
            context = FigureContext.of_model(model)
            timeseries = model.timeseries()
            files += write_figures(timeseries, context, work / "figures")
            files += write_harm_figures(
                timeseries, model.sanctions.cascades, summary, context, work / "figures"
            )
        manifest = {
            "scenario": scenario.name,
            "scenario_source": source,
            "scenario_sha256": scenario.sha256(),
            "seed": scenario.run.seed,
            "steps": scenario.run.steps,
            "versions": {
                "python": platform.python_version(),
                "score_sim": __version__,
                "mesa": mesa.__version__,
                "numpy": np.__version__,
            },
            "command_line": list(sys.argv if command_line is None else command_line),
            "start_time": start_time,
            "wall_time_s": round(time.perf_counter() - started, 3),
            "phase_times_s": {
                "load": round(built - started, 3),
                "build": round(stepping - built, 3),
                "steps": round(stepped - stepping, 3),
                "outputs": round(time.perf_counter() - stepped, 3),
            },
            "files": {str(f.relative_to(work)): _file_sha256(f) for f in files},
            "evidence": manifest_entry(scenario),
            "resolved_scenario": scenario.to_data(),
        }
        (work / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    written = tuple(target / f.relative_to(work) for f in [*files, work / "manifest.json"])
    return RunResult(out_dir=target, model=model, manifest=manifest, files=written, summary=summary)
