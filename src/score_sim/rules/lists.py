"""Lists: the blacklist ("heavily distrusted entities") and the red list, with expiry.

Documented mechanics (DOMAIN.md): findings put actors on lists; a serious-violation
blacklist entry can stay more than five years and be deleted after six months at the
earliest; fixing the underlying problem speeds removal; an actor may be on a blacklist and
a red list at once. In the model an entry lasts at least ``min_days`` and at most
``max_days``; after ``min_days`` it ends early once the score condition no longer holds
(when ``early_removal`` is on). An actor whose entry ended may enter again from the next
day if a condition holds again; that is a new entry.
"""

from __future__ import annotations

import numpy as np

from score_sim.events import EventKind, EventLog
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
        self.since_day = np.full(covered.size, NOT_LISTED, dtype=np.int32)
        """Day the current entry began, -1 when not listed."""
        self.days_listed_total = np.zeros(covered.size, dtype=np.int32)
        """Days each actor has spent on the list over the run."""
        self._entry_kind = EventKind[f"{name}_entry"]
        self._expiry_kind = EventKind[f"{name}_expiry"]
        self._early_kind = EventKind[f"{name}_early_removal"]

    @property
    def listed(self) -> np.ndarray:
        """Whether each actor is on the list now."""
        return self.since_day != NOT_LISTED

    def days_in_current_entry(self, day: int) -> np.ndarray:
        """Days since each current entry began, 0 for actors not listed."""
        return np.where(self.listed, day - self.since_day, 0).astype(np.int32)

    def _score_condition(self, score: np.ndarray) -> np.ndarray | None:
        enter = self.rule.enter
        held = None
        if enter.score_below is not None:
            held = score < enter.score_below
        if enter.score_at_least is not None:
            above = score >= enter.score_at_least
            held = above if held is None else held & above
        return held

    def update(
        self, day: int, score: np.ndarray, serious_today: np.ndarray, events: EventLog
    ) -> None:
        """End entries that are due, then add today's new entries.

        Args:
            day: today's day number.
            score: every actor's score after today's scoring.
            serious_today: indices of actors with a serious finding today (may repeat).
            events: where entries and removals are recorded.
        """
        if not self.rule.enabled:
            return
        listed = self.listed
        age_days = day - self.since_day
        score_holds = self._score_condition(score)

        expired = listed & (age_days >= self.rule.max_days)
        leaving = expired
        if self.rule.early_removal and score_holds is not None:
            early = listed & ~expired & (age_days >= self.rule.min_days) & ~score_holds
            events.record(day, np.flatnonzero(early), self._early_kind)
            leaving = expired | early
        events.record(day, np.flatnonzero(expired), self._expiry_kind)
        self.since_day[leaving] = NOT_LISTED

        conditions = [] if score_holds is None else [score_holds]
        if self.rule.enter.serious_finding:
            serious = np.zeros(score.size, dtype=bool)
            serious[serious_today] = True
            conditions.append(serious)
        if self.rule.enter.combine == "all":
            trigger = np.logical_and.reduce(conditions)
        else:
            trigger = np.logical_or.reduce(conditions)
        entering = trigger & self.covered & ~listed
        entering_idx = np.flatnonzero(entering)
        self.since_day[entering_idx] = day
        events.record(day, entering_idx, self._entry_kind)
        self.days_listed_total += self.listed
