"""The policy timeline: dated rule changes, checked at load, applied at the start of their day.

Each test asserts what users rely on: a bad entry is located at its own line before
anything runs; a change takes effect from its day and not before (twin worlds are
identical up to the day before); state carries over; the timeline is recorded in
events.csv, summary.json, the manifest and on the figures.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from conftest import small_data

from score_sim.errors import ScenarioError
from score_sim.events import EventKind
from score_sim.experiments.twins import compare_scenarios
from score_sim.explain import explain_scenario
from score_sim.model import ScoreModel
from score_sim.outputs.figures.base import FigureContext
from score_sim.outputs.figures.checks import text_problems
from score_sim.outputs.figures.lists import plot_list_sizes
from score_sim.runner import run_scenario
from score_sim.scenario import Level, load_scenario, scenario_from_data
from score_sim.scenario.ledger import cited_choices, ledger

DAY = 40


def with_timeline(*entries: dict, **sections) -> dict:
    data = small_data(**sections)
    data["timeline"] = list(entries)
    return data


def entry(day: int, note: str = "a change", **changes) -> dict:
    return {"day": day, "set": changes, "note": note}


def run(data: dict, **overrides) -> ScoreModel:
    scenario = scenario_from_data(data, overrides=overrides or None)
    return ScoreModel(scenario, rng=scenario.run.seed).run()


def findings_of(model: ScoreModel, behaviour: str) -> np.ndarray:
    """Days of the findings of one behaviour."""
    names = [b.name for b in model.score_scenario.behaviours]
    rows = model.events.of_kind(EventKind.finding)
    return rows["day"][rows["behaviour"] == names.index(behaviour)]


# --------------------------------------------------------------------------- checked at load

BAD_TIMELINE = """\
name: bad
behaviours:
  - {name: traffic_ticket, who: citizen, rate_per_year: 0.3, points: -5}
timeline:
  - day: 10
    set: {behaviours.traffic_ticket.rate_per_year: 0}
    note: fine
  - day: 20
    set: {score.half_life_days: 30}
    note: fine too
  - day: 30
    set:
      behaviours.traffic_ticket.rate_per_year: -1
      population.citizens: 5
      behaviours.no_such_thing.points: 3
    note: three problems
  - day: 25
    set: {lists.blacklist.min_days: 9999}
    note: out of order and too long
