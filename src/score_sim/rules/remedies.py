"""Remedies: appeals and credit repair, the ways off a blacklist besides expiry.

Documented (DOMAIN.md): administrative and legal remedies (appeals) exist; firms can sign a
Credit Rescue Commitment Letter with exonerating evidence to have a negative entry
cancelled; severely-untrustworthy entries may ask for early removal after a year. Appeal
capacity, delays and success rates are assumptions: a scenario sets them, and a higher
success rate for false findings is what lets appeals clear the innocent faster.
"""

from __future__ import annotations

import numpy as np

from score_sim.events import EventKind, EventLog
from score_sim.rules.lists import ListBook
from score_sim.scenario import Appeals, CreditRepair, Who


class AppealsDesk:
    """A first-come, first-served queue of appeals against blacklistings."""

    def __init__(self, config: Appeals) -> None:
        self.config = config
        self._actor = np.empty(0, dtype=np.int64)
        self._filed = np.empty(0, dtype=np.int32)
        self._entry = np.empty(0, dtype=np.int32)

    @property
    def n_pending(self) -> int:
        """Appeals filed and not yet decided."""
        return int(self._actor.size)

    def file(
        self, day: int, blacklist: ListBook, rng: np.random.Generator, events: EventLog
    ) -> None:
        """Today's new blacklistings appeal with ``file_probability``."""
        new = blacklist.entered_today
        if not self.config.enabled or new.size == 0:
            return
        filing = new[rng.random(new.size) < self.config.file_probability]
        self._actor = np.concatenate([self._actor, filing])
        self._filed = np.concatenate([self._filed, np.full(filing.size, day, dtype=np.int32)])
        self._entry = np.concatenate([self._entry, blacklist.since_day[filing]])
        events.record(
            day, filing, EventKind.appeal_filed, true=(~blacklist.innocent[filing]).astype(np.int8)
        )

    def decide(
        self,
        day: int,
        blacklist: ListBook,
        score: np.ndarray,
        false_points: np.ndarray,
        rng: np.random.Generator,
        events: EventLog,
    ) -> None:
        """Decide up to ``capacity_per_day`` ripe appeals, oldest first.

        An upheld appeal ends the listing and restores the points of false findings; an
        appeal whose listing has already ended is dropped.
        """
        if not self.config.enabled or self._actor.size == 0:
            return
        still_listed = blacklist.since_day[self._actor] == self._entry
        ripe = np.flatnonzero(still_listed & (self._filed + self.config.delay_days <= day))
        taken = ripe[: self.config.capacity_per_day]
        actor = self._actor[taken]
        innocent = blacklist.innocent[actor]
        p = np.where(
            innocent, self.config.success_probability_false, self.config.success_probability_true
        )
        upheld = rng.random(actor.size) < p
        events.record(
            day,
            actor[~upheld],
            EventKind.appeal_rejected,
            true=(~innocent[~upheld]).astype(np.int8),
        )
        winners = actor[upheld]
        blacklist.remove(day, winners, EventKind.appeal_upheld, events)
        score[winners] -= false_points[winners]
        false_points[winners] = 0.0
        keep = still_listed.copy()
        keep[taken] = False
        self._actor, self._filed, self._entry = (
            self._actor[keep],
            self._filed[keep],
            self._entry[keep],
        )


def repair_credit(
    day: int,
    config: CreditRepair,
    blacklist: ListBook,
    is_firm: np.ndarray,
    rng: np.random.Generator,
    events: EventLog,
) -> None:
    """Listed actors of the covered kinds leave after ``after_days`` with a daily chance."""
    if not config.enabled:
        return
    kinds = np.zeros(is_firm.size, dtype=bool)
    if Who.firm in config.who:
        kinds |= is_firm
    if Who.citizen in config.who:
        kinds |= ~is_firm
    eligible = np.flatnonzero(
        kinds & blacklist.listed & (day - blacklist.since_day >= config.after_days)
    )
    repaired = eligible[rng.random(eligible.size) < config.probability_per_day]
    blacklist.remove(day, repaired, EventKind.credit_repair, events)
