"""Several scores on the same people: scales, bands, coverage, data, lists, feeds, errors."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import small_data

from score_sim.errors import ScenarioError
from score_sim.explain import explain_scenario
from score_sim.mechanisms.metrics import column_names
from score_sim.mechanisms.systems import NO_GRADE
from score_sim.model import ScoreModel
from score_sim.scenario import load_scenario, scenario_from_data

SESAME_GRADES = [
    {"name": "excellent", "min": 700},
    {"name": "very_good", "min": 650},
    {"name": "good", "min": 600},
    {"name": "fair", "min": 550},
    {"name": "poor", "min": None},
]
TAX_GRADES = [
    {"name": "A", "min": 90},
    {"name": "B", "min": 70},
    {"name": "C", "min": 40},
    {"name": "D", "min": None},
]
PRIVATE = [  # seen by no agency: only a private score's data see them
    {"name": "fare_unpaid", "who": "citizen", "rate_per_year": 3.0, "points": 0,
     "detection": {"records": 0.0}},
    {"name": "bill_paid", "who": "citizen", "rate_per_year": 6.0, "points": 0,
     "detection": {"records": 0.0}},
]  # fmt: skip


def sesame(**changes):
    """A Sesame-like system on citizens."""
    system = {
        "initial": 650,
        "lower": 350,
        "upper": 950,
        "grades": SESAME_GRADES,
        "observes": {"fare_unpaid": -20, "bill_paid": 3},
    }
    return {**system, **changes}


def with_private(**sections):
    """The small scenario plus the private-only behaviours."""
    data = small_data(**sections)
    data["behaviours"] = [*data["behaviours"], *PRIVATE]
    return data


def run(data, **overrides) -> ScoreModel:
    """Validate the data (with overrides, as from --set) and run it with its own seed."""
    scenario = scenario_from_data(data, overrides=overrides or None)
    return ScoreModel(scenario, rng=scenario.run.seed).run()


def test_without_systems_no_new_columns_and_adding_one_changes_nothing_else():
    plain = run(with_private())
    assert plain.columns == column_names(plain.grading.names, plain.extra_lists)
    assert plain.systems is None and plain.perks is None
    siloed = run(
        with_private(
            scores={"sesame": sesame(observe_probability=0.5, initial_spread_points=40)},
            perks={"vip": {"grades": ["excellent"], "system": "sesame", "uses_per_year": 5}},
        )
    )
    a, b = plain.timeseries(), siloed.timeseries()
    # every column of the plain run, identical value for value; new ones only beside them
    assert all(np.array_equal(a[c], b[c], equal_nan=True) for c in plain.columns)
    assert set(b) - set(a) >= {"citizen_sesame_mean_score", "sesame_n_observed"}
    assert np.array_equal(plain.events.rows, siloed.events.rows)
    assert np.array_equal(plain.world.score, siloed.world.score)


def test_the_scale_holds_and_both_ends_are_reached():
    data = with_private(
        population={"citizens": 1000, "firms": 0},
        scores={
            "sesame": sesame(
                initial_spread_points=300, observes={"fare_unpaid": -80, "bill_paid": 40}
            )
        },
        run={"steps": 60, "seed": 4},
    )
    model = run(data)
    score = model.systems.scores["sesame"]
    assert np.nanmin(score) == 350 and np.nanmax(score) == 950
    ts = model.timeseries()
    assert ts["citizen_sesame_mean_score"].min() >= 350
    assert ts["citizen_sesame_mean_score"].max() <= 950


def test_tax_credit_grades_of_firms_from_100_have_the_documented_boundaries():
    # tax credit grades: A >= 90, B 70-90, C 40-70, D < 40, from 100 (firms)
    data = small_data(
        population={"citizens": 10, "firms": 12},
        scores={
            "tax": {
                "who": ["firm"],
                "initial": 100,
                "lower": 0,
                "upper": 100,
                "grades": TAX_GRADES,
                "observes": {"late_tax": -15},
            }
        },
        sanctions={
            "design": "score_driven",
            "grade_system": "tax",
            "grades": {"D": {"firm": ["public_contracts"]}},
        },
        perks={"fast_approval": {"who": ["firm"], "grades": ["A"], "system": "tax",
                                 "uses_per_year": 365}},
        run={"steps": 0, "seed": 1},
    )  # fmt: skip
    model = run(data)
    system = model.systems.systems["tax"]
    assert model.summary()["scores"]["tax"]["firm"]["grades_at_start"]["A"] == 12
    firms = np.arange(10, 22)
    values = [100, 90, 89.999, 70, 69.999, 40, 39.999, 0, 95, 71, 41, 10]
    system.score[firms] = values
    grades = [system.grading.names[g] for g in system.grade_index(firms)]
    assert grades == ["A", "A", "B", "B", "C", "C", "D", "D", "A", "B", "C", "D"]
    # citizens carry no tax grade
    assert (system.grade_index(np.arange(10)) == NO_GRADE).all()
    # a sanction on grade D of the tax score restricts exactly the D firms ...
    model.step()
    d_firms = firms[np.array(values) < 40]
    assert set(np.flatnonzero(model.sanctions.own)) == set(d_firms)
    # ... and a perk of grade A reaches only the A firms (a use a day each)
    model.step()
    users = np.flatnonzero(model.perks.uses["fast_approval"])
    assert set(users) <= set(firms[np.array(values) >= 90]) and users.size >= 1


def test_only_carriers_have_a_score_a_grade_or_a_listing_by_it():
    data = with_private(
        scores={"sesame": sesame(coverage=0.5, initial_spread_points=80)},
        lists={
            "low_sesame": {
                "type": "blacklist",
                "who": ["citizen"],
                "enter": {"system": "sesame", "score_below": 600},
                "min_days": 1,
                "max_days": 3650,
            }
        },
    )
    model = run(data)
    system = model.systems.systems["sesame"]
    carriers = system.carries
    assert not carriers[model.world.n_citizens :].any()  # firms never
    assert 0.45 < carriers[: model.world.n_citizens].mean() < 0.55
    assert np.isnan(system.score[~carriers]).all() and not np.isnan(system.score[carriers]).any()
    assert (system.grade_index()[~carriers] == NO_GRADE).all()
    listed = model.world.lists.books["low_sesame"].listed
    # the list holds exactly the carriers now below 600 on Sesame's scale (one day
    # minimum, early removal once the score is back above): never a non-carrier
    assert np.array_equal(listed, carriers & (system.score < 600))
    assert listed.sum() > 50
    ts = model.timeseries()
    assert ts["citizen_sesame_n_listed"][-1] == listed.sum()
    table = model.agents_frame()
    assert table["score_sesame"].isna().sum() == (~carriers).sum()
    assert set(table["grade_sesame"][~carriers]) == {""}


def test_its_data_see_the_given_share_of_occurrences():
    data = with_private(
        population={"citizens": 4000, "firms": 0},
        scores={"sesame": sesame(observe_probability=0.25)},
        run={"steps": 100, "seed": 8},
    )
    seen = run(data).timeseries()["sesame_n_observed"].sum()
    expected = 0.25 * (3.0 + 6.0) / 365 * 4000 * 100  # both observed behaviours' rates
    assert seen == pytest.approx(expected, rel=0.05)


def test_decay_halves_the_distance_to_the_baseline_in_a_half_life():
    data = small_data(
        behaviours=[],
        scores={"sesame": sesame(observes={}, initial_spread_points=100, half_life_days=30,
                                 baseline=650)},
        run={"steps": 30, "seed": 2},
    )  # fmt: skip
    model = ScoreModel(scenario_from_data(data), rng=2)
    start = model.systems.scores["sesame"].copy()
    model.run()
    now = model.systems.scores["sesame"]
    carriers = ~np.isnan(start)
    assert np.allclose(now[carriers] - 650, (start[carriers] - 650) / 2)


def test_siloed_scores_leave_the_default_score_alone_and_a_feed_moves_it_exactly():
    base = with_private(
        population={"citizens": 1000, "firms": 0},
        scores={"sesame": sesame()},
        lists={"blacklist": {"enabled": False}, "redlist": {"enabled": False}},
        run={"steps": 60, "seed": 6},
    )
    quiet = copy.deepcopy(base)
    for behaviour in quiet["behaviours"][-2:]:
        behaviour["rate_per_year"] = 0.0
    siloed, siloed_quiet = run(base), run(quiet)
    # siloed: private-only conduct moves the private score, never the default one
    assert not np.array_equal(
        siloed.systems.scores["sesame"], siloed_quiet.systems.scores["sesame"], equal_nan=True
    )
    assert np.array_equal(siloed.world.score, siloed_quiet.world.score)
    # fed: a share of each private point lands on the default score
    fed = run(base, **{"scores.sesame.feeds.share": 0.5})
    fed_quiet = run(quiet, **{"scores.sesame.feeds.share": 0.5})
    assert np.array_equal(fed_quiet.world.score, siloed_quiet.world.score)
    moved = fed.world.score - siloed.world.score
    assert np.count_nonzero(moved) > 500
    # no decay and no clamp reached: exactly half the private points, carrier by carrier
    private = fed.systems.scores["sesame"] - 650
    inside = (fed.world.score > 600) & (fed.world.score < 1300) & (np.abs(private) < 290)
    assert inside.sum() > 900
    assert np.allclose(moved[inside], 0.5 * private[inside])


def test_explain_lists_each_system_with_its_scale_and_sources(write_scenario):
    data = with_private(
        scores={"sesame": sesame(label="Sesame Credit", coverage=0.7,
                                 data_sources=["Alipay payments", "Didi fares"])},
    )  # fmt: skip
    text = explain_scenario(load_scenario(write_scenario(data)))
    assert "SCORES" in text
    assert "sesame (Sesame Credit): carried by 70% of citizens" in text
    assert "scale 350..950, start 650" in text
    assert "excellent 700-950" in text and "poor below 550" in text
    assert "data sources: Alipay payments; Didi fares" in text
    assert "fare_unpaid -20, bill_paid +3" in text
    assert "siloed" in text
    assert "scores.sesame.lower = 350" in text  # each number in the ledger


BAD_SCORES = [
    (
        {"scores": {"sesame": sesame(observes={"fare_unpayed": -5})}},
        "scores.sesame.observes.fare_unpayed",
        "'fare_unpayed' is not a behaviour",
    ),
    (
        {"scores": {"sesame": sesame(observes={"late_tax": -5})}},
        "scores.sesame.observes.late_tax",
        "'late_tax' is a firm behaviour",
    ),
    (
        {"scores": {"sesame": sesame(lower=950, upper=350)}},
        "scores.sesame.upper",
        "must be above lower (950), not 350",
    ),
    (
        {"scores": {"sesame": sesame(initial=300)}},
        "scores.sesame.initial",
        "must lie within lower..upper (350..950), not 300",
    ),
    (
        {
            "scores": {
                "sesame": sesame(
                    grades=[{"name": "top", "min": 1000}, {"name": "rest", "min": None}]
                )
            }
        },
        "scores.sesame",
        "grade top can never be reached",
    ),
    ({"scores": {"score": sesame()}}, "scores.score", "`score` is the default score"),
    (
        {"scores": {"sesame": sesame(feeds={"into": "tencent", "share": 0.5})}},
        "scores.sesame.feeds.into",
        "'tencent' is not a score of this scenario",
    ),
    (
        {"scores": {"sesame": sesame(feeds={"into": "sesame", "share": 0.5})}},
        "scores.sesame.feeds.into",
        "cannot feed itself",
    ),
    (
        {
            "lists": {
                "low": {
                    "type": "blacklist",
                    "enter": {"system": "zhima", "score_below": 5},
                    "min_days": 1,
                    "max_days": 2,
                }
            }
        },
        "lists.low.enter.system",
        "'zhima' is not a score of this scenario",
    ),
    (
        {
            "lists": {
                "low": {
                    "type": "blacklist",
                    "enter": {"system": "sesame", "serious_finding": True},
                    "min_days": 1,
                    "max_days": 2,
                }
            }
        },
        "lists.low.enter",
        "system names the score that score_below or score_at_least compare",
    ),
    (
        {
            "sanctions": {
                "design": "score_driven",
                "grade_system": "sesame",
                "grades": {"C": ["travel"]},
            }
        },
        "sanctions.grades.C",
        "'C' is not a grade of scores.sesame.grades",
    ),
    (
        {"sanctions": {"grade_system": "zhima"}},
        "sanctions.grade_system",
        "'zhima' is not a score",
    ),
]


@pytest.mark.parametrize(("sections", "key", "message"), BAD_SCORES)
def test_bad_scores_are_located_errors(write_scenario, sections, key, message):
    data = with_private(scores={"sesame": sesame()})
    data.update(sections)
    with pytest.raises(ScenarioError) as error:
        load_scenario(write_scenario(data))
    problems = [p for p in error.value.problems if p.key == key]
    assert problems, [(p.key, p.message) for p in error.value.problems]
    assert message in problems[0].message
    assert problems[0].line is not None


def test_bad_scores_and_perks_from_the_command_line_exit_2_located(write_scenario, tmp_path):
    path = write_scenario(with_private(scores={"sesame": sesame()}))
    result = subprocess.run(
        [sys.executable, "-m", "score_sim", "run", str(path), "--out", str(tmp_path / "out"),
         "--set", "scores.sesame.initial=2000", "--set", "perks.x.uses_per_year=1"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "CI": "true"},
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    assert (
        "--set: scores.sesame.initial: must lie within lower..upper (350..950), not 2000"
        in result.stderr
    )
    assert "perks.x: give the `lists` or `grades` (or both) that grant the perk" in result.stderr


def test_figures_of_scores_and_perks_only_when_the_scenario_has_them(tmp_path):
    from score_sim.outputs.figures.base import FigureContext
    from score_sim.outputs.figures.checks import text_problems
    from score_sim.outputs.figures.saving import save_figures
    from score_sim.outputs.figures.systems import system_figure_jobs

    plain = run(with_private(run={"steps": 20, "seed": 1}))
    assert system_figure_jobs(plain.timeseries(), FigureContext.of_model(plain), tmp_path,
                              plain.score_scenario) == []  # fmt: skip
    perks = {"vip": {"grades": ["excellent"], "system": "sesame", "uses_per_year": 50}}
    models = [
        run(with_private(scores={"sesame": sesame(initial_spread_points=50)}, perks=perks,
                         run={"steps": 20, "seed": seed}))
        for seed in (1, 2)
    ]  # fmt: skip
    ctx = FigureContext.of_model(models[0])
    one = models[0].timeseries()
    band = {c: np.vstack([m.timeseries()[c] for m in models]) for c in one}
    band["step"] = one["step"]
    for folder, series in (("one", one), ("band", band)):
        jobs = system_figure_jobs(series, ctx, tmp_path / folder, models[0].score_scenario)
        assert all(text_problems(make()) == [] for _, make in jobs)  # legible
        paths = save_figures(jobs)
        assert [p.name for p in paths] == ["scores.png", "perks.png"]
        assert all(p.stat().st_size > 10_000 for p in paths)
