"""A run's CSV tables: ``timeseries.csv``, ``agents.csv``, ``events.csv``, ``cascades.csv``.

For whoever opens a run's folder in a spreadsheet, pandas or R (the README's "Output
files" lists every column), and for :mod:`score_sim.outputs.frames`, which hands the same
columns to notebooks as DataFrames. :func:`agent_table`, :func:`event_table` and
:func:`cascade_table` read a finished model into one numpy array per column; actors are
named by their Mesa ``unique_id``, codes by their names.

:func:`write_csv` writes them fast and byte-for-byte reproducibly: each column is turned
into strings in one vectorised step (small integer ranges through a lookup table,
categories as they are, floats with a fixed number of decimals, NaN as an empty field),
and the rows are joined once. A city's agents table (hundreds of thousands of rows) takes
about a second, against several with a general-purpose writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause, EventKind
from score_sim.mechanisms.sanctions import restriction_names
from score_sim.scenario import LADDER_STAGES, Channel

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

LOOKUP_LIMIT = 1 << 20
"""Integer columns spanning fewer values than this are formatted through a lookup table."""
CHUNK_ROWS = 1 << 15
"""Rows formatted at a time: bounds the memory the strings take."""


def _strings(values: np.ndarray, decimals: int) -> list[str]:
    values = np.asarray(values)
    if values.dtype == object or values.dtype.kind in "US":
        return [str(v) for v in values.tolist()] if values.dtype.kind != "O" else values.tolist()
    if values.dtype == bool:
        return np.where(values, "1", "0").tolist()
    if values.dtype.kind in "iu":
        if values.size == 0:
            return []
        low, high = int(values.min()), int(values.max())
        if high - low < min(LOOKUP_LIMIT, 4 * values.size + 1024):
            table = np.array([str(v) for v in range(low, high + 1)], dtype=object)
            return table[values - low].tolist()
        return list(map(str, values.tolist()))
    form = f"%.{decimals}f".__mod__
    out = np.full(values.size, "", dtype=object)
    finite = ~np.isnan(values)
    zero = values == 0
    out[zero] = form(0.0)
    rest = finite & ~zero
    out[rest] = list(map(form, values[rest].tolist()))
    return out.tolist()


def write_csv(path: Path, columns: Mapping[str, np.ndarray], decimals: int = 6) -> None:
    """Write equal-length columns as a CSV file with a header row.

    Args:
        path: the file to write.
        columns: column name to values (numbers, booleans or strings).
        decimals: digits after the point for floating-point columns.
    """
    names = list(columns)
    arrays = [np.asarray(columns[name]) for name in names]
    n_rows = len(arrays[0]) if arrays else 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(",".join(names) + "\n")
        for start in range(0, n_rows, CHUNK_ROWS):
            cells = [_strings(a[start : start + CHUNK_ROWS], decimals) for a in arrays]
            handle.write("\n".join(map(",".join, zip(*cells, strict=True))))
            handle.write("\n")


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
