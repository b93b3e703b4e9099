"""Scoring rules: bounds, decay, serious-first counting, grades."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_scenario

from score_sim.events import Cause
from score_sim.mechanisms.grades import Grading
from score_sim.mechanisms.reporting import Findings
from score_sim.mechanisms.scoring import apply_findings
from score_sim.model import ScoreModel
from score_sim.scenario import RONGCHENG_GRADES, NegativeCounting


def test_scores_never_leave_bounds_under_extreme_points():
    scenario = small_scenario(
        behaviours=[
            {"name": "ruin", "who": "citizen", "rate_per_year": 200, "points": -5000},
            {"name": "glory", "who": "citizen", "rate_per_year": 200, "points": 5000},
            {"name": "firm_ruin", "who": "firm", "rate_per_year": 300, "points": -1e6},
        ],
        score={"half_life_days": 10_000},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed)
    lowest, highest = np.inf, -np.inf
    for _ in range(60):
        model.step()
        lowest = min(lowest, model.world.score.min())
        highest = max(highest, model.world.score.max())
    assert lowest >= 600.0
    assert highest <= 1300.0
    # the extremes were really reached, so the bound did the work
    assert lowest == pytest.approx(600.0, abs=1.0)
    assert highest == pytest.approx(1300.0, abs=200.0)


@pytest.mark.parametrize("half_life_days", [10, 30, 91.5])
def test_distance_to_baseline_halves_after_one_half_life(half_life_days):
    scenario = small_scenario(
        behaviours=[],
        score={"initial": 1200, "baseline": 1000, "half_life_days": half_life_days},
        run={"steps": 400, "seed": 1},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed)
    days = int(half_life_days)
    for _ in range(days):
        model.step()
    distance = np.abs(model.world.score - 1000).mean()
    # closed form: 200 * 2^(-t / half-life); exactly 100 when t is one half-life
    assert distance == pytest.approx(200 * 0.5 ** (days / half_life_days), rel=1e-9)
    if days == half_life_days:
        assert distance == pytest.approx(100.0, rel=1e-9)


def test_no_decay_without_half_life():
    scenario = small_scenario(behaviours=[], score={"initial": 1100, "baseline": 1000})
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    assert np.all(model.world.score == 1100)


def test_serious_first_waives_minor_deductions_until_a_serious_finding():
    score = np.full(4, 1000.0)
    record = np.array([False, True, False, False])
    findings = Findings.build(
        np.array([0, 1, 2, 2, 3]), np.array([0, 0, 1, 0, 2]), 0, True, Cause.conduct
    )
    points = np.array([-20.0, -50.0, 30.0])
    serious = np.array([False, True, False])
    false_points = np.zeros(4)
    apply_findings(
        score, false_points, findings, points, serious, record, NegativeCounting.serious_first
    )
    # actor 0: minor, no record -> waived; actor 1: has a record -> counts;
    # actor 2: serious then minor on the same day -> both count; actor 3: positive -> counts
    assert score.tolist() == [1000.0, 980.0, 930.0, 1030.0]
    assert record.tolist() == [False, True, True, False]


def test_every_infraction_counts_each_deduction():
    score = np.full(2, 1000.0)
    record = np.zeros(2, dtype=bool)
    findings = Findings.build(
        np.array([0, 0, 1]), np.array([0, 0, 0]), 0, np.array([True, False, True]), 0
    )
    false_points = np.zeros(2)
    apply_findings(
        score,
        false_points,
        findings,
        np.array([-5.0]),
        np.array([False]),
        record,
        NegativeCounting.every_infraction,
    )
    assert score.tolist() == [990.0, 995.0]
    assert false_points.tolist() == [-5.0, 0.0]  # the second finding on actor 0 was false


def test_serious_first_lowers_mean_deduction_in_a_run():
    every = ScoreModel(small_scenario(), rng=3).run()
    first = ScoreModel(
        small_scenario(), rng=3, **{"score.negative_counting": "serious_first"}
    ).run()
    loss_every = 1000 - every.world.score[: every.world.n_citizens].mean()
    loss_first = 1000 - first.world.score[: first.world.n_citizens].mean()
    assert loss_every > 2 * max(loss_first, 0.0)


def test_rongcheng_grade_bands():
    grading = Grading(RONGCHENG_GRADES)
    scores = np.array([1300, 1050, 1049.9, 1030, 1029, 960, 959, 850, 849, 600, 599])
    names = [grading.names[i] for i in grading.grade_index(scores)]
    # on the national scale C is the lowest band: Rongcheng's D has no room above 600
    assert names == ["AAA", "AAA", "AA", "AA", "A", "A", "B", "B", "C", "C", "C"]
    assert grading.counts(scores).tolist() == [2, 2, 2, 2, 3]


def test_findings_grow_with_rate():
    counts = []
    for rate in (0.5, 1.0, 2.0):
        scenario = small_scenario(
            behaviours=[{"name": "x", "who": "citizen", "rate_per_year": rate, "points": -1}],
            run={"steps": 365, "seed": 5},
        )
        model = ScoreModel(scenario, rng=scenario.run.seed).run()
        counts.append(model.timeseries()["citizen_n_findings"].sum())
    expected = [2000 * r for r in (0.5, 1.0, 2.0)]
    for got, want in zip(counts, expected, strict=True):
        assert got == pytest.approx(want, rel=5 * want**-0.5)  # 5 Poisson standard errors
    assert counts[0] < counts[1] < counts[2]


def test_detection_by_records_thins_findings():
    full = small_scenario(
        behaviours=[{"name": "x", "who": "citizen", "rate_per_year": 3.0, "points": -1}]
    )
    half = small_scenario(
        behaviours=[
            {
                "name": "x",
                "who": "citizen",
                "rate_per_year": 3.0,
                "points": -1,
                "detection": {"records": 0.25},
            }
        ]
    )
    n_full = ScoreModel(full, rng=full.run.seed).run().timeseries()["citizen_n_findings"].sum()
    n_quarter = ScoreModel(half, rng=half.run.seed).run().timeseries()["citizen_n_findings"].sum()
    assert n_quarter / n_full == pytest.approx(0.25, abs=0.03)
