"""Outcasts from bad luck alone (Lindström & Tobler 2018; Kim 2014), reproduced.

One job per seed, two worlds each: the scenario as written (erroneous reports in its
first 90 days) and its twin without any erroneous report (the same seed, the same
people, the same draws of conduct: :mod:`score_sim.experiments.bad_luck`). The *hit*
are the citizens falsely listed in the first 90 days; an *outcast* is blacklisted, or a
pariah, on the last day. Each world gives a row: how many of the hit are outcasts, and
how much misconduct they committed.

Reproduced when the hit are outcasts more often with the errors than the same citizens
without them (the bad-luck ratio, pooled over the seeds, above 1 with its interval),
while their conduct is the same in both worlds.
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
from score_sim.outputs.bad_luck import bad_luck_ratio

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from score_sim.model import ScoreModel
    from score_sim.scenario import Scenario

WORLDS = ("with errors", "without errors")
RESAMPLES = 2000
"""Resamplings of the seeds behind the pooled ratio's interval."""


def measure(model: ScoreModel) -> list[dict[str, Any]]:
    """Run the twin world without errors and give a row for each world."""
    from score_sim.experiments.bad_luck import measure_bad_luck

    report = measure_bad_luck(model)
    if report is None:
        raise ValueError(f"{model.score_scenario.name} does not set bad_luck_early_days")
    n_citizens = model.world.n_citizens
    hit = report["citizens_hit"]
    common = {"citizens_hit": hit, "bad_luck_ratio": report["ratio"]}
    return [
        {
            "world": WORLDS[0],
            **common,
            "outcasts_among_hit": report["outcasts_among_hit"],
            "outcast_share_hit": report["outcast_share_hit"],
            "misconduct_per_hit_citizen": report["misconduct_per_hit_citizen"],
            "outcast_share_everyone": float(np.count_nonzero(_outcasts(model)) / n_citizens),
        },
        {
            "world": WORLDS[1],
            **common,
            "outcasts_among_hit": report["outcasts_among_hit_without_errors"],
            "outcast_share_hit": report["outcast_share_same_people_without_errors"],
            "misconduct_per_hit_citizen": report["misconduct_per_hit_citizen_without_errors"],
            "outcast_share_everyone": report["outcast_share_everyone_without_errors"],
        },
    ]


def _outcasts(model: ScoreModel) -> np.ndarray:
    from score_sim.outputs.bad_luck import outcasts

    return outcasts(model)


def jobs(scenario: Scenario, seeds: Sequence[int], quick: bool = False) -> list[Job]:
    """One job per seed (each runs both worlds)."""
    return [Job(scenario, seed, measure) for seed in seeds]


def pooled_ratio(with_errors: np.ndarray, without: np.ndarray) -> float:
    """The bad-luck ratio of the hit of every seed together."""
    return bad_luck_ratio(int(with_errors.sum()), int(without.sum()))


