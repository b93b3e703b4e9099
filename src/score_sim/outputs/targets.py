"""Calibration targets: documented aggregates a scenario should reproduce, measured on a run.

A scenario's ``targets:`` name documented aggregates, each with its source, the metric it
is compared with and an acceptable range. Each target measures what its source measures:

- **which lists**: a target names the lists it counts (``list``: one name, or several, an
  actor on any of them counted once; none counts every blacklist, administrative records
  without joint sanctions included), and the report says which it counted;
- **whom, of whom**: the kinds of actor counted (``who``: citizens, firms, or both, as
  national list counts mix people and firms) and the denominator (the actors counted, or
  the adults among the citizens, ``population.adult_share`` of them, as national shares
  are given per adult);
- **stocks and flows**: the share on the lists at the end of the run (a stock, such as the
  14.5M court defaulters of July 2019), entries per year (an inflow, such as the 2.46M
  newly listed in 2024), optionally over the run's last days only;
- **durations as lived**: the realised stays of entries that ended in the run, with the
  share still open, not the terms drawn when an entry begins (those meet a documented term
  by construction, and are kept only as ``entry_years_mean``);
- **travel bans as purchases**: flight and train purchases refused per year.

Every run measures each target on the finished model and reports it in ``summary.json``
under ``"targets"``; ``score-sim run`` prints each one, met or missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.events import EventKind
from score_sim.scenario import Denominator, ListType, Metric, Scenario, Target, Who

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

DAYS_PER_YEAR = 365.0

EXIT_KINDS = (
    EventKind.blacklist_expiry,
    EventKind.blacklist_early_removal,
    EventKind.redlist_expiry,
    EventKind.redlist_early_removal,
    EventKind.appeal_upheld,
    EventKind.credit_repair,
    EventKind.rescue_letter,
)
"""The ways a list entry ends: it expires, is removed early, or a remedy ends it."""


def counted_lists(scenario: Scenario, target: Target, kind: Who) -> list[str]:
    """The lists a target counts for actors of ``kind``.

    Its named lists that cover the kind, or, when it names none, every blacklist covering
    the kind.
    """
    named = target.lists
    if named is not None:
        return [name for name in named if kind in scenario.lists[name].who]
    return [
        name
        for name, rule in scenario.lists.items()
        if kind in rule.who and scenario.list_type(name) is ListType.blacklist
    ]


def _entries(model: ScoreModel, names: list[str], span: slice) -> np.ndarray:
    """Entry events into the lists ``names`` of the actors in ``span``."""
    rows = model.events.rows
    scenario = model.score_scenario
    order = list(scenario.lists)
    mine = np.zeros(rows.size, dtype=bool)
    for name in names:
        kind = (
            EventKind.blacklist_entry
            if scenario.list_type(name) is ListType.blacklist
            else EventKind.redlist_entry
        )
        mine |= (rows["event"] == kind) & (rows["list"] == order.index(name))
    rows = rows[mine]
    return rows[(rows["actor"] >= span.start) & (rows["actor"] < span.stop)]


def _exits(model: ScoreModel, names: list[str], span: slice) -> np.ndarray:
    """Events that ended entries of the lists ``names``, for the actors in ``span``."""
    rows = model.events.rows
    order = list(model.score_scenario.lists)
    indices = [order.index(name) for name in names]
    mine = np.isin(rows["event"], [int(k) for k in EXIT_KINDS]) & np.isin(rows["list"], indices)
    rows = rows[mine]
    return rows[(rows["actor"] >= span.start) & (rows["actor"] < span.stop)]


def denominator(model: ScoreModel, target: Target) -> float:
    """What a target's share is of: the actors counted, or the adults among the citizens."""
    world = model.world
    if target.denominator is Denominator.adults:
        share = model.score_scenario.population.adult_share or 0.0
        return world.n_citizens * share
    return float(sum(world.n_citizens if k is Who.citizen else world.n_firms for k in target.kinds))


def window_days(model: ScoreModel, target: Target) -> int:
    """The days a per-year metric counts: the run's last ``over_last_days``, or all of it."""
    if target.over_last_days is None:
        return model.steps
    return min(target.over_last_days, model.steps)


