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
        n = covered.size
        self.since_day = np.full(n, NOT_LISTED, dtype=np.int32)
        """Day the current entry began, -1 when not listed."""
        self.renewed_day = np.full(n, NOT_LISTED, dtype=np.int32)
        """Day of the latest serious finding during the current entry (or its start)."""
        self.days_listed_total = np.zeros(n, dtype=np.int32)
        """Days each actor has ended on the list over the run."""
        self.innocent = np.zeros(n, dtype=bool)
        """Whether the current entry rests on false findings."""
        self.entered_today = np.empty(0, dtype=np.int64)
        """Actors whose entry began in the last update."""
        self._entry_kind = EventKind[f"{name}_entry"]
        self._expiry_kind = EventKind[f"{name}_expiry"]
        self._early_kind = EventKind[f"{name}_early_removal"]

    @property
    def listed(self) -> np.ndarray:
        """Whether each actor is on the list now."""
        return self.since_day != NOT_LISTED

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
        events.record(
            day,
            actors,
            kind,
            true=(~self.innocent[actors]).astype(np.int8),
            days=day - self.since_day[actors],
        )
        self.since_day[actors] = NOT_LISTED
        self.innocent[actors] = False

    def update(
        self,
        day: int,
        score: np.ndarray,
        serious_cause: np.ndarray,
        false_points: np.ndarray,
        events: EventLog,
    ) -> None:
        """End entries that are due, then add today's new entries.

        Args:
            day: today's day number.
            score: every actor's score after today's scoring.
            serious_cause: per actor, the :class:`Cause` of today's serious finding
                (``conduct`` when any was true), ``Cause.none`` when there was none.
            false_points: per actor, the points its score carries from false findings.
            events: where entries and removals are recorded.
        """
        self.entered_today = np.empty(0, dtype=np.int64)
        if not self.rule.enabled:
            return
        listed = self.listed
        score_holds = self._score_condition(score)
        if self.rule.enter.serious_finding:
            renewed = listed & (serious_cause != Cause.none)
            self.renewed_day[renewed] = day

        expired = np.flatnonzero(listed & (day - self.since_day >= self.rule.max_days))
        self.remove(day, expired, self._expiry_kind, events)
        if self.rule.early_removal and score_holds is not None:
            served = day - self.renewed_day >= self.rule.min_days
            due = self.listed & served & ~score_holds
            self.remove(day, np.flatnonzero(due), self._early_kind, events)

        conditions, guilty = [], []
        if score_holds is not None:
            conditions.append(score_holds)
            # would the condition hold without the points of false findings?
            guilty.append(self._score_condition(score - false_points))
        if self.rule.enter.serious_finding:
            conditions.append(serious_cause != Cause.none)
            guilty.append(serious_cause == Cause.conduct)
        combine = np.logical_and if self.rule.enter.combine == "all" else np.logical_or
        trigger = combine.reduce(conditions)
        entering = np.flatnonzero(trigger & self.covered & ~listed)
        innocent = ~combine.reduce(guilty)[entering]
        self.since_day[entering] = day
        self.renewed_day[entering] = day
        self.innocent[entering] = innocent
        self.entered_today = entering
        cause = serious_cause[entering]
        cause = np.where(cause == Cause.none, Cause.score, cause)
        events.record(
            day, entering, self._entry_kind, true=(~innocent).astype(np.int8), cause=cause
        )
        self.days_listed_total += self.listed
