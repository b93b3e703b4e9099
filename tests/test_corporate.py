"""The corporate system's pieces: the escalation ladder, credit commitment letters and the
Credit Rescue Commitment Letter, with their located errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import small_data

from score_sim.errors import ScenarioError
from score_sim.events import EventKind, EventLog
from score_sim.mechanisms.escalation import BLACKLIST, CLOSURE, STAGE, STAGE_EVENTS, Ladder
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.model import ScoreModel
from score_sim.outputs.summary import summarize
from score_sim.scenario import (
    LADDER_STAGES,
    Escalation,
    Restriction,
    load_scenario,
    scenario_from_data,
)

GRADES = [
    {"name": "A", "min": 1020},
    {"name": "B", "min": 950},
    {"name": "C", "min": 800},
    {"name": "D", "min": None},
]
NEVER_LIST = {"behaviours": ["never"]}


def corporate_data(corporate=None, remedies=None, **sections) -> dict:
    """Firms with tax findings, a registry blacklist and a letters' blacklist entered
    only by the corporate rules (their own entry behaviour never happens)."""
    sections = {
        "population": {"citizens": 2000, "firms": 200},
        "run": {"steps": 365, "seed": 1},
        **sections,
    }
    data = small_data(
        behaviours=[
            {"name": "late_tax", "who": "firm", "rate_per_year": 4.0, "points": -20},
            {"name": "tax_on_time", "who": "firm", "rate_per_year": 6.0, "points": 15},
            {"name": "never", "who": "firm", "rate_per_year": 0.0, "points": -1},
            {"name": "fare_dodging", "who": "citizen", "rate_per_year": 0.5, "points": -5},
        ],
        score={"grades": GRADES},
        lists={
            "registry": {
                "type": "blacklist",
                "who": ["firm"],
                "enter": NEVER_LIST,
                "min_days": 180,
                "max_days": 1000,
            },
            "broken_promises": {
                "type": "blacklist",
                "who": ["firm"],
                "enter": NEVER_LIST,
                "min_days": 180,
                "max_days": 1000,
            },
        },
        sanctions={"blacklist": ["credit"]},
        **sections,
    )
    data["corporate"] = corporate or {}
    if remedies is not None:
        data["remedies"] = remedies
    return data


LADDER = {"escalation": {"enabled": True, "list": "registry", "fall_after_days": None}}


# ------------------------------------------------------------------ the ladder, unit


def climb_days(ladder: Ladder, days: range, firms: np.ndarray, employer, score, events):
    for day in days:
        ladder.climb(
            day,
            ladder.n_citizens + firms,
            np.ones(firms.size, dtype=bool),
            score,
            np.zeros_like(score),
            employer,
            events,
        )


def test_the_ladder_is_climbed_one_stage_a_day_in_order_with_each_consequence():
    config = Escalation(enabled=True, findings_per_stage=2, punishment_points=-70, list="x")
    n_citizens, n_firms = 6, 3
    ladder = Ladder(config, n_citizens, n_firms)
    employer = np.array([0, 0, 1, 2, -1, 0], dtype=np.int32)
    score = np.full(n_citizens + n_firms, 1000.0)
    events = EventLog()
    firm0 = np.array([0, 0, 0, 0, 0])  # five findings a day: still one stage a day
    climb_days(ladder, range(0, 1), firm0, employer, score, events)
    assert ladder.stage.tolist() == [1, 0, 0]
    climb_days(ladder, range(1, 3), firm0, employer, score, events)
    assert ladder.stage[0] == STAGE["random_checks"] and ladder.extra_inspections()[0]
    assert score[n_citizens] == 1000  # no fine yet
    climb_days(ladder, range(3, 4), firm0, employer, score, events)
    assert ladder.stage[0] == STAGE["administrative_punishment"]
    assert score[n_citizens] == 930  # the fine, once
    frozen = ladder.frozen(n_citizens + n_firms)
    assert frozen[n_citizens] == 0
    climb_days(ladder, range(4, 5), firm0, employer, score, events)
    assert ladder.frozen(n_citizens + n_firms)[n_citizens] == RESTRICTION_BITS[Restriction.credit]
    assert not ladder.closed[0] and (employer == 0).sum() == 3
    climb_days(ladder, range(5, 6), firm0, employer, score, events)
    assert ladder.stage[0] == CLOSURE and ladder.closed[0]
    # closure: its three staff lost their jobs, the others kept theirs
    assert employer.tolist() == [-1, -1, 1, 2, -1, -1]
    assert ladder.n_jobs_lost == 3
    # a closed firm climbs no further on findings, and its findings no longer count
    climb_days(ladder, range(6, 20), firm0, employer, score, events)
    assert ladder.stage[0] == CLOSURE
    days = [int(events.of_kind(STAGE_EVENTS[s])["day"][0]) for s in range(1, CLOSURE + 1)]
    assert days == [0, 1, 2, 3, 4, 5]
    assert ladder.stage[1:].tolist() == [0, 0]


def test_the_stage_falls_back_after_quiet_days_but_never_from_closure():
    config = Escalation(enabled=True, fall_after_days=10, list=None)
    ladder = Ladder(config, 0, 2)
    score, employer, events = np.full(2, 1000.0), np.empty(0, dtype=np.int32), EventLog()
    climb_days(ladder, range(0, 3), np.array([0, 1]), employer, score, events)
    climb_days(ladder, range(3, 6), np.array([1]), employer, score, events)
    assert ladder.stage.tolist() == [3, CLOSURE]
    climb_days(ladder, range(6, 40), np.empty(0, dtype=np.int64), employer, score, events)
    # firm 0: quiet since day 2, falls on days 12, 22 and 32; firm 1 stays closed
    assert ladder.stage.tolist() == [0, CLOSURE]
    assert events.of_kind(EventKind.stage_fallback)["day"].tolist() == [12, 22, 32]


# ------------------------------------------------------------------ the ladder, model


def test_firms_reach_closure_only_through_every_earlier_stage_and_closed_firms_stop():
    model = ScoreModel(scenario_from_data(corporate_data(LADDER)), rng=1).run()
    c = model.world.n_citizens
    rows = model.events.rows
    stage_of_kind = {int(kind): stage for stage, kind in STAGE_EVENTS.items()}
    ladder_rows = rows[np.isin(rows["event"], list(stage_of_kind))]
    closed = np.flatnonzero(model.ladder.closed)
    assert closed.size > 10
    for firm in np.unique(ladder_rows["actor"]):
        mine = ladder_rows[ladder_rows["actor"] == firm]  # day order; falls are off here
        stages = [stage_of_kind[int(e)] for e in mine["event"]]
        assert stages == list(range(1, len(stages) + 1))
        assert np.all(np.diff(mine["day"]) >= 1)  # one stage a day at most
    closure_day = model.ladder.closure_day[closed]
    findings = rows[rows["event"] == EventKind.finding]
    for firm, day in zip(closed, closure_day, strict=True):
        later = findings[(findings["actor"] == c + firm) & (findings["day"] > day)]
        assert later.size == 0  # a closed firm does nothing and nothing is found on it
    assert not np.isin(model.world.employer, closed).any()  # its staff have lost their jobs
    summary = summarize(model)["escalation"]
    assert summary["closures"] == closed.size
    headline = summarize(model)["headlines"][0]
    assert headline["name"] == "firm_closures" and headline["value"] == closed.size
    assert summary["citizens_jobs_lost_to_closures"] > 0
    # the final stage: blacklisted exactly blacklist_after_days after the notice
    entries = rows[(rows["event"] == EventKind.blacklist_entry) & (rows["list"] == 0)]
    blacklisted = model.ladder.stage == BLACKLIST
    assert entries.size == np.count_nonzero(blacklisted) > 0
    notice = model.ladder.closure_day[entries["actor"] - c]
    assert np.all(entries["day"] - notice == 30)
    ts = model.timeseries()
    assert ts["firm_n_closed"][-1] == closed.size
    assert ts[f"firm_n_stage_{LADDER_STAGES[-1]}"][-1] == np.count_nonzero(blacklisted)


def test_frozen_assets_restrict_and_random_checks_inspect_more():
    corporate = {"escalation": {"enabled": True, "fall_after_days": None}}
    data = corporate_data(
        corporate,
        inspections={"enabled": True, "default_rate_per_year": 2.0},
        run={"steps": 120, "seed": 2},
    )
    model = ScoreModel(scenario_from_data(data), rng=2).run()
    c = model.world.n_citizens
    credit = RESTRICTION_BITS[Restriction.credit]
    frozen = model.ladder.stage >= STAGE["frozen_assets"]
    assert frozen.any()
    restricted = (model.sanctions.restrictions[c:] & credit) != 0
    np.testing.assert_array_equal(restricted, frozen)  # nothing else restricts here
    assert np.array_equal(
        model.ladder.extra_inspections(), (model.ladder.stage >= 3) & ~model.ladder.closed
    )


def test_the_ladder_off_changes_nothing():
    plain = ScoreModel(scenario_from_data(corporate_data()), rng=1, steps=60).run()
    off = {
        "escalation": {"enabled": False, "list": "registry", "findings_per_stage": 3},
        "commitments": {"enabled": False, "grades": ["A"]},
    }
    switched_off = ScoreModel(
        scenario_from_data(corporate_data(off, {"rescue_letters": {"enabled": False}})),
        rng=1,
        steps=60,
    ).run()
    a, b = plain.timeseries(), switched_off.timeseries()
    assert list(a) == list(b)
    for column in a:
        np.testing.assert_array_equal(a[column], b[column], err_msg=column)
    np.testing.assert_array_equal(plain.events.rows, switched_off.events.rows)


# ------------------------------------------------------------------ commitment letters

LETTERS = {
    "commitments": {
        "enabled": True,
        "grades": ["A"],
        "list": "broken_promises",
        "sign_rate_per_year": 3.0,
        "term_days": 90,
        "pre_approvals_per_year": 4.0,
    }
}


def test_only_firms_of_the_named_grades_sign_and_pre_approvals_accrue():
    model = ScoreModel(scenario_from_data(corporate_data(LETTERS)), rng=4)
    c = model.world.n_citizens
    a_grade = model.grading.names.index("A")
    signed_by_grade = np.zeros(len(model.grading.names), dtype=np.int64)
    while model.running:
        before = model.commitments.until.copy()
        model.step()
        day = model.steps  # the day the step simulated
        new = np.flatnonzero((model.commitments.until == day + 90) & (before != day + 90))
        grades = model.grades_of(c + new)
        signed_by_grade += np.bincount(grades, minlength=signed_by_grade.size)
    assert signed_by_grade[a_grade] > 20
    assert signed_by_grade.sum() == signed_by_grade[a_grade]  # nobody of another grade
    letters = summarize(model)["commitment_letters"]
    assert letters["signed"] == signed_by_grade.sum()
    assert letters["pre_approvals"] == model.commitments.pre_approvals.sum() > 0
    ts = model.timeseries()
    assert np.all(np.diff(ts["firm_n_pre_approvals"]) >= 0)
    assert ts["firm_n_pre_approvals"][-1] == letters["pre_approvals"]
    # per firm, and only firms that held a letter
    signers = np.unique(model.events.of_kind(EventKind.commitment_signed)["actor"]) - c
    holders = np.flatnonzero(model.commitments.pre_approvals)
    assert np.isin(holders, signers).all()


def test_letters_can_follow_a_firm_score_of_its_own_such_as_the_tax_grade():
    """Good credit read off a tax-credit grade (from 100, A from 90), not the default score."""
    tax = {
        "who": ["firm"],
        "initial": 100,
        "initial_spread_points": 15,
        "lower": 0,
        "upper": 100,
        "half_life_days": None,
        "grades": [
            {"name": "A", "min": 90},
            {"name": "B", "min": 70},
            {"name": "C", "min": 40},
            {"name": "D", "min": None},
        ],
        "observes": {"late_tax": -10},
    }
    letters = {"commitments": {**LETTERS["commitments"], "system": "tax"}}
    model = ScoreModel(scenario_from_data(corporate_data(letters, scores={"tax": tax})), rng=4)
    c = model.world.n_citizens
    tax_a = 0
    signed = {"tax A": 0, "other": 0}
    while model.running:
        before = model.commitments.until.copy()
        tax_grades = model.grades_in("tax")[c:]  # the grades the letters read today
        model.step()
        day = model.steps
        new = np.flatnonzero((model.commitments.until == day + 90) & (before != day + 90))
        signed["tax A"] += int(np.count_nonzero(tax_grades[new] == tax_a))
        signed["other"] += int(np.count_nonzero(tax_grades[new] != tax_a))
    assert signed["tax A"] > 20
    assert signed["other"] == 0
    # the default score's grades play no part: firms of every default grade signed
    signers = np.unique(model.events.of_kind(EventKind.commitment_signed)["actor"])
    assert np.unique(model.grades_of(signers)).size > 1


def test_letters_naming_an_unknown_score_are_a_located_error(write_scenario):
    letters = {"commitments": {**LETTERS["commitments"], "system": "sesame"}}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(corporate_data(letters)))
    assert "corporate.commitments.system" in str(caught.value)
    assert "'sesame' is not a score of this scenario" in str(caught.value)


def test_a_broken_promise_lists_the_firm_and_a_kept_one_does_not():
    data = corporate_data(LETTERS, errors={"false_finding_rate_per_year": 1.0})
    model = ScoreModel(scenario_from_data(data), rng=4).run()
    rows = model.events.rows
    broken = rows[rows["event"] == EventKind.commitment_broken]
    kept = rows[rows["event"] == EventKind.commitment_kept]
    assert broken.size > 10 and kept.size > 5
    listing = rows[(rows["event"] == EventKind.blacklist_entry) & (rows["list"] == 1)]
    # every entry on the letters' list is a broken promise, on the day it broke
    assert sorted(zip(listing["actor"], listing["day"], strict=True)) == sorted(
        zip(broken["actor"], broken["day"], strict=True)
    )
    findings = rows[rows["event"] == EventKind.finding]
    for actor, day in zip(broken["actor"], broken["day"], strict=True):
        today = findings[(findings["actor"] == actor) & (findings["day"] == day)]
        assert today["true"].max() == 1  # broken by a true finding
    for actor, day in zip(kept["actor"], kept["day"], strict=True):
        term = findings[
            (findings["actor"] == actor) & (findings["day"] >= day - 90) & (findings["day"] < day)
        ]
        negative = term[np.isin(term["behaviour"], [0, 2])]
        assert not (negative["true"] == 1).any()  # kept: no true misconduct found
        during = (listing["day"] >= day - 90) & (listing["day"] <= day)
        mine = listing[(listing["actor"] == actor) & during]
        assert mine.size == 0


# ------------------------------------------------------------------ rescue letters


def test_rescue_letters_cancel_innocent_entries_at_their_rate_and_true_ones_at_theirs():
    remedies = {
        "rescue_letters": {
            "enabled": True,
            "who": ["citizen"],
            "delay_days": 10,
            "probability": 0.6,
            "true_entry_evidence_probability": 0.25,
        }
    }
    data = small_data(
        population={"citizens": 4000, "firms": 20},
        behaviours=[
            {
                "name": "fraud",
                "who": "citizen",
                "rate_per_year": 0.6,
                "points": -50,
                "severity": "serious",
            },
        ],
        lists={
            "blacklist": {"enter": {"serious_finding": True}, "min_days": 60, "max_days": 400},
            "redlist": {"enabled": False},
        },
        errors={"false_finding_rate_per_year": 0.6},
        remedies=remedies,
        run={"steps": 150, "seed": 9},
    )
    model = ScoreModel(scenario_from_data(data), rng=9).run()
    rows = model.events.rows
    entries = rows[(rows["event"] == EventKind.blacklist_entry) & (rows["day"] <= 150 - 10)]
    cancelled = rows[rows["event"] == EventKind.rescue_letter]
    assert np.all(cancelled["days"] == 10)  # exactly delay_days after the entry
    key = set(zip(cancelled["actor"], cancelled["day"] - 10, strict=True))
    hit = np.array([(a, d) in key for a, d in zip(entries["actor"], entries["day"], strict=True)])
    for truth, rate in ((0, 0.6), (1, 0.6 * 0.25)):
        mine = entries["true"] == truth
        n = int(mine.sum())
        assert n > 150
        share = hit[mine].mean()
        assert abs(share - rate) < 4 * math.sqrt(rate * (1 - rate) / n), (truth, share)
    summary = summarize(model)["rescue_letters"]
    assert summary["cancelled"] == cancelled.size
    assert summary["cancelled_innocent"] == int((cancelled["true"] == 0).sum())


def test_rescue_letters_and_credit_repair_work_together():
    remedies = {
        "credit_repair": {
            "enabled": True,
            "who": ["firm"],
            "after_days": 5,
            "probability_per_day": 0.05,
        },
        "rescue_letters": {"enabled": True, "probability": 1.0, "delay_days": 3},
    }
    data = corporate_data(
        LADDER, remedies, errors={"false_finding_rate_per_year": 2.0}, run={"steps": 200, "seed": 3}
    )
    model = ScoreModel(scenario_from_data(data), rng=3).run()
    repaired = model.events.of_kind(EventKind.credit_repair)
    rescued = model.events.of_kind(EventKind.rescue_letter)
    assert repaired.size > 0 and rescued.size > 0
    assert (rescued["true"] == 0).all()  # no evidence for true entries here


# ------------------------------------------------------------------ located errors


@pytest.mark.parametrize(
    ("corporate", "remedies", "key", "message"),
    [
        (
            {"commitments": {"enabled": True, "grades": ["A"], "list": "nowhere"}},
            None,
            "corporate.commitments.list",
            "is not a blacklist of this scenario",
        ),
        (
            {"commitments": {"enabled": True, "grades": ["AAA"], "list": "registry"}},
            None,
            "corporate.commitments.grades[0]",
            "is not a grade of score.grades",
        ),
        (
            {
                "commitments": {
                    "enabled": True,
                    "grades": ["A"],
                    "list": "registry",
                    "system": "sesame",
                }
            },
            None,
            "corporate.commitments.system",
            "is not a score of this scenario",
        ),
        (
            {"escalation": {"enabled": True, "list": "nowhere"}},
            None,
            "corporate.escalation.list",
            "is not a blacklist of this scenario",
        ),
        (
            {"escalation": {"enabled": True, "frozen_assets": ["travel"]}},
            None,
            "corporate.escalation.frozen_assets",
            "does not apply to a firm",
        ),
        (
            {"escalation": {"enabled": True, "punishment_points": 10}},
            None,
            "corporate.escalation.punishment_points",
            "must be at most 0",
        ),
        (
            {"escalation": {"enabled": True, "blacklist_after_days": 0}},
            None,
            "corporate.escalation.blacklist_after_days",
            "must be at least 1",
        ),
        (
            {"commitments": {"enabled": True, "grades": ["A"], "list": "registry", "term_days": 0}},
            None,
            "corporate.commitments.term_days",
            "must be at least 1",
        ),
        (
            {"commitments": {"enabled": True, "grades": ["A"]}},
            None,
            "corporate.commitments",
            "give the `list` a broken promise enters",
        ),
        (
            None,
            {"rescue_letters": {"enabled": True, "lists": ["nowhere"]}},
            "remedies.rescue_letters.lists[0]",
            "is not a blacklist of this scenario",
        ),
        (
            None,
            {"rescue_letters": {"enabled": True, "delay_days": 4000}},
            "remedies.rescue_letters.delay_days",
            "must be at most 3,650",
        ),
    ],
)
def test_bad_corporate_keys_are_located_errors(write_scenario, corporate, remedies, key, message):
    path = write_scenario(corporate_data(corporate, remedies))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    text = str(error.value)
    assert key in text and message in text and f"{path}:" in text, text
    assert f"{path}:None" not in text and f"{path}::" not in text, text
