"""The documented mechanics of shandong_2020, joint_punishment_2016, national_concept and
suining_2010, each asserted with numbers on a small run, and their THINGS TO TRY as written."""

from __future__ import annotations

import re
import shlex

import numpy as np
import pytest

from score_sim.events import EventKind
from score_sim.explain import explain_scenario
from score_sim.mechanisms.sanctions import RESTRICTION_BITS, restriction_names
from score_sim.model import ScoreModel
from score_sim.scenario import Level, Restriction, Who, load_scenario
from score_sim.scenario.ledger import ledger, level_counts

SMALL = {"citizens": 3000, "firms": 300}


def entries_of(model: ScoreModel, list_name: str) -> np.ndarray:
    """Entry events of one list."""
    index = list(model.score_scenario.lists).index(list_name)
    rows = model.events.rows
    kinds = (EventKind.blacklist_entry, EventKind.redlist_entry)
    return rows[np.isin(rows["event"], kinds) & (rows["list"] == index)]


# --------------------------------------------------------------------------- shandong_2020


def test_shandong_suspension_stops_new_listings_of_the_suspended_kinds_and_no_others():
    scenario = load_scenario("shandong_2020")
    start, lifted = (entry.day for entry in scenario.timeline[1:])
    model = ScoreModel("shandong_2020", rng=2020, steps=240, **SMALL).run()
    twin = ScoreModel("shandong_2020", rng=2020, steps=240, **SMALL, timeline=[]).run()
    contract = entries_of(model, "contract_defaults")["day"]
    assert np.count_nonzero(contract < start) > 10
    assert np.count_nonzero((contract >= start) & (contract < lifted)) == 0
    assert np.count_nonzero(contract >= lifted) > 10
    # the suspended kinds are still found (points are lost), three times as often
    names = [b.name for b in scenario.behaviours]
    suspended = [
        names.index(n)
        for n in (
            "delayed_delivery",
            "deferred_payment",
            "overdue_contract",
            "deferred_loan_payment",
        )
    ]
    findings = model.events.of_kind(EventKind.finding)
    during = findings[(findings["day"] >= start) & (findings["day"] < lifted)]
    assert np.count_nonzero(np.isin(during["behaviour"], suspended)) > 100
    # the other list goes on at its own rate: the same entries as in the world without
    serious = entries_of(model, "serious_violations")
    serious_twin = entries_of(twin, "serious_violations")
    assert serious.size > 10
    np.testing.assert_array_equal(serious[["day", "actor"]], serious_twin[["day", "actor"]])
    n_serious_during = np.count_nonzero((serious["day"] >= start) & (serious["day"] < lifted))
    assert n_serious_during > 0
    # citizens' loan defaults are not enterprises' defaults: they are listed throughout
    loans = entries_of(model, "loan_defaults")
    assert np.all(loans["actor"] < SMALL["citizens"])
    assert np.count_nonzero((loans["day"] >= start) & (loans["day"] < lifted)) > 50
    assert np.all(entries_of(model, "contract_defaults")["actor"] >= SMALL["citizens"])


def test_shandong_suspension_changes_firms_only_and_reports_the_firms_listed():
    """The suspension's effect falls on firms (the sources name enterprises' defaults):
    leaving the list open changes no citizen's listing; and the share of firms listed is
    held against the documented 10% and reported missed, as the description explains."""
    scenario = load_scenario("shandong_2020")
    open_list = {"timeline.1.set": {"lists.contract_defaults.enabled": True}}
    model = ScoreModel("shandong_2020", rng=2020, **SMALL).run()
    opened = ScoreModel("shandong_2020", rng=2020, **SMALL, **open_list).run()
    a, b = model.timeseries(), opened.timeseries()
    assert b["firm_n_blacklisted"][-1] > 1.4 * a["firm_n_blacklisted"][-1]
    np.testing.assert_array_equal(a["citizen_n_on_loan_defaults"], b["citizen_n_on_loan_defaults"])
    from score_sim.outputs.targets import report

    (target,) = report(model)
    assert target["name"] == "firms_blacklisted" and target["met"] is False
    assert target["model"] > target["high"]
    assert target["lists_counted"] == ["contract_defaults", "serious_violations"]
    assert "A DEPARTURE FROM THE SOURCES: about 1 firm in 4" in scenario.description


SUSPENDED = ("delayed_delivery", "deferred_payment", "overdue_contract")
SUSPENSION = "timeline.1.set.lists.contract_defaults.enabled"


