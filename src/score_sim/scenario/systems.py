"""Several scores and perks: further scores beside the default one, and rewards received.

A scenario may carry further scores beside the default ``score`` (Sesame Credit, Tencent
Credit, a firm's tax-credit grade), each with its own scale, bands, decay and data sources,
and may grant named perks to red-listed or high-graded actors. The names that refer to a
score across the scenario are checked here (:func:`several_scores_problems`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import (
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from score_sim.scenario.base import (
    MAX_DAYS,
    MAX_ITEMS,
    MAX_MULTIPLIER,
    Name,
    Probability,
    RatePerYear,
    ScorePoints,
    Who,
    _Strict,
)
from score_sim.scenario.lists import ListType
from score_sim.scenario.score import GradeBand, Score

if TYPE_CHECKING:
    from score_sim.scenario.scenario import Scenario


DEFAULT_SYSTEM = "score"
"""The name of the default score: the points regime of `score:`."""


class Feeds(_Strict):
    """What-if: a share of a system's points also lands on another score."""

    into: Name = Field(
        DEFAULT_SYSTEM, description="The score fed: `score` (the default) or another system."
    )
    share: Annotated[float, Strict()] = Field(
        0.0,
        ge=0,
        le=MAX_MULTIPLIER,
        description="Points added to `into` per point this system records (0: siloed, as "
        "documented for private and municipal scores).",
    )


class ScoreSystem(_Strict):
    """A further score carried beside the default one, from its own system and data."""

    label: str = Field("", max_length=200, description="What the system is, for readers.")
    who: tuple[Who, ...] = Field(
        (Who.citizen,), min_length=1, description="Kinds of actor that may carry this score."
    )
    coverage: Probability = Field(
        1.0,
        description="Share of those actors who carry it (drawn once; a voluntary score is "
        "carried by the users who signed up).",
    )
    data_sources: tuple[Annotated[str, Strict(), Field(min_length=1, max_length=200)], ...] = Field(
        (), max_length=MAX_ITEMS, description="Where its data come from, in words."
    )
    lower: ScorePoints = Field(description="Lowest possible score.")
    upper: ScorePoints = Field(description="Highest possible score.")
    initial: ScorePoints = Field(description="Score a carrier starts with (the mean, with spread).")
    initial_spread_points: Annotated[ScorePoints, Field(ge=0)] = Field(
        0.0,
        description="Standard deviation of the starting scores around `initial` (a normal "
        "draw, clipped to the scale): carriers who arrive with different histories.",
    )
    baseline: ScorePoints | None = Field(
        None, description="Score that decay pulls toward; defaults to `initial`."
    )
    half_life_days: Annotated[float, Strict()] | None = Field(
        None,
        gt=0,
        le=MAX_DAYS * 100,
        description="Days for the distance to the baseline to halve; null for no decay.",
    )
    grades: tuple[GradeBand, ...] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description="Grade bands, best first; the last band's `min` is null.",
    )
    observes: dict[Name, ScorePoints] = Field(
        default_factory=dict,
        max_length=MAX_ITEMS,
        description="Behaviours its data see, each with the points it gives on this scale.",
    )
    observe_probability: Probability = Field(
        1.0, description="Share of a carrier's occurrences of those behaviours its data see."
    )
    feeds: Feeds = Field(default_factory=Feeds)

    @field_validator("upper")
    @classmethod
    def _above_lower(cls, upper: float, info: ValidationInfo) -> float:
        lower = info.data.get("lower")
        if lower is not None and not lower < upper:
            raise ValueError(f"must be above lower ({lower:g}), not {upper:g}")
        return upper

    @field_validator("initial", "baseline")
    @classmethod
    def _on_the_scale(cls, value: float | None, info: ValidationInfo) -> float | None:
        lower, upper = info.data.get("lower"), info.data.get("upper")
        known = value is not None and lower is not None and upper is not None
        if known and not lower <= value <= upper:
            raise ValueError(f"must lie within lower..upper ({lower:g}..{upper:g}), not {value:g}")
        return value

    @model_validator(mode="after")
    def _scale(self) -> ScoreSystem:
        try:  # the same rules as the default score's scale and bands
            Score(
                initial=self.initial,
                lower=self.lower,
                upper=self.upper,
                baseline=self.baseline,
                grades=self.grades,
            )
        except ValidationError as exc:
            raise ValueError(
                "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            ) from None
        return self

    @property
    def decay_baseline(self) -> float:
        """The score decay pulls toward."""
        return self.initial if self.baseline is None else self.baseline


class Perk(_Strict):
    """A named reward received: who qualifies (a red list, a grade) and how often it is used.

    An actor qualifies on a day when it is on one of `lists` or has one of `grades` of
    `system`; a qualifying actor uses the perk at `uses_per_year` (a Poisson rate).
    """

    label: str = Field("", max_length=200, description="What the perk is, for readers.")
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor that may receive it."
    )
    lists: tuple[Name, ...] = Field(
        (), max_length=MAX_ITEMS, description="Red lists whose members qualify."
    )
    grades: tuple[Name, ...] = Field(
        (), max_length=MAX_ITEMS, description="Grades (of `system`) whose holders qualify."
    )
    system: Name = Field(
        DEFAULT_SYSTEM, description="The score whose `grades` are meant: `score` or a system."
    )
    uses_per_year: RatePerYear = Field(
        description="How often a qualifying actor uses the perk, per year."
    )

    @model_validator(mode="after")
    def _has_trigger(self) -> Perk:
        if not self.lists and not self.grades:
            raise ValueError("give the `lists` or `grades` (or both) that grant the perk")
        return self


