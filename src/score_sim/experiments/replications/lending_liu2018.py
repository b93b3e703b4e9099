"""The delayed impact of score-based lending (Liu, Dean, Rolf, Simchowitz & Hardt 2018).

One run per seed and lender's threshold, from "nobody approved" (above the top of the
scale) to "everybody" (the floor), with common random numbers: the same people, the
same two years of conduct and the same applications in every run of a seed. In each,
measured after the round of loans: each group's mean score, each group's share of
applications approved, and the lender's utility from the round's loans. A group's mean
score change is its mean score less the same in the run of the same seed where nobody
is approved: what lending did, and nothing else.

Reproduced when each group's change against the share approved rises to an interior
peak and falls after it; the disadvantaged group's change is negative when everybody is
approved (active harm); the lender's most profitable threshold is not the one that helps
the disadvantaged group most; and at the lender's threshold the advantaged group gains
more than the disadvantaged, so one threshold for both widens the gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.experiments.replications.base import (
    Claim,
    Outcome,
    Replication,
    Size,
    interval,
    share_holding,
)
from score_sim.experiments.replications.runner import Job

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from score_sim.model import ScoreModel
    from score_sim.scenario import Scenario

NOBODY = 1301.0
"""A threshold above the top of the scale: nobody is approved."""
EVERYBODY = 600.0
"""The floor of the scale: everybody not barred from credit is approved."""
THRESHOLDS = (
    NOBODY,
    *(1000.0, 990.0, 980.0, 970.0, 960.0, 950.0, 940.0, 930.0, 920.0),
    *(900.0, 880.0, 860.0, 830.0, 800.0, 750.0),
    EVERYBODY,
)
QUICK_THRESHOLDS = (NOBODY, 1000.0, 980.0, 960.0, 940.0, 920.0, 880.0, 800.0, EVERYBODY)
GROUPS = ("advantaged", "disadvantaged")
POLICY_PHASE = 1
"""The lending phase of the round: the rules from the day the lender opens."""


def measure(model: ScoreModel) -> dict[str, Any]:
    """Each group's mean score at the end, its share approved, and the lender's utility."""
    lending = model.lending
    summary = lending.summary(model.world.score)
    phase = summary["phases"][POLICY_PHASE]
    score, group = model.world.score, model.propensities.group
    names = [g.name for g in model.score_scenario.heterogeneity.groups]
    row: dict[str, Any] = {
        "approval_share": phase["approval_share"],
        "lender_utility": phase["lender_utility"],
        "applications": phase["applications"],
        "approved": phase["approved"],
        "defaulted": phase["defaulted"],
    }
    for name in GROUPS:
        members = group == names.index(name)
        mine = phase["by_group"][name]
        row[f"{name}_mean_score"] = float(score[members].mean())
        row[f"{name}_approval_share"] = mine["approval_share"]
        row[f"{name}_mean_points_from_loans"] = mine["mean_points_from_loans"]
        row[f"{name}_repayment_probability"] = summary["by_group"][name][
            "mean_repayment_probability"
        ]
    return row


def jobs(scenario: Scenario, seeds: Sequence[int], quick: bool = False) -> list[Job]:
    """One run per seed and threshold (fewer thresholds in the quick version)."""
    return [
        Job(
            scenario,
            seed,
            measure,
            {"lending.approval.score_at_least": threshold},
            {"threshold": threshold},
        )
        for seed in seeds
        for threshold in (QUICK_THRESHOLDS if quick else THRESHOLDS)
    ]


def changes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with each group's mean score change against its seed's "nobody" run."""
    reference = {row["seed"]: row for row in rows if row["threshold"] == NOBODY}
    out = []
    for row in rows:
        base = reference[row["seed"]]
        extra = {
            f"{name}_mean_score_change": row[f"{name}_mean_score"] - base[f"{name}_mean_score"]
            for name in GROUPS
        }
        out.append({**row, **extra})
    return out


def _peaked(curve: np.ndarray) -> bool:
    """Whether a curve over thresholds (nobody first, everybody last) peaks inside."""
    peak = int(np.argmax(curve))
    return 0 < peak < curve.size - 1 and curve[peak] > 0 and curve[peak] > curve[-1]