def test_shandong_suspension_cites_its_one_documented_fact_on_the_timeline_value():
    scenario = load_scenario("shandong_2020")
    # the value that carries the fact: entry 1 switches the contract-default list off
    assert scenario.timeline[1].set["lists.contract_defaults.enabled"] is False
    evidence = scenario.evidence_of(SUSPENSION)
    assert evidence.level is Level.documented
    assert (
        "Shandong suspended blacklisting for delayed deliveries, deferred payments and "
        "overdue contracts" in evidence.source
    )
    # the days stay assumptions: the sources date none of it
    for key in ("timeline.0.day", "timeline.1.day", "timeline.2.day"):
        assert scenario.evidence_of(key).level is Level.assumption
    text = explain_scenario("shandong_2020")
    choices = text[text.index("CITED CHOICES") :]
    assert f"  {SUSPENSION}: Policy shocks happen" in choices
    # the suspended list takes exactly the documented kinds, of enterprises only
    assert set(scenario.lists["contract_defaults"].enter.behaviours) == set(SUSPENDED)
    assert scenario.lists["contract_defaults"].who == (Who.firm,)
    assert "deferred_loan_payment" not in scenario.lists["contract_defaults"].enter.behaviours


def test_shandong_suspended_findings_still_cost_their_points_but_list_nobody():
    """During the suspension a finding of a suspended kind costs its full points that day
    (score_t = baseline + f * (score_t-1 + points - baseline)), and nobody is listed."""
    scenario = load_scenario("shandong_2020")
    start, lifted = (entry.day for entry in scenario.timeline[1:])
    model = ScoreModel(scenario, rng=2021, steps=lifted - 1, **SMALL)
    names = [b.name for b in scenario.behaviours]
    suspended = [names.index(n) for n in SUSPENDED]
    points = np.array([b.points for b in scenario.behaviours])
    f = 0.5 ** (1 / scenario.score.half_life_days)
    baseline = scenario.score.initial
    book = model.world.lists.books["contract_defaults"]
    checked = fell = 0
    while model.running:
        before = model.world.score.copy()
        listed_before = book.listed.copy()
        model.step()
        day = model.steps
        rows = model.events.rows
        today = rows[(rows["event"] == EventKind.finding) & (rows["day"] == day)]
        if day < start:
            continue
        assert not (book.listed & ~listed_before).any()  # no new entry, of any actor
        # actors with one finding today, of a suspended kind
        actors, counts = np.unique(today["actor"], return_counts=True)
        once = actors[counts == 1]
        mine = today[np.isin(today["actor"], once) & np.isin(today["behaviour"], suspended)]
        expected = baseline + f * (before[mine["actor"]] + points[mine["behaviour"]] - baseline)
        np.testing.assert_allclose(model.world.score[mine["actor"]], expected, rtol=0, atol=1e-9)
        checked += mine.size
        fell += int(np.count_nonzero(model.world.score[mine["actor"]] < before[mine["actor"]]))
    assert checked > 100 and fell > 0.9 * checked  # scores still fall on every such finding
    assert entries_of(model, "contract_defaults")["day"].max() < start


# --------------------------------------------------------------------------- joint punishment


def test_joint_punishment_restricts_in_many_sectors_at_once_from_the_memorandum_and_not_before():
    day = load_scenario("joint_punishment_2016").timeline[0].day
    model = ScoreModel("joint_punishment_2016", rng=2016, steps=day + 120, **SMALL).run()
    cascades = model.sanctions.cascades
    citizens = cascades["actor"] < SMALL["citizens"]
    before = cascades[cascades["day"] < day]
    after = cascades[(cascades["day"] > day) & citizens]
    assert before.size > 5 and np.all(before["n_sectors"] == 1)  # credit only
    assert after.size > 5 and np.all(after["n_sectors"] == 8)
    # those listed before the memorandum are reached by it on its day
    series = model.timeseries()
    assert series["citizen_n_restricted"][day] > series["citizen_n_restricted"][day - 1]
    listed = np.flatnonzero(model.world.lists.blacklisted[: SMALL["citizens"]])
    travel = RESTRICTION_BITS[Restriction.travel]
    assert listed.size and np.all(model.sanctions.restrictions[listed] & travel)
    assert set(restriction_names(int(model.sanctions.restrictions[listed[0]]))) >= {
        "internet",
        "leisure",
        "school_access",
        "welfare",
    }


