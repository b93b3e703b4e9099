"""The memory guard sees every way a run grows, and says so before anything is built.

Each case makes one way of growing dominate a small city (a rate raised by the timeline,
many ties, violations kept for inspection, further scores, many events, loans, contagion
over ties) and compares the guard's estimate with the peak measured by ``tracemalloc``
while the model is built and run: the estimate is never below the peak and at most
``STATED_FACTOR`` times above it.
"""

from __future__ import annotations

import tracemalloc

import pytest
from conftest import small_data

from score_sim import memory
from score_sim.errors import ScenarioError
from score_sim.model import ScoreModel
from score_sim.scenario import scenario_from_data

GRADES = [{"name": "A", "min": 700.0}, {"name": "B", "min": 500.0}, {"name": "C", "min": None}]


def city(citizens: int, firms: int, steps: int, **sections) -> dict:
    data = small_data(**sections)
    data["population"] = {"citizens": citizens, "firms": firms}
    data["run"] = {"steps": steps, "seed": 3}
    return data


def timeline_raise() -> dict:
    data = city(5_000, 100, 20)
    data["timeline"] = [
        {"day": 2, "note": "a campaign", "set": {"behaviours.fare_dodging.rate_per_year": 2000.0}}
    ]
    return data


def many_events() -> dict:
    data = city(5_000, 100, 20)
    data["behaviours"][0]["rate_per_year"] = 2000.0
    return data


def kept_for_inspection() -> dict:
    data = city(500, 2_000, 40, inspections={"enabled": True, "default_rate_per_year": 0.01})
    data["behaviours"][3]["rate_per_year"] = 3000.0
    data["behaviours"][3]["detection"] = {"records": 0.0, "inspection": 1.0}
    return data


def further_scores() -> dict:
    system = {
        "lower": 350.0,
        "upper": 950.0,
        "initial": 600.0,
        "who": ["citizen", "firm"],
        "grades": GRADES,
        "observes": {"fare_dodging": -5.0, "good_deed": 2.0},
        "observe_probability": 1.0,
    }
    return city(20_000, 1_000, 10, scores={f"s{i}": dict(system) for i in range(40)})


def lending() -> dict:
    data = city(20_000, 1_000, 20)
    data["lending"] = {
        "enabled": True,
        "who": ["citizen", "firm"],
        "applications_per_year": 50.0,
        "term_days": 5,
    }
    return data


def contagion(friends: float) -> dict:
    data = city(20_000, 1_000, 20, ties={"friends_per_citizen": friends})
    relations = {"partner": 0.01, "parent": 0.01, "child": 0.01, "sibling": 0.01, "friend": 0.05}
    data["contagion"] = {"enabled": True, "list": "blacklist", "relations": relations}
    return data


CASES = {
    "a rate raised on day 2": timeline_raise,
    "many events": many_events,
    "100 friends a citizen": lambda: city(5_000, 100, 5, ties={"friends_per_citizen": 100.0}),
    "households of 20": lambda: city(10_000, 100, 5, ties={"household_size_mean": 20.0}),
    "violations kept for inspection": kept_for_inspection,
    "40 further scores": further_scores,
    "a plain city": lambda: city(20_000, 1_000, 10),
    "loans by score": lending,
    "contagion over 5 friends a citizen": lambda: contagion(5.0),
    "contagion over 20 friends a citizen": lambda: contagion(20.0),
}


def measured_peak(data: dict) -> tuple[int, int]:
    """The estimate without the interpreter, and the peak traced while building and running."""
    from score_sim.agents import release_agent_ids

    scenario = scenario_from_data(data)
    estimate = memory.run_bytes(scenario) - memory.BASE_BYTES
    tracemalloc.start()
    try:
        model = ScoreModel(scenario, rng=scenario.run.seed).run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    release_agent_ids(model)
    return estimate, peak


@pytest.mark.parametrize("case", list(CASES))
def test_the_estimate_is_within_the_stated_factor_of_the_measured_peak(case):
    estimate, peak = measured_peak(CASES[case]())
    assert peak <= estimate <= memory.STATED_FACTOR * peak, (
        f"{case}: estimate {estimate / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB"
    )


def test_a_rate_raised_by_the_timeline_is_refused_before_anything_is_built():
    data = city(200_000, 1_000, 3650)
    data["timeline"] = [
        {"day": 2, "note": "a campaign", "set": {"behaviours.fare_dodging.rate_per_year": 1e4}}
    ]
    scenario = scenario_from_data(data)
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError) as caught:
            ScoreModel(scenario, rng=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "population.citizens: 200,000 citizens and 1,000 firms at these rates need about" in (
        message
    )
    assert peak < 20 * 2**20  # refused before the city's arrays were made


def test_many_friends_are_refused_before_the_ties_are_built(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 4 * 2**30)
    scenario = scenario_from_data(city(2_000_000, 1_000, 5, ties={"friends_per_citizen": 100.0}))
    ties = 2_000_000 * (100 - memory.TIES_PER_CITIZEN_FITTED) * memory.BYTES_PER_TIE
    assert memory.activity_bytes(scenario) >= ties
    need = memory.run_bytes(scenario)
    with pytest.raises(ScenarioError, match=f"at these rates need about {need / 2**30:.1f} GiB"):
        ScoreModel(scenario, rng=1)


def test_a_sweep_checks_its_largest_run_before_any_run(tmp_path, write_scenario):
    import yaml

    from score_sim.experiments.spec import load_sweep
    from score_sim.experiments.sweep import run_sweep

    scenario = write_scenario(city(200_000, 1_000, 3650))
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenario": scenario.name,
                "grid": {"behaviours.fare_dodging.rate_per_year": [1.0, 1e4]},
                "metrics": ["citizen_mean_score"],
            }
        )
    )
    plan = load_sweep(spec)
    with pytest.raises(ScenarioError, match="the largest run of this sweep needs about"):
        run_sweep(plan, tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()
