"""What every section of a scenario shares: the strict base, the kinds of number, who acts.

Every section is a frozen pydantic model that refuses unknown keys and non-finite numbers
(:class:`_Strict`). Every number has a kind (a probability, a rate per year, score points,
days, a count of actors...) whose range keeps the arithmetic exact and the run's size
bounded. :class:`Who` (citizen or firm) and :class:`Severity` (minor or serious) are used
by many sections.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict


class _Strict(BaseModel):
    """Base for all scenario sections: unknown keys are errors, instances are frozen.

    No number may be NaN or infinite, wherever it stands.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


# ----------------------------------------------------------------- the kinds of number
# Every number in a scenario has a kind with a range that keeps the arithmetic exact and
# the run's size bounded. Numbers are strict: `true` is not a rate and "10000" is not a
# count (YAML's 10000 is). Floats accept whole numbers; NaN and infinities are refused.

MAX_RATE_PER_YEAR = 10_000.0
"""Highest rate of a behaviour or an inspection per actor per year (about 27 a day)."""
MAX_SCORE_MAGNITUDE = 1_000_000.0
"""Largest magnitude of a score, a bound, a grade threshold or the points of a finding."""
MAX_MULTIPLIER = 1_000.0
"""Highest factor on a rate of misconduct, alone or all factors combined."""
MAX_DAYS = 36_500
"""Longest duration in days (a century)."""
MAX_ACTORS = 100_000_000
"""Most citizens or firms (the memory guard refuses far fewer on most machines)."""
MAX_ITEMS = 1_000
"""Most behaviours, sectors or grade bands."""
MAX_DELAY_DAYS = 3650
"""Longest delay of a record or a remedy (ten years)."""

Probability = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
"""A chance between 0 and 1."""
RatePerYear = Annotated[float, Strict(), Field(ge=0.0, le=MAX_RATE_PER_YEAR)]
"""Expected occurrences per actor per year."""
ScorePoints = Annotated[float, Strict(), Field(ge=-MAX_SCORE_MAGNITUDE, le=MAX_SCORE_MAGNITUDE)]
"""A score, a bound, a threshold or the points of a finding."""
Multiplier = Annotated[float, Strict(), Field(gt=0.0, le=MAX_MULTIPLIER)]
"""A factor on a rate of misconduct."""
Days = Annotated[int, Strict(), Field(ge=0, le=MAX_DAYS)]
"""A whole number of days."""
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_ACTORS)]
"""A whole number of actors (or of cases a day)."""
Name = Annotated[str, Strict(), Field(min_length=1, max_length=100)]
"""A short name."""
Switch = Annotated[bool, Strict()]
"""true or false (not 1, 0, "yes" or "no")."""
DelayDays = Annotated[int, Strict(), Field(ge=0, le=MAX_DELAY_DAYS)]
"""A delay in whole days, 0 to ten years."""
TermDays = Annotated[int, Strict(), Field(ge=1, le=MAX_DAYS)]
"""A term in whole days, at least one."""
FinePoints = Annotated[float, Strict(), Field(ge=-MAX_SCORE_MAGNITUDE, le=0.0)]
"""Points deducted: zero or negative."""


class Who(StrEnum):
    """Which kind of actor a behaviour or rule concerns."""

    citizen = "citizen"
    firm = "firm"


class Severity(StrEnum):
    """How grave a finding is. A serious finding can list directly (see ``lists``)."""

    minor = "minor"
    serious = "serious"
