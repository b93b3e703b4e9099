"""The private and siloed scores as bundled scenarios: each runs and holds its documented rules.

sesame_credit (350..950 in five bands, perks of the excellent band), tencent_credit (fed by
WeChat, 850M+ users: about 70% of adults carry it) and siloed_scores (a municipal and a
private score on the same people, with no influence of one on the other unless merged).
Runs are small (3,000 citizens, 90 days).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from score_sim.explain import explain_scenario
from score_sim.model import ScoreModel
from score_sim.scenario import Level, bundled_scenarios, load_scenario, resolve_scenario
from score_sim.scenario.ledger import idle_default_score_keys, ledger, level_counts

SCENARIOS = ("sesame_credit", "tencent_credit", "siloed_scores")
SMALL = {"citizens": 3000, "firms": 150, "steps": 90}
PRIVATE_ONLY = ("didi_fare_unpaid", "gaming_binge", "bill_paid_on_time", "diapers_bought",
                "positive_energy_post")  # fmt: skip


def small(name: str, **overrides: object) -> ScoreModel:
    """A reduced model of a bundled scenario, not yet run."""
    return ScoreModel(name, rng=7, **{**SMALL, **overrides})


def uses_check(model: ScoreModel, perk: str, allowed) -> int:
    """Run to the end, asserting each day that new uses of ``perk`` go only to ``allowed()``."""
    total = 0
    while model.running:
        before = model.perks.uses[perk].copy()
        model.step()
        users = np.flatnonzero(model.perks.uses[perk] - before)
        assert allowed()[users].all()
        total += int(users.size)
    return total


@pytest.mark.parametrize("name", SCENARIOS)
def test_bundled_explained_and_documented(name):
    path = bundled_scenarios()[name]
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    scenario = load_scenario(name)
    text = scenario.description
    positions = [text.find(h) for h in ("WHAT IT IS", "HOW IT WORKS", "THINGS TO NOTICE",
                                        "THINGS TO TRY")]  # fmt: skip
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert f"score-sim compare {name} --set " in text
    explained = explain_scenario(scenario)
    assert "SCORES" in explained and "PERKS" in explained and "DOCUMENTED" in explained


def test_sesame_scale_bands_and_excellent_perks():
    model = small("sesame_credit")
    system = model.systems.systems["sesame"]
    excellent = lambda: system.grade_index() == 0  # noqa: E731
    uses = uses_check(model, "baihe_dating_profile", excellent)
    assert uses > 100
    score = system.score[system.carries]
    assert score.min() >= 350 and score.max() <= 950
    # the documented band boundaries on 350..950
    names = [system.grading.names[g] for g in system.grading.grade_index(
        np.array([950, 700, 699.99, 650, 649.99, 600, 599.99, 550, 549.99, 350]))]  # fmt: skip
    assert names == ["excellent", "excellent", "very_good", "very_good", "good", "good", "fair",
                     "fair", "poor", "poor"]  # fmt: skip
    # voluntary: those who did not sign up have no score and receive nothing
    assert 0.65 < system.carries[: model.world.n_citizens].mean() < 0.75
    received = sum(model.perks.uses.values())
    assert received[~system.carries].sum() == 0
    # no agency is involved: the default score never moves, nobody is listed
    assert (model.world.score == 1000).all() and not model.world.lists.blacklisted.any()


def test_sesame_deposit_free_rentals_reach_very_good_as_well():
    model = small("sesame_credit")
    system = model.systems.systems["sesame"]
    uses_check(model, "deposit_free_rental", lambda: np.isin(system.grade_index(), (0, 1)))
    by_grade = model.summary()["perks"]["deposit_free_rental"]["uses_by_grade_at_end"]
    assert by_grade["very_good"] > 0 and by_grade["excellent"] > 0


def test_tencent_is_carried_by_about_70_percent_and_holds_its_assumed_scale():
    model = small("tencent_credit").run()
    system = model.systems.systems["tencent"]
    citizens = system.carries[: model.world.n_citizens]
    # derived: 850M+ WeChat users of about 1.2 billion adults
    assert 0.66 < citizens.mean() < 0.74 and not system.carries[model.world.n_citizens :].any()
    score = system.score[system.carries]
    assert score.min() >= 300 and score.max() <= 850
    assert np.isnan(system.score[~system.carries]).all()
    assert sum(model.perks.uses.values())[~system.carries].sum() == 0
    assert (model.world.score == 1000).all()  # siloed: the municipal score sees nothing


def test_siloed_scores_private_conduct_moves_the_city_score_only_when_merged():
    quiet = {f"behaviours.{b}.rate_per_year": 0.0 for b in PRIVATE_ONLY}
    siloed = small("siloed_scores").run()
    siloed_quiet = small("siloed_scores", **quiet).run()
    # documented: siloed, no influence of the private score on the municipal one
    assert np.array_equal(siloed.world.score, siloed_quiet.world.score)
    assert np.array_equal(siloed.world.lists.blacklisted, siloed_quiet.world.lists.blacklisted)
    assert not np.allclose(
        siloed.systems.scores["sesame"], siloed_quiet.systems.scores["sesame"], equal_nan=True
    )
    merge = {"scores.sesame.feeds.share": 0.5}
    merged = small("siloed_scores", **merge).run()
    merged_quiet = small("siloed_scores", **merge, **quiet).run()
    assert not np.array_equal(merged.world.score, merged_quiet.world.score)
    carriers = merged.systems.systems["sesame"].carries
    moved = merged.world.score != siloed.world.score
    assert moved[carriers].mean() > 0.9 and not moved[~carriers].any()
    # merged, the city's scores spread wider
    spread = [np.std(m.world.score[: m.world.n_citizens]) for m in (siloed, merged)]
    assert spread[1] > 1.2 * spread[0]


def test_siloed_scores_weihai_perks_go_only_to_the_red_listed():
    model = small("siloed_scores", **{"scores.sesame.feeds.share": 1.0}, steps=365)
    uses = uses_check(model, "tourist_gym_discounts", lambda: model.world.lists.redlisted)
    assert uses > 0


# the numbers HOW IT WORKS quotes from the file: phrase -> key path of the file's value
SILOED_POINTS = {
    "traffic tickets": "behaviours.traffic_ticket.points",
    "late utility fees": "behaviours.late_utility_fees.points",
    "bank arrears": "behaviours.bank_arrears.points",
    "loan defaults": "behaviours.loan_contract_default.points",
    "lawsuits for unpaid debt": "behaviours.sued_for_unpaid_debt.points",
    "a heroic act earns": "behaviours.heroic_act.points",
    "caring for relatives": "behaviours.caring_for_relatives.points",
    "fares left unpaid on Didi": "scores.sesame.observes.didi_fare_unpaid",
    "gaming binges": "scores.sesame.observes.gaming_binge",
    "bills paid on time": "scores.sesame.observes.bill_paid_on_time",
    "diapers": "scores.sesame.observes.diapers_bought",
    "positive-energy posts": "scores.sesame.observes.positive_energy_post",
    "a loan default,": "scores.sesame.observes.loan_contract_default",
}
NUMBER = r"([+-]?\d+(?:\.\d+)?)"


def value_at(data: object, key: str) -> object:
    """The value at a key path of scenario data (list items by name)."""
    for part in key.split("."):
        if isinstance(data, list):
            data = next(item for item in data if item.get("name") == part)
        else:
            data = data[part]  # type: ignore[index]
    return data


def test_siloed_scores_how_it_works_quotes_the_points_of_its_file():
    """Every number HOW IT WORKS quotes from the file is the file's (parsed, not copied)."""
    scenario = load_scenario("siloed_scores")
    data = scenario.to_data()
    text = scenario.description
    how = " ".join(text[text.index("HOW IT WORKS") : text.index("THINGS TO NOTICE")].split())
    quoted: list[tuple[int, int]] = []
    for phrase, key in SILOED_POINTS.items():
        match = re.search(rf"{re.escape(phrase)}[^\w+-]*{NUMBER}", how)
        assert match, phrase
        assert float(match.group(1)) == value_at(data, key), (phrase, key, match.group(1))
        quoted.append(match.span(1))
    # no signed number in the text escapes the check
    for match in re.finditer(r"(?<![\w.])[+-]\d+", how):
        assert any(start <= match.start() < end for start, end in quoted), match.group()
    # the merger's example: the share of a fare's private points that lands on the city
    share, cost = map(
        float, re.search(rf"\({NUMBER}: an unpaid fare costs {NUMBER} city", how).groups()
    )
    assert cost == -share * value_at(data, "scores.sesame.observes.didi_fare_unpaid")
    fed, city = map(
        float, re.search(rf"a loan default {NUMBER} more than the {NUMBER}", how).groups()
    )
    assert fed == -share * value_at(data, "scores.sesame.observes.loan_contract_default")
    assert city == -value_at(data, "behaviours.loan_contract_default.points")
    # the lists' and bands' numbers
    months, years = map(int, re.search(r"blacklist \((\d+) months to (\d+) years\)", how).groups())
    assert (months * 30, years * 365) == (
        scenario.lists["blacklist"].min_days,
        scenario.lists["blacklist"].max_days,
    )
    red = float(re.search(rf"a score of {NUMBER} \(AAA\)", how).group(1))
    assert red == scenario.lists["redlist"].enter.score_at_least
    assert red == value_at(data, "score.grades.AAA.min")
    excellent = float(re.search(rf"excellent band \({NUMBER}\+\)", how).group(1))
    assert excellent == value_at(data, "scores.sesame.grades.excellent.min")


