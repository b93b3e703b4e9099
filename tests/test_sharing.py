"""Data sharing: a listing reaches each agency after its delay, or never.

The documented path of a listing: finding -> list -> national platform (NCISP) -> other
agencies. A restriction applies only where the listing has arrived; delay and coverage
are parameters of the scenario's ``sharing:`` section.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import small_data

from score_sim.errors import ScenarioError
from score_sim.events import EventKind
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.mechanisms.sharing import NEVER, SHARING_COLUMNS
from score_sim.model import ScoreModel
from score_sim.outputs.summary import summarize
from score_sim.scenario import Restriction, load_scenario, scenario_from_data

TRAVEL = RESTRICTION_BITS[Restriction.travel]
CREDIT = RESTRICTION_BITS[Restriction.credit]
TRAVEL_COLUMN = list(Restriction).index(Restriction.travel)


def listing_data(sharing: dict | None = None, **sections) -> dict:
    """Citizens listed by a serious finding for good (no exit within the run)."""
    sections = {"population": {"citizens": 1500, "firms": 20}, **sections}
    data = small_data(
        behaviours=[
            {
                "name": "fraud",
                "who": "citizen",
                "rate_per_year": 1.5,
                "points": -50,
                "severity": "serious",
            },
            {"name": "good_deed", "who": "citizen", "rate_per_year": 1.0, "points": 10},
        ],
        lists={
            "blacklist": {
                "enter": {"serious_finding": True},
                "min_days": 1000,
                "max_days": 1000,
            },
            "redlist": {"enabled": False},
        },
        sanctions={"blacklist": ["travel", "credit"]},
        run={"steps": 60, "seed": 5},
        **sections,
    )
    if sharing is not None:
        data["sharing"] = sharing
    return data


def daily_own(model: ScoreModel) -> np.ndarray:
    """Each day's own restrictions of every actor (rows: days 1..steps)."""
    rows = []
    while model.running:
        model.step()
        rows.append(model.sanctions.own.copy())
    return np.array(rows)


def test_a_listed_actor_is_unrestricted_exactly_for_the_delay_then_restricted():
    sharing = {
        "enabled": True,
        "platform_delay_days": 3,
        "agencies": {"travel": {"delay_days": 7}, "credit": {"delay_days": 0}},
    }
    model = ScoreModel(scenario_from_data(listing_data(sharing)), rng=5)
    own = daily_own(model)
    entries = model.events.of_kind(EventKind.blacklist_entry)
    checked = 0
    for actor, day in zip(entries["actor"], entries["day"], strict=True):
        if day + 10 > model.steps:
            continue
        row = day - 1  # own[row] is the state at the end of `day`
        travel = (own[row : row + 12, actor] & TRAVEL) != 0
        credit = (own[row : row + 12, actor] & CREDIT) != 0
        # travel: platform 3 + agency 7 = 10 days unrestricted, then restricted
        assert not travel[:10].any() and travel[10:].all()
        # credit: the platform's 3 days only
        assert not credit[:3].any() and credit[3:].all()
        checked += 1
    assert checked > 30


def test_zero_delay_full_coverage_is_the_run_without_sharing():
    plain = ScoreModel(scenario_from_data(listing_data()), rng=5).run()
    shared = ScoreModel(
        scenario_from_data(listing_data({"enabled": True})),
        rng=5,
    ).run()
    a, b = plain.timeseries(), shared.timeseries()
    assert set(b) - set(a) == set(SHARING_COLUMNS)
    for column, values in a.items():
        np.testing.assert_array_equal(values, b[column], err_msg=column)
    assert b["restriction_days_delayed"][-1] == b["restriction_days_missing"][-1] == 0
    assert b["n_restrictions_pending"].max() == 0


def test_sharing_switched_off_changes_nothing_and_adds_no_column():
    plain = ScoreModel(scenario_from_data(listing_data()), rng=5).run()
    off = {"enabled": False, "platform_delay_days": 30, "agencies": {"travel": {"coverage": 0.0}}}
    switched_off = ScoreModel(scenario_from_data(listing_data(off)), rng=5).run()
    a, b = plain.timeseries(), switched_off.timeseries()
    assert list(a) == list(b)
    for column, values in a.items():
        np.testing.assert_array_equal(values, b[column], err_msg=column)
    np.testing.assert_array_equal(plain.events.rows, switched_off.events.rows)
    assert "sharing" not in summarize(switched_off)
    assert switched_off.sharing.arrival.size == 0  # no memory when off