def test_joint_punishment_a_firm_s_cascade_after_the_memorandum_restricts_its_seven_kinds():
    """From the memorandum on, a newly listed firm is restricted in the memorandum's six
    kinds for firms (stock issuance among them) and its legal representative banned from
    travel: 7 sectors at once (the kinds read from the file's timeline entry); before it,
    credit only."""
    scenario = load_scenario("joint_punishment_2016")
    memorandum = scenario.timeline[0]
    day = memorandum.day
    firm_kinds = set(memorandum.set["lists.court_defaulters.sanctions"]["firm"])
    rep_kinds = set(memorandum.set["sanctions.reach.legal_representative"])
    kinds = len(firm_kinds | rep_kinds)
    assert kinds == 7 and "stock_issuance" in firm_kinds
    before_kinds = set(scenario.lists["court_defaulters"].sanctions.firm)
    model = ScoreModel(scenario, rng=2017, citizens=3000, firms=1500, steps=day + 120).run()
    cascades = model.sanctions.cascades
    firms = cascades[cascades["actor"] >= model.world.n_citizens]
    before = firms[firms["day"] < day]
    after = firms[firms["day"] > day]
    assert len(before_kinds) == 1  # credit only
    assert before.size > 5 and np.all(before["n_sectors"] == len(before_kinds))
    assert after.size > 5 and np.all(after["n_sectors"] == kinds)
    # the representative is the one reached, one citizen per cascade
    assert np.all(after["n_legal_representative"] == 1)
    assert np.all(before["n_legal_representative"] == 0)
    # and the firm itself may not issue stock, from the memorandum's day on
    stock = RESTRICTION_BITS[Restriction.stock_issuance]
    listed = np.flatnonzero(model.world.lists.blacklisted[model.world.n_citizens :])
    firms_listed = model.world.n_citizens + listed
    assert listed.size and np.all(model.sanctions.restrictions[firms_listed] & stock)
    assert not np.any(model.sanctions.restrictions[: model.world.n_citizens] & stock)


def test_joint_punishment_lists_fraud_and_tax_evasion_as_severely_untrustworthy():
    """The court defaulter list is the list of those who ignore court judgements (its own
    citation): fraud and tax evasion go on the severely-untrustworthy list (3 years,
    removal asked for after 1), judgements unperformed on the court defaulters'."""
    scenario = load_scenario("joint_punishment_2016")
    court = set(scenario.lists["court_defaulters"].enter.behaviours)
    severe = set(scenario.lists["severely_untrustworthy"].enter.behaviours)
    assert court == {"sued_for_unpaid_debt", "unpaid_wages"}
    assert severe == {"commercial_fraud", "tax_evasion"}
    assert "court judgement" in scenario.evidence_of("lists.court_defaulters").source
    model = ScoreModel(scenario, rng=2016, steps=200, **SMALL).run()
    names = [b.name for b in scenario.behaviours]
    findings = model.events.of_kind(EventKind.finding)
    for list_name, kinds in (("court_defaulters", court), ("severely_untrustworthy", severe)):
        entries = entries_of(model, list_name)
        assert entries.size > 5
        # every entry follows a true or false finding, that day, of one of its own kinds
        found = findings[np.isin(findings["behaviour"], [names.index(k) for k in kinds])]
        keys = set(zip(found["day"].tolist(), found["actor"].tolist(), strict=True))
        assert all((d, a) in keys for d, a in zip(entries["day"], entries["actor"], strict=True))
    severe_entries = entries_of(model, "severely_untrustworthy")
    assert set(np.unique(severe_entries["days"])) == {1095}


# --------------------------------------------------------------------------- national concept


@pytest.mark.parametrize(
    ("change", "column", "bound"),
    [
        ({"behaviours.traffic_ticket.rate_per_year": 400.0}, "citizen_min_score", 600.0),
        ({"behaviours.caring_for_relatives.rate_per_year": 600.0}, "citizen_max_score", 1300.0),
    ],
)
def test_national_concept_holds_the_bounds_600_and_1300(change, column, bound):
    model = ScoreModel("national_concept", rng=1, steps=150, citizens=1500, firms=50, **change)
    series = model.run().timeseries()
    assert series["citizen_min_score"].min() >= 600.0
    assert series["citizen_max_score"].max() <= 1300.0
    # pressed against the bound (daily decay pulls a fraction of a point back from it)
    assert abs(series[column][-1] - bound) < 1.0


