"""Lists: blacklists (adverse records) and red lists (exemplary actors), with durations.

Documented mechanics (DOMAIN.md): agencies keep many lists (51 national blacklists), and an
actor can be on several at once, on a blacklist and a red list too. Findings put actors on
lists; entries last as the list's rules say: the court defaulter list 2 years, extendable
by 1-3 (2-5 in total), deleted early once obligations are met; severely-untrustworthy
lists 3 years, early removal may be requested after 1 year; administrative-penalty
records removable after 3 months; 6 months as the earliest deletion of a serious entry,
which may stay more than 5 years (a lower bound: no cap is documented). Fixing the
underlying problem speeds removal.

In the model each list (``lists.<name>``) has its own book. An entry begins on the day its
condition holds (a finding of a named behaviour or severity, the score, or both). It lasts
at least ``min_days`` (counted from the latest listing finding) and ends after
``max_days``, plus any extensions drawn when it begins. After ``min_days`` it ends early
once the score condition no longer holds (``early_removal``) or, each day with
``removal_probability_per_day``, on request. Remedies (appeals, credit repair) can end it
sooner. An actor whose entry ended may enter again from the next day; a listing finding on
the very day an entry ends starts a new entry that day (the finding is not lost).

Each entry remembers whether it is *innocent*: whether it would not have happened without
false findings (a false finding triggered it, or the score crossed the threshold only
because of points from false findings). :class:`ListSet` keeps, incrementally, which actors
are on any blacklist or red list and whether each blacklisted actor is listed only on
false findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from score_sim.arraytools import merge_disjoint, union
from score_sim.events import Cause, EventKind, EventLog
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.behaviour import DAYS_PER_YEAR
from score_sim.scenario import (
    DEFAULT_SYSTEM,
    ListRule,
    ListType,
    Scenario,
    Severity,
    Who,
    by_kind,
)
from score_sim.streams import stream

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.mechanisms.reporting import Findings
    from score_sim.model import ScoreModel

NOT_LISTED = -1


class ListBook:
    """One list's entries over all actors: the day each current entry began, or -1."""

    def __init__(
        self,
        name: str,
        rule: ListRule,
        covered: np.ndarray,
        *,
        index: int = 0,
        list_type: ListType | None = None,
        listing_behaviours: np.ndarray | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        """Create an empty list.

        Args:
            name: the list's name (recorded with its events).
            rule: the scenario's rule for this list.
            covered: which actors the list can hold (bool per actor).
            index: the list's position in the scenario's ``lists`` (recorded in events).
            list_type: blacklist or redlist (default: the rule's type, else the name).
            listing_behaviours: per behaviour index, whether a finding of it lists
                (default: the serious ones when ``enter.serious_finding``).
            rng: the list's random stream (extensions, removal on request).
        """
        self.name = name
        self.rule = rule
        self.index = index
        self.type = list_type or rule.type or ListType(name)
        self.covered = covered
        self._covers_all = bool(covered.all())
        self.listing_behaviours = listing_behaviours
        self.rng = rng if rng is not None else np.random.default_rng(0)
        n = covered.size
        self.listed = np.zeros(n, dtype=bool)
        """Whether each actor is on the list now."""
        self.since_day = np.full(n, NOT_LISTED, dtype=np.int32)
        """Day the current entry began, -1 when not listed."""
        self.renewed_day = np.full(n, NOT_LISTED, dtype=np.int32)
        """Day of the latest listing finding during the current entry (or its start)."""
        self.extensions = np.zeros(n, dtype=np.int8) if rule.extension is not None else None
        """How many times the current entry is extended (drawn when it begins)."""
        self.term_days = np.zeros(n, dtype=np.int32) if rule.term is not None else None
        """Each current entry's drawn length before extensions (with ``term``), else None."""
        self.innocent = np.zeros(n, dtype=bool)
        """Whether the current entry rests on false findings (False when not listed)."""
        self.members = np.empty(0, dtype=np.int64)
        """The listed actors, sorted (kept so a day's work scales with the list, not the city)."""
        self.entered_today = np.empty(0, dtype=np.int64)
        """Actors whose entry began in the last update."""
        self._events: EventLog | None = None
        self.listeners: list = []
        """Called as ``listener(book, actors, entering)`` after entries begin or end."""
        prefix = "blacklist" if self.type is ListType.blacklist else "redlist"
        self._entry_kind = EventKind[f"{prefix}_entry"]
        self._expiry_kind = EventKind[f"{prefix}_expiry"]
        self._early_kind = EventKind[f"{prefix}_early_removal"]
        self.accepting = rule.enabled
        """Whether the list takes new entries (a timeline may suspend it: then the entries
        made before run on under its rules until they end)."""

    def retune(self, rule: ListRule, listing_behaviours: np.ndarray) -> None:
        """Follow a changed rule from today on (a policy timeline), keeping every entry.

        A rule switched off suspends the list: no new entries (nor renewals) from today;
        current entries run on under the rules last in force until they end.
        """
        self.accepting = rule.enabled
        old_max_days = self.rule.max_days or 0
        complete = rule.enter is not None and rule.min_days is not None and rule.max_days
        if rule.enabled or complete:
            self.rule = rule if rule.enabled else rule.model_copy(update={"enabled": True})
            self.listing_behaviours = listing_behaviours
        if self.extensions is None and self.rule.extension is not None:
            self.extensions = np.zeros(self.listed.size, dtype=np.int8)
        if self.term_days is None and self.rule.term is not None:
            # entries begun under a fixed length keep it
            self.term_days = np.where(self.listed, np.int32(old_max_days), 0).astype(np.int32)

    def expiry_day(self, actors: np.ndarray) -> np.ndarray:
        """Day the current entries of ``actors`` are due to end (max_days and extensions)."""
        length = np.int32(self.rule.max_days) if self.term_days is None else self.term_days[actors]
        due = self.since_day[actors] + length
        if self.extensions is not None and self.rule.extension is not None:
            due += self.extensions[actors].astype(np.int32) * np.int32(self.rule.extension.days)
        return due

    def days_listed_total(self, day: int, actors: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Days each actor has been on the list up to ``day`` (an entry's first day counts).

        Ended entries are summed from the event log (each ending records its length).

        Args:
            day: today.
            actors: which actors (default all).
        """
        n = self.listed.size
        ended = np.zeros(n, dtype=np.int64)
        if self._events is not None:
            rows = self._events.rows
            mine = (
                (rows["list"] == self.index)
                & (rows["days"] > 0)
                & (rows["event"] != self._entry_kind)
            )
            ended = np.bincount(rows["actor"][mine], weights=rows["days"][mine], minlength=n)
        current = np.where(self.listed, day - self.since_day + 1, 0)
        return (ended.astype(np.int64) + current)[actors].astype(np.int32)

    def _score_condition(self, score: np.ndarray) -> np.ndarray | None:
        enter = self.rule.enter
        below, at_least = enter.score_below, enter.score_at_least
        if below is None:
            return None if at_least is None else score >= at_least
        held = score < below
        if at_least is not None:
            held &= score >= at_least
        return held

    def remove(self, day: int, actors: np.ndarray, kind: EventKind, events: EventLog) -> None:
        """End the current entries of ``actors`` (who must be listed), recording ``kind``."""
        if actors.size == 0:
            return
        days = day - self.since_day[actors]
        events.record(
            day,
            actors,
            kind,
            true=(~self.innocent[actors]).astype(np.int8),
            days=days,
            list_index=self.index,
        )
        self._events = events
        self.listed[actors] = False
        self.since_day[actors] = NOT_LISTED
        for listener in self.listeners:
            listener(self, actors, False)
        self.innocent[actors] = False

    def update(
        self,
        day: int,
        score: np.ndarray,
        listing: tuple[np.ndarray, np.ndarray],
        false_points: np.ndarray,
        events: EventLog,
    ) -> None:
        """End entries that are due, then add today's new entries.

        Work is proportional to the listed and the newly eligible, plus one comparison pass
        over the scores for a score condition.

        Args:
            day: today's day number.
            score: every actor's score after today's scoring.
            listing: today's listing findings as (actors, each once, sorted; their
                :class:`Cause`), see :func:`listing_findings`.
            false_points: per actor, the points its score carries from false findings.
            events: where entries and removals are recorded.
        """
        self.entered_today = np.empty(0, dtype=np.int64)
        self._events = events
        if not self.rule.enabled:
            return
        if not self.accepting:
            listing = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8))
        rule = self.rule
        found_actors, found_cause = listing
        # members may have been removed since (appeals, credit repair): drop them
        listed_now = self.members[self.listed[self.members]]
        renewed = found_actors[self.listed[found_actors]]
        self.renewed_day[renewed] = day

        expired = listed_now[day >= self.expiry_day(listed_now)]
        self.remove(day, expired, self._expiry_kind, events)
        has_score_condition = rule.enter.by_score
        if rule.early_removal and has_score_condition:
            still = listed_now[self.listed[listed_now]]
            served = still[day - self.renewed_day[still] >= rule.min_days]
            due = served[~self._score_condition(score[served])]
            self.remove(day, due, self._early_kind, events)
        if rule.removal_probability_per_day > 0:
            still = listed_now[self.listed[listed_now]]
            served = still[day - self.renewed_day[still] >= rule.min_days]
            granted = served[self.rng.random(served.size) < rule.removal_probability_per_day]
            self.remove(day, granted, self._early_kind, events)
        left_today = listed_now[~self.listed[listed_now]]
        # who ended today re-enters today only on a new listing finding today
        if left_today.size and found_actors.size:
            left_today = np.setdiff1d(left_today, found_actors, assume_unique=True)

        if has_score_condition:
            by_score = np.flatnonzero(self._score_condition(score))
        else:
            by_score = np.empty(0, dtype=np.int64)
        if rule.enter.combine == "all" and has_score_condition and rule.enter.by_finding:
            candidates = np.intersect1d(by_score, found_actors, assume_unique=True)
        elif found_actors.size == 0:
            candidates = by_score
        else:
            candidates = union(by_score, found_actors)
        self.members = listed_now[self.listed[listed_now]]
        if candidates.size == 0 or not self.accepting:
            return
        eligible = ~self.listed[candidates]
        if not self._covers_all:
            eligible &= self.covered[candidates]
        entering = candidates[eligible]
        if left_today.size:
            entering = np.setdiff1d(entering, left_today, assume_unique=True)
        if entering.size == 0:
            return

        # innocent: would the entry have happened without false findings?
        has_found = found_actors.size > 0
        position = np.minimum(
            np.searchsorted(found_actors, entering), max(found_actors.size - 1, 0)
        )
        found = (
            (found_actors[position] == entering)
            if has_found
            else np.zeros(entering.size, dtype=bool)
        )
        cause = np.where(found, found_cause[position] if has_found else 0, Cause.score)
        guilty_parts = []
        if has_score_condition:
            guilty_parts.append(self._score_condition(score[entering] - false_points[entering]))
        if rule.enter.by_finding:
            guilty_parts.append(found & (cause == Cause.conduct))
        combine = np.logical_and if rule.enter.combine == "all" else np.logical_or
        innocent = ~combine.reduce(guilty_parts)
        self._begin(day, entering, innocent, cause, events)

    def admit(
        self,
        day: int,
        actors: np.ndarray,
        innocent: np.ndarray,
        cause: np.ndarray | int,
        events: EventLog,
    ) -> np.ndarray:
        """Enter ``actors`` on the list today by another rule's decision.

        The escalation ladder's final stage and a broken commitment letter list a firm
        directly, whatever the list's own entry conditions. Actors already listed or not
        covered are left as they are; the entry then lasts as the list's rule says.

        Args:
            day: today.
            actors: actor indices (sorted, each once).
            innocent: per actor, whether the decision rests on false findings.
            cause: per actor (or for all), the :class:`Cause` recorded with the entry.
            events: where the entries are recorded.

        Returns:
            The actors that entered.
        """
        if not self.rule.enabled or actors.size == 0:
            return np.empty(0, dtype=np.int64)
        keep = ~self.listed[actors] & self.covered[actors]
        entering = actors[keep].astype(np.int64)
        if entering.size == 0:
            return entering
        cause = np.broadcast_to(np.asarray(cause, dtype=np.int8), actors.shape)[keep]
        before = self.entered_today
        self._begin(day, entering, np.asarray(innocent, dtype=bool)[keep], cause, events)
        self.entered_today = np.union1d(before, entering)
        return entering

    def _begin(
        self,
        day: int,
        entering: np.ndarray,
        innocent: np.ndarray,
        cause: np.ndarray,
        events: EventLog,
    ) -> None:
        """Begin entries of ``entering`` (not listed now) today, recording them."""
        rule = self.rule
        duration = np.full(entering.size, rule.max_days, dtype=np.int32)
        if rule.extension is not None and self.extensions is not None:
            ext = rule.extension
            times = self.rng.binomial(ext.times, ext.probability, entering.size)
            self.extensions[entering] = times
        if self.term_days is not None:
            if rule.term is not None:
                duration = self.draw_terms(entering.size)
            self.term_days[entering] = duration
        if rule.extension is not None and self.extensions is not None:
            duration = duration + rule.extension.days * self.extensions[entering].astype(np.int32)
        self.listed[entering] = True
        self.since_day[entering] = day
        self.renewed_day[entering] = day
        self.innocent[entering] = innocent
        self.entered_today = entering
        self.members = merge_disjoint(self.members, entering)  # entering: none listed
        events.record(
            day,
            entering,
            self._entry_kind,
            true=(~innocent).astype(np.int8),
            cause=cause.astype(np.int8),
            days=duration,
            list_index=self.index,
        )
        for listener in self.listeners:
            listener(self, entering, True)

    def draw_terms(self, n: int) -> np.ndarray:
        """``n`` entry lengths in days, drawn as the rule's ``term`` says.

        A Poisson count of months whose mean is drawn from a Gamma distribution (Lum et al.
        2014), plus the extra months; at least a day, at most ``max_days``.
        """
        term = self.rule.term
        mean_months = self.rng.gamma(term.shape, term.mean_months / term.shape, n)
        months = self.rng.poisson(mean_months) + term.extra_months
        days = np.rint(months * (DAYS_PER_YEAR / 12))
        return np.clip(days, 1, self.rule.max_days).astype(np.int32)


def listing_behaviours(rule: ListRule, scenario: Scenario) -> np.ndarray:
    """Per behaviour index, whether a finding of it lists under ``rule``."""
    enter = rule.enter
    if enter is None:  # a list switched off lists nobody
        return np.zeros(len(scenario.behaviours), dtype=bool)
    severities = set(enter.severities)
    if enter.serious_finding:
        severities.add(Severity.serious)
    return np.array(
        [b.severity in severities or b.name in enter.behaviours for b in scenario.behaviours],
        dtype=bool,
    )


def listing_findings(
    findings: Findings, lists_behaviour: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The actors with a listing finding today, each once (sorted), and its :class:`Cause`.

    An actor with any true listing finding today has cause ``conduct``; otherwise the cause
    of its (first) false one.
    """
    hit = lists_behaviour[findings.behaviour]
    if not hit.any():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8)
    actors = findings.actor[hit]
    true = findings.true[hit]
    order = np.lexsort((~true, actors))  # by actor, true findings first
    actors, first = np.unique(actors[order], return_index=True)
    cause = findings.cause[hit][order][first]
    return actors, np.where(true[order][first], np.int8(Cause.conduct), cause).astype(np.int8)


class ListSet(Mechanism):
    """All of a scenario's lists, and who is on any blacklist or red list.

    The aggregates (on any blacklist, innocent on every blacklist the actor is on, days on
    any blacklist, own restrictions from the lists) change only where an entry begins or
    ends, so they are kept up to date at those actors: the cost is proportional to the
    entries, not to the city.
    """

    name = "lists"
    title = "lists"
    event_kinds = (
        EventKind.blacklist_entry,
        EventKind.blacklist_expiry,
        EventKind.blacklist_early_removal,
        EventKind.redlist_entry,
        EventKind.redlist_expiry,
        EventKind.redlist_early_removal,
    )

    @classmethod
    def build(cls, host: ScoreModel) -> ListSet:
        """The world's lists, made with the world, with those listed when the run starts."""
        lists = host.world.lists
        lists.admit_at_start(host.seed, host.events)
        return lists

    def admit_at_start(self, seed: int, events: EventLog) -> None:
        """List each list's ``initially_listed_share`` of the actors it covers, on day 0.

        The actors are drawn at random (a stream of the list's own), as many as the share
        of those covered, rounded; their entries last as any entry of the list does.
        """
        for name, book in self.books.items():
            share = book.rule.initially_listed_share
            if share is None or not book.rule.enabled:
                continue
            covered = np.flatnonzero(book.covered)
            count = round(share * covered.size)
            rng = stream(seed, f"lists:{name}:at_start")
            chosen = np.sort(rng.choice(covered, count, replace=False)).astype(np.int64)
            book.admit(0, chosen, np.zeros(count, dtype=bool), Cause.at_start, events)

    def list(self, day: Day) -> None:
        """Entries expire and are released, and today's findings and scores list actors."""
        host = day.host
        world = host.world
        self.update(
            day.day,
            world.score,
            day.findings,
            world.false_points,
            host.events,
            None if host.systems is None else host.systems.scores,
        )

    def __init__(
        self,
        scenario: Scenario,
        is_firm: np.ndarray,
        seed: int,
        ever_enabled: frozenset[str] | None = None,
    ) -> None:
        """Create the scenario's lists, empty.

        Args:
            scenario: the validated scenario.
            is_firm: whether each actor is a firm.
            seed: the run's seed (each list draws from its own stream).
            ever_enabled: the lists switched on at some point of the run (a policy
                timeline may switch one on later); default: those enabled in ``scenario``.
        """
        n = is_firm.size
        if ever_enabled is None:
            ever_enabled = frozenset(n for n, r in scenario.lists.items() if r.enabled)
        self.is_firm = is_firm
        self.books: dict[str, ListBook] = {}
        for index, (name, rule) in enumerate(scenario.lists.items()):
            kinds = rule.who
            covered = (is_firm & (Who.firm in kinds)) | (~is_firm & (Who.citizen in kinds))
            self.books[name] = ListBook(
                name,
                rule,
                covered,
                index=index,
                list_type=scenario.list_type(name),
                listing_behaviours=listing_behaviours(rule, scenario),
                rng=stream(seed, f"lists:{name}"),
            )
        used = [b for b in self.books.values() if b.name in ever_enabled]
        self.blacklists = [b for b in used if b.type is ListType.blacklist]
        self.redlists = [b for b in used if b.type is ListType.redlist]
        self.own_bits = np.zeros(n, dtype=np.uint16)
        """Restrictions each actor's blacklist entries trigger."""
        self._set_bits(scenario)
        # with one list of a type, its book is the aggregate: no copies, no work
        self._single_black = self.blacklists[0] if len(self.blacklists) == 1 else None
        self._single_red = self.redlists[0] if len(self.redlists) == 1 else None
        if self._single_black is not None:
            self.blacklisted = self._single_black.listed
            self.blacklist_innocent = self._single_black.innocent  # False when not listed
        else:
            self.blacklisted = np.zeros(n, dtype=bool)
            """Whether each actor is on some blacklist."""
            self.blacklist_innocent = np.zeros(n, dtype=bool)
            """Whether each actor is blacklisted only by entries resting on false findings."""
            self._n_blacklists = np.zeros(n, dtype=np.int8)
            self._n_true_blacklists = np.zeros(n, dtype=np.int8)
            self._blacklisted_since = np.full(n, NOT_LISTED, dtype=np.int32)
            self._days_blacklisted_ended = np.zeros(n, dtype=np.int32)
        if self._single_red is not None:
            self.redlisted = self._single_red.listed
        else:
            self.redlisted = np.zeros(n, dtype=bool)
            """Whether each actor is on some red list."""
            self._n_redlists = np.zeros(n, dtype=np.int8)
            self._redlisted_since = np.full(n, NOT_LISTED, dtype=np.int32)
            self._days_redlisted_ended = np.zeros(n, dtype=np.int32)
        self.day = 0
        self._no_false_points: np.ndarray | None = None
        for book in self.books.values():
            book.listeners.append(self._on_change)

    def _set_bits(self, scenario: Scenario) -> None:
        from score_sim.mechanisms.sanctions import bits

        self._bits = {
            book.name: np.array(
                [
                    bits(by_kind(scenario.sanctions_of_list(book.name)).of(Who.citizen)),
                    bits(by_kind(scenario.sanctions_of_list(book.name)).of(Who.firm)),
                ],
                dtype=np.uint16,
            )
            for book in self.blacklists
        }
        self.any_bits = any(int(v.any()) for v in self._bits.values())
        """Whether any list triggers a restriction."""

    def retune(self, scenario: Scenario, host: ScoreModel | None = None) -> None:
        """Follow changed list rules and sanctions from today on, keeping every entry.

        The restrictions each current entry triggers are recomputed (a new joint-punishment
        policy reaches those already listed from its day on).
        """
        for name, book in self.books.items():
            rule = scenario.lists[name]
            book.retune(rule, listing_behaviours(rule, scenario))
        self._set_bits(scenario)
        self.own_bits[:] = 0
        kind = self.is_firm.astype(np.int64)
        for book in self.blacklists:
            listed = np.flatnonzero(book.listed)
            self.own_bits[listed] |= self._bits[book.name][kind[listed]]

    @property
    def blacklist(self) -> ListBook:
        """The list named blacklist (or the first blacklist)."""
        return self._named("blacklist", self.blacklists)

    @property
    def redlist(self) -> ListBook:
        """The list named redlist (or the first red list)."""
        return self._named("redlist", self.redlists)

    def _named(self, name: str, of_type: list[ListBook]) -> ListBook:
        book = self.books.get(name) or (of_type[0] if of_type else None)
        if book is None:
            raise LookupError(f"this scenario has no {name}: its lists are {list(self.books)}")
        return book

    def _on_change(self, book: ListBook, actors: np.ndarray, entering: bool) -> None:
        step = np.int8(1 if entering else -1)
        if book.type is ListType.redlist:
            if self._single_red is None:
                before = self.redlisted[actors]
                self._n_redlists[actors] += step
                now = self._n_redlists[actors] > 0
                self.redlisted[actors] = now
                self._spells(actors, before, now, self._redlisted_since, self._days_redlisted_ended)
            return
        if self._single_black is None:
            before = self.blacklisted[actors]
            self._n_blacklists[actors] += step
            true = ~book.innocent[actors]
            self._n_true_blacklists[actors[true]] += step
            now = self._n_blacklists[actors] > 0
            self.blacklisted[actors] = now
            self.blacklist_innocent[actors] = now & (self._n_true_blacklists[actors] == 0)
            self._spells(actors, before, now, self._blacklisted_since, self._days_blacklisted_ended)
        if self.any_bits:
            kind = self.is_firm[actors].astype(np.int64)
            own = np.zeros(actors.size, dtype=np.uint16)
            for other in self.blacklists:
                listed = other.listed[actors]
                own[listed] |= self._bits[other.name][kind[listed]]
            self.own_bits[actors] = own

    def _spells(
        self,
        actors: np.ndarray,
        before: np.ndarray,
        now: np.ndarray,
        since: np.ndarray,
        days_ended: np.ndarray,
    ) -> None:
        """Record when spells on any list of a type begin and end."""
        started, ended = actors[now & ~before], actors[before & ~now]
        since[started] = self.day
        days_ended[ended] += self.day - since[ended]
        since[ended] = NOT_LISTED

    def update(
        self,
        day: int,
        score: np.ndarray,
        findings: Findings,
        false_points: np.ndarray,
        events: EventLog,
        system_scores: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """End due entries and add new ones on every list (see :meth:`ListBook.update`).

        Args:
            day: today.
            score: the default score.
            findings: today's findings.
            false_points: per actor, the default score's points from false findings.
            events: where entries and removals are recorded.
            system_scores: the further scores by system name (``scores:``), for lists
                entering on one of them (their data hold no false points).
        """
        self.day = day
        for book in self.books.values():
            found = (
                listing_findings(findings, book.listing_behaviours)
                if book.rule.enabled and book.accepting and book.rule.enter.by_finding
                else (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8))
            )
            system = book.rule.enter.system if book.rule.enter is not None else None
            if system is None or system == DEFAULT_SYSTEM or system_scores is None:
                book.update(day, score, found, false_points, events)
            else:  # a system's data record only what happened: no false points
                if self._no_false_points is None:
                    self._no_false_points = np.zeros_like(score)
                book.update(day, system_scores[system], found, self._no_false_points, events)

    def days_blacklisted(self, day: int, actors: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Days each actor has been on some blacklist up to ``day`` (default: all actors)."""
        if self._single_black is not None:
            return self._single_black.days_listed_total(day, actors)
        if not self.blacklists:
            return np.zeros(self.is_firm.size, dtype=np.int32)[actors]
        listed = self.blacklisted[actors]
        current = np.where(listed, day - self._blacklisted_since[actors] + 1, 0)
        return self._days_blacklisted_ended[actors] + current.astype(np.int32)

    def days_redlisted(self, day: int, actors: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Days each actor has been on some red list up to ``day`` (default: all actors)."""
        if self._single_red is not None:
            return self._single_red.days_listed_total(day, actors)
        if not self.redlists:
            return np.zeros(self.is_firm.size, dtype=np.int32)[actors]
        listed = self.redlisted[actors]
        current = np.where(listed, day - self._redlisted_since[actors] + 1, 0)
        return self._days_redlisted_ended[actors] + current.astype(np.int32)