def measure_detail(model: ScoreModel, target: Target) -> dict[str, Any]:
    """The model's value of a target's metric (None where undefined), with what it counted.

    Returns:
        ``value``, ``lists_counted`` (by kind), and for ``stay_years_mean`` the entries
        ``ended`` and the share still open (``open_share``) of the entries begun in the run.
    """
    scenario = model.score_scenario
    world = model.world
    n = denominator(model, target)
    metric = target.metric
    lists = {kind: counted_lists(scenario, target, kind) for kind in target.kinds}
    detail: dict[str, Any] = {"lists_counted": sorted({x for v in lists.values() for x in v})}
    if metric in (
        Metric.blocked_flight_purchases_per_year_share,
        Metric.blocked_train_purchases_per_year_share,
    ):
        days = window_days(model, target)
        column = (
            "n_blocked_flight_purchases"
            if metric is Metric.blocked_flight_purchases_per_year_share
            else "n_blocked_train_purchases"
        )
        series = model.timeseries().get(column)
        if series is None or not days or not n:
            return detail | {"value": None}
        blocked = float(np.sum(series[model.steps - days + 1 : model.steps + 1]))
        return detail | {"value": blocked / n / (days / DAYS_PER_YEAR)}
    if metric is Metric.listed_share_at_end:
        listed = 0
        for kind, names in lists.items():
            span = world.kind_slice(kind)
            on = np.zeros(span.stop - span.start, dtype=bool)
            for name in names:
                on |= world.lists.books[name].listed[span]
            listed += int(np.count_nonzero(on))
        return detail | {"value": listed / n if n else None}
    entries = [_entries(model, lists[kind], world.kind_slice(kind)) for kind in target.kinds]
    pooled = np.concatenate(entries) if entries else np.empty(0)
    if metric is Metric.ever_listed_share:
        ever = sum(int(np.unique(e["actor"]).size) for e in entries)
        return detail | {"value": ever / n if n else None}
    if metric is Metric.new_listings_per_year_share:
        days = window_days(model, target)
        if not n or not days:
            return detail | {"value": None}
        recent = int(np.count_nonzero(pooled["day"] > model.steps - days)) if pooled.size else 0
        return detail | {"value": recent / n / (days / DAYS_PER_YEAR)}
    if metric is Metric.stay_years_mean:
        exits = [_exits(model, lists[kind], world.kind_slice(kind)) for kind in target.kinds]
        ended = np.concatenate(exits)
        begun = int(pooled.size)
        open_share = (begun - int(ended.size)) / begun if begun else None
        value = float(ended["days"].mean()) / DAYS_PER_YEAR if ended.size else None
        return detail | {
            "value": value,
            "ended": int(ended.size),
            "open_share": None if open_share is None else round(open_share, 6),
        }
    # entry_years_mean: the terms the run's entries were set to last when they began
    if pooled.size == 0:
        return detail | {"value": None}
    return detail | {"value": float(pooled["days"].mean()) / DAYS_PER_YEAR}


def measure(model: ScoreModel, target: Target) -> float | None:
    """The model's value of a target's metric, or None where it is undefined."""
    return measure_detail(model, target)["value"]


def report(model: ScoreModel) -> list[dict[str, Any]]:
    """Every target of the scenario with the model's value and whether it is met."""
    return [report_one(model, target) for target in model.score_scenario.targets]


def report_one(model: ScoreModel, target: Target) -> dict[str, Any]:
    """One target with the model's value, what it counted, and whether it is met."""
    detail = measure_detail(model, target)
    value = detail.pop("value")
    row: dict[str, Any] = {
        "name": target.name,
        "source": target.source,
        "metric": target.metric.value,
        "list": list(target.list) if isinstance(target.list, tuple) else target.list,
        "who": [k.value for k in target.who] if isinstance(target.who, tuple) else target.who.value,
        "low": target.low,
        "high": target.high,
        "model": None if value is None else round(value, 6),
        "met": value is not None and target.low <= value <= target.high,
    }
    if target.denominator is not Denominator.counted:
        row["denominator"] = target.denominator.value
    if target.over_last_days is not None:
        row["over_last_days"] = target.over_last_days
    return row | detail


def target_line(t: dict[str, Any]) -> str:
    """One target in words: met or missed, the model's value against the documented range."""
    value = "undefined" if t["model"] is None else f"{t['model']:.4g}"
    verdict = "met" if t["met"] else "missed"
    extra = ""
    if t.get("open_share") is not None:
        extra = f"; {t['open_share']:.0%} of the run's entries still open"
    return (
        f"target {verdict}: {t['name']}: {value} (documented range {t['low']:g}..{t['high']:g}"
        f"{extra}; {t['source']})"
    )


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