def test_national_concept_lists_exactly_on_the_score_threshold():
    scenario = load_scenario("national_concept")
    threshold = scenario.lists["heavily_distrusted"].enter.score_below
    model = ScoreModel(
        scenario,
        rng=7,
        steps=200,
        citizens=2000,
        firms=100,
        **{"behaviours.traffic_ticket.rate_per_year": 150.0},
    )
    book = model.world.lists.books["heavily_distrusted"]
    n_entered = 0
    while model.running:
        model.step()
        entered = book.entered_today
        n_entered += entered.size
        assert np.all(model.world.score[entered] < threshold)
        below = np.flatnonzero(model.world.score < threshold)
        assert np.all(book.listed[below])  # nobody below the threshold is off the list
    assert n_entered > 50
    assert scenario.score.initial == 1000 and scenario.score.lower == 600
    assert scenario.score.upper == 1300


# --------------------------------------------------------------------------- suining_2010


def test_suining_says_how_little_is_known_and_its_ledger_shows_it():
    scenario = load_scenario("suining_2010")
    assert "2010" in scenario.description and "nothing more" in scenario.description
    counts = level_counts(ledger(scenario))
    documented = [row.key for row in ledger(scenario) if row.level is Level.documented]
    # only the scale borrowed from the national concept and the documented earliest deletion
    assert sorted(documented) == [
        "lists.county_blacklist.min_days",
        "score.initial",
        "score.lower",
        "score.upper",
    ]
    assert counts["assumption"] >= 5 * counts["documented"]
    for key in documented:
        assert "not documented for suining" in scenario.sources[key].lower()


def test_suining_scores_citizens_only_for_a_year():
    scenario = load_scenario("suining_2010")
    assert scenario.run.steps == 365 and scenario.population.firms == 0
    assert all(b.who.value == "citizen" for b in scenario.behaviours)
    model = ScoreModel(scenario, rng=2010, steps=120, citizens=2000).run()
    series = model.timeseries()
    assert series["citizen_n_blacklisted"][-1] > 0
    assert np.isnan(series["firm_mean_score"][-1])  # no firm is scored


# --------------------------------------------------------------------------- THINGS TO TRY

OWN = ("shandong_2020", "joint_punishment_2016", "national_concept", "suining_2010")
SIZE_OPTIONS = {"--citizens", "--firms", "--steps"}


def things_to_try(name: str) -> list[str]:
    """The commands in a scenario's THINGS TO TRY, as written."""
    text = load_scenario(name).description.split("THINGS TO TRY", 1)[1]
    return re.findall(r"`(score-sim [^`]+)`", text)


@pytest.mark.parametrize("name", OWN)
def test_things_to_try_run_as_written_at_a_small_size(name, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from score_sim.cli import app

    monkeypatch.chdir(tmp_path)
    commands = things_to_try(name)
    assert len(commands) >= 2
    for i, command in enumerate(commands):
        args = shlex.split(command)[1:]
        if args[0] in ("run", "compare"):
            kept: list[str] = []
            skip = False
            for arg in args:
                if skip:
                    skip = False
                elif arg in SIZE_OPTIONS:
                    skip = True
                else:
                    kept.append(arg)
            firms = "0" if name == "suining_2010" else "20"
            args = [
                *kept,
                "--citizens",
                "400",
                "--firms",
                firms,
                "--steps",
                "40",
                "--no-figures",
                "--out",
                str(tmp_path / f"out{i}"),
            ]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{command}\n{result.output}"


@pytest.mark.parametrize("name", OWN)
def test_scenario_is_bundled_documented_and_explains_its_ledger(name):
    from score_sim.explain import explain_scenario
    from score_sim.scenario import bundled_scenarios

    path = bundled_scenarios()[name]
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=scenario.schema.json"
    )
    scenario = load_scenario(name)
    assert scenario.name == path.stem
    headings = ("WHAT IT IS", "HOW IT WORKS", "THINGS TO NOTICE", "THINGS TO TRY")
    positions = [scenario.description.find(heading) for heading in headings]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    counts = level_counts(ledger(scenario))
    assert counts["documented"] >= 4 and counts["assumption"] > counts["documented"]
    text = explain_scenario(name)
    assert f"{counts['documented']} documented" in text and "ASSUMPTION" in text
