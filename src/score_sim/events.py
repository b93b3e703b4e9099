"""The event log: a compact record of what happened to whom and when.

Per-actor history is kept as events (day, actor, what), never as a row per actor per day.
The log is a preallocated numpy buffer that doubles when full, so recording a day's events
costs in proportion to the events, with no Python list growing day by day.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class EventKind(IntEnum):
    """What an event records."""

    blacklist_entry = 0
    blacklist_expiry = 1
    blacklist_early_removal = 2
    redlist_entry = 3
    redlist_expiry = 4
    redlist_early_removal = 5


EVENT_DTYPE = np.dtype([("day", np.int32), ("actor", np.int32), ("event", np.int8)])


class EventLog:
    """A growing table of events with columns ``day``, ``actor`` and ``event``."""

    def __init__(self, capacity: int = 1024) -> None:
        self._rows = np.empty(max(capacity, 1), dtype=EVENT_DTYPE)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def record(self, day: int, actors: np.ndarray, kind: EventKind) -> None:
        """Append one event of ``kind`` on ``day`` for each actor in ``actors``."""
        n = int(actors.size)
        if n == 0:
            return
        needed = self._size + n
        if needed > self._rows.size:
            grown = np.empty(max(needed, 2 * self._rows.size), dtype=EVENT_DTYPE)
            grown[: self._size] = self._rows[: self._size]
            self._rows = grown
        block = self._rows[self._size : needed]
        block["day"] = day
        block["actor"] = actors
        block["event"] = kind
        self._size = needed

    @property
    def rows(self) -> np.ndarray:
        """The recorded events, oldest first (a view; do not modify)."""
        return self._rows[: self._size]

    def of_kind(self, *kinds: EventKind) -> np.ndarray:
        """The events of the given kinds, oldest first."""
        rows = self.rows
        return rows[np.isin(rows["event"], [int(k) for k in kinds])]
