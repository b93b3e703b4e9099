"""The lessons of ``notebooks/``, set up in the app with one click.

Each :class:`Lesson` is one notebook: its number and title, the sentence it opens with
("What to notice"), the scenario it runs and the one rule its twin worlds change, as the
notebook's own comparison does (feedback off, reach through staff off, more false findings,
a shorter blacklisting...). Choosing a lesson rebuilds the tab's city from the lesson's
scenario at the page's population and starts the twin worlds: world A as the scenario sets
it, world B with the lesson's rule changed. The page opens on :data:`OPENING`, a lesson whose
city sanctions, cascades and lists innocent people from the first weeks, so that no tab is
empty on first contact.

The titles and sentences are the notebooks' own first lines (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from score_sim.app.controls import Settings


@dataclass(frozen=True)
class Lesson:
    """One notebook's set-up in the app.

    Attributes:
        number: the notebook's number (``1`` for ``01_...ipynb``).
        title: the notebook's title (its first heading, without the number).
        notice: the notebook's "What to notice" sentence.
        scenario: the bundled scenario it runs.
        rule: the rule control key world B changes.
        value_b: that rule's value in world B.
        question: what to predict before pressing Play, in a sentence.
        notebook: the notebook's file name, under ``notebooks/``.
        columns: what the twin figure compares (time-series columns, one panel each).
    """

    number: int
    title: str
    notice: str
    scenario: str
    rule: str
    value_b: Any
    question: str
    notebook: str
    columns: tuple[str, ...] = (
        "citizen_n_restricted",
        "citizen_n_blacklisted",
        "citizen_n_listed_innocent",
    )

    @property
    def name(self) -> str:
        """How the lesson is offered in the page's menu, e.g. ``Lesson 2: Pariah spirals...``."""
        return f"Lesson {self.number}: {self.title}"

    def settings(self, base: Settings) -> Settings:
        """Settings that run this lesson's scenario at ``base``'s population, its own days."""
        return Settings(scenario=self.scenario, citizens=base.citizens, firms=base.firms)


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1,
        "What is a points regime?",
        "most scores barely move all year, yet a few citizens fall far, and the blacklist "
        "fills through single serious findings, not through low scores.",
        "baseline",
        "lists.blacklist.enter.score_below",
        700,
        "If a low score no longer lists anyone above 700 points, how many fewer citizens "
        "will the blacklist hold after a year?",
        "01_what_is_a_points_regime.ipynb",
        ("citizen_mean_score", "citizen_n_blacklisted", "citizen_n_redlisted"),
    ),
    Lesson(
        2,
        "Pariah spirals: the same town with and without feedback",
        "with the feedback on, the listed misbehave many times as often as everyone else "
        "and stay listed: a spiral the rule makes, not bad luck.",
        "pariah_spiral",
        "effects.enabled",
        False,
        "With the feedback switched off in world B, how many pariahs will it have after "
        "two years, compared with world A?",
        "02_pariah_spirals.ipynb",
        ("citizen_n_pariah", "citizen_n_blacklisted", "citizen_n_restricted"),
    ),
    Lesson(
        3,
        "Sanction cascades: one finding, many people",
        "most cascades are small, but one finding against a firm can restrict dozens of "
        "people who did nothing, and most sanction-days fall on them.",
        "sanction_cascade",
        "sanctions.reach.staff",
        False,
        "If a sanctioned firm's staff are no longer reached in world B, what share of the "
        "restricted citizens disappears?",
        "03_sanction_cascades.ipynb",
        ("citizen_n_restricted", "n_cascades", "innocent_sanction_share"),
    ),
    Lesson(
        4,
        "Erroneous reports: innocent people on the list",
        "every source of error puts innocent people on the blacklist, the harm grows "
        "steadily with the error rate in every town, and appeals shorten innocent listings "
        "without preventing them.",
        "erroneous_reports",
        "errors.false_finding_rate_per_year",
        0.3,
        "World B has three times as many false findings: will it list three times as "
        "many innocent citizens, more, or fewer?",
        "04_erroneous_reports.ipynb",
        ("citizen_n_listed_innocent", "citizen_n_blacklisted", "innocent_sanction_share"),
    ),
    Lesson(
        5,
        "Real systems side by side",
        "what triggers sanctions (a listing or a low score) and how far they reach decide "
        "who is harmed, far more than the score itself: the same town fares very "
        "differently under each system.",
        "rongcheng_city",
        "sanctions.reach.family",
        False,
        "Rongcheng's rules in a town of this size: if a sanctioned citizen's family is no "
        "longer reached in world B, how many fewer citizens are restricted?",
        "05_real_systems.ipynb",
    ),
    Lesson(
        6,
        "Design your own regime",
        "a milder rule changes how long people stay listed, not what they do: in the "
        "baseline nothing feeds back on behaviour, so the same misconduct is caught.",
        "baseline",
        "lists.blacklist.min_days",
        90,
        "With the shortest blacklisting halved to 90 days in world B, will it catch fewer "
        "serious findings, or only list people for less time?",
        "06_design_your_own_regime.ipynb",
        ("citizen_n_blacklisted", "citizen_mean_score", "citizen_n_restricted"),
    ),
)
"""Every lesson, in the notebooks' order."""

OPENING = LESSONS[4]
"""The lesson a new page opens on: Rongcheng's rules sanction, cascade and list innocent
people within weeks, so every tab of the page has something to show."""

LESSON_NAMES = [lesson.name for lesson in LESSONS]


def lesson_named(name: object) -> Lesson | None:
    """The lesson offered under ``name`` (exactly as the menu shows it), or None."""
    return next((lesson for lesson in LESSONS if lesson.name == name), None)