def system_grade_names(scenario: Scenario, system: str) -> list[str] | None:
    """The grade names of a score (`score` or a system of `scores`), or None if unknown."""
    if system == DEFAULT_SYSTEM:
        return [band.name for band in scenario.score.grades]
    if system in scenario.scores:
        return [band.name for band in scenario.scores[system].grades]
    return None


def several_scores_problems(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-references of `scores`, `perks` and the keys that name a system."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    systems = [DEFAULT_SYSTEM, *scenario.scores]
    behaviours = {b.name: b for b in scenario.behaviours}

    def unknown_system(name: str) -> str:
        return f"{name!r} is not a score of this scenario {systems}"

    for name, system in scenario.scores.items():
        where = ("scores", name)
        if name == DEFAULT_SYSTEM:
            problems.append((where, "`score` is the default score: name further systems otherwise"))
        elif not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
            problems.append((where, f"{name!r}: a system name is letters, digits and _"))
        for behaviour in system.observes:
            if behaviour not in behaviours:
                problems.append(
                    (
                        (*where, "observes", behaviour),
                        f"{behaviour!r} is not a behaviour of this scenario {sorted(behaviours)}",
                    )
                )
            elif behaviours[behaviour].who not in system.who:
                kinds = ", ".join(w.value for w in system.who)
                problems.append(
                    (
                        (*where, "observes", behaviour),
                        f"{behaviour!r} is a {behaviours[behaviour].who.value} behaviour; "
                        f"this score is carried by: {kinds}",
                    )
                )
        into = system.feeds.into
        if into not in systems:
            problems.append(((*where, "feeds", "into"), unknown_system(into)))
        elif into == name:
            problems.append(((*where, "feeds", "into"), "a score cannot feed itself"))
    for list_name, rule in scenario.lists.items():
        system = rule.enter.system if rule.enter else None
        if system is not None and system not in systems:
            problems.append((("lists", list_name, "enter", "system"), unknown_system(system)))
    grade_system = scenario.sanctions.grade_system
    grades = system_grade_names(scenario, grade_system)
    if grades is None:
        problems.append((("sanctions", "grade_system"), unknown_system(grade_system)))
    elif grade_system != DEFAULT_SYSTEM:
        for grade in scenario.sanctions.grades:
            if grade not in grades:
                problems.append(
                    (
                        ("sanctions", "grades", grade),
                        f"{grade!r} is not a grade of scores.{grade_system}.grades {grades}",
                    )
                )
    for name, perk in scenario.perks.items():
        where = ("perks", name)
        if not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
            problems.append((where, f"{name!r}: a perk name is letters, digits and _"))
        for j, list_name in enumerate(perk.lists):
            if list_name not in scenario.lists:
                problems.append(
                    (
                        (*where, "lists", j),
                        f"{list_name!r} is not a list of this scenario {sorted(scenario.lists)}",
                    )
                )
            elif scenario.list_type(list_name) is not ListType.redlist:
                problems.append(
                    (
                        (*where, "lists", j),
                        f"{list_name!r} is a blacklist: it brings sanctions, not perks",
                    )
                )
        grades = system_grade_names(scenario, perk.system)
        if grades is None:
            problems.append(((*where, "system"), unknown_system(perk.system)))
            continue
        scale = "score.grades" if perk.system == DEFAULT_SYSTEM else f"scores.{perk.system}.grades"
        for j, grade in enumerate(perk.grades):
            if grade not in grades:
                problems.append(
                    ((*where, "grades", j), f"{grade!r} is not a grade of {scale} {grades}")
                )
    return problems