def test_coverage_zero_never_restricts_and_counts_the_missing_records():
    sharing = {"enabled": True, "agencies": {"travel": {"coverage": 0.0}}}
    model = ScoreModel(scenario_from_data(listing_data(sharing)), rng=5)
    own = daily_own(model)
    listed = model.world.lists.blacklisted
    assert listed.sum() > 50
    assert not (own & TRAVEL).any()  # travel never applies
    assert ((own[-1] & CREDIT) != 0).sum() == listed.sum()  # credit always does
    ts = model.timeseries()
    assert ts["n_listed_never_reaching"][-1] == listed.sum()
    assert ts["n_restrictions_missing"][-1] == listed.sum()
    summary = summarize(model)["sharing"]
    assert (
        summary["restriction_days_spared_by_missing_records"] == ts["restriction_days_missing"][-1]
    )
    assert summary["restriction_days_spared_by_delay"] == 0
    # every citizen-day listed calls for two restrictions; half of them never arrive
    assert summary["spared_share"] == pytest.approx(0.5, abs=1e-9)
    headline = summarize(model)["headlines"][0]  # the run's point comes first
    assert headline["name"] == "restriction_days_spared_share" and headline["value"] == 0.5
    assert "sharing.other_agencies.coverage" in headline["driven_by"]


@pytest.mark.parametrize("coverage", [0.3, 0.8])
def test_coverage_is_the_share_of_listings_that_reach_the_agency(coverage):
    sharing = {"enabled": True, "agencies": {"travel": {"coverage": coverage}}}
    data = listing_data(sharing, population={"citizens": 4000, "firms": 20})
    data["behaviours"][0]["rate_per_year"] = 3.0
    model = ScoreModel(scenario_from_data(data), rng=11).run()
    listed = np.flatnonzero(model.world.lists.blacklisted)
    n = listed.size
    assert n > 500
    reached = np.count_nonzero(model.sharing.arrival[listed, TRAVEL_COLUMN] != NEVER)
    tolerance = 4 * math.sqrt(coverage * (1 - coverage) / n)  # four binomial sd
    assert abs(reached / n - coverage) < tolerance
    restricted = np.count_nonzero(model.sanctions.own[listed] & TRAVEL)
    assert restricted == reached  # no delay: every listing that reaches it is in force


def test_delay_and_missing_records_spare_the_innocent_too():
    sharing = {"enabled": True, "platform_delay_days": 5, "agencies": {"travel": {"coverage": 0.5}}}
    data = listing_data(sharing, errors={"false_finding_rate_per_year": 0.5})
    model = ScoreModel(scenario_from_data(data), rng=5).run()
    summary = summarize(model)["sharing"]
    assert summary["innocent_restriction_days_spared"] > 0
    assert summary["true_restriction_days_spared"] > summary["innocent_restriction_days_spared"]
    assert (
        summary["restriction_days_in_force"]
        + summary["restriction_days_spared_by_delay"]
        + summary["restriction_days_spared_by_missing_records"]
        == summary["restriction_days_called_for"]
    )


@pytest.mark.parametrize(
    ("sharing", "key", "message"),
    [
        (
            {"enabled": True, "agencies": {"railways": {"delay_days": 3}}},
            "sharing.agencies.railways",
            "is not a restriction",
        ),
        (
            {"enabled": True, "agencies": {"travel": {"delay_days": 5000}}},
            "sharing.agencies.travel.delay_days",
            "must be at most 3,650",
        ),
        (
            {"enabled": True, "platform_delay_days": -1},
            "sharing.platform_delay_days",
            "must be at least 0",
        ),
        (
            {"enabled": True, "agencies": {"credit": {"coverage": 1.5}}},
            "sharing.agencies.credit.coverage",
            "must be at most 1",
        ),
    ],
)
def test_bad_sharing_keys_are_located_errors(write_scenario, sharing, key, message):
    path = write_scenario(listing_data(sharing))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    text = str(error.value)
    assert key in text and message in text and f"{path}:" in text, text
    line = next(
        i
        for i, row in enumerate(path.read_text().splitlines(), 1)
        if row.strip().startswith(key.split(".")[-1] + ":")
    )
    assert f":{line}:" in text, text
