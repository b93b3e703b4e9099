"""Metrics: the model-level numbers recorded every day, one column each.

For each kind of actor (``citizen_``, ``firm_``): score statistics, list sizes, grade counts
and today's findings. When a kind has no actors, its score statistics are NaN.
"""

from __future__ import annotations

import numpy as np

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


def kind_metrics(
    kind: str,
    score: np.ndarray,
    grade_counts: np.ndarray,
    grade_names: tuple[str, ...],
    counts: dict[str, int],
) -> dict[str, float]:
    """One kind's metrics for one day.

    Args:
        kind: "citizen" or "firm".
        score: scores of this kind's actors.
        grade_counts: actors per grade band, best first.
        grade_names: band names, best first.
        counts: this kind's value of each of :data:`KIND_COUNTS`.
    """
    out: dict[str, float] = {}
    if score.size:
        p05, p25, p50, p75, p95 = np.percentile(score, PERCENTILES)
        stats = (score.mean(), p50, score.min(), score.max(), p05, p25, p75, p95)
    else:
        stats = (np.nan,) * len(SCORE_STATS)
    for name, value in zip(SCORE_STATS, stats, strict=True):
        out[f"{kind}_{name}"] = float(value)
    for name in KIND_COUNTS:
        out[f"{kind}_{name}"] = counts[name]
    for name, count in zip(grade_names, grade_counts, strict=True):
        out[f"{kind}_n_grade_{name}"] = int(count)
    return out
