"""Metrics: the model-level numbers recorded every day, one column each.

For each kind of actor (``citizen_``, ``firm_``): score statistics, list sizes, grade counts
and today's findings. When a kind has no actors, its score statistics are NaN.
"""

from __future__ import annotations

import functools

import numpy as np

from score_sim.rules.grades import Grading

KINDS = ("citizen", "firm")
PERCENTILES = (5, 25, 50, 75, 95)
SCORE_STATS = (
    "mean_score",
    "median_score",
    "min_score",
    "max_score",
    "p05_score",
    "p25_score",
    "p75_score",
    "p95_score",
)


KIND_COUNTS = (
    "n_blacklisted",
    "n_redlisted",
    "n_findings",
    "n_restricted",
    "n_pariah",
    "n_listed_innocent",
)
WORLD_COLUMNS = (
    "n_true_findings",
    "n_false_findings",
    "n_inspections",
    "n_appeals_pending",
    "citizen_n_unemployed",
    "n_cascades",
    "mean_cascade_size",
    "sanction_days",
    "innocent_sanction_days",
    "false_finding_sanction_days",
    "tie_sanction_days",
    "innocent_sanction_share",
)
"""Whole-city columns: today's findings by truth and inspections; appeals waiting;
citizens without a job; cascades so far and their mean size (distinct actors restricted);
sanction-days so far, those borne by the innocent (split into false findings and ties),
and the innocent share."""


def column_names(grade_names: tuple[str, ...]) -> list[str]:
    """Every time-series column, in file order."""
    columns = ["step"]
    for kind in KINDS:
        columns += [f"{kind}_{stat}" for stat in SCORE_STATS]
        columns += [f"{kind}_{count}" for count in KIND_COUNTS]
        columns += [f"{kind}_n_grade_{name}" for name in grade_names]
    return columns + list(WORLD_COLUMNS)


EXACT_BELOW = 100_000
"""Kinds with fewer actors get exact percentiles (a partition costs less than a histogram)."""
MAX_BINS = 1 << 17
"""At most this many histogram bins over the score scale (0.01 points on a 700-point scale)."""


def percentiles(score: np.ndarray, lower: float, upper: float, q: tuple[float, ...]) -> np.ndarray:
    """Percentiles of scores within ``lower..upper``.

    Below :data:`EXACT_BELOW` scores, exact (numpy's "linear" method). Above, read from a
    histogram: scores are binned at 0.01 points (coarser on scales wider than 1,310
    points); each percentile is the lower edge of the bins holding its order statistics,
    interpolated as the linear method does. One pass over the scores instead of a
    partition per day, exact to within one bin.
    """
    return spread(score, lower, upper, q)[0]


@functools.lru_cache(maxsize=64)
def _ranks(n: int, q: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rank = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    below = np.floor(rank).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    kth = np.unique(np.concatenate([[0, n - 1], below, above]))
    return rank, below, above, kth


def spread(
    score: np.ndarray, lower: float, upper: float, q: tuple[float, ...]
) -> tuple[np.ndarray, float, float]:
    """Percentiles (see :func:`percentiles`), minimum and maximum of non-empty scores."""
    if score.size < EXACT_BELOW:
        # numpy's "linear" method, without the wrapper's overhead; one partition also
        # brings the minimum and maximum to the ends
        rank, below, above, kth = _ranks(score.size, q)
        ordered = np.partition(score, kth)
        values = ordered[below] + (rank - below) * (ordered[above] - ordered[below])
        return values, float(ordered[0]), float(ordered[-1])
    per_point = min(100.0, MAX_BINS / max(upper - lower, 1e-9))
    n_bins = int((upper - lower) * per_point) + 1
    bins = ((score - lower) * per_point).astype(np.int64)
    np.clip(bins, 0, n_bins - 1, out=bins)
    cumulative = np.cumsum(np.bincount(bins, minlength=n_bins))
    rank = np.asarray(q, dtype=np.float64) / 100.0 * (score.size - 1)
    below = np.floor(rank)
    low_bin = np.searchsorted(cumulative, below, side="right")
    high_bin = np.searchsorted(cumulative, np.minimum(below + 1, score.size - 1), side="right")
    edges_low = lower + low_bin / per_point
    edges_high = lower + high_bin / per_point
    values = edges_low + (rank - below) * (edges_high - edges_low)
    return values, float(score.min()), float(score.max())


def kind_metrics(
    kind: str,
    score: np.ndarray,
    bounds: tuple[float, float],
    grading: Grading,
    counts: dict[str, int],
) -> dict[str, float]:
    """One kind's metrics for one day.

    Args:
        kind: "citizen" or "firm".
        score: scores of this kind's actors.
        bounds: the scale's lower and upper bound.
        grading: the grade bands.
        counts: this kind's value of each of :data:`KIND_COUNTS`.
    """
    out: dict[str, float] = {}
    if score.size:
        (p05, p25, p50, p75, p95), low, high = spread(score, *bounds, PERCENTILES)
        stats = (np.add.reduce(score) / score.size, p50, low, high, p05, p25, p75, p95)
        grade_counts = grading.counts(score, low, high)
    else:
        stats = (np.nan,) * len(SCORE_STATS)
        grade_counts = np.zeros(len(grading.names), dtype=np.int64)
    grade_names = grading.names
    for name, value in zip(SCORE_STATS, stats, strict=True):
        out[f"{kind}_{name}"] = float(value)
    for name in KIND_COUNTS:
        out[f"{kind}_{name}"] = counts[name]
    for name, count in zip(grade_names, grade_counts, strict=True):
        out[f"{kind}_n_grade_{name}"] = int(count)
    return out