def analyse(rows: list[dict[str, Any]]) -> Outcome:
    """The bad-luck ratio (per seed and pooled), the outcast shares, and conduct."""
    seeds = sorted({row["seed"] for row in rows})
    at = {(row["seed"], row["world"]): row for row in rows}
    hit = np.array([at[s, WORLDS[0]]["citizens_hit"] for s in seeds])
    outcast = {w: np.array([at[s, w]["outcasts_among_hit"] for s in seeds]) for w in WORLDS}
    pooled = pooled_ratio(outcast[WORLDS[0]], outcast[WORLDS[1]])
    rng = np.random.default_rng(2018)  # the resampling is part of the analysis: fixed
    picks = rng.integers(0, len(seeds), (RESAMPLES, len(seeds)))
    resampled = (outcast[WORLDS[0]][picks].sum(axis=1) + 0.5) / (
        outcast[WORLDS[1]][picks].sum(axis=1) + 0.5
    )
    low, high = np.percentile(resampled, [5.0, 95.0])
    per_seed = [at[s, WORLDS[0]]["bad_luck_ratio"] for s in seeds]
    above, n = share_holding([r is not None and r > 1 for r in per_seed])
    same = [
        at[s, WORLDS[0]]["misconduct_per_hit_citizen"]
        == at[s, WORLDS[1]]["misconduct_per_hit_citizen"]
        for s in seeds
    ]
    n_hit = int(hit.sum())
    share_hit = outcast[WORLDS[0]].sum() / n_hit if n_hit else float("nan")
    share_twin = outcast[WORLDS[1]].sum() / n_hit if n_hit else float("nan")
    everyone = [at[s, WORLDS[1]]["outcast_share_everyone"] for s in seeds]
    claims = [
        Claim(
            "bad_luck_ratio",
            "bad-luck ratio: outcasts among the falsely listed early, with / without errors",
            "identical individuals become outcasts through early bad luck alone: those hit "
            "early are far more likely to be excluded later",
            {
                "median": round(float(pooled), 4),
                "p05": round(float(low), 4),
                "p95": round(float(high), 4),
                "n": len(seeds),
                "how": f"pooled over the seeds' {n_hit:,} hit citizens; interval: 5-95% over "
                f"{RESAMPLES:,} resamplings of the seeds; per seed: median "
                f"{interval(per_seed)['median']}",
            },
            bool(low > 1),
            f"pooled ratio above 1 across the interval; above 1 in {above} of {n} seeds",
        ),
        Claim(
            "outcast_share",
            "share of the hit who are outcasts at the end, with errors",
            "early bad luck decides who is excluded",
            interval([at[s, WORLDS[0]]["outcast_share_hit"] for s in seeds]),
            bool(share_hit > share_twin),
            f"pooled {share_hit:.1%} with errors against {share_twin:.1%} for the same "
            f"people without them ({np.median(everyone):.1%} of everyone)",
        ),
        Claim(
            "same_conduct",
            "misconduct per hit citizen over the run, with errors",
            "their conduct does not explain it: identical people, the same conduct",
            interval([at[s, WORLDS[0]]["misconduct_per_hit_citizen"] for s in seeds]),
            all(same),
            f"the same as without errors in {sum(same)} of {len(same)} seeds (the same draws)",
        ),
    ]
    curves = {
        "seeds": seeds,
        "ratio_per_seed": per_seed,
        "outcast_share_hit": {w: [at[s, w]["outcast_share_hit"] for s in seeds] for w in WORLDS},
        "outcast_share_everyone_without_errors": everyone,
        "pooled": {"ratio": pooled, "p05": float(low), "p95": float(high), "hit": n_hit},
    }
    return Outcome(claims, curves)


def figure(rows: list[dict[str, Any]], outcome: Outcome, caption: str) -> Figure:
    """Outcast shares in both worlds, and the bad-luck ratio of each seed."""
    from score_sim.outputs.figures.replications import outcasts_figure

    return outcasts_figure(outcome.curves, WORLDS, caption)


REPLICATION = Replication(
    name="outcasts_lindstrom2018",
    title="Outcasts from bad luck alone",
    citation="Lindström & Tobler (2018), Incidental ostracism emerges from simple learning "
    "strategies, Nature Human Behaviour 2: 405-414; Kim (2014), A simple model of ostracism "
    "formation, PLOS ONE 9(4): e94333",
    scenario="outcasts_lindstrom2018",
    finding="in experiments and models, chance differences early on predict who is later "
    "excluded better than their conduct does: identical individuals become outcasts "
    "through early bad luck alone",
    published_numbers={
        "identical_individuals": True,
        "outcasts_decided_by": "early chance, not conduct",
    },
    differences=(
        "Lindström & Tobler's outcasts arise from people learning whom to avoid, Kim's from "
        "people seeking to belong; here they arise from an institution: a false listing "
        "early on, a list that spreads along family ties (Lum et al. 2014's monthly "
        "probabilities), and two-year entries (the court defaulter list's).",
        "Bad luck is a false listing (false court records and malicious denunciations in "
        "the first 90 days), not an unlucky outcome of an interaction; only what a court "
        "finds is modelled, so every false record lists.",
        "An outcast is blacklisted or a pariah on the last day of three years, not a person "
        "others avoid; nobody avoids anyone here.",
        "The comparison is with a twin world without errors (same seed, same people, the "
        "same draws of conduct), which an experiment with people cannot have.",
        "10,000 identical citizens in households of about three, no friends' ties (with them "
        "two-year entries spread without end); contagion is the paper's by relation and sex, "
        "with sexes and family roles generated (see contagion_lum2014).",
    ),
    quick=Size(citizens=3000, steps=1095, seeds=6),
    full=Size(citizens=10000, steps=1095, seeds=20),
    jobs=jobs,
    analyse=analyse,
    figure=figure,
)
