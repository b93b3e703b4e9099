"""Remedies: appeals and credit repair, the ways off a blacklist besides expiry.

Documented (DOMAIN.md): administrative and legal remedies (appeals) exist; firms can sign a
Credit Rescue Commitment Letter with exonerating evidence to have a negative entry
cancelled; severely-untrustworthy entries may ask for early removal after a year. Appeal
capacity, delays and success rates are assumptions: a scenario sets them, and a higher
success rate for false findings is what lets appeals clear the innocent faster.

Two remedies concern a firm's record: *credit repair* (``remedies.credit_repair``) takes a
listed actor off after some time served, with a daily chance, blind to the evidence (the
repair process in general: obligations met, training done, a request granted); the *Credit
Rescue Commitment Letter* (``remedies.rescue_letters``, :class:`RescueDesk`) cancels an
entry because of exonerating evidence: an entry resting on false findings has it, a true
one only with ``true_entry_evidence_probability`` (an assumption); with evidence, the entry
is cancelled ``delay_days`` after it began, with ``probability``. Both may be on at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import EventKind, EventLog
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.lists import ListSet
from score_sim.scenario import Appeals, CreditRepair, RescueLetters, Scenario, Who

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel


class AppealsDesk(Mechanism):
    """A first-come, first-served queue of appeals against blacklistings (on any blacklist)."""

    name = "appeals"
    title = "appeals"
    event_kinds = (EventKind.appeal_filed, EventKind.appeal_upheld, EventKind.appeal_rejected)

    @classmethod
    def build(cls, host: ScoreModel) -> AppealsDesk:
        """Every scenario has the appeals section (off by default)."""
        desk = cls(host.score_scenario.remedies.appeals)
        desk.rng = host.stream("appeals")
        desk.ever_enabled = any(rules.remedies.appeals.enabled for rules in host.in_force)
        return desk

    @property
    def in_plan(self) -> bool:
        """On when some phase of the run allows appeals."""
        return self.ever_enabled

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed appeal rules from today on (pending appeals are kept)."""
        self.configure(rules.remedies.appeals)

    def remedy(self, day: Day) -> None:
        """Today's new blacklistings may appeal; appeals due today are decided."""
        host = day.host
        world = host.world
        self.file(day.day, world.lists, self.rng, host.events)
        self.decide(day.day, world.lists, world.score, world.false_points, self.rng, host.events)

    def __init__(self, config: Appeals) -> None:
        self.config = config
        self._actor = np.empty(0, dtype=np.int64)
        self._filed = np.empty(0, dtype=np.int32)
        self._entry = np.empty(0, dtype=np.int32)
        self._book = np.empty(0, dtype=np.int16)

    def configure(self, config: Appeals) -> None:
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
        they actually cost, see :func:`score_sim.mechanisms.scoring.clamp_false_points`); an
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


