"""A reload restores the tab's run from its address; the run downloads as one ZIP."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import quote

import pytest

from score_sim.app import restore
from score_sim.app.controls import Settings
from score_sim.app.lessons import LESSONS
from score_sim.app.session import Session

SMALL = Settings(citizens="1,500", firms="60", days="30")
# two changes, the later day first
ORDER = quote('[[5,{"effects.enabled":false}],[2,{"effects.enabled":true}]]', safe="")


def small_session(settings: Settings) -> Session:
    return Session(settings)


def test_a_run_with_a_lesson_and_a_change_from_a_day_comes_back_the_same():
    session = Session(SMALL)
    session.start_lesson(LESSONS[2])
    session.step(9)
    assert session.change_from_today(session.settings.with_rule("score.half_life_days", 45)) == {}
    session.step(6)
    address = restore.address_of(session)
    again, why = restore.restore(address, small_session)
    assert why == "" and again is not None
    assert again.day == 15 and again.lesson is LESSONS[2]
    assert (
        again.rule_changes() == session.rule_changes() == [(10, "Half-life of a finding 45 days")]
    )
    assert again.model.metrics == session.model.metrics  # same seed, same city
    assert again.twin.metrics == session.twin.metrics


def test_a_hand_made_twin_and_rules_come_back():
    session = Session(SMALL.with_rule("lists.blacklist.min_days", 30))
    control = next(c for c in session.controls() if c.key == "effects.enabled")
    session.start_twin(control, False)
    session.step(4)
    again, _ = restore.restore(restore.address_of(session), small_session)
    assert again is not None and again.change is not None
    assert again.change.describe() == session.change.describe()
    assert again.settings.rules == {"lists.blacklist.min_days": 30}
    assert again.model.metrics == session.model.metrics


@pytest.mark.parametrize(
    "address,words",
    [
        ("scenario=../../etc/passwd&day=1", "not one of the scenarios"),
        ("scenario=baseline&citizens=99999999999&day=1", "citizens"),
        ("scenario=baseline&day=-3", "day"),
        ("scenario=baseline&day=1&day=2", "more than once"),
        ("scenario=baseline&rules=%7B%22lists.x%22%3A1%7D&day=0", "does not offer"),
        ("scenario=baseline&rules=%7B%22score.half_life_days%22%3A99999%7D&day=0", "Half-life"),
        ("scenario=baseline&lesson=2&day=0", "does not match"),
        ("scenario=baseline&twin=run.seed&twin_value=1&day=0", "not offered"),
        ("scenario=baseline&changes=" + ORDER + "&day=9", "order"),
        ("scenario=baseline&changes=oops&day=1", "cannot be read"),
    ],
)
def test_an_address_no_control_would_send_starts_a_fresh_run_saying_why(address, words):
    session, why = restore.restore(address, small_session)
    assert session is None
    assert why.startswith("The run in the address could not be restored") and words in why


def test_no_address_is_no_run():
    assert restore.restore("", small_session) == (None, "")
    assert restore.restore(None, small_session) == (None, "")


def test_the_run_downloads_as_one_zip_of_both_worlds():
    session = Session(Settings(citizens="600", firms="30", days="20"))
    session.start_lesson(LESSONS[1])
    session.step(7)
    data = restore.run_archive(session)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    for world in ("world_A", "world_B"):
        for table in ("timeseries.csv", "agents.csv", "events.csv", "summary.json"):
            assert f"{world}/{table}" in names
        assert sum(n.startswith(f"{world}/figures/") for n in names) >= 5
        manifest = json.loads(archive.read(f"{world}/manifest.json"))
        assert manifest["day_reached"] == 7
    rows = archive.read("world_A/timeseries.csv").decode().strip().splitlines()
    assert len(rows) == 1 + 8  # a header and days 0..7
    assert restore.archive_name(session) == "score-sim-pariah_spiral-day-7.zip"
