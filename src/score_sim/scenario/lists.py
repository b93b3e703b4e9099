"""Blacklists and red lists: who enters, for how long, how an entry ends, what it brings.

A scenario has a blacklist and a red list unless it names other lists
(:data:`DEFAULT_LIST_NAMES`); its ``lists:`` may change those two one by one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from score_sim.scenario.base import (
    MAX_ITEMS,
    Days,
    Name,
    Probability,
    ScorePoints,
    Severity,
    Switch,
    Who,
    _Strict,
)
from score_sim.scenario.restrictions import RestrictionSet


class ListType(StrEnum):
    """An adverse list (sanctions) or a reward list."""

    blacklist = "blacklist"
    """An adverse record: the list triggers joint sanctions."""
    redlist = "redlist"
    """Consistently compliant actors: the list brings rewards."""


class ListEntry(_Strict):
    """When an actor enters a list. Conditions combine with `combine` (any or all).

    Giving both score conditions defines a band (score_at_least <= score < score_below),
    which counts as one condition; the finding conditions (`serious_finding`,
    `severities`, `behaviours`) together count as one condition too.
    """

    score_below: ScorePoints | None = Field(
        None, description="Enter when the score falls below this value."
    )
    score_at_least: ScorePoints | None = Field(
        None, description="Enter when the score is at least this value."
    )
    serious_finding: Switch = Field(
        False, description="Enter on the day a serious finding is recorded."
    )
    severities: tuple[Severity, ...] = Field(
        (), description="Enter on the day a finding of one of these severities is recorded."
    )
    behaviours: tuple[Name, ...] = Field(
        (),
        max_length=MAX_ITEMS,
        description="Enter on the day a finding of one of these behaviours is recorded.",
    )
    combine: Literal["any", "all"] = Field(
        "any", description="any: one condition suffices; all: every given condition must hold."
    )
    system: Name | None = Field(
        None,
        description="The score that score_below and score_at_least compare: `score` (the "
        "default) or a system of `scores` (e.g. sesame). Actors who do not carry it never "
        "enter by score.",
    )

    @model_validator(mode="after")
    def _at_least_one(self) -> ListEntry:
        if self.score_below is None and self.score_at_least is None and not self.by_finding:
            raise ValueError(
                "give at least one entry condition: score_below, score_at_least, "
                "serious_finding, severities or behaviours"
            )
        if self.system is not None and not self.by_score:
            raise ValueError(
                "system names the score that score_below or score_at_least compare: give one"
            )
        return self

    @property
    def by_finding(self) -> bool:
        """Whether a finding can list (of a named behaviour or severity)."""
        return self.serious_finding or bool(self.severities) or bool(self.behaviours)

    @property
    def by_score(self) -> bool:
        """Whether the score can list."""
        return self.score_below is not None or self.score_at_least is not None


class Extension(_Strict):
    """How an entry is extended beyond `max_days` (the court defaulter list: by 1-3 years)."""

    days: Annotated[Days, Field(ge=1)] = Field(description="Days added by one extension.")
    times: Annotated[int, Strict()] = Field(1, ge=1, le=100, description="Extensions at most.")
    probability: Probability = Field(
        description="Chance of each extension (drawn when the entry begins: how often the "
        "obligations are still unmet when the entry is due to end).",
    )


class Term(_Strict):
    """An entry's length drawn for each entry: a Poisson count of months with a Gamma mean.

    As Lum et al. (2014) draw sentences: the mean of each entry's Poisson count of months
    is itself drawn from a Gamma distribution of shape ``shape`` and mean ``mean_months``;
    ``extra_months`` are added to every draw (a harsher regime: the same draw, longer).
    A month is 365/12 days; an entry lasts at least a day and at most ``max_days``.
    """

    mean_months: Annotated[float, Strict(), Field(gt=0.0, le=1200.0)] = Field(
        description="Mean of the Gamma distribution of each entry's mean length, in months."
    )
    shape: Annotated[float, Strict(), Field(gt=0.0, le=1000.0)] = Field(
        description="Shape of that Gamma distribution (1: exponential; larger: less spread)."
    )
    extra_months: Annotated[float, Strict(), Field(ge=0.0, le=1200.0)] = Field(
        0.0, description="Months added to every entry's drawn length."
    )


class ListRule(_Strict):
    """One list: who enters, for how long, how an entry ends, and what it triggers."""

    enabled: Switch = Field(True, description="Whether this list exists in the scenario.")
    type: ListType | None = Field(
        None,
        description="blacklist (sanctions) or redlist (rewards); defaults to the list's "
        "name for lists named blacklist or redlist.",
    )
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor the list covers."
    )
    enter: ListEntry | None = Field(
        None, description="Entry conditions (required when the list is enabled)."
    )
    min_days: Annotated[Days, Field(ge=1)] | None = Field(
        None,
        description="An entry lasts at least this many days (counted from the latest "
        "finding that listed it): the earliest deletion (required when enabled).",
    )
    max_days: Annotated[Days, Field(ge=1)] | None = Field(
        None,
        description="An entry expires after this many days, unless extended (required when "
        "enabled).",
    )
    extension: Extension | None = Field(
        None, description="How an entry may be extended beyond max_days (null: never)."
    )
    term: Term | None = Field(
        None,
        description="Draw each entry's length (a Poisson count of months with a "
        "Gamma-distributed mean) instead of max_days, which then caps it; null: every entry "
        "lasts max_days.",
    )
    initially_listed_share: Annotated[Probability, Field(gt=0.0)] | None = Field(
        None,
        description="Share of the actors the list covers who are on it when the run starts "
        "(drawn at random on day 0; their entries last as any entry does); null: nobody.",
    )
    early_removal: Switch = Field(
        True,
        description="After min_days, remove the entry as soon as the score condition no "
        "longer holds (fixing the problem speeds removal). Lists without a score condition "
        "run to max_days unless removed by request or remedied.",
    )
    removal_probability_per_day: Probability = Field(
        0.0,
        description="Chance per day, once min_days are served, that the entry is removed "
        "early on request (obligations met, early removal requested and granted).",
    )
    sanctions: RestrictionSet | None = Field(
        None,
        description="blacklist: the restrictions it triggers, flat or per kind of actor "
        "({citizen: [...], firm: [...]}); null: `sanctions.blacklist`.",
    )

    @model_validator(mode="after")
    def _durations(self) -> ListRule:
        if not self.enabled:
            return self
        missing = [key for key in ("enter", "min_days", "max_days") if getattr(self, key) is None]
        if missing:
            raise PydanticCustomError(
                "missing_when_enabled",
                "an enabled list needs {keys} (or set enabled: false)",
                {"keys": ", ".join(missing)},
            )
        if self.max_days < self.min_days:
            raise ValueError(
                f"max_days ({self.max_days}) must be at least min_days ({self.min_days})"
            )
        return self

    def longest_days(self) -> int:
        """The longest an entry can last, extensions included (0 for a list switched off)."""
        extra = self.extension.days * self.extension.times if self.extension else 0
        return (self.max_days or 0) + extra


def _default_blacklist() -> ListRule:
    return ListRule(
        enter=ListEntry(score_below=850, serious_finding=True),
        min_days=180,
        max_days=1825,
    )


def _default_redlist() -> ListRule:
    return ListRule(enter=ListEntry(score_at_least=1050), min_days=365, max_days=1095)


DEFAULT_LIST_NAMES = ("blacklist", "redlist")
"""Lists a scenario has unless it names others: its `lists:` may change them, one by one."""


def _default_lists() -> dict[str, ListRule]:
    return {"blacklist": _default_blacklist(), "redlist": _default_redlist()}