def test_an_unpaid_fare_costs_the_city_what_the_description_says_when_merged():
    """At share 0.5 a fare left unpaid moves the city score by share x Sesame's points."""
    quiet = {f"behaviours.{b}.rate_per_year": 0.0 for b in PRIVATE_ONLY if b != "didi_fare_unpaid"}
    quiet["behaviours.loan_contract_default.rate_per_year"] = 0.0
    quiet["behaviours.didi_fare_unpaid.rate_per_year"] = 36.5  # one day, plenty of fares
    runs = [
        small("siloed_scores", steps=1, **quiet, **{"scores.sesame.feeds.share": share}).run()
        for share in (0.5, 0.0)
    ]
    scenario = runs[0].score_scenario
    fare = scenario.scores["sesame"].observes["didi_fare_unpaid"]
    decay = 0.5 ** (1 / scenario.score.half_life_days)  # the day's decay, after the points
    moved = (runs[0].world.score - runs[1].world.score) / decay
    fares = moved[moved != 0] / (0.5 * fare)
    assert fares.size > 50
    np.testing.assert_allclose(fares, np.round(fares), atol=1e-9)  # whole fares, each 0.5 x -30
    assert (np.round(fares) >= 1).all()


def eligible(model: ScoreModel, perk: str) -> np.ndarray:
    """Who may receive ``perk`` today, read from the file: its bands of its system, or
    its lists."""
    spec = model.score_scenario.perks[perk]
    allowed = np.zeros(model.world.n_actors, dtype=bool)
    if spec.grades:
        system = model.systems.systems[spec.system]
        indices = [system.grading.names.index(name) for name in spec.grades]
        allowed |= np.isin(system.grade_index(), indices)
    for name in spec.lists:
        allowed |= model.world.lists.books[name].listed
    return allowed


