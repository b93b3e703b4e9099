"""Lending by score: the lender's rule, the credit restriction, repayment, points, lawsuits.

Small cities where everyone applies every day, so that every decision can be checked
against the rule, actor by actor; and repayment counted over thousands of loans against
each borrower's own chance.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_data, small_scenario

from score_sim.errors import ScenarioError
from score_sim.events import EventKind
from score_sim.mechanisms.base import Day
from score_sim.mechanisms.lending import CREDIT, NO_LOAN
from score_sim.model import ScoreModel
from score_sim.scenario import scenario_from_data

EVERY_DAY = 10_000.0
"""Applications per year that make every citizen without a loan apply every day."""


def lending(**changes: object) -> dict[str, object]:
    """A lending section: everyone applies, a threshold of 960, no lawsuits."""
    section: dict[str, object] = {
        "enabled": True,
        "applications_per_year": EVERY_DAY,
        "term_days": 30,
        "approval": {"score_at_least": 960.0},
        "points_repaid": 10.0,
        "points_default": -20.0,
    }
    section.update(changes)
    return section


def model_with(citizens: int = 1000, seed: int = 1, **sections: object) -> ScoreModel:
    data = small_data(population={"citizens": citizens, "firms": 0, "employment_rate": 0.0})
    data["behaviours"] = [
        {"name": "fare_dodging", "who": "citizen", "rate_per_year": 0.0, "points": -20}
    ]
    data.update(sections)
    return ScoreModel(scenario_from_data(data), rng=seed)


def decide_today(model: ScoreModel, day: int = 1) -> None:
    """Run the lender's decisions of one day on the scores and restrictions as they are."""
    model.lending.after(Day(model, day, model.rules))


def test_approval_follows_the_threshold_and_the_credit_restriction_exactly():
    model = model_with(lending=lending())
    n = model.world.n_citizens
    rng = np.random.default_rng(0)
    model.world.score[:n] = rng.uniform(900, 1020, n)
    restricted = rng.random(n) < 0.2
    model.sanctions.restrictions[:n] = np.where(restricted, CREDIT, 0)
    decide_today(model)
    approved = model.lending.due_day[:n] != NO_LOAN
    expected = (model.world.score[:n] >= 960.0) & ~restricted
    assert approved.sum() > 300
    np.testing.assert_array_equal(approved, expected)
    counts = dict(zip(model.lending.columns(), model.lending.metrics(model).values(), strict=True))
    assert counts["n_loan_applications"] == n
    assert counts["n_loans_refused_by_restriction"] == restricted.sum()
    assert counts["n_loans_refused_by_score"] == np.count_nonzero(
        ~restricted & (model.world.score[:n] < 960.0)
    )
    assert counts["n_loans_approved"] == expected.sum()


def test_approval_by_grades_lends_to_those_grades_only():
    model = model_with(lending=lending(approval={"grades": ["AAA", "AA", "A"]}))
    n = model.world.n_citizens
    model.world.score[:n] = np.linspace(800, 1100, n)
    decide_today(model)
    approved = model.lending.due_day[:n] != NO_LOAN
    # grade A starts at 960 (score.grades of the default scale)
    np.testing.assert_array_equal(approved, model.world.score[:n] >= 960.0)


def test_a_restriction_that_is_not_credit_does_not_refuse():
    model = model_with(lending=lending())
    n = model.world.n_citizens
    from score_sim.mechanisms.sanctions import RESTRICTION_BITS
    from score_sim.scenario import Restriction

    model.sanctions.restrictions[:n] = RESTRICTION_BITS[Restriction.travel]
    decide_today(model)
    assert np.all(model.lending.due_day[:n] != NO_LOAN)  # everyone at 1000 >= 960


def test_repayment_rate_matches_each_groups_chance_within_sampling_error():
    model = model_with(
        citizens=2000,
        heterogeneity={
            "enabled": True,
            "who": ["citizen"],
            "sigma": 0.0,
            "groups": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5}],
        },
        behaviours=[{"name": "fare_dodging", "who": "citizen", "rate_per_year": 0.0, "points": -1}],
        lending=lending(
            approval={"score_at_least": 600.0},
            points_repaid=0.0,
            points_default=0.0,
            repayment={"probability": 0.8, "by_group": {"b": 0.5}},
        ),
        run={"steps": 250, "seed": 5},
    )
    model.run()
    summary = model.lending.summary(model.world.score)
    for name, p in (("a", 0.8), ("b", 0.5)):
        group = summary["by_group"][name]
        settled = group["repaid"] + group["defaulted"]
        assert settled > 5_000
        assert group["mean_repayment_probability"] == pytest.approx(p)
        # binomial: within four standard errors
        assert abs(group["repaid"] / settled - p) < 4 * np.sqrt(p * (1 - p) / settled)


