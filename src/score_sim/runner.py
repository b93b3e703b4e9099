"""Running a scenario to its outputs: the time series, final states, events, figures, manifest.

This is what ``score-sim run`` does, as a function. A run claims its folder before it
simulates, writes into a work folder beside it and renames that into place when complete
(:mod:`score_sim.output_folder`), so an interrupted run leaves no half-written output and
nothing the user wrote is ever deleted.
"""

from __future__ import annotations

import json
import platform
import sys
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
from score_sim.errors import argument
from score_sim.events import Cause, EventKind
from score_sim.harm_plots import harm_figure_jobs
from score_sim.mechanisms.sanctions import restriction_names
from score_sim.memory import activity_bytes, check_population
from score_sim.model import ScoreModel
from score_sim.output_folder import MANIFEST, TOOL, claim_output_folder, output_bytes
from score_sim.plots import FigureContext, FigureJob, figure_jobs, save_figures
from score_sim.record_plots import record_figure_jobs
from score_sim.scenario import Channel, Scenario, resolve_scenario
from score_sim.scenario.ledger import manifest_entry
from score_sim.summary import summarize
from score_sim.system_plots import system_figure_jobs
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


def write_timeseries(path: Path, timeseries: dict[str, np.ndarray]) -> None:
    """Write the time series as CSV: a header, then one row per day from day 0."""
    columns = {
        name: values.astype(np.int64) if name == "step" or "_n_" in name else values
        for name, values in timeseries.items()
    }
    write_csv(path, columns)


def agent_table(model: ScoreModel) -> dict[str, np.ndarray]:
    """Each actor's final state, one array per ``agents.csv`` column."""
    world = model.world
    n = world.n_actors
    employer_id = np.full(n, -1, dtype=np.int64)
    employed = np.flatnonzero(world.employer >= 0)
    employer_id[employed] = _ids(model, world.n_citizens + world.employer[employed])
    sectors = np.array([*model.score_scenario.population.sectors, ""], dtype=object)
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
        **_sharing_and_corporate_agent_columns(model),
        **({} if model.systems is None else model.systems.agent_columns()),
        **({} if model.perks is None else model.perks.agent_columns()),
    }


def _sharing_and_corporate_agent_columns(model: ScoreModel) -> dict[str, np.ndarray]:
    """Per-firm columns of the escalation ladder and the commitment letters, when on.

    ``ladder_stage`` (0 none, else the stage's name) and ``closed``; ``pre_approvals``
    (applications pre-approved so far) and ``commitment_until`` (the day the firm's
    letter ends, -1 for none). Citizens have 0, -1 or an empty field.
    """
    from score_sim.scenario import LADDER_STAGES

    world = model.world
    c, n = world.n_citizens, world.n_actors
    out: dict[str, np.ndarray] = {}
    if model.ladder.enabled:
        names = np.array(["", *LADDER_STAGES], dtype=object)
        stage = np.zeros(n, dtype=np.int64)
        stage[c:] = model.ladder.stage
        out["ladder_stage"] = names[stage]
        out["closed"] = model.ladder.closed_actors().astype(np.int8)
    if model.commitments.enabled:
        pre = np.zeros(n, dtype=np.int64)
        pre[c:] = model.commitments.pre_approvals
        until = np.full(n, -1, dtype=np.int64)
        until[c:] = model.commitments.until
        out["pre_approvals"] = pre
        out["commitment_until"] = until
    return out


def write_agents(path: Path, model: ScoreModel) -> None:
    """Write each actor's final state: id, kind, score, grade, list status, days listed."""
    write_csv(path, agent_table(model))


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
    """Write the event log: day, id, kind, event, behaviour, channel, true, cause, source.

    With a policy timeline, each entry's event also gives its note and changes.
    """
    table = event_table(model)
    for column in ("note", "changes"):
        if column in table:
            table[column] = np.array([_csv_text(t) for t in table[column].tolist()], object)
    write_csv(path, table)


def event_table(model: ScoreModel) -> dict[str, np.ndarray]:
    """The event log, one array per ``events.csv`` column."""
    rows = model.events.rows
    actor = rows["actor"].astype(np.int64)
    source = rows["source"].astype(np.int64)
    causes = [c.name for c in Cause]
    causes[Cause.none] = ""
    source_id = np.full(source.size, "", dtype=object)
    has_source = source >= 0
    policy = rows["event"] == EventKind.policy_change
    has_source &= ~policy
    source_id[has_source] = list(map(str, _ids(model, source[has_source]).tolist()))
    table = {
        "day": rows["day"],
        "id": _ids(model, actor),
        "kind": _kinds(model, actor),
        "event": _names(rows["event"], [k.name for k in EventKind]),
        "behaviour": _names(rows["behaviour"], [b.name for b in model.score_scenario.behaviours]),
        "channel": _names(rows["channel"], [c.value for c in Channel]),
        "true": _names(rows["true"], ["0", "1"]),
        "cause": _names(rows["cause"], causes),
        "source_id": source_id,
        "days": rows["days"],
        "list": _names(rows["list"], list(model.score_scenario.lists)),
    }
    if model.score_scenario.timeline:
        table |= _timeline_columns(model, rows, policy)
    return table


