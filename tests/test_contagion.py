"""Contagion over ties, list terms drawn per entry, and lists that start with people on them.

The hazard a listed relative brings is checked against the configured monthly
probability within sampling error, in cities where nothing else lists anyone; cutting
the ties (or switching contagion off) leaves nobody listed by contagion.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_data

from score_sim.errors import ScenarioError
from score_sim.events import Cause, EventKind
from score_sim.mechanisms.contagion import daily_hazard, friends_only, household_ranks, kinship
from score_sim.mechanisms.ties import build_ties
from score_sim.model import ScoreModel
from score_sim.scenario import Ties, scenario_from_data

FOREVER = 3650
"""Days long enough that no entry ends within a test."""
FRAUD = {
    "name": "fraud",
    "who": "citizen",
    "rate_per_year": 0.0,
    "points": -50,
    "severity": "serious",
}
"""Serious misconduct nobody commits: what false records claim."""


def contagion_world(
    relations: dict[str, object],
    *,
    citizens: int = 6000,
    steps: int = 60,
    seed: int = 1,
    share: float = 0.05,
    households: float = 3.0,
    friends: float = 0.0,
    **sections: object,
) -> ScoreModel:
    """Citizens of whom ``share`` are listed on day 0 for good, nothing else listing anyone."""
    data = small_data(
        population={"citizens": citizens, "firms": 0, "employment_rate": 0.0},
        ties={"household_size_mean": households, "friends_per_citizen": friends},
        lists={
            "blacklist": {
                "who": ["citizen"],
                "enter": {"serious_finding": True},
                "min_days": FOREVER,
                "max_days": FOREVER,
                "initially_listed_share": share,
            },
            "redlist": {"enabled": False},
        },
        contagion={"enabled": True, "relations": relations},
        run={"steps": steps, "seed": seed},
    )
    data["behaviours"] = [
        {"name": "fare_dodging", "who": "citizen", "rate_per_year": 0.0, "points": -20}
    ]
    data.update(sections)
    return ScoreModel(scenario_from_data(data), rng=seed)


def test_monthly_probability_becomes_the_daily_hazard_of_a_365_12_day_month():
    hazard = daily_hazard(0.03)
    assert 1 - (1 - hazard) ** (365 / 12) == pytest.approx(0.03)
    assert daily_hazard(0.0) == 0.0


def test_households_give_two_partners_and_their_children_who_are_siblings():
    ties = build_ties(
        Ties(household_size_mean=3.0, friends_per_citizen=2.0), 3000, 0,
        np.full(3000, -1, dtype=np.int32),
        np.random.default_rng(3),
    )  # fmt: skip
    household, rank = household_ranks(ties.family)
    graphs = kinship(ties)
    source = np.repeat(np.arange(3000), graphs["partner"].degree)
    target = graphs["partner"].indices
    assert np.all(household[source] == household[target])
    assert np.all(rank[source] <= 1) and np.all(rank[target] <= 1)
    assert graphs["partner"].degree.max() == 1  # one partner at most
    # a child's parents are the two adults of its household, and vice versa
    child_parents = graphs["parent"].degree[rank >= 2]
    assert set(child_parents.tolist()) == {2}
    assert graphs["parent"].indices.size == graphs["child"].indices.size
    sibling_source = np.repeat(np.arange(3000), graphs["sibling"].degree)
    assert np.all(rank[sibling_source] >= 2)
    # every family tie has exactly one relation; friends are the social ties less family
    total = sum(graphs[r].indices.size for r in ("partner", "parent", "child", "sibling"))
    assert total == ties.family.indices.size
    friends = friends_only(ties.social, ties.family)
    assert friends.indices.size == ties.social.indices.size - ties.family.indices.size


@pytest.mark.parametrize("monthly", [0.02, 0.1])
def test_a_listed_partner_raises_the_chance_by_the_configured_probability(monthly):
    model = contagion_world({"partner": monthly}, steps=60)
    desk, book = model.contagion, model.world.lists.blacklist
    partners = kinship(model.world.ties)["partner"]
    first = np.flatnonzero(book.listed)
    _, at_risk = partners.neighbours_of(first)
    at_risk = np.setdiff1d(at_risk, first)
    assert at_risk.size > 100
    model.run()
    # partners only: a partner who follows has no one else to pass it to
    followed = np.isin(at_risk, np.flatnonzero(book.listed))
    expected = 1 - (1 - monthly) ** (60 * 12 / 365)
    error = np.sqrt(expected * (1 - expected) / at_risk.size)
    assert abs(followed.mean() - expected) < 4 * error
    assert desk.n_listed == followed.sum() == model.metrics["citizen_n_listed_by_contagion"]
    assert desk.by_relation["partner"] == pytest.approx(desk.n_listed)
    entries = model.events.of_kind(EventKind.blacklist_entry)
    assert np.count_nonzero(entries["cause"] == Cause.contagion) == desk.n_listed


def test_the_chance_depends_on_both_sexes_as_configured():
    table = {"woman_to_woman": 0.0, "woman_to_man": 0.2, "man_to_woman": 0.0, "man_to_man": 0.0}
    model = contagion_world({"sibling": table, "partner": table}, steps=90)
    is_man = model.contagion.is_man.astype(bool)
    assert 0.45 < is_man.mean() < 0.55
    first = model.world.lists.blacklist.listed.copy()
    model.run()
    new = model.world.lists.blacklist.listed & ~first
    assert new.sum() > 20
    assert np.all(is_man[new])  # only men, and only from listed women
    graphs = kinship(model.world.ties)
    for man in np.flatnonzero(new)[:50]:
        relatives = np.concatenate(
            [graphs[r].indices[graphs[r].indptr[man] : graphs[r].indptr[man + 1]]
             for r in ("partner", "sibling")]
        )  # fmt: skip
        assert np.any(first[relatives] & ~is_man[relatives])


def test_ties_cut_or_contagion_off_means_no_contagion():
    cut = contagion_world({"partner": 0.5, "sibling": 0.5}, households=0.0, friends=0.0)
    off = contagion_world(
        {"partner": 0.5},
        contagion={"enabled": False, "relations": {"partner": 0.5}},
    )
    for model in (cut, off):
        before = model.world.lists.blacklist.listed.sum()
        model.run()
        assert model.world.lists.blacklist.listed.sum() == before
    assert cut.contagion.n_listed == 0 and off.contagion is None


def test_contagion_from_a_falsely_listed_relative_rests_on_false_findings():
    model = contagion_world(
        {"partner": 0.9, "child": 0.9, "parent": 0.9, "sibling": 0.9},
        share=0.0001,
        steps=200,
        errors={"false_finding_rate_per_year": 0.5},
        behaviours=[FRAUD],
    )
    model.run()
    entries = model.events.of_kind(EventKind.blacklist_entry)
    by_contagion = entries[entries["cause"] == Cause.contagion]
    assert by_contagion.size > 20
    # every listing here rests on a false finding, or on a relative's, or on day 0's
    false_rooted = by_contagion["true"] == 0
    assert false_rooted.mean() > 0.8
    assert model.contagion.n_listed_innocent == np.count_nonzero(false_rooted)


def test_terms_are_a_poisson_count_of_months_with_a_gamma_mean_plus_extra_months():
    for extra, mean_months in ((0.0, 14.0), (3.0, 17.0)):
        model = contagion_world(
            {"partner": 0.0}, share=0.5, steps=0,
            lists={
                "blacklist": {
                    "who": ["citizen"], "enter": {"serious_finding": True}, "min_days": 1,
                    "max_days": FOREVER, "initially_listed_share": 0.5,
                    "term": {"mean_months": 14.0, "shape": 1.2, "extra_months": extra},
                },
                "redlist": {"enabled": False},
            },
        )  # fmt: skip
        book = model.world.lists.blacklist
        days = book.term_days[book.listed]
        assert days.size == 3000 and days.min() >= 1
        months = days / (365 / 12)
        # Poisson-Gamma: mean 14 (+3); variance m + m^2 / shape
        sd = np.sqrt((14 + 14**2 / 1.2) / days.size)
        assert abs(months.mean() - mean_months) < 4 * sd
        if extra:
            assert days.min() == round(3 * 365 / 12)  # a draw of no month: 3 months exactly


def test_harsh_terms_are_the_same_draw_three_months_longer():
    lengths = []
    for extra in (0.0, 3.0):
        model = contagion_world(
            {"partner": 0.0}, share=0.1, steps=0,
            lists={
                "blacklist": {
                    "who": ["citizen"], "enter": {"serious_finding": True}, "min_days": 1,
                    "max_days": FOREVER, "initially_listed_share": 0.1,
                    "term": {"mean_months": 14.0, "shape": 1.2, "extra_months": extra},
                },
                "redlist": {"enabled": False},
            },
        )  # fmt: skip
        book = model.world.lists.blacklist
        lengths.append(book.term_days[book.listed])
    lenient, harsh = lengths
    months = (harsh - lenient) / (365 / 12)
    # the same draw: each harsh term is the lenient one plus 3 months (to the day; a
    # lenient term of zero months lasts a day)
    assert np.all(np.abs(months - 3) < 0.05)


def test_a_list_starts_with_its_share_of_the_actors_it_covers():
    model = contagion_world({"partner": 0.0}, share=0.01, steps=0)
    book = model.world.lists.blacklist
    assert book.listed.sum() == 60  # 1% of 6,000, exactly
    entries = model.events.of_kind(EventKind.blacklist_entry)
    assert entries.size == 60 and np.all(entries["day"] == 0)
    assert np.all(entries["cause"] == Cause.at_start)
    assert model.metrics["citizen_n_blacklisted"] == 60


def test_contagion_and_initial_share_are_checked():
    data = small_data(contagion={"enabled": True, "list": "nope"})
    with pytest.raises(ScenarioError, match=r"contagion\.list"):
        scenario_from_data(data)
    timeline = [{"day": 5, "set": {"lists.blacklist.initially_listed_share": 0.1}, "note": "x"}]
    with pytest.raises(ScenarioError, match="drawn on day 0"):
        scenario_from_data(small_data(timeline=timeline))
