"""Metrics: the model-level numbers recorded every day, one column each.

For each kind of actor (``citizen_``, ``firm_``): score statistics, list sizes, grade counts
and today's findings. When a kind has no actors, its score statistics are NaN.
"""

from __future__ import annotations

import functools
import math

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
    "citizen_n_job_lost",
    "n_cascades",
    "mean_cascade_size",
    "sanction_days",
    "innocent_sanction_days",
    "false_finding_sanction_days",
    "tie_sanction_days",
    "innocent_sanction_share",
)
"""Whole-city columns: today's findings by truth and inspections; appeals waiting;
citizens without a job, and those of them who lost it to sanctions (so far); cascades so
far and their mean size (distinct actors restricted);
sanction-days so far, those borne by the innocent (split into false findings and ties),
and the innocent share."""
ISSUE9C_CUMULATIVE = frozenset(
    {
        "restriction_days_called",
        "restriction_days_delayed",
        "restriction_days_missing",
        "citizen_n_job_lost_to_closure",
        "firm_n_pre_approvals",
        "firm_n_commitments_broken",
        "n_rescue_cancellations",
    }
)
"""Totals so far among the columns of data sharing, the escalation ladder and the letters
(issue 9), present only when those mechanisms are on."""
CUMULATIVE_COLUMNS = (
    frozenset(WORLD_COLUMNS[WORLD_COLUMNS.index("n_cascades") :]) | ISSUE9C_CUMULATIVE
)
"""Columns that are totals (or means) so far: a mean over the run means nothing."""


DETERRENCE_COLUMNS = ("citizen_deterrence_multiplier", "firm_deterrence_multiplier")
"""With deterrence on (an assumption): the day's factor on each kind's misconduct rates."""


def column_names(
    grade_names: tuple[str, ...], extra_lists: tuple[str, ...] = (), *, deterrence: bool = False
) -> list[str]:
    """Every time-series column, in file order.

    ``n_blacklisted`` and ``n_redlisted`` count actors on any blacklist or red list; each
    list beyond the default ``blacklist`` and ``redlist`` also has a column of its own,
    ``<kind>_n_on_<list>``. With ``deterrence`` the day's deterrence multipliers close the
    list (:data:`DETERRENCE_COLUMNS`).
    """
    columns = ["step"]
    for kind in KINDS:
        columns += [f"{kind}_{stat}" for stat in SCORE_STATS]
        columns += [f"{kind}_{count}" for count in KIND_COUNTS]
        columns += [f"{kind}_n_grade_{name}" for name in grade_names]
        columns += [f"{kind}_n_on_{name}" for name in extra_lists]
    return columns + list(WORLD_COLUMNS) + (list(DETERRENCE_COLUMNS) if deterrence else [])


def percentiles(ordered: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Percentiles of sorted scores, as numpy's default ("linear") method gives them.

    The day's scores are sorted once: numpy's vectorised sort is faster than a partition
    for the handful of order statistics needed, at every city size, and it leaves the
    minimum, the maximum and the grade counts a look-up away.
    """
    return np.array(_order_statistics(ordered, _ranks(ordered.size, tuple(q)))[0])


@functools.cache
def _ranks(n: int, q: tuple[float, ...]) -> tuple[np.ndarray, tuple[float, ...]]:
    """For each percentile of ``n`` sorted values: the ranks below, then above, and weights.

    The same float64 operations as numpy's "linear" method, computed once per size; the
    ranks array ends with the minimum's and the maximum's (0 and n - 1).
    """
    below, above, weights = [], [], []
    for percent in q:
        rank = percent / 100.0 * (n - 1)
        low = math.floor(rank)
        below.append(low)
        above.append(min(low + 1, n - 1))
        weights.append(rank - low)
    return np.array([*below, *above, 0, n - 1], dtype=np.intp), tuple(weights)


def _order_statistics(
    ordered: np.ndarray, ranks: tuple[np.ndarray, tuple[float, ...]]
) -> tuple[list[float], float, float]:
    """The percentiles (linear interpolation, on Python floats), the minimum and the maximum.

    One gather from the sorted scores, then a handful of float operations: a day's metrics
    need a few values, and numpy calls on so few would cost more than the day's sort.
    """
    positions, weights = ranks
    *values, low, high = ordered.take(positions).tolist()
    k = len(weights)
    percentile_values = [
        below + weight * (above - below)
        for below, above, weight in zip(values[:k], values[k:], weights, strict=True)
    ]
    return percentile_values, low, high


@functools.cache
def _keys(kind: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """``<kind>_<name>`` for each name, built once."""
    return tuple(f"{kind}_{name}" for name in names)


def kind_metrics(
    kind: str,
    score: np.ndarray,
    grading: Grading,
    counts: dict[str, int],
) -> dict[str, float]:
    """One kind's metrics for one day.

    Runs once a day for each kind, so it works on Python scalars: at a town's size the
    numpy calls on a handful of values would cost more than the day's sort.

    Args:
        kind: "citizen" or "firm".
        score: scores of this kind's actors.
        grading: the grade bands.
        counts: this kind's value of each of :data:`KIND_COUNTS`.
    """
    n = score.size
    if n:
        ordered = np.sort(score)
        (p05, p25, p50, p75, p95), low, high = _order_statistics(ordered, _ranks(n, PERCENTILES))
        stats = (float(np.add.reduce(score) / n), p50, low, high, p05, p25, p75, p95)
        grade_counts = grading.counts_sorted(ordered)
    else:
        stats = (math.nan,) * len(SCORE_STATS)
        grade_counts = [0] * len(grading.names)
    out = dict(zip(_keys(kind, SCORE_STATS), stats, strict=True))
    out.update(zip(_keys(kind, tuple(counts)), counts.values(), strict=True))
    out.update(zip(_keys(kind, grading.count_names), grade_counts, strict=True))
    return out
