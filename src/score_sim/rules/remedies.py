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
from score_sim.rules.lists import ListSet
from score_sim.scenario import Appeals, CreditRepair, Who


class AppealsDesk:
    """A first-come, first-served queue of appeals against blacklistings (on any blacklist)."""

    def __init__(self, config: Appeals) -> None:
        self.config = config
        self._actor = np.empty(0, dtype=np.int64)
        self._filed = np.empty(0, dtype=np.int32)
        self._entry = np.empty(0, dtype=np.int32)
        self._book = np.empty(0, dtype=np.int16)

    def retune(self, config: Appeals) -> None:
        """Follow changed appeal rules from today on, keeping the queue of pending appeals."""
        self.config = config

    @property
    def n_pending(self) -> int:
        """Appeals filed and not yet decided."""
        return int(self._actor.size)

    def file(self, day: int, lists: ListSet, rng: np.random.Generator, events: EventLog) -> None:
        """Today's new blacklistings appeal with ``file_probability``, list by list."""
        if not self.config.enabled:
            return
        for position, book in enumerate(lists.blacklists):
            new = book.entered_today
            if new.size == 0:
                continue
            filing = new[rng.random(new.size) < self.config.file_probability]
            self._actor = np.concatenate([self._actor, filing])
            self._filed = np.concatenate([self._filed, np.full(filing.size, day, dtype=np.int32)])
            self._entry = np.concatenate([self._entry, book.since_day[filing]])
            self._book = np.concatenate(
                [self._book, np.full(filing.size, position, dtype=np.int16)]
            )
            events.record(
                day,
                filing,
                EventKind.appeal_filed,
                true=(~book.innocent[filing]).astype(np.int8),
                list_index=book.index,
            )

    def decide(
        self,
        day: int,
        lists: ListSet,
        score: np.ndarray,
        false_points: np.ndarray,
        rng: np.random.Generator,
        events: EventLog,
    ) -> None:
        """Decide up to ``capacity_per_day`` ripe appeals, oldest first.

        An upheld appeal ends the listing and restores the points of false findings (what
        they actually cost, see :func:`score_sim.rules.scoring.clamp_false_points`); an
        appeal whose listing has already ended is dropped.
        """
        if not self.config.enabled or self._actor.size == 0:
            return
        books = lists.blacklists
        since = np.empty(self._actor.size, dtype=np.int32)
        innocent_all = np.empty(self._actor.size, dtype=bool)
        for position, book in enumerate(books):
            mine = self._book == position
            since[mine] = book.since_day[self._actor[mine]]
            innocent_all[mine] = book.innocent[self._actor[mine]]
        still_listed = since == self._entry
        ripe = np.flatnonzero(still_listed & (self._filed + self.config.delay_days <= day))
        taken = ripe[: self.config.capacity_per_day]
        actor = self._actor[taken]
        book_of = self._book[taken]
        innocent = innocent_all[taken]
        p = np.where(
            innocent, self.config.success_probability_false, self.config.success_probability_true
        )
        upheld = rng.random(actor.size) < p
        for position, book in enumerate(books):
            mine = book_of == position
            lost = mine & ~upheld
            events.record(
                day,
                actor[lost],
                EventKind.appeal_rejected,
                true=(~innocent[lost]).astype(np.int8),
                list_index=book.index,
            )
            winners = actor[mine & upheld]
            book.remove(day, winners, EventKind.appeal_upheld, events)
            score[winners] -= false_points[winners]
            false_points[winners] = 0.0
        keep = still_listed.copy()
        keep[taken] = False
        self._actor, self._filed, self._entry, self._book = (
            self._actor[keep],
            self._filed[keep],
            self._entry[keep],
            self._book[keep],
        )


def repair_credit(
    day: int,
    config: CreditRepair,
    lists: ListSet,
    is_firm: np.ndarray,
    rng: np.random.Generator,
    events: EventLog,
) -> None:
    """Actors of the covered kinds leave each blacklist after ``after_days`` with a daily chance."""
    if not config.enabled:
        return
    kinds = np.zeros(is_firm.size, dtype=bool)
    if Who.firm in config.who:
        kinds |= is_firm
    if Who.citizen in config.who:
        kinds |= ~is_firm
    for book in lists.blacklists:
        listed = np.flatnonzero(book.listed)
        eligible = listed[kinds[listed] & (day - book.since_day[listed] >= config.after_days)]
        repaired = eligible[rng.random(eligible.size) < config.probability_per_day]
        book.remove(day, repaired, EventKind.credit_repair, events)
