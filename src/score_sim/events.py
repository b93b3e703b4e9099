"""The event log: a compact record of what happened to whom, when, and why.

Per-actor history is kept as events (day, actor, what, whether it was true, what it traces
to), never as a row per actor per day. The log is a preallocated numpy buffer that doubles
when full, so recording a day's events costs in proportion to the events, with no Python
list growing day by day.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class EventKind(IntEnum):
    """What an event records."""

    finding = 0
    blacklist_entry = 1
    blacklist_expiry = 2
    blacklist_early_removal = 3
    redlist_entry = 4
    redlist_expiry = 5
    redlist_early_removal = 6
    sanction = 7
    appeal_filed = 8
    appeal_upheld = 9
    appeal_rejected = 10
    credit_repair = 11
    job_loss = 12
    pariah_recovery = 13
    # the escalation ladder: a firm reaching each stage, or falling back one
    abnormal_operation = 14
    dishonest_entity = 15
    random_checks = 16
    administrative_punishment = 17
    frozen_assets = 18
    closure_notice = 19
    stage_fallback = 20
    # credit commitment letters and the Credit Rescue Commitment Letter
    commitment_signed = 21
    commitment_kept = 22
    commitment_broken = 23
    rescue_letter = 24
    policy_change = 25
    """A policy timeline's entry took effect (actor -1; ``source`` is the entry's index)."""
    loan_repaid = 26
    """A loan fell due and was repaid (``days``: its term)."""
    loan_default = 27
    """A loan fell due and was not repaid."""
    lawsuit = 28
    """A default was taken to court (``list``: the list the borrower enters, if any)."""


class Cause(IntEnum):
    """What an event traces back to."""

    none = 0
    conduct = 1
    """Something the actor really did."""
    false_finding = 2
    """A record of misconduct that never happened."""
    malicious_denunciation = 3
    """A tie made it up."""
    misidentification = 4
    """Someone else did it; the finding landed on the wrong actor."""
    score = 5
    """The score crossed a list's threshold."""
    own_sanction = 6
    """The actor's own listing (or grade) triggered the sanction."""
    legal_representative = 7
    staff = 8
    family = 9
    parent_company = 10
    at_start = 11
    """On the list when the run starts."""
    contagion = 12
    """A relative or friend on the list (see :mod:`score_sim.mechanisms.contagion`)."""


EVENT_DTYPE = np.dtype(
    [
        ("day", np.int32),
        ("actor", np.int32),
        ("event", np.int8),
        ("behaviour", np.int16),
        ("channel", np.int8),
        ("true", np.int8),
        ("cause", np.int8),
        ("source", np.int32),
        ("days", np.int32),
        ("list", np.int8),
    ]
)
"""``behaviour``, ``channel`` and ``source`` are -1 where they do not apply; ``true`` is 1 or
0 for a finding (or what an event traces to), -1 where unknown; ``days`` is a duration
(of an ended list entry, a pariah spell; for a list entry, the days it is set to last),
else 0; ``list`` is the index of the list (in the scenario's ``lists``) of a list event,
else -1."""


class GrowingTable:
    """Rows of a structured dtype in a preallocated buffer that doubles when full."""

    def __init__(self, dtype: np.dtype, capacity: int = 4096) -> None:
        self._rows = np.empty(max(capacity, 1), dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, n: int) -> np.ndarray:
        """Make room for ``n`` more rows and return them (a view) to be filled in."""
        needed = self._size + n
        if needed > self._rows.size:
            grown = np.empty(max(needed, 2 * self._rows.size), dtype=self._rows.dtype)
            grown[: self._size] = self._rows[: self._size]
            self._rows = grown
        block = self._rows[self._size : needed]
        self._size = needed
        return block

    @property
    def rows(self) -> np.ndarray:
        """The rows so far, oldest first (a view; do not modify)."""
        return self._rows[: self._size]


class EventLog(GrowingTable):
    """A growing table of events (see :data:`EVENT_DTYPE`)."""

    def __init__(self, capacity: int = 4096) -> None:
        super().__init__(EVENT_DTYPE, capacity)

    def record(
        self,
        day: int,
        actors: np.ndarray,
        kind: EventKind,
        *,
        behaviour: np.ndarray | int = -1,
        channel: np.ndarray | int = -1,
        true: np.ndarray | int = -1,
        cause: np.ndarray | int = Cause.none,
        source: np.ndarray | int = -1,
        days: np.ndarray | int = 0,
        list_index: int = -1,
    ) -> None:
        """Append one event of ``kind`` on ``day`` per actor; other fields broadcast."""
        n = int(np.size(actors))
        if n == 0:
            return
        block = self.extend(n)
        block["day"] = day
        block["actor"] = actors
        block["event"] = kind
        block["behaviour"] = behaviour
        block["channel"] = channel
        block["true"] = true
        block["cause"] = cause
        block["source"] = source
        block["days"] = days
        block["list"] = list_index

    def of_kind(self, *kinds: EventKind) -> np.ndarray:
        """The events of the given kinds, oldest first."""
        rows = self.rows
        return rows[np.isin(rows["event"], [int(k) for k in kinds])]
