"""Grades: named bands over the score, e.g. Rongcheng's AAA >= 1050 ... D <= 599.

The Rongcheng-style bands (AAA >= 1050, AA 1030-1049, A 960-1029, B 850-959, C 600-849,
D <= 599) are as commonly reported for Wendeng/Weihai (see DOMAIN.md).
"""

from __future__ import annotations

import numpy as np

from score_sim.scenario import GradeBand


class Grading:
    """Turns scores into grade indices (0 = best band)."""

    def __init__(self, bands: tuple[GradeBand, ...]) -> None:
        self.names: tuple[str, ...] = tuple(band.name for band in bands)
        # ascending thresholds of every band but the lowest
        self._thresholds = np.array([b.min for b in bands[:-1]][::-1], dtype=np.float64)

    def grade_index(self, score: np.ndarray) -> np.ndarray:
        """Band index of each score, 0 for the best band (int8)."""
        above = np.searchsorted(self._thresholds, score, side="right")
        return (len(self.names) - 1 - above).astype(np.int8)

    def counts(
        self, score: np.ndarray, low: float | None = None, high: float | None = None
    ) -> np.ndarray:
        """How many scores fall in each band, best first.

        Args:
            score: the scores.
            low: their minimum, if known (thresholds at or below it need no pass).
            high: their maximum, if known (thresholds above it need no pass).
        """
        below = []
        for t in self._thresholds:  # one comparison pass per threshold in the range
            if low is not None and t <= low:
                below.append(0)
            elif high is not None and t > high:
                below.append(score.size)
            else:
                below.append(int(np.count_nonzero(score < t)))
        cumulative = np.array([0, *below, score.size])
        return np.diff(cumulative)[::-1]
