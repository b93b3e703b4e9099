"""The bundled scenarios of data sharing and the corporate system: data_sharing, corporate_scs.

Each test checks a documented mechanic the scenario claims, with numbers, on a reduced
run: the path of a listing to the agencies (a delay before a sanction reaches an agency,
and coverage), the four-tier grade's boundaries, inspection rates by risk class, the
escalation ladder's order, the commitment letters and the rescue letter.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from score_sim.events import EventKind
from score_sim.mechanisms.behaviour import DAYS_PER_YEAR
from score_sim.mechanisms.escalation import STAGE_EVENTS
from score_sim.mechanisms.grades import Grading
from score_sim.mechanisms.inspections import InspectionOffice
from score_sim.mechanisms.reporting import Reporting
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.mechanisms.sharing import NEVER
from score_sim.model import ScoreModel
from score_sim.outputs.summary import summarize
from score_sim.outputs.targets import report
from score_sim.scenario import Restriction, bundled_scenarios, load_scenario

SCENARIOS = ("data_sharing", "corporate_scs")


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_scenario_is_bundled_documented_and_runs_small(name):
    assert name in bundled_scenarios()
    scenario = load_scenario(name)
    positions = [
        scenario.description.find(section)
        for section in ("WHAT IT IS", "HOW IT WORKS", "THINGS TO NOTICE", "THINGS TO TRY")
    ]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert scenario.source_of("score.initial")
    model = ScoreModel(name, rng=1, citizens=3000, firms=150, steps=90).run()
    assert model.steps == 90


# ------------------------------------------------------------------ data_sharing


def test_data_sharing_a_listing_reaches_each_agency_after_the_platform_and_its_delay():
    scenario = load_scenario("data_sharing")
    sharing = scenario.sharing
    model = ScoreModel(scenario, rng=3, citizens=6000, firms=300, steps=150)
    travel = RESTRICTION_BITS[Restriction.travel]
    column = list(Restriction).index(Restriction.travel)
    delay = sharing.platform_delay_days + sharing.agencies["travel"].delay_days
    assert delay == 10
    restricted_on = np.full(model.world.n_actors, -1)
    while model.running:
        model.step()
        now = (model.sanctions.own & travel) != 0
        restricted_on[now & (restricted_on < 0)] = model.steps
    entries = model.events.of_kind(EventKind.blacklist_entry)
    citizens = entries[entries["actor"] < model.world.n_citizens]
    first = {}
    for actor, day in zip(citizens["actor"], citizens["day"], strict=True):
        first.setdefault(int(actor), int(day))
    reached = [a for a in first if model.sharing.arrival[a, column] != NEVER]
    never = [a for a in first if model.sharing.arrival[a, column] == NEVER]
    checked = 0
    for actor in reached:
        day = first[actor]
        if day + delay <= 150 and model.world.lists.blacklisted[actor]:
            # unrestricted for exactly the platform's 7 days and the carriers' 3, then banned
            assert restricted_on[actor] == day + delay
            checked += 1
    assert checked > 20
    assert all(restricted_on[a] < 0 for a in never)  # never reached: never banned


def test_data_sharing_coverage_is_the_share_of_listings_each_agency_gets():
    scenario = load_scenario("data_sharing")
    # more court cases than the scenario's own rate, for enough listings to count
    more = {"behaviours.sued_for_unpaid_debt.rate_per_year": 0.3}
    model = ScoreModel(scenario, rng=4, citizens=6000, firms=300, steps=120, **more).run()
    listed = np.flatnonzero(model.world.lists.blacklisted[: model.world.n_citizens])
    n = listed.size
    assert n > 300
    for name in ("travel", "credit", "employment", "welfare"):
        p = scenario.sharing.agencies[name].coverage
        column = list(Restriction).index(Restriction(name))
        share = np.count_nonzero(model.sharing.arrival[listed, column] != NEVER) / n
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-9, (name, share)
    summary = summarize(model)["sharing"]
    assert summary["restriction_days_spared_by_missing_records"] > 0
    assert summary["restriction_days_spared_by_delay"] > 0


# ------------------------------------------------------------------ corporate_scs


def test_corporate_scs_four_tier_grade_boundaries():
    scenario = load_scenario("corporate_scs")
    grading = Grading(scenario.score.grades)
    assert grading.names == ("A", "B", "C", "D")
    scores = np.array([1300, 1010, 1009.99, 980, 979.99, 940, 939.99, 600])
    names = [grading.names[i] for i in grading.grade_index(scores)]
    assert names == ["A", "A", "B", "B", "C", "C", "D", "D"]


def test_corporate_scs_tax_credit_grade_is_a_firm_score_of_its_own_from_100():
    """Tax credit grades: scored from 100, A >= 90, B 70-90, C 40-70, D < 40; firms only."""
    model = ScoreModel("corporate_scs", rng=2, citizens=2000, firms=400, steps=120).run()
    tax = model.systems.systems["tax_credit"]
    c = model.world.n_citizens
    firms, citizens = tax.score[c:], tax.score[:c]
    assert np.isnan(citizens).all()  # citizens carry no tax grade
    assert (firms >= 0).all() and (firms <= 100).all()
    assert firms.min() < 90  # late and evaded taxes cost tax points
    grades = model.grades_in("tax_credit")[c:]
    names = ("A", "B", "C", "D")
    bounds = {"A": (90, 100), "B": (70, 90), "C": (40, 70), "D": (0, 40)}
    for index, name in enumerate(names):
        held = firms[grades == index]
        low, high = bounds[name]
        assert ((held >= low) & ((held < high) | (name == "A"))).all(), name
    # the national grade moves on its own: the tax authority keeps its score apart
    assert not np.array_equal(grades, model.grades[c:])


def test_corporate_scs_inspection_rates_follow_the_risk_class_a_least():
    scenario = load_scenario("corporate_scs")
    rates = scenario.inspections.rate_per_year_by_grade
    grading = Grading(scenario.score.grades)
    n_firms, days = 2000, 365
    reporting = Reporting(scenario.behaviours, scenario.errors)
    measured = []
    for g, name in enumerate(grading.names):
        # every firm of one risk class: the firms inspected a day, over a year
        office = InspectionOffice(scenario.inspections, grading.names, 0, n_firms, reporting)
        rng = np.random.default_rng(7 + g)
        extra = np.zeros(n_firms, dtype=bool)
        total = sum(
            office.inspect(day, lambda actors, g=g: np.full(actors.size, g, np.int8), extra, rng)[1]
            for day in range(days)
        )
        rate = total / n_firms / (days / DAYS_PER_YEAR)
        expected = rates[name]
        # Poisson count: four standard deviations (a firm inspected twice a day counts once)
        assert abs(rate - expected) < 4 * math.sqrt(expected / n_firms) + 0.01 * expected, name
        measured.append(rate)
    assert measured == sorted(measured) and measured[0] < measured[-1] / 5  # class A least


def test_corporate_scs_ladder_is_climbed_in_order_and_closure_closes():
    model = ScoreModel("corporate_scs", rng=2, citizens=5000, firms=1500, steps=240).run()
    rows = model.events.rows
    stage_of = {int(kind): stage for stage, kind in STAGE_EVENTS.items()}
    kinds = [*stage_of, int(EventKind.stage_fallback)]
    ladder = rows[np.isin(rows["event"], kinds)]
    closures = 0
    for firm in np.unique(ladder["actor"]):
        stage = 0
        for event in ladder[ladder["actor"] == firm]["event"]:
            if event == EventKind.stage_fallback:
                stage -= 1
            else:
                assert stage_of[int(event)] == stage + 1  # the next stage, never a jump
                stage += 1
                closures += event == EventKind.closure_notice
        assert stage == min(int(model.ladder.stage[firm - model.world.n_citizens]), 6)
    assert closures > 0 and closures == model.ladder.closed.sum()
    closed = np.flatnonzero(model.ladder.closed)
    assert not np.isin(model.world.employer, closed).any()


def test_corporate_scs_letters_go_to_a_grade_firms_and_a_broken_promise_lists():
    scenario = load_scenario("corporate_scs")
    model = ScoreModel(scenario, rng=5, citizens=3000, firms=1500, steps=200)
    c = model.world.n_citizens
    term = scenario.corporate.commitments.term_days
    a_grade = model.grading.names.index("A")
    signers_grades = []
    while model.running:
        before = model.commitments.until.copy()
        model.step()
        day = model.steps
        new = np.flatnonzero((model.commitments.until == day + term) & (before != day + term))
        signers_grades.append(model.grades_of(c + new))
    grades = np.concatenate(signers_grades)
    assert grades.size > 50 and np.all(grades == a_grade)
    rows = model.events.rows
    broken = rows[rows["event"] == EventKind.commitment_broken]
    book = model.world.lists.books["dishonest_entities"]
    entries = rows[(rows["event"] == EventKind.blacklist_entry) & (rows["list"] == book.index)]
    entered = set(zip(entries["actor"].tolist(), entries["day"].tolist(), strict=True))
    assert broken.size > 0
    # a broken promise lists the firm that day (unless a finding already had listed it)
    listed_that_day = [
        (a, d) in entered for a, d in zip(broken["actor"], broken["day"], strict=True)
    ]
    assert all(listed_that_day)
    assert summarize(model)["commitment_letters"]["pre_approvals"] > 0


def test_corporate_scs_rescue_letters_cancel_after_their_delay():
    model = ScoreModel("corporate_scs", rng=6, citizens=3000, firms=2000, steps=200).run()
    rescued = model.events.of_kind(EventKind.rescue_letter)
    assert rescued.size > 0
    assert np.all(
        rescued["days"] == load_scenario("corporate_scs").remedies.rescue_letters.delay_days
    )
    summary = summarize(model)["rescue_letters"]
    # innocent entries have evidence always, true ones 1 time in 20: the innocent are
    # far likelier to be rescued than their share of entries
    entries = model.events.of_kind(EventKind.blacklist_entry)
    innocent_share = np.mean(entries["true"] == 0)
    assert summary["cancelled_innocent"] / summary["cancelled"] > innocent_share


def test_data_sharing_a_legal_representative_is_restricted_only_once_the_firm_s_record_arrived():
    """The firm's record reaching some agency (its own restrictions in force), not its
    listing, is what reaches its legal representative: day by day, every citizen's
    restrictions are exactly their own plus the reach of the firms whose record arrived."""
    scenario = load_scenario("data_sharing")
    model = ScoreModel(scenario, rng=5, citizens=6000, firms=1500, steps=150)
    c = model.world.n_citizens
    rep = model.world.ties.legal_representative
    rep_bits = 0
    for restriction in scenario.sanctions.reach.legal_representative:
        rep_bits |= int(RESTRICTION_BITS[restriction])
    assert rep_bits and (rep >= 0).all()
    waiting = reached = 0
    while model.running:
        model.step()
        sanctions = model.sanctions
        listed = model.world.lists.blacklisted[c:]
        arrived = sanctions.own[c:] != 0  # the firm's record is in force at some agency
        expected = sanctions.own.copy()
        np.bitwise_or.at(expected, rep[arrived], np.uint16(rep_bits))
        np.testing.assert_array_equal(sanctions.restrictions[:c], expected[:c])
        # listed, record not yet at any agency: the representative is not reached through it
        for firm in np.flatnonzero(listed & ~arrived):
            person = rep[firm]
            others = (rep == person) & arrived
            if not others.any():
                assert sanctions.restrictions[person] == sanctions.own[person]
                waiting += 1
        reached += int(np.count_nonzero(listed & arrived))
    assert waiting > 100 and reached > 100  # firm-days on each side of the arrival


# ------------------------------------------------------------------ corporate_scs (more)


def test_corporate_scs_meets_its_calibration_target_about_one_firm_in_ten():
    """3.59M of 34.7M firms blacklisted (2018): about 1 in 10 ever listed in a year."""
    scenario = load_scenario("corporate_scs")
    target = next(t for t in scenario.targets if t.name == "firms_blacklisted")
    # half the firms of the default size, as many staff per firm: about 1 s
    model = ScoreModel(scenario, rng=scenario.run.seed, citizens=20_000, firms=4000).run()
    result = next(r for r in report(model) if r["name"] == target.name)
    assert result["met"] and target.low <= result["model"] <= target.high
    # the band is wide (0.07..0.14); the share is also near 1 in 10 (SE about 0.005)
    assert abs(result["model"] - 0.10) < 0.02, result["model"]


def test_corporate_scs_tax_grades_have_the_boundaries_90_70_40_with_grade_d():
    scenario = load_scenario("corporate_scs")
    tax_spec = scenario.scores["tax_credit"]
    assert [band.min for band in tax_spec.grades] == [90, 70, 40, None]
    model = ScoreModel(scenario, rng=1, citizens=300, firms=100, steps=1)
    tax = model.systems.systems["tax_credit"]
    c = model.world.n_citizens
    scores = np.array([100, 90, 89.99, 70, 69.99, 40, 39.99, 0.0])
    tax.score[c : c + scores.size] = scores
    grades = model.grades_in("tax_credit")[c : c + scores.size]
    assert [tax.grading.names[g] for g in grades] == ["A", "A", "B", "B", "C", "C", "D", "D"]
    # a run in which late taxes cost a quarter of the scale: every grade is held, each
    # by scores inside its band only
    harsh = {
        "scores.tax_credit.observes.late_tax_payment": -25,
        "behaviours.late_tax_payment.rate_per_year": 4.0,
    }
    model = ScoreModel(scenario, rng=2, citizens=1000, firms=400, steps=120, **harsh).run()
    grades = model.grades_in("tax_credit")[model.world.n_citizens :]
    held = model.systems.systems["tax_credit"].score[model.world.n_citizens :]
    bands = {0: (90, 100), 1: (70, 90), 2: (40, 70), 3: (0, 40)}
    for grade, (low, high) in bands.items():
        mine = held[grades == grade]
        assert mine.size > 20, grade
        assert (mine >= low).all() and ((mine < high) | (grade == 0)).all(), grade


def test_corporate_scs_a_branch_s_findings_move_its_parent_by_the_configured_share():
    """One branch's evaluation affects the whole company: the parent loses
    branch_points_share of each of its branches' finding points (against a twin world
    where the share is 0, same people, same findings)."""
    scenario = load_scenario("corporate_scs")
    share = scenario.sanctions.spillover.branch_points_share
    assert share == 0.3
    # many late tax payments on day 1, so that many branches are found
    busy = {"behaviours.late_tax_payment.rate_per_year": 100.0}
    size = {"citizens": 3000, "firms": 1000, "steps": 1}
    model = ScoreModel(scenario, rng=4, **size, **busy).run()
    twin = ScoreModel(
        scenario, rng=4, **size, **busy, **{"sanctions.spillover.branch_points_share": 0.0}
    ).run()
    c = model.world.n_citizens
    parent = model.world.ties.parent
    findings = model.events.of_kind(EventKind.finding)
    np.testing.assert_array_equal(findings, twin.events.of_kind(EventKind.finding))
    points = np.array([b.points for b in scenario.behaviours])
    on_branch = findings[(findings["actor"] >= c)]
    on_branch = on_branch[parent[on_branch["actor"] - c] >= 0]
    expected = np.zeros(model.world.n_firms)
    np.add.at(expected, parent[on_branch["actor"] - c], share * points[on_branch["behaviour"]])
    decay = 0.5 ** (1 / scenario.score.half_life_days)  # the day's decay, after the points
    moved = (model.world.score - twin.world.score)[c:] / decay
    assert on_branch.size > 20 and np.count_nonzero(expected) > 10
    np.testing.assert_allclose(moved, expected, atol=1e-9)
    assert (moved[parent[parent >= 0]] < 0).any()  # parents lose; only parents move
