"""The points scale: the score every actor carries, its bounds, its decay, its grade bands.

The defaults follow the documented points concept (start 1000, bounds 600..1300), with
Rongcheng-style grade bands (:data:`RONGCHENG_GRADES`); ``negative_counting`` says which
negative findings cost points.
"""

from __future__ import annotations

import itertools
import math
from enum import StrEnum
from typing import Annotated

from pydantic import Field, Strict, model_validator

from score_sim.scenario.base import MAX_DAYS, MAX_ITEMS, Name, ScorePoints, _Strict


class NegativeCounting(StrEnum):
    """Which negative findings cost points.

    ``every_infraction``: every negative finding deducts its points.
    ``serious_first``: minor negative findings count only against an actor that already
    has a serious finding on record (Jeremy Daum's reading: a serious incident must come
    first, only then is the negative profile extended with lesser misconduct).
    """

    every_infraction = "every_infraction"
    serious_first = "serious_first"


class GradeBand(_Strict):
    """One named grade band: an actor has this grade when its score is at least ``min``."""

    name: Name = Field(description="Band name, e.g. AAA.")
    min: ScorePoints | None = Field(
        description="Lowest score in the band; null for the lowest band (everything below)."
    )


RONGCHENG_GRADES: tuple[GradeBand, ...] = (
    GradeBand(name="AAA", min=1050),
    GradeBand(name="AA", min=1030),
    GradeBand(name="A", min=960),
    GradeBand(name="B", min=850),
    GradeBand(name="C", min=None),
)
"""Rongcheng-style bands on the national 600..1300 scale: C is 600-849 there, and the D
band (599 or less) of Rongcheng's own scale has no room above the national floor."""


class Score(_Strict):
    """The points scale, its decay and its grade bands."""

    initial: ScorePoints = Field(1000, description="Score every actor starts with.")
    lower: ScorePoints = Field(600, description="Lowest possible score (the floor).")
    upper: ScorePoints = Field(1300, description="Highest possible score (the ceiling).")
    baseline: ScorePoints | None = Field(
        None, description="Score that decay pulls toward; defaults to `initial`."
    )
    half_life_days: Annotated[float, Strict()] | None = Field(
        None,
        gt=0,
        le=MAX_DAYS * 100,
        description="Days for the distance to the baseline to halve; null for no decay.",
    )
    negative_counting: NegativeCounting = Field(
        NegativeCounting.every_infraction,
        description="every_infraction, or serious_first (minor findings count only after a "
        "serious one).",
    )
    grades: tuple[GradeBand, ...] = Field(
        RONGCHENG_GRADES,
        min_length=1,
        max_length=MAX_ITEMS,
        description="Grade bands, best first; the last band's `min` is null.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Score:
        problems = []
        if not self.lower < self.upper:
            problems.append(f"lower ({self.lower:g}) must be below upper ({self.upper:g})")
        elif not self.lower <= self.initial <= self.upper:
            problems.append(
                f"initial ({self.initial:g}) must lie within lower..upper "
                f"({self.lower:g}..{self.upper:g})"
            )
        if self.baseline is not None and not self.lower <= self.baseline <= self.upper:
            problems.append(
                f"baseline ({self.baseline:g}) must lie within lower..upper "
                f"({self.lower:g}..{self.upper:g})"
            )
        names = [band.name for band in self.grades]
        if len(set(names)) != len(names):
            problems.append("grade names must be unique")
        mins = [band.min for band in self.grades]
        if mins[-1] is not None:
            problems.append("the last (lowest) grade band must have `min: null`")
        if any(m is None for m in mins[:-1]):
            problems.append("only the last grade band may have `min: null`")
        else:
            bounded = [m for m in mins[:-1] if m is not None]
            if any(a <= b for a, b in itertools.pairwise(bounded)):
                problems.append("grade bands must be listed best first with falling `min`")
            elif self.lower < self.upper:
                problems += self._unreachable_bands(bounded)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _unreachable_bands(self, bounded: list[float]) -> list[str]:
        """Bands with no score inside lower..upper: a grade nobody can ever have."""
        problems = []
        tops = [math.inf, *bounded]  # each band's (exclusive) upper end
        bottoms = [*bounded, -math.inf]
        for band, bottom, top in zip(self.grades, bottoms, tops, strict=True):
            lowest = max(bottom, self.lower)
            if not (lowest <= self.upper and lowest < top):
                problems.append(
                    f"grade {band.name} can never be reached within lower..upper "
                    f"({self.lower:g}..{self.upper:g})"
                )
        return problems

    @property
    def decay_baseline(self) -> float:
        """The score decay pulls toward."""
        return self.initial if self.baseline is None else self.baseline
