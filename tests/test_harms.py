"""The harm mechanisms: spirals, cascades, erroneous reports, remedies, twin worlds."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_scenario

from score_sim.events import Cause, EventKind
from score_sim.experiments.twins import compare_scenarios
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.mechanisms.ties import build_family, build_friends
from score_sim.model import ScoreModel
from score_sim.scenario import Restriction

SEEDS = (1, 2, 3)

MISCONDUCT = [
    {"name": "default", "who": "citizen", "rate_per_year": 1.5, "points": -40},
    {
        "name": "fraud",
        "who": "citizen",
        "rate_per_year": 0.2,
        "points": -60,
        "severity": "serious",
    },
    {"name": "deed", "who": "citizen", "rate_per_year": 1.0, "points": 10},
    {"name": "late_tax", "who": "firm", "rate_per_year": 1.0, "points": -30},
    {
        "name": "unpaid_wages",
        "who": "firm",
        "rate_per_year": 0.1,
        "points": -50,
        "severity": "serious",
    },
]
BLACKLIST = {
    "blacklist": {
        "enter": {"serious_finding": True, "score_below": 850},
        "min_days": 60,
        "max_days": 720,
    },
}


def spiral_scenario(**extra):
    sections = {
        "behaviours": MISCONDUCT,
        "lists": BLACKLIST,
        "score": {"half_life_days": 180},
        "sanctions": {"blacklist": ["credit", "employment", "travel"]},
        "effects": {
            "restriction_multiplier": {"credit": 2.0, "employment": 1.5},
            "job_loss_probability_per_day": 0.02,
            "unemployed_multiplier": 1.5,
        },
        "run": {"steps": 365, "seed": 1},
    }
    sections.update(extra)
    return small_scenario(**sections)


def _pooled_ratio(models) -> float:
    misconduct = sum(m.harms.misconduct[0] for m in models)
    exposure = sum(m.harms.exposure_days[0] for m in models)
    return float((misconduct[1] / exposure[1]) / (misconduct[0] / exposure[0]))


def test_feedback_makes_many_more_pariahs_than_bad_luck():
    on = [ScoreModel(spiral_scenario(), rng=seed).run() for seed in SEEDS]
    off = [
        ScoreModel(spiral_scenario(), rng=seed, **{"effects.enabled": False}).run()
        for seed in SEEDS
    ]
    with_feedback = [m.metrics["citizen_n_pariah"] for m in on]
    bad_luck = [m.metrics["citizen_n_pariah"] for m in off]
    # the spiral's signature: misconduct is likelier under restriction only with feedback;
    # without it, restricted citizens misbehave at the common rate (pooled over seeds, the
    # restricted group's rate has a standard error of about 10%)
    assert _pooled_ratio(on) > 2.0
    assert _pooled_ratio(off) == pytest.approx(1.0, abs=0.3)
    assert min(with_feedback) > 1.5 * max(bad_luck) + 10


def test_job_loss_only_under_the_employment_restriction():
    model = ScoreModel(spiral_scenario(), rng=1).run()
    losses = model.events.of_kind(EventKind.job_loss)
    assert losses.size > 0
    assert model.metrics["citizen_n_unemployed"] == pytest.approx(
        2000 - 0.7 * 2000 + losses.size, abs=60
    )
    no_employment = ScoreModel(
        spiral_scenario(), rng=1, **{"sanctions.blacklist": ["credit", "travel"]}
    ).run()
    assert no_employment.events.of_kind(EventKind.job_loss).size == 0


def cascade_scenario(reach):
    return small_scenario(
        behaviours=MISCONDUCT,
        lists=BLACKLIST,
        population={"citizens": 3000, "firms": 150},
        ties={"household_size_mean": 3.0, "friends_per_citizen": 2, "branch_share": 0.3},
        sanctions={"blacklist": ["travel", "credit", "public_contracts"], "reach": reach},
        run={"steps": 200, "seed": 4},
    )


def test_cascade_size_grows_with_the_reach_of_sanctions():
    reaches = [
        {},
        {"legal_representative": ["travel"]},
        {"legal_representative": ["travel"], "staff": ["credit"]},
        {
            "legal_representative": ["travel"],
            "staff": ["credit"],
            "family": ["school_access"],
            "family_of_reached": True,
            "parent_company": ["public_contracts"],
        },
    ]
    means, sectors = [], []
    for reach in reaches:
        model = ScoreModel(cascade_scenario(reach), rng=4).run()
        cascades = model.sanctions.cascades
        assert cascades.size > 50
        means.append(cascades["n_agents"].mean())
        sectors.append(cascades["n_sectors"].mean())
    assert means[0] == 1.0  # without reach, a sanction restricts only its target
    assert means[0] < means[1] < means[2] < means[3]
    assert means[3] > 3 * means[1]
    # per kind of actor: a citizen gets travel and credit, a firm credit and public contracts
    assert sectors[0] == 2.0
    assert sectors[3] > sectors[0]


def test_reach_restricts_the_ties_of_a_sanctioned_firm():
    model = ScoreModel(
        cascade_scenario({"legal_representative": ["travel"], "staff": ["credit"]}), rng=4
    )
    world, sanctions = model.world, model.sanctions
    while model.running and not world.blacklist.listed[world.n_citizens :].any():
        model.step()
    listed_firms = np.flatnonzero(world.blacklist.listed[world.n_citizens :])
    assert listed_firms.size > 0
    reps = world.ties.legal_representative[listed_firms]
    travel = 1 << 0  # Restriction.travel is the first bit
    assert ((sanctions.restrictions[reps] & travel) != 0).all()
    staff = np.flatnonzero(np.isin(world.employer, listed_firms))
    credit = 1 << 1
    assert ((sanctions.restrictions[staff] & credit) != 0).all()


def test_spillover_gives_employers_a_share_of_staff_points():
    base = small_scenario(
        behaviours=[{"name": "x", "who": "citizen", "rate_per_year": 5, "points": -10}],
        population={"citizens": 2000, "firms": 10, "employment_rate": 1.0},
        run={"steps": 30, "seed": 1},
    )
    none = ScoreModel(base, rng=base.run.seed).run()
    some = ScoreModel(
        base, rng=base.run.seed, **{"sanctions.spillover.staff_points_share": 0.01}
    ).run()
    firms = slice(2000, 2010)
    assert np.all(none.world.score[firms] == 1000)
    # each firm receives 1% of ~200 staff x 5/yr x 30/365 x -10 points = about -8 points
    assert np.mean(1000 - some.world.score[firms]) == pytest.approx(8.2, rel=0.25)


def errors_scenario(**errors):
    return small_scenario(
        behaviours=MISCONDUCT,
        lists=BLACKLIST,
        ties={"household_size_mean": 3.0, "friends_per_citizen": 3},
        errors=errors,
        run={"steps": 240, "seed": 5},
    )


def test_no_innocent_listings_without_errors():
    model = ScoreModel(errors_scenario(), rng=5).run()
    ts = model.timeseries()
    assert ts["citizen_n_blacklisted"].max() > 20
    assert ts["citizen_n_listed_innocent"].max() == 0
    assert ts["n_false_findings"].sum() == 0
    entries = model.events.of_kind(EventKind.blacklist_entry)
    assert (entries["true"] == 1).all()


def test_innocent_listings_grow_with_the_false_finding_rate():
    innocent = []
    for rate in (0.0, 0.2, 0.5, 1.0):
        model = ScoreModel(errors_scenario(false_finding_rate_per_year=rate), rng=5).run()
        entries = model.events.of_kind(EventKind.blacklist_entry)
        innocent.append(int(np.count_nonzero(entries["true"] == 0)))
        findings = model.events.of_kind(EventKind.finding)
        false = findings[findings["cause"] == Cause.false_finding]
        assert (false["true"] == 0).all()
        # about 2,100 actors x rate x 240 / 365 false findings
        assert false.size == pytest.approx(2100 * rate * 240 / 365, abs=5 * (1 + false.size) ** 0.5)
    assert innocent[0] == 0
    assert innocent[0] < innocent[1] < innocent[2] < innocent[3]


def test_misidentified_and_denounced_findings_are_false_and_traced():
    model = ScoreModel(
        errors_scenario(
            malicious_denunciation_rate_per_year=0.3,
            misidentification={"records": 0.1},
        ),
        rng=5,
    ).run()
    findings = model.events.of_kind(EventKind.finding)
    wrong_person = findings[findings["cause"] == Cause.misidentification]
    made_up = findings[findings["cause"] == Cause.malicious_denunciation]
    true = findings[findings["cause"] == Cause.conduct]
    assert wrong_person.size > 50 and made_up.size > 50
    assert (wrong_person["true"] == 0).all() and (made_up["true"] == 0).all()
    assert (true["true"] == 1).all()
    # misidentification is about 10% of what records find
    share = wrong_person.size / (wrong_person.size + true.size)
    assert share == pytest.approx(0.1, abs=0.02)
    # a malicious denunciation targets one of the denouncer's ties
    social = model.world.ties.social
    for target, source in zip(made_up["actor"][:50], made_up["source"][:50], strict=True):
        assert target in social.indices[social.indptr[source] : social.indptr[source + 1]]
    assert (wrong_person["source"] != wrong_person["actor"]).all()


def test_inspections_follow_grades_and_find_pending_violations():
    scenario = small_scenario(
        behaviours=[
            {
                "name": "hidden",
                "who": "firm",
                "rate_per_year": 2.0,
                "points": -20,
                "detection": {"records": 0.0, "inspection": 0.8},
            },
        ],
        population={"citizens": 100, "firms": 2000},
        inspections={
            "enabled": True,
            "default_rate_per_year": 1.0,
            "rate_per_year_by_grade": {"AAA": 0.2, "AA": 0.2, "A": 1.0, "B": 4.0},
        },
        run={"steps": 365, "seed": 2},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    ts = model.timeseries()
    inspections = ts["n_inspections"].sum()
    assert inspections > 1500
    found = model.events.of_kind(EventKind.finding)
    assert found.size > 0 and (found["channel"] == 3).all()  # the inspection channel
    # without inspections, nothing is ever found
    hidden = ScoreModel(scenario, rng=scenario.run.seed, **{"inspections.enabled": False}).run()
    assert hidden.events.of_kind(EventKind.finding).size == 0


def appeals_scenario(**appeals):
    return small_scenario(
        behaviours=MISCONDUCT,
        lists={"blacklist": {"enter": {"serious_finding": True}, "min_days": 100, "max_days": 200}},
        errors={"false_finding_rate_per_year": 2.0},
        remedies={
            "appeals": {
                "enabled": True,
                "file_probability": 1.0,
                "capacity_per_day": 20,
                "delay_days": 20,
                **appeals,
            }
        },
        run={"steps": 365, "seed": 6},
    )


def test_appeals_clear_false_findings_faster_than_true_ones():
    model = ScoreModel(appeals_scenario(), rng=6).run()
    ended = model.events.of_kind(
        EventKind.appeal_upheld, EventKind.blacklist_expiry, EventKind.blacklist_early_removal
    )
    innocent_days = ended["days"][ended["true"] == 0]
    true_days = ended["days"][ended["true"] == 1]
    assert innocent_days.size > 20 and true_days.size > 5
    assert np.median(innocent_days) < np.median(true_days)
    upheld = model.events.of_kind(EventKind.appeal_upheld)
    rejected = model.events.of_kind(EventKind.appeal_rejected)
    innocent_rate = np.mean(np.concatenate([upheld["true"], rejected["true"]]) == 0)
    assert innocent_rate > 0
    # no appeal is decided before its delay
    filed = model.events.of_kind(EventKind.appeal_filed)
    first_filed = {a: d for d, a in zip(filed["day"][::-1], filed["actor"][::-1], strict=True)}
    assert all(
        d - first_filed[a] >= 20 for d, a in zip(upheld["day"], upheld["actor"], strict=True)
    )


def test_appeal_capacity_limits_decisions_per_day():
    model = ScoreModel(appeals_scenario(capacity_per_day=1), rng=6).run()
    decided = model.events.of_kind(EventKind.appeal_upheld, EventKind.appeal_rejected)
    per_day = np.bincount(decided["day"])
    assert per_day.max() == 1
    assert model.metrics["n_appeals_pending"] > 0


def test_credit_repair_shortens_firm_listings():
    scenario = small_scenario(
        behaviours=MISCONDUCT,
        lists={"blacklist": {"enter": {"serious_finding": True}, "min_days": 300, "max_days": 300}},
        remedies={
            "credit_repair": {"enabled": True, "after_days": 30, "probability_per_day": 0.05}
        },
        population={"citizens": 500, "firms": 1000},
        run={"steps": 365, "seed": 3},
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    repaired = model.events.of_kind(EventKind.credit_repair)
    assert repaired.size > 20
    assert (repaired["actor"] >= 500).all()  # firms only, by default
    assert repaired["days"].min() >= 30
    # geometric waiting time after eligibility: mean about 30 + 1/0.05
    assert repaired["days"].mean() == pytest.approx(50, abs=8)


def test_score_driven_design_sanctions_by_grade_without_lists():
    scenario = spiral_scenario(
        sanctions={"design": "score_driven", "grades": {"C": ["travel", "licences"]}},
        lists={
            "blacklist": {
                "enabled": False,
                "enter": {"serious_finding": True},
                "min_days": 1,
                "max_days": 2,
            }
        },
    )
    model = ScoreModel(scenario, rng=scenario.run.seed).run()
    low = model.grades >= 4  # C, the lowest band on the national scale
    assert low.sum() > 0
    assert ((model.sanctions.restrictions != 0) == low).all()
    # each kind gets only its own restrictions: travel for citizens, licences for firms
    c = model.world.n_citizens
    travel, licences = (RESTRICTION_BITS[r] for r in (Restriction.travel, Restriction.licences))
    assert (model.sanctions.own[:c][low[:c]] == travel).all()
    assert (model.sanctions.own[c:][low[c:]] == licences).all()
    assert model.metrics["citizen_n_blacklisted"] == 0


def test_twin_worlds_of_one_scenario_differ_by_exactly_zero(tmp_path):
    scenario = cascade_scenario({"staff": ["credit"], "family": ["travel"]})
    result = compare_scenarios(scenario, scenario, tmp_path / "twins", figures=False)
    assert result.identical
    assert all(row["difference"] == 0 for row in result.metrics)
    assert len(result.metrics) > 100


def test_changing_one_mechanism_leaves_the_others_draws_untouched():
    # raising the false-finding rate changes nothing that people really did
    base = ScoreModel(errors_scenario(false_finding_rate_per_year=0.0), rng=5).run()
    more = ScoreModel(errors_scenario(false_finding_rate_per_year=2.0), rng=5).run()
    assert np.array_equal(
        base.timeseries()["n_true_findings"], more.timeseries()["n_true_findings"]
    )
    assert more.timeseries()["n_false_findings"].sum() > 500
    # and the ties are the same city
    assert np.array_equal(base.world.ties.social.indices, more.world.ties.social.indices)


def test_feedback_twins_share_every_base_rate_event(tmp_path):
    result = compare_scenarios(
        spiral_scenario(),
        None,
        tmp_path / "fb",
        overrides_b={"effects.enabled": False},
        figures=False,
    )
    true_a = result.a.model.events.of_kind(EventKind.finding)
    true_b = result.b.model.events.of_kind(EventKind.finding)
    key_a = set(true_a[["day", "actor", "behaviour"]].tolist())
    key_b = set(true_b[["day", "actor", "behaviour"]].tolist())
    # without feedback (B) every finding is a base-rate event, and all of them happen in A
    # too: the feedback only adds misconduct on top of the shared draws (or removes it for
    # multipliers below 1, which this scenario has none of)
    assert key_b <= key_a
    assert len(key_a) > len(key_b)
    assert result.harmed_only_in_a.size > result.harmed_only_in_b.size


def test_family_households_and_friend_ties_have_the_requested_sizes():
    rng = np.random.default_rng(0)
    family = build_family(30_000, 3.0, rng)
    # the household of a random person is size-biased: E[s^2]/E[s] - 1 = (2 + 9) / 3 - 1
    assert family.degree.mean() == pytest.approx(11 / 3 - 1, rel=0.03)
    friends = build_friends(30_000, 4.0, rng)
    assert friends.degree.mean() == pytest.approx(4.0, rel=0.01)
    node = 17
    for neighbour in friends.indices[friends.indptr[node] : friends.indptr[node + 1]]:
        back = friends.indices[friends.indptr[neighbour] : friends.indptr[neighbour + 1]]
        assert node in back  # ties are mutual
        assert neighbour != node
