"""The vectorised ScoreModel agrees with the per-agent reference in benchmarks/.

The two draw different random numbers, so they agree in distribution, not draw for draw:
over several seeds each, the mean of every compared metric must lie within sampling error
of the other model's (a pooled two-sample test). A deliberately wrong reference must fail
the same check, so the check has teeth. Without behaviours the models are deterministic
and must agree exactly, day by day (list timing: entry day, min_days, max_days, no
re-entry on the day an entry ends).
"""

from __future__ import annotations

import functools
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import small_scenario

from score_sim.model import ScoreModel
from score_sim.scenario import Behaviour, Scenario, scenario_from_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from reference_model import ReferenceModel

METRICS = (
    "citizen_mean_score",
    "citizen_n_blacklisted",
    "citizen_n_redlisted",
    "firm_mean_score",
    "firm_n_blacklisted",
    "firm_n_redlisted",
)
DAYS = 120
CHECK_DAYS = (60, DAYS)
VECTORISED_SEEDS = tuple(range(1, 13))  # cheap
REFERENCE_SEEDS = (101, 102, 103, 104)  # about a second each
Z = 4.0  # standard errors allowed
FLOOR = {"score": 0.25, "count": 1.0}  # absolute slack, for metrics with no spread


def _detected(p: float) -> dict[str, Any]:
    """A behaviour's detection probability, in whichever form the scenario schema takes."""
    if "detection_probability" in Behaviour.model_fields:
        return {"detection_probability": p}
    return {"detection": {"records": p}}


def _scenario(counting: str, seed: int = 1, fare_dodging_points: float = -20) -> Scenario:
    """Enough action that both lists fill, empty and refill within DAYS."""
    return small_scenario(
        population={"citizens": 3000, "firms": 150},
        behaviours=[
            {
                "name": "fare_dodging",
                "who": "citizen",
                "rate_per_year": 4.0,
                "points": fare_dodging_points,
                **_detected(0.7),
            },
            {"name": "good_deed", "who": "citizen", "rate_per_year": 3.0, "points": 15},
            {
                "name": "fraud",
                "who": "citizen",
                "rate_per_year": 0.6,
                "points": -50,
                "severity": "serious",
                **_detected(0.8),
            },
            {"name": "late_tax", "who": "firm", "rate_per_year": 3.0, "points": -20},
            {"name": "taxes_on_time", "who": "firm", "rate_per_year": 4.0, "points": 10},
            {
                "name": "safety_accident",
                "who": "firm",
                "rate_per_year": 0.5,
                "points": -60,
                "severity": "serious",
            },
        ],
        score={"half_life_days": 60, "negative_counting": counting},
        lists={
            "blacklist": {
                "enter": {"serious_finding": True, "score_below": 930},
                "min_days": 30,
                "max_days": 90,
            },
            "redlist": {
                "who": ["citizen"],
                "enter": {"score_at_least": 1030},
                "min_days": 20,
                "max_days": 50,
            },
        },
        run={"steps": DAYS, "seed": seed},
    )


def _at_check_days(series: dict[str, Any]) -> dict[tuple[str, int], float]:
    return {(m, day): float(series[m][day]) for m in METRICS for day in CHECK_DAYS}


@functools.cache
def _vectorised(counting: str) -> list[dict[tuple[str, int], float]]:
    return [
        _at_check_days(ScoreModel(_scenario(counting, seed), rng=seed).run().timeseries())
        for seed in VECTORISED_SEEDS
    ]


def _reference(
    scenario: Scenario,
    model_class: type[ReferenceModel] = ReferenceModel,
    seeds: tuple[int, ...] = REFERENCE_SEEDS,
):
    return [
        _at_check_days(model_class(scenario, seed).run().datacollector.model_vars) for seed in seeds
    ]


def _disagreements(a: list[dict], b: list[dict]) -> dict[tuple[str, int], str]:
    """Metrics whose means differ by more than Z pooled standard errors plus a floor."""
    out = {}
    for key in a[0]:
        x = np.array([run[key] for run in a])
        y = np.array([run[key] for run in b])
        pooled = ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (
            x.size + y.size - 2
        )
        se = math.sqrt(pooled * (1 / x.size + 1 / y.size))
        floor = FLOOR["score" if key[0].endswith("score") else "count"]
        diff = x.mean() - y.mean()
        if abs(diff) > Z * se + floor:
            out[key] = f"{x.mean():.2f} vs {y.mean():.2f} (se {se:.2f})"
    return out


@pytest.mark.parametrize("counting", ["every_infraction", "serious_first"])
def test_reference_agrees_with_vectorised_model(counting):
    vectorised = _vectorised(counting)
    reference = _reference(_scenario(counting))
    # the scenario has enough action for the comparison to mean something
    last = {m: np.mean([run[(m, DAYS)] for run in reference]) for m in METRICS}
    assert last["citizen_n_blacklisted"] > 50
    assert last["citizen_n_redlisted"] > 20
    assert last["firm_n_blacklisted"] > 2
    assert last["firm_n_redlisted"] == 0  # the red list covers citizens only
    assert _disagreements(vectorised, reference) == {}


class NoDecayReference(ReferenceModel):
    """Wrong on purpose: scores never decay."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(scenario, seed)
        self.decay_factor = 1.0


@pytest.mark.parametrize("wrong", ["points_off_by_a_quarter", "no_decay"])
def test_the_check_detects_a_wrong_reference(wrong):
    # fewer reference seeds than above (to save time) make the check less sensitive, so
    # failing it with fewer is the stronger statement
    counting = "every_infraction"
    seeds = REFERENCE_SEEDS[:2]
    if wrong == "points_off_by_a_quarter":
        reference = _reference(_scenario(counting, fare_dodging_points=-25), seeds=seeds)
    else:
        reference = _reference(_scenario(counting), NoDecayReference, seeds=seeds)
    found = _disagreements(_vectorised(counting), reference)
    assert ("citizen_mean_score", DAYS) in found, found


def test_without_behaviours_both_models_agree_exactly_day_by_day():
    # scores start at 800 and decay toward 1000: every actor is blacklisted on day 1
    # (below 850), leaves after min_days once at 850 or more, and citizens enter the red
    # list at 900, expire after max_days and re-enter the day after, again and again
    data = small_scenario().to_data()
    data.update(
        population={"citizens": 40, "firms": 5},
        behaviours=[],
        score={**data["score"], "initial": 800, "baseline": 1000, "half_life_days": 20},
        lists={
            "blacklist": {"enter": {"score_below": 850}, "min_days": 5, "max_days": 400},
            "redlist": {
                "who": ["citizen"],
                "enter": {"score_at_least": 900},
                "min_days": 3,
                "max_days": 7,
            },
        },
        run={"steps": 60, "seed": 1},
    )
    scenario = scenario_from_data(data)
    vectorised = ScoreModel(scenario, rng=scenario.run.seed).run()
    reference = ReferenceModel(scenario, seed=1).run()
    expected = vectorised.timeseries()
    got = reference.datacollector.model_vars
    for metric in METRICS:
        assert np.allclose(expected[metric], got[metric], rtol=0, atol=1e-9), metric
    blacklisted = expected["citizen_n_blacklisted"]
    redlisted = expected["citizen_n_redlisted"]
    assert blacklisted[1] == 40 and blacklisted[-1] == 0  # entered, then left early
    assert (np.diff(redlisted) < 0).any() and (np.diff(redlisted) > 0).sum() > 1  # re-entries
    for attribute in ("days_blacklisted", "days_redlisted"):
        assert sum(vectorised.agents.get(attribute)) == sum(reference.agents.get(attribute))