def test_a_borrowers_own_propensity_scales_its_odds_of_default():
    model = model_with(
        heterogeneity={"enabled": True, "who": ["citizen"], "sigma": 1.0, "shared": 1.0},
        behaviours=[{"name": "fare_dodging", "who": "citizen", "rate_per_year": 1.0, "points": -1}],
        lending=lending(repayment={"probability": 0.75, "propensity_effect": 1.0}),
    )
    lend = model.lending
    odds = (1 - lend.p_repay) / lend.p_repay
    np.testing.assert_allclose(odds, (0.25 / 0.75) * lend.propensity)
    assert lend.propensity.std() > 0.5  # people differ, and so does their repayment
    assert lend.propensity.mean() == pytest.approx(1.0)


def test_repaid_and_defaulted_loans_move_the_score_by_their_points_and_the_lenders_utility():
    model = model_with(
        lending=lending(
            term_days=10,
            repayment={"probability": 0.5},
            lawsuit_probability=0.5,
            lawsuit_points=-30.0,
            gain_per_repaid=1.0,
            loss_per_default=4.0,
        ),
        score={"half_life_days": None},
        run={"steps": 11, "seed": 2},
    )
    model.run()
    n = model.world.n_citizens
    events = model.events
    repaid = events.of_kind(EventKind.loan_repaid)["actor"]
    defaulted = events.of_kind(EventKind.loan_default)["actor"]
    sued = events.of_kind(EventKind.lawsuit)["actor"]
    assert repaid.size + defaulted.size == n  # every citizen borrowed on day 0's end
    assert 0.4 < repaid.size / n < 0.6 and 0.4 < sued.size / defaulted.size < 0.6
    expected = np.full(n, 1000.0)
    expected[repaid] += 10
    expected[defaulted] -= 20
    expected[sued] -= 30
    np.testing.assert_allclose(model.world.score[:n], expected)
    assert model.lending.lender_utility == repaid.size - 4 * defaulted.size
    assert model.metrics["lender_utility"] == model.lending.lender_utility


def test_a_lawsuit_lists_the_defaulter_who_is_then_refused_credit():
    model = model_with(
        lending=lending(
            term_days=5,
            repayment={"probability": 0.0},
            lawsuit_probability=1.0,
            lawsuit_list="blacklist",
        ),
        lists={
            "blacklist": {
                "enter": {"serious_finding": True},
                "min_days": 100,
                "max_days": 100,
                "sanctions": ["credit"],
            }
        },
        run={"steps": 30, "seed": 4},
    )
    model.run()
    n = model.world.n_citizens
    listed = model.world.lists.blacklisted[:n]
    assert listed.all()  # every loan defaulted, every default was sued
    entries = model.events.of_kind(EventKind.blacklist_entry)
    assert entries.size == n and set(entries["day"].tolist()) == {6}
    summary = model.lending.summary(model.world.score)
    # one loan each: from day 6 on every application is refused by the restriction
    assert summary["approved"] == n
    assert summary["refused_by_restriction"] > 10 * n


def test_lending_is_off_by_default_and_then_adds_nothing():
    model = ScoreModel(small_scenario(), rng=1)
    assert model.lending is None and model.contagion is None
    assert not any("loan" in column for column in model.columns)


def test_lending_names_must_exist():
    with pytest.raises(ScenarioError) as problem:
        small_scenario(
            lending=lending(
                lawsuit_list="court", approval={"grades": ["Z"]}, repayment={"by_group": {"x": 1.0}}
            )
        )
    text = str(problem.value)
    assert "lending.lawsuit_list" in text and "'court' is not a blacklist" in text
    assert "lending.approval.grades" in text and "'Z' is not a grade" in text
    assert "lending.repayment.by_group.x" in text