def analyse(rows: list[dict[str, Any]]) -> Outcome:
    """The outcome curves, active harm, the lender's threshold and the gap."""
    rows = changes(rows)
    thresholds = list(dict.fromkeys(row["threshold"] for row in rows))
    seeds = sorted({row["seed"] for row in rows})
    at = {(row["seed"], row["threshold"]): row for row in rows}

    def matrix(key: str) -> np.ndarray:
        return np.array(
            [[at[s, t][key] if at[s, t][key] is not None else np.nan for t in thresholds]
             for s in seeds],
            dtype=float,
        )  # fmt: skip

    change = {name: matrix(f"{name}_mean_score_change") for name in GROUPS}
    utility = matrix("lender_utility")
    best_lender = np.argmax(utility, axis=1)
    best_group = {name: np.argmax(change[name], axis=1) for name in GROUPS}
    t = np.array(thresholds)
    peaks = {name: share_holding([_peaked(c) for c in change[name]]) for name in GROUPS}
    harmed, n = share_holding(change["disadvantaged"][:, -1] < 0)
    differs, _ = share_holding(best_lender != best_group["disadvantaged"])
    gap = (
        change["advantaged"][np.arange(len(seeds)), best_lender]
        - change["disadvantaged"][np.arange(len(seeds)), best_lender]
    )
    widened, _ = share_holding(gap > 0)
    nobody_zero = all(abs(change[name][:, 0]).max() == 0 for name in GROUPS)
    claims = [
        Claim(
            f"hump_{name}",
            f"{name} group: highest mean score change (points), at an interior threshold",
            "a group's expected score change against the share approved is concave: it "
            "rises, peaks at an intermediate share, and falls",
            interval(change[name].max(axis=1).tolist()),
            peaks[name][0] > n / 2,
            f"peak inside the sweep, above 0 and above approving everybody in "
            f"{peaks[name][0]} of {n} seeds",
        )
        for name in GROUPS
    ]
    claims += [
        Claim(
            "active_harm",
            "disadvantaged group: mean score change, everybody approved (points)",
            "approving too many causes active harm: defaults pull the group's scores down "
            "(a negative change)",
            interval(change["disadvantaged"][:, -1].tolist()),
            harmed > n / 2,
            f"below 0 in {harmed} of {n} seeds (advantaged: median "
            f"{np.median(change['advantaged'][:, -1]):+.3g})",
        ),
        Claim(
            "nobody",
            "mean score change, nobody approved (points)",
            "approving nobody changes nothing",
            interval(change["disadvantaged"][:, 0].tolist()),
            nobody_zero,
            "exactly 0 for both groups in every seed (the reference run)",
        ),
        Claim(
            "lender_vs_group",
            "lender's most profitable threshold minus the disadvantaged group's best (points)",
            "the lender's most profitable threshold is not the one that helps a group most",
            interval((t[best_lender] - t[best_group["disadvantaged"]]).tolist()),
            differs > n / 2,
            f"different in {differs} of {n} seeds (lender's: median "
            f"{np.median(t[best_lender]):.0f}; the group's: median "
            f"{np.median(t[best_group['disadvantaged']]):.0f})",
        ),
        Claim(
            "gap",
            "advantaged minus disadvantaged change at the lender's threshold (points)",
            "one threshold for both groups (the lender's) widens the gap between them",
            interval(gap.tolist()),
            widened > n / 2,
            f"above 0 in {widened} of {n} seeds",
        ),
    ]
    curves: dict[str, Any] = {"threshold": thresholds}
    for name in GROUPS:
        share = matrix(f"{name}_approval_share")
        curves[name] = {
            "approval_share": np.nanmedian(np.nan_to_num(share, nan=0.0), axis=0).tolist(),
            **{
                stat: np.percentile(change[name], q, axis=0).tolist()
                for stat, q in (("median", 50), ("p05", 5), ("p95", 95))
            },
            "best_threshold_median": float(np.median(t[best_group[name]])),
        }
    curves["lender_utility"] = {
        stat: np.percentile(utility, q, axis=0).tolist()
        for stat, q in (("median", 50), ("p05", 5), ("p95", 95))
    }
    curves["lender_best_threshold_median"] = float(np.median(t[best_lender]))
    return Outcome(claims, curves)


def figure(rows: list[dict[str, Any]], outcome: Outcome, caption: str) -> Figure:
    """The outcome curves of both groups, and the lender's utility."""
    from score_sim.outputs.figures.replications import lending_figure

    return lending_figure(outcome.curves, GROUPS, NOBODY, EVERYBODY, caption)


REPLICATION = Replication(
    name="lending_liu2018",
    title="The delayed impact of score-based lending",
    citation="Liu, Dean, Rolf, Simchowitz & Hardt (2018), Delayed Impact of Fair Machine "
    "Learning, Proceedings of the 35th International Conference on Machine Learning (ICML)",
    scenario="lending_liu2018",
    finding="a group's expected score change against the share approved is concave: "
    "approving too many causes active harm (a negative change), an intermediate share "
    "improves the group most, approving nobody changes nothing; the lender's most "
    "profitable threshold is not the one that helps a group most, and policies that look "
    "fair can harm the disadvantaged group",
    published_numbers={
        "points_repaid": 75,
        "points_default": -150,
        "scale": "300..850",
        "lender_gain_per_repaid": 1,
        "lender_loss_per_default": 4,
        "smaller_group_share": 0.12,
        "break_even_repayment_for_the_group": "2/3 (75 p = 150 (1 - p))",
        "break_even_repayment_for_the_lender": "4/5 (p = 4 (1 - p))",
    },
    differences=(
        "Liu et al. take score distributions and repayment by score from credit-bureau "
        "data (which do not carry over); here two years of simulated conduct make the "
        "scores, and each borrower's repayment depends on their own propensity and group, "
        "not on the score.",
        "Liu et al. compute expected changes in one step; here one round of loans is "
        "simulated day by day, and a group's change is measured against the run of the same "
        "seed where nobody is approved (common random numbers).",
        "Scale 600..1300 instead of 300..850: the points are stretched by 700/550 "
        "(+75 becomes +95, -150 becomes -191); scores are bounded and decay (half-life a "
        "year), which the paper's calculation leaves out.",
        "One threshold for both groups (the lender sees no group); the paper also studies "
        "group-specific thresholds under fairness constraints, which are not reproduced.",
        "5,000 citizens (12% disadvantaged) over 20 seeds and 17 thresholds; the quick "
        "version has 2,000 citizens, 3 seeds and 9 thresholds.",
    ),
    quick=Size(citizens=2000, steps=910, seeds=3),
    full=Size(citizens=5000, steps=910, seeds=20),
    jobs=jobs,
    analyse=analyse,
    figure=figure,
)
