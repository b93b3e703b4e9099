"""Several lists per scenario, documented durations, re-entry, appeals at the floor, kinds."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_data, small_scenario

from score_sim.errors import ScenarioError
from score_sim.events import EventKind
from score_sim.mechanisms.sanctions import RESTRICTION_BITS, restriction_names
from score_sim.model import ScoreModel
from score_sim.scenario import CITIZEN_RESTRICTIONS, FIRM_RESTRICTIONS, scenario_from_data

FRAUD = {"name": "fraud", "who": "citizen", "rate_per_year": 2.0, "points": -50,
         "severity": "serious"}  # fmt: skip
DEBT = {"name": "unpaid_debt", "who": "citizen", "rate_per_year": 1.0, "points": -30,
        "severity": "serious"}  # fmt: skip
FIRM_FRAUD = {"name": "firm_fraud", "who": "firm", "rate_per_year": 2.0, "points": -50,
              "severity": "serious"}  # fmt: skip
NO_REDLIST = {"enabled": False, "enter": {"score_at_least": 1200}, "min_days": 1, "max_days": 2}


def _lists(**lists):
    return {**lists}


def test_court_defaulter_entries_last_two_years_plus_whole_extensions():
    scenario = small_scenario(
        behaviours=[DEBT],
        lists={
            "court_defaulters": {
                "type": "blacklist",
                "enter": {"behaviours": ["unpaid_debt"]},
                "min_days": 180,
                "max_days": 730,
                "extension": {"days": 365, "times": 3, "probability": 0.4},
            }
        },
        population={"citizens": 2000, "firms": 0},
        run={"steps": 200, "seed": 5},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    entries = model.events.of_kind(EventKind.blacklist_entry)
    assert entries.size > 500
    extra = entries["days"] - 730
    # 2 years, extended by whole years, at most three times (2 to 5 years in total)
    assert set(np.unique(extra).tolist()) == {0, 365, 730, 1095}
    # binomial(3, 0.4) extensions: mean 1.2 years
    assert extra.mean() / 365 == pytest.approx(1.2, abs=0.12)
    # nobody leaves before the two years are up (no early removal asked for)
    exits = model.events.of_kind(EventKind.blacklist_expiry, EventKind.blacklist_early_removal)
    assert exits.size == 0
    assert (
        model.timeseries()["citizen_n_on_court_defaulters"][-1] == np.unique(entries["actor"]).size
    )


def test_early_removal_on_request_only_after_min_days():
    scenario = small_scenario(
        behaviours=[DEBT],
        lists={
            "severely_untrustworthy": {
                "type": "blacklist",
                "enter": {"serious_finding": True},
                "min_days": 365,
                "max_days": 1095,
                "removal_probability_per_day": 0.05,
            }
        },
        population={"citizens": 1000, "firms": 0},
        run={"steps": 700, "seed": 2},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    removed = model.events.of_kind(EventKind.blacklist_early_removal)
    assert removed.size > 20
    # removal may be asked for after a year (counted from the latest listing finding):
    # never earlier, and soon after (1/0.05 = 20 days, more after a renewing finding)
    assert removed["days"].min() >= 365
    assert 365 + 10 < removed["days"].mean() < 365 + 100


def test_an_actor_can_be_on_several_lists_at_once_and_each_is_counted():
    scenario = small_scenario(
        behaviours=[FRAUD, DEBT],
        lists={
            "fraudsters": {
                "type": "blacklist",
                "enter": {"behaviours": ["fraud"]},
                "min_days": 50,
                "max_days": 100,
            },
            "debtors": {
                "type": "blacklist",
                "enter": {"behaviours": ["unpaid_debt"]},
                "min_days": 50,
                "max_days": 100,
            },
        },
        population={"citizens": 1000, "firms": 0},
        run={"steps": 60, "seed": 1},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    lists = model.world.lists
    on_both = lists.books["fraudsters"].listed & lists.books["debtors"].listed
    assert on_both.sum() > 10
    either = lists.books["fraudsters"].listed | lists.books["debtors"].listed
    ts = model.timeseries()
    assert ts["citizen_n_blacklisted"][-1] == either.sum()  # on any blacklist
    assert ts["citizen_n_on_fraudsters"][-1] == lists.books["fraudsters"].listed.sum()
    assert ts["citizen_n_on_debtors"][-1] == lists.books["debtors"].listed.sum()
    # days on any blacklist count overlapping entries once
    assert (lists.days_blacklisted(model.steps) <= model.steps + 1).all()


def test_a_listing_finding_on_the_day_an_entry_expires_starts_a_new_entry():
    # fraud every day for sure: a finding falls on every expiry day
    scenario = small_scenario(
        behaviours=[{**FRAUD, "rate_per_year": 365 * 20}],
        lists={
            "blacklist": {
                "enter": {"serious_finding": True},
                "min_days": 5,
                "max_days": 10,
            },
            "redlist": NO_REDLIST,
        },
        population={"citizens": 50, "firms": 0},
        score={"lower": -1e6, "upper": 1e6},
        run={"steps": 35, "seed": 1},
    )
    model = ScoreModel(scenario, rng=1).run()
    entries = model.events.of_kind(EventKind.blacklist_entry)
    expiries = model.events.of_kind(EventKind.blacklist_expiry)
    assert expiries.size == 150  # days 10, 20, 30 for each of 50 citizens
    # each expiry day's finding lists again at once: never a day off the list
    assert entries.size == 200
    assert model.timeseries()["citizen_n_blacklisted"][1:].min() == 50


def test_an_upheld_appeal_restores_no_more_than_the_false_finding_cost_at_the_floor():
    # no decay and only -100 findings: the score without false findings is exactly
    # max(600, 1000 - 100 * true findings); an appeal must never lift a score above it
    scenario = small_scenario(
        behaviours=[{**FRAUD, "rate_per_year": 3.0, "points": -100}],
        errors={"false_finding_rate_per_year": 6.0},
        lists={
            "blacklist": {"enter": {"serious_finding": True}, "min_days": 300, "max_days": 400},
            "redlist": NO_REDLIST,
        },
        remedies={
            "appeals": {
                "enabled": True,
                "file_probability": 1.0,
                "capacity_per_day": 1000,
                "delay_days": 20,
                "success_probability_true": 0.0,
                "success_probability_false": 1.0,
            }
        },
        population={"citizens": 500, "firms": 0},
        run={"steps": 150, "seed": 4},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    world = model.world
    findings = model.events.of_kind(EventKind.finding)
    n_true = np.bincount(findings["actor"][findings["true"] == 1], minlength=world.n_actors)
    true_only = np.maximum(600.0, 1000.0 - 100.0 * n_true)
    assert model.events.of_kind(EventKind.appeal_upheld).size > 20
    assert (world.score <= true_only + 1e-9).all()
    assert np.allclose(world.score - world.false_points, true_only)


def test_the_restore_after_an_appeal_is_what_the_false_finding_cost():
    from score_sim.mechanisms.scoring import clamp_false_points

    # at 620, a false -50 takes the score to the floor of 600: it cost 20, not 50
    score = np.array([570.0])
    false_points = np.array([-50.0])
    clamp_false_points(score, false_points, np.array([0]), 600, 1300)
    assert false_points.tolist() == [-20.0]
    # a true finding below the floor too: the false one cost nothing on top
    score = np.array([500.0])
    false_points = np.array([-50.0])
    clamp_false_points(score, false_points, np.array([0]), 600, 1300)
    assert false_points.tolist() == [0.0]


def test_sanctions_are_per_kind_of_actor():
    scenario = small_scenario(
        behaviours=[FRAUD, FIRM_FRAUD],
        lists={
            "blacklist": {"enter": {"serious_finding": True}, "min_days": 30, "max_days": 60},
            "redlist": NO_REDLIST,
        },
        # a flat set: each restriction goes to the kinds it fits
        sanctions={"blacklist": ["travel", "welfare", "public_contracts", "licences", "credit"]},
        population={"citizens": 1000, "firms": 200},
        run={"steps": 60, "seed": 2},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    own = model.sanctions.own
    c = model.world.n_citizens
    citizens = {tuple(restriction_names(int(m))) for m in np.unique(own[:c]) if m}
    firms = {tuple(restriction_names(int(m))) for m in np.unique(own[c:]) if m}
    assert citizens == {("travel", "credit", "welfare")}
    assert firms == {("credit", "public_contracts", "licences")}
    assert not any(own[:c] & RESTRICTION_BITS["public_contracts"])
    assert not any(own[c:] & RESTRICTION_BITS["welfare"])


def test_a_list_can_have_sanctions_of_its_own_per_kind():
    scenario = small_scenario(
        behaviours=[FRAUD, FIRM_FRAUD],
        lists={
            "penalties": {
                "type": "blacklist",
                "who": ["firm"],
                "enter": {"behaviours": ["firm_fraud"]},
                "min_days": 90,
                "max_days": 365,
                "sanctions": {"firm": ["extra_inspections"]},
            }
        },
        sanctions={"blacklist": {"citizen": ["travel"], "firm": ["licences"]}},
        population={"citizens": 500, "firms": 200},
        run={"steps": 60, "seed": 2},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    own = model.sanctions.own
    assert model.world.lists.books["penalties"].listed.sum() > 20
    assert set(np.unique(own).tolist()) == {0, int(RESTRICTION_BITS["extra_inspections"])}


@pytest.mark.parametrize(
    ("sanctions", "message"),
    [
        ({"blacklist": {"citizen": ["licences"]}}, "licences does not apply to a citizen"),
        ({"blacklist": {"firm": ["welfare"]}}, "welfare does not apply to a firm"),
        ({"reach": {"staff": ["public_contracts"]}}, "public_contracts does not apply"),
    ],
)
def test_a_restriction_given_to_the_wrong_kind_is_an_error(sanctions, message):
    with pytest.raises(ScenarioError) as error:
        scenario_from_data(small_data(sanctions=sanctions))
    assert message in str(error.value)


def test_restriction_sets_follow_the_2016_policy():
    assert "welfare" not in FIRM_RESTRICTIONS and "licences" not in CITIZEN_RESTRICTIONS
    assert "credit" in FIRM_RESTRICTIONS and "credit" in CITIZEN_RESTRICTIONS


def test_old_blacklist_and_redlist_files_keep_their_defaults():
    only_blacklist = small_scenario(
        lists={"blacklist": {"enter": {"serious_finding": True}, "min_days": 5, "max_days": 9}}
    )
    assert list(only_blacklist.lists) == ["blacklist", "redlist"]
    assert only_blacklist.lists["redlist"].enter.score_at_least == 1050
    named = small_scenario(
        lists={
            "court_defaulters": {
                "type": "blacklist",
                "enter": {"serious_finding": True},
                "min_days": 5,
                "max_days": 9,
            }
        }
    )
    assert list(named.lists) == ["court_defaulters"]


def test_a_list_naming_an_unknown_behaviour_or_no_type_is_an_error(write_scenario):
    from score_sim.scenario import load_scenario

    path = write_scenario(
        small_data(
            lists={
                "debtors": {"enter": {"serious_finding": True}, "min_days": 5, "max_days": 9},
                "fraudsters": {
                    "type": "blacklist",
                    "enter": {"behaviours": ["frod"]},
                    "min_days": 5,
                    "max_days": 9,
                },
            }
        )
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    text = str(error.value)
    assert "debtors.type: give blacklist or redlist" in text
    with pytest.raises(ScenarioError) as error:
        load_scenario(
            write_scenario(
                small_data(
                    lists={
                        "fraudsters": {
                            "type": "blacklist",
                            "enter": {"behaviours": ["frod"]},
                            "min_days": 5,
                            "max_days": 9,
                        }
                    }
                ),
                "b.yaml",
            )
        )
    problem = error.value.problems[0]
    assert problem.key == "lists.fraudsters.enter.behaviours[0]"
    assert problem.line is not None and "'frod' is not a behaviour" in problem.message
