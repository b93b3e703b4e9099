"""The lessons in the app: the notebooks' own set-ups, one click each, and an opening with harm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from score_sim.app.controls import Settings, control_value
from score_sim.app.lessons import LESSON_NAMES, LESSONS, OPENING, lesson_named
from score_sim.app.session import Session

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SMALL = Settings(citizens="2,000", firms="100", days="40")


def first_lines(notebook: Path) -> tuple[str, str]:
    cell = json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]
    lines = [line.strip() for line in "".join(cell["source"]).splitlines() if line.strip()]
    return lines[0], next(line for line in lines if line.startswith("**What to notice:**"))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: str(lesson.number))
def test_each_lesson_is_its_notebook(lesson):
    heading, notice = first_lines(NOTEBOOKS / lesson.notebook)
    assert heading == f"# {lesson.number}. {lesson.title}"
    assert notice == f"**What to notice:** {lesson.notice}"


def test_every_notebook_has_a_lesson():
    assert sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb")) == [x.notebook for x in LESSONS]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: str(lesson.number))
def test_choosing_a_lesson_sets_up_its_twin_worlds(lesson):
    session = Session(SMALL)
    assert session.start_lesson(lesson) == {}
    assert session.lesson is lesson and session.scenario.name == lesson.scenario
    assert session.twin is not None and session.change is not None
    assert session.change.control.key == lesson.rule
    assert control_value(session.twin.score_scenario, session.change.control) == lesson.value_b
    assert control_value(session.scenario, session.change.control) != lesson.value_b
    # the tab's own population is kept; the lesson's scenario runs its own days
    assert session.scenario.population.citizens == 2_000
    assert session.last_day == session.scenario.run.steps
    assert session.step(3) == 3 and session.twin.steps == 3


def test_the_page_opens_on_a_lesson_that_shows_harm_within_weeks():
    session = Session()
    assert session.lesson is OPENING and session.twin is not None
    session.step(30)
    headline = session.headline()
    assert headline is not None
    assert headline["citizen_n_restricted"] > 50  # sanctions reach people from the start
    assert headline["citizen_n_blacklisted"] > 0
    assert session.model is not None and session.model.metrics["citizen_n_listed_innocent"] >= 1
    counts = session.twin_summary()
    assert counts is not None and counts["harmed_only_in_a"] > counts["harmed_only_in_b"]


def test_a_lesson_not_offered_is_refused():
    assert lesson_named("Lesson 9: nothing") is None
    assert lesson_named(LESSON_NAMES[1]) is LESSONS[1]
    assert lesson_named(["Lesson 1"]) is None


def test_changing_scenario_ends_the_lesson():
    session = Session(SMALL)
    session.start_lesson(LESSONS[1])
    assert session.apply(Settings(scenario="baseline", citizens="2,000", firms="100")) == {}
    assert session.lesson is None and session.twin is None
