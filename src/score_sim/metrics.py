"""Metrics: the model-level numbers recorded every day, one column each.

For each kind of actor (``citizen_``, ``firm_``): score statistics, list sizes, grade counts
and today's findings. When a kind has no actors, its score statistics are NaN.
"""

from __future__ import annotations

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
    n = ordered.size
    rank = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    below = np.floor(rank).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    return ordered[below] + (rank - below) * (ordered[above] - ordered[below])


def kind_metrics(
    kind: str,
    score: np.ndarray,
    grading: Grading,
    counts: dict[str, int],
) -> dict[str, float]:
    """One kind's metrics for one day.

    Args:
        kind: "citizen" or "firm".
        score: scores of this kind's actors.
        grading: the grade bands.
        counts: this kind's value of each of :data:`KIND_COUNTS`.
    """
    out: dict[str, float] = {}
    if score.size:
        ordered = np.sort(score)
        p05, p25, p50, p75, p95 = percentiles(ordered, PERCENTILES)
        low, high = ordered[0], ordered[-1]
        stats = (np.add.reduce(score) / score.size, p50, low, high, p05, p25, p75, p95)
        grade_counts = grading.counts_sorted(ordered)
    else:
        stats = (np.nan,) * len(SCORE_STATS)
        grade_counts = np.zeros(len(grading.names), dtype=np.int64)
    grade_names = grading.names
    for name, value in zip(SCORE_STATS, stats, strict=True):
        out[f"{kind}_{name}"] = float(value)
    for name, count in counts.items():
        out[f"{kind}_{name}"] = count
    for name, count in zip(grade_names, grade_counts, strict=True):
        out[f"{kind}_n_grade_{name}"] = int(count)
    return out
