"""Scoring: findings add points, scores are clamped to the scale, then decay to a baseline.

The points concept (start 1000, at least 600, at most 1300) is the one described for the
national system and modelled on the pilots; deductions such as -5 for a traffic ticket or
-30 for commercial fraud are Rongcheng's (see DOMAIN.md). Decay toward a baseline with a
half-life is an assumption: it models records fading with time.
"""

from __future__ import annotations

import numpy as np

from score_sim.rules.behaviour import Occurrences
from score_sim.scenario import NegativeCounting


def apply_findings(
    score: np.ndarray,
    findings: Occurrences,
    points: np.ndarray,
    serious: np.ndarray,
    serious_record: np.ndarray,
    counting: NegativeCounting,
) -> np.ndarray:
    """Add each finding's points to its actor and update the serious-finding record.

    Under ``serious_first`` a minor negative finding costs points only when the actor
    already has a serious finding on record (today's serious findings count).

    Args:
        score: every actor's score, changed in place.
        findings: today's findings.
        points: points per behaviour index.
        serious: whether each behaviour index is serious.
        serious_record: whether each actor has had a serious finding, changed in place.
        counting: which negative findings cost points.

    Returns:
        The actors with a serious finding today (may repeat).
    """
    is_serious = serious[findings.behaviour]
    serious_actors = findings.actor[is_serious]
    serious_record[serious_actors] = True
    delta = points[findings.behaviour]
    if counting is NegativeCounting.serious_first:
        waived = (delta < 0) & ~is_serious & ~serious_record[findings.actor]
        delta = np.where(waived, 0.0, delta)
    np.add.at(score, findings.actor, delta)
    return serious_actors


def clamp(score: np.ndarray, lower: float, upper: float) -> None:
    """Hold every score within the scale's bounds, in place."""
    np.clip(score, lower, upper, out=score)


def decay_factor(half_life_days: float | None) -> float:
    """The share of the distance to the baseline that remains after one day."""
    if half_life_days is None:
        return 1.0
    return float(0.5 ** (1.0 / half_life_days))


def decay(score: np.ndarray, baseline: float, factor: float) -> None:
    """Move every score toward the baseline, keeping ``factor`` of the distance, in place."""
    if factor == 1.0:
        return
    score -= baseline
    score *= factor
    score += baseline
