"""Lists: the blacklist ("heavily distrusted entities") and the red list, with expiry.

Documented mechanics (DOMAIN.md): findings put actors on lists; a serious-violation
blacklist entry can stay more than five years and be deleted after six months at the
earliest; fixing the underlying problem speeds removal; an actor may be on a blacklist and
a red list at once. In the model an entry lasts at least ``min_days`` and at most
``max_days``; after ``min_days`` it ends early once the score condition no longer holds
(when ``early_removal`` is on); a new serious finding during an entry restarts the count
toward ``min_days`` but never extends the entry past ``max_days``. Remedies (appeals,
credit repair) can end it sooner. An actor whose entry ended may enter again from the next
day if a condition holds again; that is a new entry.

Each entry remembers whether it is *innocent*: whether it would not have happened without
false findings (a false serious finding triggered it, or the score crossed the threshold
only because of points from false findings).
"""

from __future__ import annotations

import numpy as np

from score_sim.arraytools import union
from score_sim.events import Cause, EventKind, EventLog
from score_sim.scenario import ListRule

NOT_LISTED = -1


class ListBook:
    """One list's entries over all actors: the day each current entry began, or -1."""

    def __init__(self, name: str, rule: ListRule, covered: np.ndarray) -> None:
        """Create an empty list.

        Args:
            name: "blacklist" or "redlist" (names the events recorded).
            rule: the scenario's rule for this list.
            covered: which actors the list can hold (bool per actor).
        """
        self.name = name
        self.rule = rule
        self.covered = covered
        self._covers_all = bool(covered.all())
        n = covered.size
        self.listed = np.zeros(n, dtype=bool)
        """Whether each actor is on the list now."""
        self.since_day = np.full(n, NOT_LISTED, dtype=np.int32)
        """Day the current entry began, -1 when not listed."""
        self.renewed_day = np.full(n, NOT_LISTED, dtype=np.int32)
        """Day of the latest serious finding during the current entry (or its start)."""
        self.innocent = np.zeros(n, dtype=bool)
        """Whether the current entry rests on false findings."""
        self.days_in_ended_entries = np.zeros(n, dtype=np.int32)
        """Days each actor spent in entries that have ended."""
        self.entered_today = np.empty(0, dtype=np.int64)
        """Actors whose entry began in the last update."""
        self._entry_kind = EventKind[f"{name}_entry"]
        self._expiry_kind = EventKind[f"{name}_expiry"]
        self._early_kind = EventKind[f"{name}_early_removal"]

    def days_listed_total(self, day: int, actors: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Days each actor has ended on the list up to ``day`` (an entry's first day counts).

        Args:
            day: today.
            actors: which actors (default all).
        """
        current = np.where(self.listed[actors], day - self.since_day[actors] + 1, 0)
        return self.days_in_ended_entries[actors] + current.astype(np.int32)

    def _score_condition(self, score: np.ndarray) -> np.ndarray | None:
        enter = self.rule.enter
        held = None
        if enter.score_below is not None:
            held = score < enter.score_below
        if enter.score_at_least is not None:
            above = score >= enter.score_at_least
            held = above if held is None else held & above
        return held

    def remove(self, day: int, actors: np.ndarray, kind: EventKind, events: EventLog) -> None:
        """End the current entries of ``actors`` (who must be listed), recording ``kind``."""
        if actors.size == 0:
            return
        days = day - self.since_day[actors]
        events.record(day, actors, kind, true=(~self.innocent[actors]).astype(np.int8), days=days)
        self.days_in_ended_entries[actors] += days
        self.listed[actors] = False
        self.since_day[actors] = NOT_LISTED
        self.innocent[actors] = False

    def update(
        self,
        day: int,
        score: np.ndarray,
        serious: tuple[np.ndarray, np.ndarray],
        false_points: np.ndarray,
        events: EventLog,
    ) -> None:
        """End entries that are due, then add today's new entries.

        Work is proportional to the listed and the newly eligible, plus one comparison pass
        over the scores for a score condition.

        Args:
            day: today's day number.
            score: every actor's score after today's scoring.
            serious: today's serious findings as (actors, each once; their :class:`Cause`),
                see :func:`score_sim.rules.scoring.serious_today`.
            false_points: per actor, the points its score carries from false findings.
            events: where entries and removals are recorded.
        """
        self.entered_today = np.empty(0, dtype=np.int64)
        if not self.rule.enabled:
            return
        rule = self.rule
        serious_actors, serious_cause = (
            serious
            if rule.enter.serious_finding
            else (
                np.empty(0, dtype=np.int64),
                np.empty(0, dtype=np.int8),
            )
        )
        listed_now = np.flatnonzero(self.listed)
        renewed = serious_actors[self.listed[serious_actors]]
        self.renewed_day[renewed] = day

        expired = listed_now[day - self.since_day[listed_now] >= rule.max_days]
        self.remove(day, expired, self._expiry_kind, events)
        has_score_condition = rule.enter.score_below is not None or (
            rule.enter.score_at_least is not None
        )
        if rule.early_removal and has_score_condition:
            still = listed_now[self.listed[listed_now]]
            served = still[day - self.renewed_day[still] >= rule.min_days]
            due = served[~self._score_condition(score[served])]
            self.remove(day, due, self._early_kind, events)
        left_today = listed_now[~self.listed[listed_now]]

        # who may enter: not listed before today (no re-entry on the day an entry ends)
        if has_score_condition:
            by_score = np.flatnonzero(self._score_condition(score))
        else:
            by_score = np.empty(0, dtype=np.int64)
        if rule.enter.combine == "all" and has_score_condition and rule.enter.serious_finding:
            candidates = np.intersect1d(by_score, serious_actors, assume_unique=True)
        elif serious_actors.size == 0:
            candidates = by_score
        else:
            candidates = union(by_score, serious_actors)
        if candidates.size == 0:
            return
        eligible = ~self.listed[candidates]
        if not self._covers_all:
            eligible &= self.covered[candidates]
        entering = candidates[eligible]
        if left_today.size:
            entering = np.setdiff1d(entering, left_today, assume_unique=True)

        # innocent: would the entry have happened without false findings?
        position = np.searchsorted(serious_actors, entering)
        position = np.minimum(position, max(serious_actors.size - 1, 0))
        has_serious = serious_actors.size > 0
        found = (
            (serious_actors[position] == entering)
            if has_serious
            else np.zeros(entering.size, dtype=bool)
        )
        cause = np.where(found, serious_cause[position] if has_serious else 0, Cause.score)
        guilty_parts = []
        if has_score_condition:
            guilty_parts.append(self._score_condition(score[entering] - false_points[entering]))
        if rule.enter.serious_finding:
            guilty_parts.append(found & (cause == Cause.conduct))
        combine = np.logical_and if rule.enter.combine == "all" else np.logical_or
        innocent = ~combine.reduce(guilty_parts) if guilty_parts else np.zeros(0, dtype=bool)

        self.listed[entering] = True
        self.since_day[entering] = day
        self.renewed_day[entering] = day
        self.innocent[entering] = innocent
        self.entered_today = entering
        events.record(
            day,
            entering,
            self._entry_kind,
            true=(~innocent).astype(np.int8),
            cause=cause.astype(np.int8),
        )
