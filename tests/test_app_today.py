"""Changing a rule from today: a timeline entry at the next day, and the run goes on."""

from __future__ import annotations

import numpy as np

from score_sim.app.controls import GENERAL, Settings
from score_sim.app.lessons import LESSONS
from score_sim.app.session import Session
from score_sim.model import ScoreModel

SMALL = Settings(scenario="baseline", citizens="2,000", firms="100", days="60")
THRESHOLD = "lists.blacklist.enter.score_below"


def test_a_rule_changed_today_keeps_the_days_so_far_and_acts_from_tomorrow():
    session = Session(SMALL)
    session.step(20)
    assert session.model is not None
    before = session.model.timeseries()
    assert session.change_from_today(SMALL.with_rule(THRESHOLD, 990)) == {}
    assert session.day == 20  # the run goes on from where it was
    after = session.model.timeseries()
    for column in ("citizen_n_blacklisted", "citizen_mean_score", "citizen_n_restricted"):
        assert np.array_equal(before[column][:21], after[column][:21]), column
    assert session.rule_changes() == [(21, "Enter when the score falls below 990 points")]
    session.step(5)
    listed = session.model.timeseries()["citizen_n_blacklisted"]
    assert listed[21] > 3 * max(listed[20], 1)  # almost everyone below 990 enters at once
    assert [p.day for p in session.model.applied_phases] == [21]


def test_it_is_exactly_a_timeline_entry_in_the_scenario():
    session = Session(SMALL)
    session.step(10)
    session.change_from_today(SMALL.with_rule("effects.enabled", False))
    session.step(15)
    assert session.model is not None
    data = session.model.score_scenario.to_data()
    assert data["timeline"] == [
        {
            "day": 11,
            "set": {"effects.enabled": False},
            "note": "Feedback: restrictions make misconduct likelier off",
        }
    ]
    same = ScoreModel(session.model.score_scenario, rng=42)
    for _ in range(25):
        same.step()
    assert same.metrics == session.model.metrics  # same seed, same run


def test_only_rules_change_from_today_and_a_change_needs_a_change():
    session = Session(SMALL)
    session.step(3)
    problem = session.change_from_today(SMALL)[GENERAL]
    assert problem.startswith("no rule was changed")
    other = Settings(scenario="baseline", citizens="3,000", firms="100", days="60")
    assert "press Reset" in session.change_from_today(other)[GENERAL]
    assert session.day == 3 and session.rule_changes() == []
    bad = session.change_from_today(SMALL.with_rule(THRESHOLD, 5000))
    assert bad and session.rule_changes() == []


def test_twin_worlds_both_take_the_change():
    session = Session(Settings(citizens="2,000", firms="100", days="40"))
    session.start_lesson(LESSONS[1])
    session.step(5)
    assert session.change_from_today(session.settings.with_rule("score.half_life_days", 60)) == {}
    assert session.twin is not None and session.model is not None
    assert [e.day for e in session.twin.score_scenario.timeline] == [6]
    assert session.twin.steps == session.model.steps == 5
    assert session.render_twins("png", projector=True)[:4] == b"\x89PNG"


def test_the_twin_figure_draws_the_day_of_a_change_on_every_panel():
    from score_sim.app import figures

    session = Session(Settings(citizens="1,000", firms="50", days="30"))
    session.start_lesson(LESSONS[4])
    session.step(6)
    session.change_from_today(session.settings.with_rule("score.half_life_days", 60))
    session.step(6)
    a = figures.Snapshot.of(session.model, "twins")
    b = figures.Snapshot.of(session.twin, "twins")
    fig = figures.draw_twins(a, b, "A", "B", policy_changes=a.context.policy_changes)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.lines]
    marked = [ax for ax in panels if any(list(line.get_xdata()) == [7, 7] for line in ax.lines)]
    assert panels and len(marked) == len(panels)