"""


def test_a_bad_entry_is_an_error_at_its_own_line_and_key(write_scenario):
    path = write_scenario(BAD_TIMELINE)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    text = str(error.value)
    rate = "timeline[2].set.behaviours.traffic_ticket.rate_per_year"
    assert f"{path}:13:7 {rate}: must be at least 0" in text
    assert f"{path}:14:7 timeline[2].set.population.citizens: cannot change during a run" in text
    assert f"{path}:15:7 timeline[2].set.behaviours.no_such_thing.points:" in text
    assert f"{path}:17:5 timeline[3].day: entries must be in day order" in text
    assert f"{path}:18:11 timeline[3].set.lists.blacklist.min_days: " in text
    assert "max_days (1825) must be at least min_days (9999)" in text
    assert "timeline[0]" not in text and "timeline[1]" not in text


# --------------------------------------------------------------------------- cited in the ledger


def cited_timeline(**sources: object) -> dict:
    """A small scenario with a two-entry timeline, citing ``sources``."""
    data = with_timeline(
        entry(DAY, "a documented change", **{"behaviours.fare_dodging.rate_per_year": 0.5}),
        entry(2 * DAY, "a documented suspension", **{"lists.blacklist.enabled": False}),
    )
    data["sources"] = dict(sources)
    return data


def test_a_timeline_entry_s_values_can_be_cited_in_the_ledger(write_scenario):
    rate = "timeline.0.set.behaviours.fare_dodging.rate_per_year"
    switch = "timeline.1.set.lists.blacklist.enabled"
    scenario = load_scenario(
        write_scenario(cited_timeline(**{rate: "A report.", switch: "A law."}))
    )
    rows = {row.key: row for row in ledger(scenario)}
    assert rows[rate].level is Level.documented and rows[rate].source == "A report."
    assert rows[rate].value == 0.5
    assert rows["timeline.0.day"].level is Level.assumption  # only what is cited
    # a switch is not a number: a cited choice, shown as one
    assert switch not in rows and (switch, "A law.") in cited_choices(scenario)
    assert f"  {switch}: A law." in explain_scenario(scenario)


@pytest.mark.parametrize(
    "key",
    [
        "timeline.2.day",  # no such entry
        "timeline.0.set.behaviours.fare_dodging.points",  # the entry does not set it
        "timeline.1.set.lists.redlist.enabled",
        "timeline.1.set.lists.blacklist.enabled.x",
        "timeline.0.set.behaviours",  # a part of a key path the entry sets
    ],
)
def test_a_citation_of_nothing_in_the_timeline_is_an_error_at_its_line(write_scenario, key):
    path = write_scenario(cited_timeline(**{key: "A report."}))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    problem = next(p for p in error.value.problems if p.key == f"sources.{key}")
    assert problem.file == str(path) and problem.line is not None and problem.line > 1
    assert "names no key of this scenario" in problem.message


def test_a_timeline_removed_by_an_override_takes_its_citations_along(write_scenario):
    switch = "timeline.1.set.lists.blacklist.enabled"
    path = write_scenario(cited_timeline(**{switch: "A law.", "score.initial": "Points."}))
    scenario = load_scenario(path, overrides={"timeline": []})
    assert scenario.timeline == () and switch not in scenario.sources
    assert scenario.source_of("score.initial") == "Points."
    # a bad citation in the file stays an error, overrides or not
    path = write_scenario(cited_timeline(**{"timeline.5.day": "Nothing."}), "bad.yaml")
    with pytest.raises(ScenarioError, match="names no key"):
        load_scenario(path, overrides={"timeline": []})


def test_the_cli_refuses_a_bad_timeline_with_status_2_before_running(write_scenario, tmp_path):
    from typer.testing import CliRunner

    from score_sim.cli import app

    path = write_scenario(BAD_TIMELINE)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "timeline[2].set.population.citizens" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("population.firms", 5, "the world's people are fixed"),
        ("ties.friends_per_citizen", 3.0, "drawn when the world is built"),
        ("run.steps", 10, "not rules of the regime"),
        ("heterogeneity.enabled", True, "propensities"),
        ("score.initial", 900, "everyone starts with the initial score"),
        ("score.lower", 500, "measures of harm"),
        ("behaviours.fraud.who", "firm", "name, kind and sector are fixed"),
        ("behaviours.fraud.points", 50, "between misconduct"),
        ("lists.blacklist.type", "redlist", "type and who it covers are fixed"),
        ("score.grades", [{"name": "X", "min": None}], "grade names cannot change"),
        ("remedies", {"appeals": {"enabled": True}}, "only remedies.appeals, remedies.credit"),
    ],
)
def test_keys_that_set_the_world_cannot_change_during_a_run(key, value, reason):
    data = with_timeline(entry(10, **{key: value}))
    with pytest.raises(ScenarioError) as error:
        scenario_from_data(data)
    assert "timeline[0].set" in str(error.value)
    assert reason in str(error.value)


def test_deterrence_cannot_be_cited_as_documented():
    data = small_data(sources={"deterrence.strength": "a study"})
    with pytest.raises(ScenarioError, match="deterrence is never measured"):
        scenario_from_data(data)


# --------------------------------------------------------------------------- in the model


def test_twin_worlds_are_identical_until_the_day_before_the_change_and_differ_after():
    change = entry(DAY, **{"behaviours.fare_dodging.rate_per_year": 8.0})
    plain = run(small_data())
    changed = run(with_timeline(change))
    a, b = plain.timeseries(), changed.timeseries()
    for column in a:
        np.testing.assert_array_equal(a[column][:DAY], b[column][:DAY], err_msg=column)
    assert b["citizen_n_findings"][DAY:].sum() > 2 * a["citizen_n_findings"][DAY:].sum()
    assert not np.array_equal(a["citizen_mean_score"][DAY:], b["citizen_mean_score"][DAY:])


def test_compare_across_a_timeline_shares_everything_before_the_change(tmp_path, write_scenario):
    change = entry(DAY, **{"behaviours.fraud.rate_per_year": 0.0})
    path = write_scenario(with_timeline(change))
    result = compare_scenarios(
        path, out_dir=tmp_path / "cmp", overrides_b={"timeline": []}, figures=False, steps=90
    )
    a, b = result.a.model.timeseries(), result.b.model.timeseries()
    assert np.array_equal(a["citizen_n_blacklisted"][:DAY], b["citizen_n_blacklisted"][:DAY])
    assert not np.array_equal(a["citizen_n_findings"][DAY:], b["citizen_n_findings"][DAY:])
    assert len(findings_of(result.a.model, "fraud")) < len(findings_of(result.b.model, "fraud"))


def test_a_rate_set_to_zero_stops_its_findings_from_that_day():
    model = run(with_timeline(entry(DAY, **{"behaviours.fare_dodging.rate_per_year": 0})))
    days = findings_of(model, "fare_dodging")
    assert days.size > 50 and days.max() == DAY - 1
    assert findings_of(model, "good_deed").max() > DAY + 30  # the others go on


def test_a_list_switched_off_takes_no_new_entries_and_keeps_its_entries_until_they_end():
    lists = {
        "blacklist": {
            "enter": {"serious_finding": True},
            "min_days": 20,
            "max_days": 30,
        }
    }
    model = run(with_timeline(entry(DAY, **{"lists.blacklist.enabled": False}), lists=lists))
    rows = model.events.rows
    entries = rows[rows["event"] == EventKind.blacklist_entry]
    expiries = rows[rows["event"] == EventKind.blacklist_expiry]
    assert entries["day"].size > 10 and entries["day"].max() < DAY
    # entries made before the day run on: listed on the day, ending 30 days after they began
    listed_on_the_day = model.timeseries()["citizen_n_blacklisted"][DAY]
    assert listed_on_the_day > 0
    assert expiries["day"].max() >= DAY and np.all(expiries["days"] == 30)
    assert model.world.lists.blacklisted.sum() == 0  # all ended by the end


def test_a_list_switched_on_later_starts_listing_on_its_day():
    lists = {
        "blacklist": {
            "enabled": False,
            "enter": {"serious_finding": True},
            "min_days": 30,
            "max_days": 60,
        }
    }
    model = run(with_timeline(entry(DAY, **{"lists.blacklist.enabled": True}), lists=lists))
    entries = model.events.of_kind(EventKind.blacklist_entry)
    assert entries.size > 5 and entries["day"].min() == DAY


def test_new_sanctions_reach_those_already_listed_from_their_day():
    lists = {"blacklist": {"enter": {"serious_finding": True}, "min_days": 200, "max_days": 300}}
    data = with_timeline(entry(DAY, **{"sanctions.blacklist": ["travel", "credit"]}), lists=lists)
    series = run(data).timeseries()
    assert series["citizen_n_restricted"][:DAY].sum() == 0
    assert series["citizen_n_restricted"][DAY] == series["citizen_n_blacklisted"][DAY] > 0
    # and sanctions lifted later are lifted for everyone
    data["timeline"].append(entry(DAY + 20, **{"sanctions.blacklist": []}))
    series = run(data).timeseries()
    assert series["citizen_n_restricted"][DAY + 19] > 0
    assert series["citizen_n_restricted"][DAY + 20 :].sum() == 0


def test_a_decay_change_takes_effect_from_its_day():
    no_decay = with_timeline(entry(DAY, **{"score.half_life_days": 5.0}))
    slow = run(small_data()).timeseries()["citizen_mean_score"]
    fast = run(no_decay).timeseries()["citizen_mean_score"]
    np.testing.assert_array_equal(slow[:DAY], fast[:DAY])
    # a 5-day half-life pulls the mean back toward 1000 within days
    assert abs(fast[DAY + 20] - 1000) < 0.3 * abs(slow[DAY + 20] - 1000)


def test_set_applies_from_day_zero_and_the_timeline_applies_on_top():
    data = with_timeline(entry(DAY, **{"behaviours.fraud.rate_per_year": 2.0}))
    model = run(data, **{"behaviours.fraud.rate_per_year": 0.0})
    days = findings_of(model, "fraud")
    assert days.size > 50 and days.min() >= DAY


def test_entries_beyond_the_run_are_checked_and_never_reached(tmp_path):
    data = with_timeline(
        entry(DAY, "the first", **{"score.half_life_days": 30.0}),
        entry(DAY, "same day, later in the file", **{"score.half_life_days": 60.0}),
        entry(500, "beyond", **{"score.half_life_days": 90.0}),
    )
    scenario = scenario_from_data(data)
    result = run_scenario(scenario, tmp_path / "out", steps=80, figures=False)
    model = result.model
    assert model.rules.score.half_life_days == 60.0  # same day: file order, the later wins
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [e["applied"] for e in summary["timeline"]] == [True, True, False]
    assert result.manifest["timeline"] == summary["timeline"]
    with open(tmp_path / "out" / "events.csv", encoding="utf-8") as handle:
        policy = [r for r in csv.DictReader(handle) if r["event"] == "policy_change"]
    assert [(r["day"], r["note"], r["id"]) for r in policy] == [
        (str(DAY), "the first", ""),
        (str(DAY), "same day, later in the file", ""),
    ]
    assert policy[1]["changes"] == "score.half_life_days=60.0"


def test_without_a_timeline_events_have_no_note_columns(tmp_path):
    run_scenario(scenario_from_data(small_data()), tmp_path / "out", steps=10, figures=False)
    header = (tmp_path / "out" / "events.csv").read_text().splitlines()[0]
    assert header == "day,id,kind,event,behaviour,channel,true,cause,source_id,days,list"


def test_an_empty_timeline_and_a_change_to_the_same_value_leave_the_run_unchanged():
    plain = run(small_data()).timeseries()
    empty = run(with_timeline()).timeseries()
    same = run(with_timeline(entry(DAY, **{"behaviours.fraud.rate_per_year": 0.2}))).timeseries()
    for column in plain:
        np.testing.assert_array_equal(plain[column], empty[column])
        np.testing.assert_array_equal(plain[column], same[column])


def test_policy_changes_are_marked_on_the_figures_without_overlapping_text():
    data = with_timeline(
        entry(
            30,
            "a long note about a suspension that runs on and on",
            **{"behaviours.fare_dodging.rate_per_year": 0},
        ),
        entry(60, "lifted", **{"behaviours.fare_dodging.rate_per_year": 2.0}),
    )
    model = run(data)
    ctx = FigureContext.of_model(model)
    assert ctx.policy_changes == ((30, data["timeline"][0]["note"]), (60, "lifted"))
    fig = plot_list_sizes(model.timeseries(), ctx)
    lines = [line for ax in fig.axes for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert sorted({float(line.get_xdata()[0]) for line in lines}) >= [30.0, 60.0]
    texts = [t.get_text() for t in fig.texts]
    assert any("day 30: a long note" in t and "day 60: lifted" in t for t in texts)
    assert text_problems(fig) == []


def test_false_findings_and_deterrence_switched_on_later_start_on_their_day():
    lists = {"blacklist": {"enter": {"score_below": 980}, "min_days": 60, "max_days": 365}}
    data = with_timeline(
        entry(
            DAY,
            **{
                "errors.false_finding_rate_per_year": 2.0,
                "deterrence.enabled": True,
                "deterrence.strength": 5.0,
            },
        ),
        lists=lists,
        sanctions={"blacklist": ["credit"]},
    )
    model = run(data)
    series = model.timeseries()
    assert series["n_false_findings"][:DAY].sum() == 0
    assert series["n_false_findings"][DAY:].sum() > 100
    multiplier = series["citizen_deterrence_multiplier"]
    assert np.all(multiplier[:DAY] == 1.0) and multiplier[-1] < 0.95
