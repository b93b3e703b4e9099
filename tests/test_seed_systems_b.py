"""The private and siloed scores as bundled scenarios: each runs and holds its documented rules.

sesame_credit (350..950 in five bands, perks of the excellent band), tencent_credit (fed by
WeChat, 850M+ users: about 70% of adults carry it) and siloed_scores (a municipal and a
private score on the same people, with no influence of one on the other unless merged).
Runs are small (3,000 citizens, 90 days).
"""

from __future__ import annotations

import numpy as np
import pytest

from score_sim.explain import explain_scenario
from score_sim.model import ScoreModel
from score_sim.scenario import bundled_scenarios, load_scenario

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
