"""The bad-luck ratio: how much more often the falsely listed early on end as outcasts.

Lindström & Tobler (2018, "Incidental ostracism emerges from simple learning strategies",
Nature Human Behaviour 2: 405-414) and Kim (2014, "A simple model of ostracism
formation", PLOS ONE 9(4): e94333) find that chance differences early on, not conduct,
decide who ends up excluded: identical individuals become outcasts through early bad luck
alone. The regime's version of bad luck is a false listing.

The measure compares two runs of the same scenario with the same seed: the world as
written, and its twin without erroneous reports (every error rate zero, the same people,
the same draws of conduct). The *hit* are the citizens who entered a blacklist on false
findings in the run's first ``harm_metrics.bad_luck_early_days`` days. An *outcast* is
blacklisted, or a pariah (at the floor, or blacklisted without a break for
``harm_metrics.pariah_min_days``), on the last day. The bad-luck ratio is the hit's share
of outcasts in the world as written over the same citizens' share in the twin world,
with half a person added to both counts (the usual correction for a count of zero, so a
small run gives 1, not a division by zero). The hit's misconduct in both worlds is
reported beside it: drawn from the same streams, it is the same unless feedback changes
conduct.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.events import EventKind

if TYPE_CHECKING:
    from score_sim.model import ScoreModel


def outcasts(model: ScoreModel) -> np.ndarray:
    """Whether each citizen is blacklisted or a pariah on the model's last day."""
    n = model.world.n_citizens
    return (model.world.lists.blacklisted | model.harms.pariah(model.steps))[:n]


def hit_early(model: ScoreModel, early_days: int) -> np.ndarray:
    """Citizens who entered a blacklist on false findings by day ``early_days`` (sorted)."""
    entries = model.events.of_kind(EventKind.blacklist_entry)
    early = (entries["true"] == 0) & (entries["day"] <= early_days)
    early &= entries["actor"] < model.world.n_citizens
    return np.unique(entries["actor"][early]).astype(np.int64)


def bad_luck_ratio(outcasts_hit: int, outcasts_twin: int) -> float:
    """Outcasts among the hit over the same people's outcasts without errors (+1/2 each)."""
    return (outcasts_hit + 0.5) / (outcasts_twin + 0.5)


def bad_luck_report(model: ScoreModel, twin: ScoreModel, early_days: int) -> dict[str, Any]:
    """The bad-luck comparison of a run with its twin without errors, for ``summary.json``.

    Args:
        model: the run as written.
        twin: the same scenario and seed without erroneous reports.
        early_days: the hit are those falsely listed by this day.
    """
    hit = hit_early(model, early_days)
    with_errors, without = outcasts(model)[hit], outcasts(twin)[hit]
    n = int(hit.size)

    def misconduct(run: ScoreModel) -> float | None:
        counts = run.harms.misconduct_by_actor
        return round(float(counts[hit].mean()), 4) if counts is not None and n else None

    everyone = outcasts(twin)
    return {
        "early_days": early_days,
        "twin_world": "no erroneous reports (every error rate 0), same seed, same people",
        "citizens_hit": n,
        "outcasts_among_hit": int(with_errors.sum()),
        "outcasts_among_hit_without_errors": int(without.sum()),
        "outcast_share_hit": round(float(with_errors.mean()), 4) if n else None,
        "outcast_share_same_people_without_errors": round(float(without.mean()), 4) if n else None,
        "outcast_share_everyone_without_errors": round(float(everyone.mean()), 4)
        if everyone.size
        else None,
        "ratio": round(bad_luck_ratio(int(with_errors.sum()), int(without.sum())), 4)
        if n
        else None,
        "misconduct_per_hit_citizen": misconduct(model),
        "misconduct_per_hit_citizen_without_errors": misconduct(twin),
    }
