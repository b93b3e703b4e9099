"""Sentence length and contagion (Lum, Swarup, Eubank & Hawdon 2014), reproduced.

Four worlds per seed, with common random numbers (the same people, ties, sexes and
first listings): terms as the paper draws them ("lenient", mean 14 months) or the same
draw plus 3 months ("harsh", mean 17), each with contagion over ties on, or cut
(``contagion.enabled: false``). Measured in each: listed-months per citizen over the
run, the share ever listed and listed at the end, and how listings cluster in
households: the family recurrence risk ratio, the chance that a citizen is listed given
that a member of their household is, over the chance for anyone, on the last day of
each year (their mean over the years).

Reproduced when the harsh world's listed-months exceed the lenient world's by more than
17/14 in most seeds with ties (the amplification), the ratio stays near 17/14 with ties
cut, and listings cluster in households (many times the base chance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.events import EventKind
from score_sim.experiments.replications.base import (
    Claim,
    Outcome,
    Replication,
    Size,
    interval,
    share_holding,
)
from score_sim.experiments.replications.runner import Job
from score_sim.mechanisms.behaviour import DAYS_PER_YEAR
from score_sim.mechanisms.ties import Graph
from score_sim.outputs.summary import BLACKLIST_EXITS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from score_sim.model import ScoreModel
    from score_sim.scenario import Scenario

LENIENT_MONTHS, HARSH_MONTHS = 14.0, 17.0
TERM_RATIO = HARSH_MONTHS / LENIENT_MONTHS
"""What longer terms alone would give: 17/14, about 1.21."""
CLUSTERING_MIN = 2.0
"""Listings "cluster in families" when the chance given a listed household member is at
least this many times the base chance."""
ARMS = (("lenient", 0.0), ("harsh", 3.0))
TIES = (("on", True), ("cut", False))


def listed_on(model: ScoreModel, days: Sequence[int]) -> np.ndarray:
    """Who was on a blacklist on each of ``days`` (rows), read back from the event log."""
    n = model.world.n_citizens
    rows = model.events.rows
    entries = rows[(rows["event"] == EventKind.blacklist_entry) & (rows["actor"] < n)]
    exits = rows[np.isin(rows["event"], [int(k) for k in BLACKLIST_EXITS]) & (rows["actor"] < n)]
    out = np.zeros((len(days), n), dtype=bool)
    for i, day in enumerate(days):
        entered = np.bincount(entries["actor"][entries["day"] <= day], minlength=n)
        left = np.bincount(exits["actor"][exits["day"] <= day], minlength=n)
        out[i] = entered > left
    return out


def recurrence(listed: np.ndarray, family: Graph) -> float:
    """How listings cluster in households on one day: the recurrence risk ratio.

    The chance that a citizen is listed given that a member of their household is (over
    every pair of household members), over the chance that anyone is; NaN when nobody,
    or nobody with a household, is listed.
    """
    source = np.repeat(np.arange(listed.size), family.degree)
    listed_source = listed[source]
    base = float(listed.mean())
    if not listed_source.any() or base == 0:
        return float("nan")
    return float(listed[family.indices[listed_source]].mean()) / base


def measure(model: ScoreModel) -> dict[str, Any]:
    """Listed-months per citizen, shares listed, and how listings cluster in households."""
    n = model.world.n_citizens
    lists = model.world.lists
    days = lists.days_blacklisted(model.steps)[:n].astype(np.float64)
    series = model.timeseries()["citizen_n_blacklisted"] / n
    year = int(DAYS_PER_YEAR)
    years = list(range(1, model.steps // year + 1))
    snapshots = listed_on(model, [y * year for y in years])
    ratios = [recurrence(listed, model.world.ties.family) for listed in snapshots]
    finite = [r for r in ratios if np.isfinite(r)]
    return {
        "listed_months_per_citizen": float(days.sum() / (DAYS_PER_YEAR / 12) / n),
        "ever_listed_share": float(np.mean(days > 0)),
        "listed_share_at_end": float(lists.blacklisted[:n].mean()),
        "household_recurrence_ratio": float(np.mean(finite)) if finite else float("nan"),
        "listed_by_contagion": int(model.contagion.n_listed) if model.contagion else 0,
        **{
            f"listed_share_year_{y}": float(series[y * year])
            for y in range(len(series) // year + 1)
        },
    }


def jobs(scenario: Scenario, seeds: Sequence[int], quick: bool = False) -> list[Job]:
    """Lenient and harsh, ties on and cut, for every seed (the same in the quick version)."""
    return [
        Job(
            scenario,
            seed,
            measure,
            {"lists.blacklist.term.extra_months": extra, "contagion.enabled": on},
            {"terms": arm, "ties": ties},
        )
        for seed in seeds
        for arm, extra in ARMS
        for ties, on in TIES
    ]


def _by(rows: list[dict[str, Any]], terms: str, ties: str) -> dict[int, dict[str, Any]]:
    return {row["seed"]: row for row in rows if row["terms"] == terms and row["ties"] == ties}


def analyse(rows: list[dict[str, Any]]) -> Outcome:
    """The amplification with ties and without, and household clustering."""
    ratios: dict[str, list[float | None]] = {}
    for ties, _ in TIES:
        lenient, harsh = _by(rows, "lenient", ties), _by(rows, "harsh", ties)
        ratios[ties] = [
            harsh[s]["listed_months_per_citizen"] / lenient[s]["listed_months_per_citizen"]
            if lenient[s]["listed_months_per_citizen"] > 0
            else None
            for s in sorted(lenient)
        ]
    above, n = share_holding([r is not None and r > TERM_RATIO for r in ratios["on"]])
    cut = interval(ratios["cut"])
    on_rows = [r for r in rows if r["ties"] == "on"]
    clustering = [r["household_recurrence_ratio"] for r in on_rows]
    clustered, n_clustering = share_holding(
        [np.isfinite(c) and c >= CLUSTERING_MIN for c in clustering]
    )
    claims = [
        Claim(
            "amplification",
            "harsh / lenient listed-months per citizen, with ties",
            f"far above {HARSH_MONTHS:.0f}/{LENIENT_MONTHS:.0f} = {TERM_RATIO:.2f}: a small "
            "difference in sentence length gives a large difference in time incarcerated",
            interval(ratios["on"]),
            above > n / 2,
            f"above {TERM_RATIO:.2f} in {above} of {n} seeds",
        ),
        Claim(
            "ties_cut",
            "harsh / lenient listed-months per citizen, ties cut",
            f"the effect needs the ties: without contagion about {TERM_RATIO:.2f} (longer "
            "terms alone)",
            cut,
            cut["median"] is not None and abs(cut["median"] - TERM_RATIO) < 0.1,
            f"median within 0.1 of {TERM_RATIO:.2f}",
        ),
        Claim(
            "clustering",
            "chance listed with a listed household member / base chance, with ties",
            "incarceration clusters in families: far above 1",
            interval(clustering),
            clustered > n_clustering / 2,
            f"at least {CLUSTERING_MIN:g} times the base chance in {clustered} of "
            f"{n_clustering} runs with ties",
        ),
    ]
    years = sorted(int(k.rsplit("_", 1)[1]) for k in rows[0] if k.startswith("listed_share_year_"))
    curves = {
        f"{terms}, ties {ties}": {
            "year": years,
            **{
                stat: [
                    interval(
                        [r[f"listed_share_year_{y}"] for r in _by(rows, terms, ties).values()]
                    )[stat]
                    for y in years
                ]
                for stat in ("median", "p05", "p95")
            },
        }
        for terms, _ in ARMS
        for ties, _ in TIES
    }
    curves["ratio_per_seed"] = {"ties on": ratios["on"], "ties cut": ratios["cut"]}
    return Outcome(claims, curves)


def figure(rows: list[dict[str, Any]], outcome: Outcome, caption: str) -> Figure:
    """The figure: listed share over the years, and the ratio per seed."""
    from score_sim.outputs.figures.replications import contagion_figure

    return contagion_figure(outcome.curves, TERM_RATIO, caption)


REPLICATION = Replication(
    name="contagion_lum2014",
    title="Sentence length and contagion",
    citation="Lum, Swarup, Eubank & Hawdon (2014), The contagious nature of imprisonment: an "
    "agent-based model to explain racial disparities in incarceration rates, J. R. Soc. "
    "Interface 11: 20140409",
    scenario="contagion_lum2014",
    finding="when incarceration passes along family and friend ties, a small difference in "
    "sentence length (mean 14 against 17 months) gives a large difference in months "
    "incarcerated per person, enough to explain large group disparities; the effect needs "
    "the ties",
    published_numbers={
        "lenient_mean_months": LENIENT_MONTHS,
        "harsh_mean_months": HARSH_MONTHS,
        "ratio_from_longer_terms_alone": round(TERM_RATIO, 4),
        "sentence": "a Poisson count of months with a Gamma-distributed mean (shape 1.2)",
        "initially_incarcerated": "1% of those aged 45 or under",
        "background_monthly_probability": 1.675e-5,
        "contagion": "monthly probabilities by relation and sex, from survey data (see the "
        "scenario's sources)",
    },
    differences=(
        "A listing plays incarceration's part; a listed citizen still lives at home (the "
        "paper's prisoner is away), and nothing else about them changes.",
        "Days, not months: each monthly probability p becomes a daily 1 - (1 - p)^(12/365), "
        "and a month of a term is 365/12 days.",
        "Families and friends are generated (households of about three, four friends on "
        "average), not the paper's synthetic population; within a household the two "
        "lowest-numbered members are partners, the others their children; relatives "
        "living elsewhere are not modelled.",
        "No sexes in the model: each citizen is a woman with chance 0.5, and the paper's "
        "probabilities by sex are applied to these.",
        "No ages: 1% of all citizens are listed at the start (the paper: 1% of those aged 45 "
        "or under), and nobody ages, is born or dies.",
        "Ten years of 5,000 citizens over 20 seeds; the paper's city and horizon are larger. "
        "Ties cut means contagion off: the same households and friends, nothing passing along "
        "them.",
    ),
    quick=Size(citizens=1000, steps=3 * 365, seeds=4),
    full=Size(citizens=5000, steps=10 * 365, seeds=20),
    jobs=jobs,
    analyse=analyse,
    figure=figure,
)
