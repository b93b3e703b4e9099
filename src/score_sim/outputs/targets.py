"""Calibration targets: documented aggregates a scenario should reproduce, measured on a run.

A scenario's ``targets:`` name documented aggregates (the share of adults on the court
defaulter list, new listings a year, firms on some blacklist, how long entries last), each
with its source, the metric it is compared with and an acceptable range. Every run measures
each one on the finished model and reports it in ``summary.json`` under ``"targets"``;
``score-sim run`` prints any target missed: this is for whoever calibrates a scenario, and
for the reader who wants to know whether its run matches the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.events import EventKind
from score_sim.scenario import ListType, Metric, Target

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

DAYS_PER_YEAR = 365.0


def _entries(model: ScoreModel, target: Target) -> np.ndarray:
    """Entry events of the target's list (or of any blacklist) for the target's kind."""
    rows = model.events.rows
    if target.list is None:
        mine = rows["event"] == EventKind.blacklist_entry
    else:
        index = list(model.score_scenario.lists).index(target.list)
        kind = (
            EventKind.blacklist_entry
            if model.score_scenario.list_type(target.list) is ListType.blacklist
            else EventKind.redlist_entry
        )
        mine = (rows["event"] == kind) & (rows["list"] == index)
    rows = rows[mine]
    span = model.world.kind_slice(target.who)
    return rows[(rows["actor"] >= span.start) & (rows["actor"] < span.stop)]


def measure(model: ScoreModel, target: Target) -> float | None:
    """The model's value of a target's metric, or None where it is undefined."""
    span = model.world.kind_slice(target.who)
    n = span.stop - span.start
    if target.metric is Metric.listed_share_at_end:
        lists = model.world.lists
        listed = lists.blacklisted if target.list is None else lists.books[target.list].listed
        return float(np.count_nonzero(listed[span])) / n if n else None
    entries = _entries(model, target)
    if target.metric is Metric.ever_listed_share:
        return float(np.unique(entries["actor"]).size) / n if n else None
    if target.metric is Metric.new_listings_per_year_share:
        if not n or model.steps == 0:
            return None
        return float(entries.size) / n / (model.steps / DAYS_PER_YEAR)
    # entry_years_mean: how long the entries begun in the run are set to last
    if entries.size == 0:
        return None
    return float(entries["days"].mean()) / DAYS_PER_YEAR


def report(model: ScoreModel) -> list[dict[str, Any]]:
    """Every target of the scenario with the model's value and whether it is met."""
    out = []
    for target in model.score_scenario.targets:
        value = measure(model, target)
        out.append(
            {
                "name": target.name,
                "source": target.source,
                "metric": target.metric.value,
                "list": target.list,
                "who": target.who.value,
                "low": target.low,
                "high": target.high,
                "model": None if value is None else round(value, 6),
                "met": value is not None and target.low <= value <= target.high,
            }
        )
    return out


def missed_lines(targets: list[dict[str, Any]]) -> list[str]:
    """One line per missed target, for the end of a run."""
    lines = []
    for t in targets:
        if t["met"]:
            continue
        value = "undefined" if t["model"] is None else f"{t['model']:.4g}"
        lines.append(
            f"target missed: {t['name']}: {t['metric']} = {value}, "
            f"outside {t['low']:g}..{t['high']:g} ({t['source']})"
        )
    return lines