def perks_only_to_eligible(model: ScoreModel, perks: tuple[str, ...]) -> dict[str, int]:
    """Run to the end; each day no actor outside a perk's band or list receives it.

    Returns each perk's uses, which must all have gone to eligible actors.
    """
    total = dict.fromkeys(perks, 0)
    while model.running:
        before = {perk: model.perks.uses[perk].copy() for perk in perks}
        model.step()
        for perk in perks:
            users = np.flatnonzero(model.perks.uses[perk] - before[perk])
            outside = users[~eligible(model, perk)[users]]
            assert outside.size == 0, (perk, model.steps, outside[:5])
            total[perk] += int((model.perks.uses[perk] - before[perk]).sum())
    return total


def test_sesame_vip_hotel_and_car_rental_go_to_the_excellent_band_only():
    model = small("sesame_credit", steps=120)
    for perk in ("vip_hotel", "vip_car_rental"):
        assert model.score_scenario.perks[perk].grades == ("excellent",)
    uses = perks_only_to_eligible(model, ("vip_hotel", "vip_car_rental"))
    assert uses["vip_hotel"] > 50 and uses["vip_car_rental"] > 20, uses


def test_siloed_vip_hotel_goes_to_excellent_users_and_the_hospital_deposit_to_the_red_listed():
    # merged (share 1.0), so that some reach AAA and the red list; a hospital stay is
    # rarer than the run is long, so stays are made frequent (who qualifies is unchanged)
    model = small(
        "siloed_scores",
        steps=365,
        **{"scores.sesame.feeds.share": 1.0, "perks.no_hospital_deposit.uses_per_year": 50.0},
    )
    assert model.score_scenario.perks["no_hospital_deposit"].lists == ("redlist",)
    assert model.score_scenario.perks["vip_hotel"].grades == ("excellent",)
    uses = perks_only_to_eligible(model, ("vip_hotel", "no_hospital_deposit"))
    assert uses["vip_hotel"] > 50 and uses["no_hospital_deposit"] > 5, uses


