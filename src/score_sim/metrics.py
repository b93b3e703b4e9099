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


def column_names(grade_names: tuple[str, ...]) -> list[str]:
    """Every time-series column, in file order."""
    columns = ["step"]
    for kind in KINDS:
        columns += [f"{kind}_{stat}" for stat in SCORE_STATS]
        columns += [f"{kind}_n_blacklisted", f"{kind}_n_redlisted", f"{kind}_n_findings"]
        columns += [f"{kind}_n_grade_{name}" for name in grade_names]
    return columns


def kind_metrics(
    kind: str,
    score: np.ndarray,
    grade_counts: np.ndarray,
    grade_names: tuple[str, ...],
    n_blacklisted: int,
    n_redlisted: int,
    n_findings: int,
) -> dict[str, float]:
    """One kind's metrics for one day.

    Args:
        kind: "citizen" or "firm".
        score: scores of this kind's actors.
        grade_counts: actors per grade band, best first.
        grade_names: band names, best first.
        n_blacklisted: actors of this kind on the blacklist.
        n_redlisted: actors of this kind on the red list.
        n_findings: findings against actors of this kind today.
    """
    out: dict[str, float] = {}
    if score.size:
        p05, p25, p50, p75, p95 = np.percentile(score, PERCENTILES)
        stats = (score.mean(), p50, score.min(), score.max(), p05, p25, p75, p95)
    else:
        stats = (np.nan,) * len(SCORE_STATS)
    for name, value in zip(SCORE_STATS, stats, strict=True):
        out[f"{kind}_{name}"] = float(value)
    out[f"{kind}_n_blacklisted"] = n_blacklisted
    out[f"{kind}_n_redlisted"] = n_redlisted
    out[f"{kind}_n_findings"] = n_findings
    for name, count in zip(grade_names, grade_counts, strict=True):
        out[f"{kind}_n_grade_{name}"] = int(count)
    return out
