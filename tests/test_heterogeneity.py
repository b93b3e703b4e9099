"""People who differ: propensities, common random numbers, and selection versus feedback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from score_sim.errors import ScenarioError
from score_sim.mechanisms.behaviour import BehaviourDraws
from score_sim.mechanisms.propensity import Propensities
from score_sim.model import ScoreModel
from score_sim.runner import run_scenario
from score_sim.scenario import Heterogeneity, resolve_scenario
from score_sim.world import build_world

ON = {"heterogeneity.enabled": True}
SMALL = {"citizens": 2000, "firms": 100}


def _propensities(scenario_overrides: dict, n_citizens: int = 20_000) -> tuple:
    scenario = resolve_scenario(
        "pariah_spiral", {**ON, **scenario_overrides}, citizens=n_citizens, firms=500
    )
    props = Propensities(
        scenario.heterogeneity,
        scenario.behaviours,
        n_citizens,
        500,
        np.random.default_rng(3),
    )
    return scenario, props


def test_heterogeneity_is_off_by_default() -> None:
    scenario = resolve_scenario("pariah_spiral")
    assert scenario.heterogeneity.enabled is False
    props = Propensities(
        scenario.heterogeneity, scenario.behaviours, 100, 10, np.random.default_rng(0)
    )
    assert not props.enabled
    assert all(p is None for p in props.by_behaviour)


def test_propensities_average_one_with_the_stated_spread_and_sharing() -> None:
    scenario, props = _propensities({"heterogeneity.sigma": 0.8, "heterogeneity.shared": 0.7})
    misconduct = [i for i, b in enumerate(scenario.behaviours) if b.points < 0]
    rewarded = [i for i, b in enumerate(scenario.behaviours) if b.points >= 0]
    assert all(props.by_behaviour[i] is None for i in rewarded)
    logs = []
    for i in misconduct:
        p = props.by_behaviour[i]
        assert p is not None
        assert p.mean() == pytest.approx(1.0, abs=1e-12)  # rates keep their meaning
        logs.append(np.log(p))
        assert np.std(np.log(p)) == pytest.approx(0.8, rel=0.05)
    citizen_logs = [
        np.log(props.by_behaviour[i]) for i in misconduct if scenario.behaviours[i].who == "citizen"
    ]
    correlation = np.corrcoef(citizen_logs[0], citizen_logs[1])[0, 1]
    assert correlation == pytest.approx(0.7, abs=0.03)


def test_groups_get_their_shares_and_relative_rates() -> None:
    groups = [
        {"name": "low_income", "share": 0.3, "multiplier": 3.0},
        {"name": "high_income", "share": 0.7, "multiplier": 1.0},
    ]
    scenario, props = _propensities(
        {
            "heterogeneity.sigma": 0.0,
            "heterogeneity.groups": groups,
            "heterogeneity.who": ["citizen"],
        }
    )
    citizens = props.group[:20_000]
    assert np.mean(citizens == 0) == pytest.approx(0.3, abs=0.015)
    assert np.all(props.group[20_000:] == -1)  # firms left alike
    index = next(i for i, b in enumerate(scenario.behaviours) if b.points < 0)
    p = props.by_behaviour[index]
    assert p[citizens == 0].mean() / p[citizens == 1].mean() == pytest.approx(3.0, rel=1e-9)
    firm_behaviour = next(
        i for i, b in enumerate(scenario.behaviours) if b.who == "firm" and b.points < 0
    )
    assert props.by_behaviour[firm_behaviour] is None


def test_actors_misbehave_in_proportion_to_their_propensity() -> None:
    groups = [
        {"name": "prone", "share": 0.5, "multiplier": 4.0},
        {"name": "other", "share": 0.5, "multiplier": 1.0},
    ]
    scenario, props = _propensities(
        {"heterogeneity.sigma": 0.0, "heterogeneity.groups": groups}, n_citizens=4000
    )
    world = build_world(scenario, np.random.default_rng(1), np.random.default_rng(2))
    behaviours = scenario.behaviours
    draws = BehaviourDraws(
        behaviours,
        world,
        [np.random.default_rng(10 + i) for i in range(len(behaviours))],
        [np.random.default_rng(100 + i) for i in range(len(behaviours))],
        props.cumulative(),
    )
    counts = np.zeros(world.n_actors)
    for _ in range(365):
        today = draws.draw()
        misconduct = np.array([b.points < 0 for b in behaviours])[today.behaviour]
        np.add.at(counts, today.actor[misconduct], 1)
    citizens = props.group[:4000]
    ratio = counts[:4000][citizens == 0].mean() / counts[:4000][citizens == 1].mean()
    assert ratio == pytest.approx(4.0, rel=0.1)
    # the population's rate is unchanged: about sum(rates) misconducts per citizen-year
    expected = sum(b.rate_per_year for b in behaviours if b.who == "citizen" and b.points < 0)
    assert counts[:4000].mean() == pytest.approx(expected, rel=0.05)


def test_twin_worlds_hold_the_same_people_and_draws() -> None:
    world_a = ScoreModel("pariah_spiral", rng=42, **SMALL, **ON)
    world_b = ScoreModel("pariah_spiral", rng=42, **SMALL, **ON, **{"effects.enabled": False})
    for a, b in zip(
        world_a.propensities.by_behaviour, world_b.propensities.by_behaviour, strict=True
    ):
        assert (a is None and b is None) or np.array_equal(a, b)
    np.testing.assert_array_equal(world_a.world.employer, world_b.world.employer)
    world_a.step()
    world_b.step()
    # nobody is restricted on the first day: the world with feedback sees every finding of
    # the world without, plus the extra misconduct of the citizens who never had a job
    rows_a, rows_b = world_a.events.rows, world_b.events.rows
    assert rows_b.size > 0
    assert set(rows_b.tolist()) <= set(rows_a.tolist())
    extra = np.array(sorted(set(rows_a["actor"].tolist()) - set(rows_b["actor"].tolist())))
    assert extra.size > 0
    assert np.all(world_a.world.employer[extra] < 0)


@pytest.fixture(scope="module")
def no_feedback() -> dict[str, ScoreModel]:
    off = {"effects.enabled": False, "steps": 365, "citizens": 5000, "firms": 200}
    return {
        "alike": ScoreModel("pariah_spiral", rng=42, **off).run(),
        "differ": ScoreModel("pariah_spiral", rng=42, **off, **ON).run(),
    }


def test_without_feedback_people_alike_misbehave_alike_restricted_or_not(no_feedback) -> None:
    harms = no_feedback["alike"].harms
    assert harms.expected_rate_ratio(0) == 1.0
    assert 0.75 < harms.misconduct_rate_ratio(0) < 1.3


def test_without_feedback_people_who_differ_show_selection(no_feedback) -> None:
    harms = no_feedback["differ"].harms
    # the prone are the ones restricted: their own rates are higher, restriction does nothing
    assert harms.expected_rate_ratio(0) > 1.3
    assert harms.misconduct_rate_ratio(0) > 1.3


def test_summary_splits_the_ratio_and_the_figure_is_drawn(tmp_path: Path) -> None:
    result = run_scenario(
        "pariah_spiral", tmp_path / "run", **SMALL, steps=400, overrides=ON, seed=3
    )
    summary = json.loads((result.out_dir / "summary.json").read_text())
    parts = summary["selection_vs_feedback"]["citizen"]
    assert parts["naive_ratio"] == pytest.approx(
        parts["selection_ratio"] * parts["feedback_ratio"], rel=1e-3
    )
    assert parts["selection_ratio"] > 1.0  # who is restricted
    assert parts["feedback_ratio"] > 3.0  # what restriction does (x9 per listing here)
    assert (
        parts["naive_ratio"]
        == summary["pariah_spiral"]["misconduct_rate_ratio_restricted"]["citizen"]
    )
    figures = result.out_dir / "figures"
    assert (figures / "selection_feedback.png").exists()
    assert (figures / "trajectories.png").exists()  # a run with pariahs
    assert result.manifest["phase_times_s"]["twin_world_without_feedback"] > 0


def test_no_decomposition_when_asked_or_without_feedback(tmp_path: Path) -> None:
    tiny = {"citizens": 300, "firms": 20, "steps": 30}
    off = run_scenario("pariah_spiral", tmp_path / "a", **tiny, decompose=False)
    assert "selection_vs_feedback" not in json.loads((off.out_dir / "summary.json").read_text())
    assert not (off.out_dir / "figures" / "selection_feedback.png").exists()
    plain = run_scenario("baseline", tmp_path / "b", **tiny, figures=False)  # no feedback
    assert "selection_vs_feedback" not in json.loads((plain.out_dir / "summary.json").read_text())
    assert not (off.out_dir / "figures" / "trajectories.png").exists()  # no pariahs in 30 days


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.4}],
            "shares must sum to 1",
        ),
        (
            [{"name": "a", "share": 1.0, "behaviours": {"heroic_act": 2.0}}],
            "'heroic_act' is not a misconduct behaviour",
        ),
    ],
)
def test_bad_groups_are_refused_with_their_key(groups: list, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        resolve_scenario("pariah_spiral", {**ON, "heterogeneity.groups": groups})
    text = "\n".join(str(p) for p in error.value.problems)
    assert message in text
    assert "heterogeneity" in text


def test_sigma_out_of_range_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"heterogeneity\.sigma"):
        resolve_scenario("pariah_spiral", {"heterogeneity.sigma": 5})
    assert Heterogeneity().sigma == 0.8