@pytest.mark.parametrize("name", ("sesame_credit", "tencent_credit"))
def test_the_unused_default_score_s_documented_numbers_are_said_to_be_so(name):
    """The documented numbers of the default score (1000 in 600..1300, Rongcheng's
    grades) describe a score these scenarios carry but never move: the description and
    `score-sim explain` say so, with the ledger's counts."""
    scenario = load_scenario(name)
    rows = ledger(scenario)
    idle = idle_default_score_keys(scenario)
    assert idle and all(key.split(".")[0] == "score" for key in idle)
    counts = level_counts(rows)
    idle_documented = sum(1 for r in rows if r.key in idle and r.level is Level.documented)
    assert idle_documented == 7
    text = " ".join(scenario.description.split())
    quoted = re.search(r"of the (\d+) numbers the ledger documents, (\d+) \(", text)
    assert quoted and (int(quoted[1]), int(quoted[2])) == (counts["documented"], idle_documented)
    own = re.search(r"own documented numbers? (?:are|is) the other (\d+)", text)
    assert own and int(own[1]) == counts["documented"] - idle_documented
    explained = explain_scenario(name)
    assert (
        f"{len(idle)} of these ({idle_documented} documented) are the default "
        "municipal-style score's (score.*), which nothing moves in this scenario"
    ) in explained
    for key in idle:
        line = next(x for x in explained.splitlines() if x.startswith(f"  {key} = "))
        assert "(default score, unused here)" in line
    # and indeed nothing moves it
    model = small(name).run()
    assert (model.world.score == scenario.score.initial).all()


def test_a_default_score_that_moves_is_not_called_unused():
    for name in ("siloed_scores", "national_concept", "rongcheng_city", "baseline"):
        assert not idle_default_score_keys(load_scenario(name)), name
        assert "unused here" not in explain_scenario(name)
    # merged, the private score moves the default one
    merged = resolve_scenario("sesame_credit", {"scores.sesame.feeds.share": 0.5})
    assert not idle_default_score_keys(merged)