class RescueDesk(Mechanism):
    """Credit Rescue Commitment Letters: entries with exonerating evidence cancelled."""

    name = "rescue"
    title = "rescue letters"
    event_kinds = (EventKind.rescue_letter,)

    @classmethod
    def build(cls, host: ScoreModel) -> RescueDesk:
        """Every scenario has the rescue letters section (off by default)."""
        rescue, world = host.score_scenario.remedies.rescue_letters, host.world
        return cls(
            rescue,
            world.lists,
            world.is_firm,
            host.stream("rescue_letters") if rescue.enabled else None,
        )

    @property
    def in_plan(self) -> bool:
        """On when the scenario turns rescue letters on."""
        return self.enabled

    def remedy(self, day: Day) -> None:
        """Letters are signed for today's entries, and those due cancel their entries."""
        self.update(day.day, day.host.events)

    def columns(self) -> list[str]:
        """Letters pending and entries cancelled so far, when rescue letters are on."""
        return ["n_rescue_letters_pending", "n_rescue_cancellations"] if self.enabled else []

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's values of :meth:`columns`."""
        if not self.enabled:
            return {}
        return {
            "n_rescue_letters_pending": self.n_pending,
            "n_rescue_cancellations": self.n_cancelled,
        }

    def __init__(
        self,
        config: RescueLetters,
        lists: ListSet,
        is_firm: np.ndarray,
        rng: np.random.Generator | None,
    ) -> None:
        self.config = config
        self.enabled = config.enabled
        self.rng = rng
        names = set(config.lists)
        self.books = [b for b in lists.blacklists if not names or b.name in names]
        self.covered = np.zeros(is_firm.size if self.enabled else 0, dtype=bool)
        if self.enabled:
            if Who.firm in config.who:
                self.covered |= is_firm
            if Who.citizen in config.who:
                self.covered |= ~is_firm
        self._actor = np.empty(0, dtype=np.int64)
        self._book = np.empty(0, dtype=np.int16)
        self._since = np.empty(0, dtype=np.int32)
        self._due = np.empty(0, dtype=np.int32)
        self.n_cancelled = 0
        """Entries cancelled so far."""
        self.n_cancelled_innocent = 0
        """Of those, entries resting on false findings."""

    @property
    def n_pending(self) -> int:
        """Letters signed whose cancellation is still to come."""
        return int(self._actor.size)

    def update(self, day: int, events: EventLog) -> None:
        """Sign letters for today's new entries, then cancel the entries that are due.

        Each new entry of a covered actor draws two numbers from this remedy's stream
        (evidence, success), whatever its outcome, so runs stay comparable.
        """
        if not self.enabled:
            return
        config = self.config
        for position, book in enumerate(self.books):
            new = book.entered_today
            new = new[self.covered[new]]
            if new.size == 0:
                continue
            evidence_u, success_u = self.rng.random(new.size), self.rng.random(new.size)
            evidence = book.innocent[new] | (evidence_u < config.true_entry_evidence_probability)
            granted = new[evidence & (success_u < config.probability)]
            self._actor = np.concatenate([self._actor, granted])
            self._book = np.concatenate(
                [self._book, np.full(granted.size, position, dtype=np.int16)]
            )
            self._since = np.concatenate([self._since, book.since_day[granted]])
            self._due = np.concatenate(
                [self._due, np.full(granted.size, day + config.delay_days, dtype=np.int32)]
            )
        if self._actor.size == 0:
            return
        keep = np.ones(self._actor.size, dtype=bool)
        for position, book in enumerate(self.books):
            mine = np.flatnonzero(self._book == position)
            same_entry = book.since_day[self._actor[mine]] == self._since[mine]
            keep[mine[~same_entry]] = False  # the entry ended otherwise: nothing to cancel
            due = mine[same_entry & (self._due[mine] <= day)]
            keep[due] = False
            actors = np.unique(self._actor[due])
            self.n_cancelled += int(actors.size)
            self.n_cancelled_innocent += int(np.count_nonzero(book.innocent[actors]))
            book.remove(day, actors, EventKind.rescue_letter, events)
        self._actor, self._book = self._actor[keep], self._book[keep]
        self._since, self._due = self._since[keep], self._due[keep]


class CreditRepairDesk(Mechanism):
    """Credit repair: listed actors of the covered kinds leave a blacklist after a while."""

    name = "credit_repair"
    title = "credit repair"
    event_kinds = (EventKind.credit_repair,)

    def __init__(self, rng: np.random.Generator, ever_enabled: bool) -> None:
        self.rng = rng
        self.ever_enabled = ever_enabled

    @classmethod
    def build(cls, host: ScoreModel) -> CreditRepairDesk:
        """Every scenario has the credit repair section (off by default)."""
        ever = any(rules.remedies.credit_repair.enabled for rules in host.in_force)
        return cls(host.stream("credit_repair"), ever)

    @property
    def in_plan(self) -> bool:
        """On when some phase of the run allows credit repair."""
        return self.ever_enabled

    def remedy(self, day: Day) -> None:
        """Today's repairs, under the rules in force today."""
        host = day.host
        world = host.world
        repair_credit(
            day.day,
            day.rules.remedies.credit_repair,
            world.lists,
            world.is_firm,
            self.rng,
            host.events,
        )
