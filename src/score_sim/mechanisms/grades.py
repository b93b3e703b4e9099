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
        self.count_names: tuple[str, ...] = tuple(f"n_grade_{name}" for name in self.names)
        """Metric names of the counts per band (``n_grade_<name>``), best first."""
        # ascending thresholds of every band but the lowest
        self._thresholds = np.array([b.min for b in bands[:-1]][::-1], dtype=np.float64)

    def grade_index(self, score: np.ndarray) -> np.ndarray:
        """Band index of each score, 0 for the best band (int8)."""
        above = np.searchsorted(self._thresholds, score, side="right")
        return (len(self.names) - 1 - above).astype(np.int8)

    def counts_sorted(self, ordered: np.ndarray) -> list[int]:
        """How many of some sorted scores fall in each band, best first."""
        edges = [0, *ordered.searchsorted(self._thresholds, side="left").tolist(), ordered.size]
        return [high - low for low, high in zip(edges[-2::-1], edges[:0:-1], strict=True)]

    def counts(self, score: np.ndarray) -> np.ndarray:
        """How many scores fall in each band, best first."""
        return np.array(self.counts_sorted(np.sort(score)), dtype=np.int64)
