"""Metrics: the model-level numbers recorded every day, one column each.

For each kind of actor (``citizen_``, ``firm_``): score statistics, list sizes, grade counts
and today's findings. When a kind has no actors, its score statistics are NaN.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.contagion import CONTAGION_CUMULATIVE
from score_sim.mechanisms.grades import Grading
from score_sim.mechanisms.lending import LENDING_CUMULATIVE

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

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
MECHANISM_CUMULATIVE = frozenset(
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
"""Totals so far among the columns of data sharing, the escalation ladder and the letters,
present only when those mechanisms are on."""
CUMULATIVE_COLUMNS = (
    frozenset(WORLD_COLUMNS[WORLD_COLUMNS.index("n_cascades") :])
    | MECHANISM_CUMULATIVE
    | LENDING_CUMULATIVE
    | CONTAGION_CUMULATIVE
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


class DailyMetrics(Mechanism):
    """The columns every run records.

    Each kind's scores, lists, grades and findings, and the whole city's findings,
    inspections, appeals, jobs, cascades and sanction-days.
    """

    name = "daily_metrics"
    title = "daily metrics"

    def __init__(self, grade_names: tuple[str, ...], extra_lists: tuple[str, ...]) -> None:
        self.grade_names = grade_names
        self.extra_lists = extra_lists
        """Lists counted in columns of their own (beyond blacklist and redlist)."""

    @classmethod
    def build(cls, host: ScoreModel) -> DailyMetrics:
        """Every run records its metrics."""
        return cls(host.grading.names, host.extra_lists)

    @property
    def in_plan(self) -> bool:
        """The metrics are collected after the day, not in it."""
        return False

    def columns(self) -> list[str]:
        """The columns of :func:`column_names`."""
        return column_names(self.grade_names, self.extra_lists)

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's value of each of :meth:`columns`, from the arrays and the day."""
        world = host.world
        today = host.today
        day = host.steps
        findings = today.findings
        pariah = host.harms.pariah(day)
        restricted = today.restricted_after
        if restricted is None:
            restricted = host.sanctions.restrictions != 0
        lists = world.lists
        n_citizen_findings = int(np.count_nonzero(findings.actor < world.n_citizens))
        n_findings = {"citizen": n_citizen_findings, "firm": len(findings) - n_citizen_findings}
        metrics: dict[str, float] = {"step": day}
        for kind in KINDS:
            span = world.kind_slice(kind)
            counts = {
                "n_blacklisted": int(np.count_nonzero(lists.blacklisted[span])),
                "n_redlisted": int(np.count_nonzero(lists.redlisted[span])),
                "n_findings": n_findings[kind],
                "n_restricted": int(np.count_nonzero(restricted[span])),
                "n_pariah": int(np.count_nonzero(pariah[span])),
                "n_listed_innocent": int(np.count_nonzero(lists.blacklist_innocent[span])),
            }
            for name in self.extra_lists:
                counts[f"n_on_{name}"] = int(np.count_nonzero(lists.books[name].listed[span]))
            metrics |= kind_metrics(kind, world.score[span], host.grading, counts)
        cascades = host.sanctions.cascades
        harms = host.harms
        n_true = int(np.count_nonzero(findings.true))
        metrics |= {
            "n_true_findings": n_true,
            "n_false_findings": len(findings) - n_true,
            "n_inspections": host.inspections.n_today,
            "n_appeals_pending": host.appeals.n_pending,
            "citizen_n_unemployed": int(np.count_nonzero(world.employer < 0)),
            "citizen_n_job_lost": host.feedback.n_jobs_lost,
            "n_cascades": int(cascades.size),
            "mean_cascade_size": float(cascades["n_agents"].mean()) if cascades.size else 0.0,
            "sanction_days": harms.sanction_days,
            "innocent_sanction_days": harms.innocent_sanction_days,
            "false_finding_sanction_days": harms.false_finding_sanction_days,
            "tie_sanction_days": harms.tie_sanction_days,
            "innocent_sanction_share": (
                harms.innocent_sanction_days / harms.sanction_days if harms.sanction_days else 0.0
            ),
        }
        return metrics
