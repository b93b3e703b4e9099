"""Blacklist and red list: entry conditions, minimum and maximum durations, expiry."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_scenario

from score_sim.events import EventKind
from score_sim.model import ScoreModel


def _entry_durations(model: ScoreModel, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Completed entry durations and the ages of entries still open at the end."""
    rows = model.events.rows
    entry = EventKind[f"{name}_entry"]
    exits = (EventKind[f"{name}_expiry"], EventKind[f"{name}_early_removal"])
    completed = []
    open_since: dict[int, int] = {}
    for day, actor, event in zip(rows["day"], rows["actor"], rows["event"], strict=True):
        if event == entry:
            assert actor not in open_since, "an actor entered a list it was already on"
            open_since[int(actor)] = int(day)
        elif event in exits:
            completed.append(int(day) - open_since.pop(int(actor)))
    still_open = [model.steps - since for since in open_since.values()]
    return np.array(completed), np.array(still_open)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blacklist_entry_lasts_between_min_and_max_days(seed):
    scenario = small_scenario(
        behaviours=[
            {
                "name": "fraud",
                "who": "citizen",
                "rate_per_year": 3.0,
                "points": -60,
                "severity": "serious",
            },
            {"name": "good_deed", "who": "citizen", "rate_per_year": 20.0, "points": 15},
        ],
        lists={
            "blacklist": {
                "enter": {"serious_finding": True, "score_below": 950},
                "min_days": 30,
                "max_days": 60,
            },
            "redlist": {
                "enabled": False,
                "enter": {"score_at_least": 1100},
                "min_days": 1,
                "max_days": 2,
            },
        },
        score={"half_life_days": 20},
        run={"steps": 300, "seed": seed},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    completed, still_open = _entry_durations(model, "blacklist")
    assert completed.size > 500  # enough entries ended to make the check meaningful
    assert completed.min() >= 30
    assert completed.max() <= 60
    assert (still_open <= 60).all()
    # both kinds of ending happen: early removal after min_days and expiry at max_days
    assert (completed == 60).any()
    assert ((completed >= 30) & (completed < 60)).any()
    # the list's day counter (days ended on the list) agrees with the events: a completed
    # entry of k days counts k, an open one entered on day d counts days d..end
    total = model.world.blacklist.days_listed_total(model.steps).sum()
    assert total == completed.sum() + still_open.sum() + still_open.size


def test_without_early_removal_every_entry_runs_to_max_days():
    scenario = small_scenario(
        lists={
            "blacklist": {
                "enter": {"serious_finding": True},
                "min_days": 10,
                "max_days": 25,
                "early_removal": False,
            },
        },
        run={"steps": 200, "seed": 4},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    completed, _ = _entry_durations(model, "blacklist")
    assert completed.size > 50
    assert set(completed.tolist()) == {25}


def test_score_below_threshold_lists_and_recovery_removes():
    scenario = small_scenario(
        behaviours=[],
        score={"initial": 800, "baseline": 1000, "half_life_days": 10},
        lists={"blacklist": {"enter": {"score_below": 850}, "min_days": 1, "max_days": 1000}},
        run={"steps": 20, "seed": 1},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed)
    model.step()
    # day 1: 800 -> 1000 - 200 * 2^(-1/10) = 813.4 < 850: everyone listed
    assert model.world.blacklist.listed.all()
    model.run()
    # 850 is crossed when 200 * 2^(-t/10) < 150, i.e. t > 4.15 days: everyone removed by day 5
    assert not model.world.blacklist.listed.any()
    removals = model.events.of_kind(EventKind.blacklist_early_removal)
    assert set(removals["day"].tolist()) == {5}


def test_redlist_entry_by_score_and_list_covers_only_its_kinds():
    scenario = small_scenario(
        behaviours=[],
        score={"initial": 1100},
        lists={
            "blacklist": {"enter": {"serious_finding": True}, "min_days": 1, "max_days": 2},
            "redlist": {
                "who": ["firm"],
                "enter": {"score_at_least": 1050},
                "min_days": 5,
                "max_days": 10,
            },
        },
        run={"steps": 3, "seed": 1},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    ts = model.timeseries()
    assert ts["firm_n_redlisted"][1] == 100
    assert ts["citizen_n_redlisted"][1] == 0
    assert ts["firm_n_redlisted"][0] == 0  # nobody is listed before the first day


def test_combine_all_needs_every_condition():
    lists = {
        "blacklist": {
            "enter": {"serious_finding": True, "score_below": 900, "combine": "all"},
            "min_days": 1,
            "max_days": 5,
        },
    }
    behaviours = [
        {
            "name": "fraud",
            "who": "citizen",
            "rate_per_year": 5.0,
            "points": -50,
            "severity": "serious",
        }
    ]
    high = ScoreModel(small_scenario(behaviours=behaviours, lists=lists), rng=3).run()
    # a single -50 finding from 1000 never reaches 900, so nobody can be listed on day 1
    assert high.timeseries()["citizen_n_blacklisted"][1] == 0
    assert high.timeseries()["citizen_n_blacklisted"].max() > 0