def _csv_text(text: str) -> str:
    """A text as one CSV field (quoted when it holds a comma, a quote or a line break)."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _timeline_columns(
    model: ScoreModel, rows: np.ndarray, policy: np.ndarray
) -> dict[str, np.ndarray]:
    """With a policy timeline: its events have no actor, and say their note and changes."""
    from score_sim.mechanisms.policy import describe_changes

    entries = model.score_scenario.timeline
    notes = np.array([*(e.note for e in entries), ""], dtype=object)
    changes = np.array([*(describe_changes(e.set) for e in entries), ""], dtype=object)
    index = np.where(policy, rows["source"], len(entries))
    ids = np.array(list(map(str, _ids(model, rows["actor"].astype(np.int64)).tolist())), object)
    ids[policy] = ""
    kinds = _kinds(model, rows["actor"].astype(np.int64)).copy()
    kinds[policy] = ""
    return {"id": ids, "kind": kinds, "note": notes[index], "changes": changes[index]}


def write_cascades(path: Path, model: ScoreModel) -> None:
    """Write one row per new sanction: who, and how many actors and sectors it restricted."""
    write_csv(path, cascade_table(model))


def cascade_table(model: ScoreModel) -> dict[str, np.ndarray]:
    """One row per new sanction, one array per ``cascades.csv`` column."""
    rows = model.sanctions.cascades
    actor = rows["actor"].astype(np.int64)
    return {
        "day": rows["day"],
        "id": _ids(model, actor),
        "kind": _kinds(model, actor),
        "cascade_size": rows["n_agents"],
        "n_sectors": rows["n_sectors"],
        "true": rows["true"],
        "n_citizens": rows["n_citizens"],
        "n_firms": rows["n_firms"],
        "n_legal_representative": rows["n_legal_representative"],
        "n_staff": rows["n_staff"],
        "n_family": rows["n_family"],
        "n_parent_company": rows["n_parent_company"],
    }


def _file_sha256(path: Path) -> str:
    return sha256(path.read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries that shape the results."""
    return {
        "python": platform.python_version(),
        "score_sim": __version__,
        "mesa": mesa.__version__,
        "numpy": np.__version__,
    }


def write_manifest(folder: Path, manifest: dict[str, Any], files: Sequence[Path]) -> Path:
    """Write ``manifest.json``: score-sim's mark on a folder, with every file's sha256."""
    manifest = {
        "tool": TOOL,
        **manifest,
        "files": {f.relative_to(folder).as_posix(): _file_sha256(f) for f in files},
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run_figure_jobs(model: ScoreModel, summary: dict[str, Any], out_dir: Path) -> list[FigureJob]:
    """Every figure of a finished run, as (path, drawing function) pairs, in file order.

    The run's own figures, its harm figures, and the record and system figures its scenario
    calls for; ``summary`` is the run's :func:`~score_sim.summary.summarize` data.
    ``benchmarks/figures.py`` times exactly these.
    """
    timeseries = model.timeseries()
    context = FigureContext.of_model(model)
    return (
        figure_jobs(timeseries, context, out_dir, summary["pariah_spiral"]["grade_transitions"])
        + harm_figure_jobs(
            timeseries,
            model.sanctions.cascades,
            summary,
            context,
            out_dir,
            model.trajectories(),
        )
        + record_figure_jobs(timeseries, context, out_dir)
        + system_figure_jobs(timeseries, context, out_dir, model.score_scenario)
    )


def write_run_outputs(
    model: ScoreModel,
    folder: Path,
    *,
    figures: bool = True,
    manifest: dict[str, Any] | None = None,
    twin: ScoreModel | None = None,
    clock: tuple[float, float] | None = None,
) -> tuple[list[Path], dict[str, Any]]:
    """Write a finished run's tables, summary, figures and manifest into ``folder``.

    Args:
        model: a model that has run.
        folder: an existing, empty folder.
        figures: whether to draw the PNG figures.
        manifest: entries recorded in the manifest besides the files and the scenario.
        twin: the same run without feedback, for the selection/feedback split.
        clock: ``time.perf_counter()`` when the run started and when it finished
            stepping: the manifest then records ``wall_time_s`` and the ``outputs`` phase
            up to the moment it is written (every other file is written by then).

    Returns:
        The files written (manifest included, last) and the manifest.
    """
    scenario = model.score_scenario
    files = [
        folder / "timeseries.csv",
        folder / "agents.csv",
        folder / "events.csv",
        folder / "cascades.csv",
        folder / "summary.json",
    ]
    timeseries = model.timeseries()
    write_timeseries(files[0], timeseries)
    write_agents(files[1], model)
    write_events(files[2], model)
    write_cascades(files[3], model)
    summary = summarize(model, twin)
    files[4].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if figures:
        files += save_figures(run_figure_jobs(model, summary, folder / "figures"))
    if clock is not None:
        started, stepped = clock
        now = time.perf_counter()
        manifest = dict(manifest or {})
        manifest["wall_time_s"] = round(now - started, 3)
        phases = manifest.get("phase_times_s", {})
        manifest["phase_times_s"] = {**phases, "outputs": round(now - stepped, 3)}
    record = {
        "kind": "run",
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256(),
        "seed": scenario.run.seed,
        "steps": scenario.run.steps,
        "versions": versions(),
        **(manifest or {}),
        **({"timeline": summary["timeline"]} if "timeline" in summary else {}),
        "evidence": manifest_entry(scenario),
        "resolved_scenario": scenario.to_data(),
    }
    path = write_manifest(folder, record, files)
    written = json.loads(path.read_text(encoding="utf-8"))
    return [*files, path], written


def simulate(
    scenario: Scenario,
    *,
    progress: Callable[[int, int], None] | None = None,
    decompose: bool | None = None,
) -> tuple[ScoreModel, ScoreModel | None]:
    """Build and run a scenario at its own seed, and its twin without feedback if asked.

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
    model.phase_times_s = {
        "build": round(stepping - started, 3),
        "steps": round(stepped - stepping, 3),
        **(
            {"twin_world_without_feedback": round(time.perf_counter() - stepped, 3)} if twin else {}
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
    it all at once when complete (see :mod:`score_sim.output_folder`).

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
