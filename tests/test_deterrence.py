"""Deterrence: misconduct falls as sanctions become visible; off, nothing changes at all."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_data

from score_sim.model import ScoreModel
from score_sim.runner import run_scenario
from score_sim.scenario import Level, scenario_from_data
from score_sim.scenario.ledger import ledger

SANCTIONED = {
    "sanctions": {"blacklist": ["travel", "credit"]},
    "lists": {"blacklist": {"enter": {"score_below": 960}, "min_days": 60, "max_days": 365}},
}


def model_of(deterrence: dict | None, **sections) -> ScoreModel:
    data = small_data(**SANCTIONED, **sections)
    if deterrence is not None:
        data["deterrence"] = deterrence
    scenario = scenario_from_data(data)
    return ScoreModel(scenario, rng=scenario.run.seed).run()


def test_off_gives_byte_identical_outputs(tmp_path):
    plain = scenario_from_data(small_data(**SANCTIONED))
    off = scenario_from_data(
        {**small_data(**SANCTIONED), "deterrence": {"enabled": False, "strength": 9.0}}
    )
    run_scenario(plain, tmp_path / "a", figures=False)
    run_scenario(off, tmp_path / "b", figures=False)
    for name in ("timeseries.csv", "agents.csv", "events.csv", "cascades.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    header = (tmp_path / "a" / "timeseries.csv").read_text().splitlines()[0]
    assert "deterrence" not in header


def test_no_deterrence_at_full_strength_zero_changes_nothing_but_adds_its_columns():
    plain = model_of(None).timeseries()
    zero = model_of({"enabled": True, "strength": 0.0}).timeseries()
    assert set(zero) - set(plain) == {"citizen_deterrence_multiplier", "firm_deterrence_multiplier"}
    assert np.all(zero["citizen_deterrence_multiplier"] == 1.0)
    for column in plain:
        np.testing.assert_array_equal(plain[column], zero[column], err_msg=column)


def test_the_multiplier_follows_yesterdays_sanctioned_share():
    strength, floor = 4.0, 0.6
    series = model_of({"enabled": True, "strength": strength, "floor": floor}).timeseries()
    share = series["citizen_n_restricted"] / 2000
    expected = np.maximum(floor, 1.0 - strength * share[:-1])
    np.testing.assert_allclose(series["citizen_deterrence_multiplier"][1:], expected)
    assert share[-1] > 0.05  # sanctions became visible
    assert series["citizen_deterrence_multiplier"][-1] < 0.85


def test_misconduct_falls_as_the_sanctioned_share_rises():
    off = model_of(None)
    on = model_of({"enabled": True, "strength": 4.0, "floor": 0.5})
    series = on.timeseries()
    multiplier = series["citizen_deterrence_multiplier"]
    # while nobody is sanctioned both worlds are the same; later, fewer offences
    misconduct_off = off.harms.misconduct[0].sum()
    misconduct_on = on.harms.misconduct[0].sum()
    assert misconduct_on < 0.95 * misconduct_off
    # the reduction is about what the mean multiplier says (thinning of the same candidates)
    assert misconduct_on / misconduct_off == pytest.approx(multiplier[1:].mean(), abs=0.04)
    # a kind that is not covered is not deterred
    firms_only = model_of({"enabled": True, "strength": 4.0, "who": ["firm"]})
    assert np.all(firms_only.timeseries()["citizen_deterrence_multiplier"] == 1.0)


def test_blacklisted_visibility_reads_the_blacklisted_share():
    series = model_of(
        {"enabled": True, "strength": 2.0, "floor": 0.0, "visibility": "blacklisted"}
    ).timeseries()
    share = series["firm_n_blacklisted"] / 100
    np.testing.assert_allclose(series["firm_deterrence_multiplier"][1:], 1.0 - 2.0 * share[:-1])


def test_deterrence_numbers_are_assumptions_in_the_ledger_and_absent_when_off():
    on = scenario_from_data({**small_data(), "deterrence": {"enabled": True}})
    off = scenario_from_data(small_data())
    rows = {row.key: row.level for row in ledger(on)}
    assert rows["deterrence.strength"] is Level.assumption
    assert rows["deterrence.floor"] is Level.assumption
    assert not any(row.key.startswith("deterrence") for row in ledger(off))
