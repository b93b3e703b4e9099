"""Perks: rewards received by the red-listed and the high-graded, counted per actor and day."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_data

from score_sim.errors import ScenarioError
from score_sim.model import ScoreModel
from score_sim.scenario import load_scenario, scenario_from_data

GOOD = {"name": "good_deed", "who": "citizen", "rate_per_year": 4.0, "points": 10}
BAD = {"name": "fare_dodging", "who": "citizen", "rate_per_year": 2.0, "points": -20}
LISTS = {
    "redlist": {"enter": {"score_at_least": 1030}, "min_days": 30, "max_days": 90},
    "blacklist": {"enter": {"score_below": 960}, "min_days": 30, "max_days": 90},
}


def scenario(perks, **sections):
    """A small town where good deeds red-list some and fare dodging blacklists others."""
    data = small_data(
        behaviours=[GOOD, BAD],
        lists=LISTS,
        perks=perks,
        population={"citizens": 1500, "firms": 50},
        run={"steps": 150, "seed": 11},
    )
    data.update(sections)
    return scenario_from_data(data)


def step_through(model: ScoreModel, check) -> None:
    """Step to the end, calling ``check(new_uses_by_perk)`` after each day."""
    while model.running:
        before = {name: uses.copy() for name, uses in model.perks.uses.items()}
        model.step()
        check({name: model.perks.uses[name] - before[name] for name in before})


def test_a_red_list_perk_goes_only_to_the_red_listed_on_the_day_of_use():
    model = ScoreModel(
        scenario({"gym_discount": {"lists": ["redlist"], "uses_per_year": 50}}), rng=11
    )
    days_used = []

    def check(new):
        users = np.flatnonzero(new["gym_discount"])
        assert model.world.lists.redlisted[users].all()
        days_used.append(users.size)

    step_through(model, check)
    uses = model.perks.uses["gym_discount"]
    assert uses.sum() > 500 and sum(days_used) > 300
    # firms (never red-listed here) and the blacklisted-only never used it
    assert uses[model.world.n_citizens :].sum() == 0
    ts = model.timeseries()
    assert ts["perk_gym_discount_n_uses"].sum() == uses.sum()
    assert (ts["perk_gym_discount_n_qualified"] == ts["citizen_n_redlisted"]).all()
    assert model.agents_frame()["perk_gym_discount_uses"].sum() == uses.sum()


def test_a_grade_perk_goes_only_to_that_grade_of_that_system():
    perks = {"vip": {"who": ["citizen"], "grades": ["excellent"], "system": "sesame",
                     "uses_per_year": 100}}  # fmt: skip
    scores = {
        "sesame": {
            "coverage": 0.6,
            "initial": 650,
            "initial_spread_points": 50,
            "lower": 350,
            "upper": 950,
            "grades": [{"name": "excellent", "min": 700}, {"name": "rest", "min": None}],
            "observes": {"good_deed": 5, "fare_dodging": -10},
        }
    }
    model = ScoreModel(scenario(perks, scores=scores), rng=11)
    grade = model.systems.systems["sesame"].grade_index

    def check(new):
        users = np.flatnonzero(new["vip"])
        assert (grade(users) == 0).all()  # excellent on Sesame today; never a non-carrier

    step_through(model, check)
    uses = model.perks.uses["vip"]
    summary = model.summary()["perks"]["vip"]
    assert summary["uses"] == uses.sum() > 1000
    assert summary["uses_by_grade_at_end"]["excellent"] > 0.8 * summary["uses"]
    assert summary["citizen_receiving"] == np.count_nonzero(uses) and summary["firm_receiving"] == 0
    # those excellent on day 0 received most of it: the already advantaged
    start = model.systems.systems["sesame"].grades_at_start == 0
    assert summary["qualified_at_start"] == start.sum()
    assert summary["share_to_qualified_at_start"] == pytest.approx(
        uses[start].sum() / uses.sum(), abs=1e-4
    )
    assert summary["share_to_qualified_at_start"] > 0.5


def test_uses_grow_with_uses_per_year():
    totals = []
    for rate in (10.0, 40.0):
        model = ScoreModel(
            scenario({"gym_discount": {"lists": ["redlist"], "uses_per_year": rate}}), rng=11
        ).run()
        qualified_days = model.timeseries()["perk_gym_discount_n_qualified"][1:].sum()
        expected = rate / 365 * qualified_days
        total = model.perks.uses["gym_discount"].sum()
        assert total == pytest.approx(expected, rel=0.1)
        totals.append(total)
    # the same people qualify on the same days (perks draw from their own stream)
    assert totals[1] / totals[0] == pytest.approx(4.0, rel=0.1)


def test_perks_change_nothing_else():
    plain = ScoreModel(scenario({}), rng=11).run()
    with_perks = ScoreModel(
        scenario({"gym_discount": {"lists": ["redlist"], "uses_per_year": 50}}), rng=11
    ).run()
    a, b = plain.timeseries(), with_perks.timeseries()
    assert all(np.array_equal(a[c], b[c]) for c in plain.columns)
    assert set(b) - set(a) == {"perk_gym_discount_n_qualified", "perk_gym_discount_n_uses"}
    assert np.array_equal(plain.events.rows, with_perks.events.rows)
    assert "perks" not in plain.summary() and "perk_gym_discount_uses" not in plain.agents_frame()


BAD_PERKS = [
    ({"uses_per_year": 5}, "perks.p", "give the `lists` or `grades`"),
    ({"lists": ["redlsit"], "uses_per_year": 5}, "perks.p.lists[0]", "'redlsit' is not a list"),
    ({"lists": ["blacklist"], "uses_per_year": 5}, "perks.p.lists[0]", "is a blacklist"),
    ({"grades": ["excellent"], "uses_per_year": 5}, "perks.p.grades[0]", "score.grades"),
    (
        {"grades": ["AAA"], "system": "sesame", "uses_per_year": 5},
        "perks.p.grades[0]",
        "'AAA' is not a grade of scores.sesame.grades",
    ),
    ({"grades": ["A"], "system": "zhima", "uses_per_year": 5}, "perks.p.system", "'zhima'"),
    ({"lists": ["redlist"], "uses_per_year": -1}, "perks.p.uses_per_year", "at least 0"),
    ({"lists": ["redlist"], "uses_per_year": 5, "who": ["dog"]}, "perks.p.who[0]", ""),
]


@pytest.mark.parametrize(("perk", "key", "message"), BAD_PERKS)
def test_bad_perks_are_located_errors(write_scenario, perk, key, message):
    scores = {
        "sesame": {
            "initial": 650,
            "lower": 350,
            "upper": 950,
            "grades": [{"name": "excellent", "min": 700}, {"name": "rest", "min": None}],
        }
    }
    data = small_data(lists=LISTS, scores=scores, perks={"p": perk})
    with pytest.raises(ScenarioError) as error:
        load_scenario(write_scenario(data))
    problems = [p for p in error.value.problems if p.key == key]
    assert problems, [(p.key, p.message) for p in error.value.problems]
    assert message in problems[0].message and problems[0].line is not None
