"""What the regime does to later conduct: the effects of one's own sanctions, deterrence.

``effects`` multiply an actor's rate of misconduct while it is restricted, out of work,
red-listed or of a given grade: the feedback behind pariah spirals. ``deterrence`` (an
assumption, off by default) lowers misconduct as the sanctions on others are seen.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated

from pydantic import Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from score_sim.scenario.base import (
    MAX_MULTIPLIER,
    Multiplier,
    Name,
    Probability,
    Switch,
    Who,
    _Strict,
)
from score_sim.scenario.restrictions import Restriction


class Effects(_Strict):
    """What restrictions and rewards do to later conduct: the feedback behind spirals."""

    enabled: Switch = Field(True, description="false turns every effect off (no feedback).")
    restriction_multiplier: dict[Restriction, Multiplier] = Field(
        default_factory=dict,
        description="Multiplier on the rate of misconduct (negative behaviours) while under "
        "each restriction; several multiply. Applies to citizens and firms alike.",
    )
    job_loss_probability_per_day: Probability = Field(
        0.0,
        description="Chance per day that a citizen under the employment restriction loses "
        "their job (for good).",
    )
    unemployed_multiplier: Multiplier = Field(
        1.0, description="Misconduct rate multiplier for citizens without a job."
    )
    redlist_multiplier: Multiplier = Field(
        1.0, description="Misconduct rate multiplier on the red list (rewards)."
    )
    grade_multiplier: dict[Name, Multiplier] = Field(
        default_factory=dict,
        description="Misconduct rate multiplier by grade name (rewards of high grades, "
        "or penalties of low ones).",
    )

    def highest_multiplier(self) -> float:
        """The largest factor any actor's misconduct rate can reach: every factor at once."""
        factor = math.prod(self.restriction_multiplier.values())
        factor *= max(self.unemployed_multiplier, 1.0) * max(self.redlist_multiplier, 1.0)
        return factor * max([1.0, *self.grade_multiplier.values()])

    @model_validator(mode="after")
    def _bounded_product(self) -> Effects:
        if self.highest_multiplier() > MAX_MULTIPLIER:
            raise PydanticCustomError(
                "multiplier_product",
                "the multipliers combine to {product} for an actor under every "
                "restriction at once; keep their product at or below {limit}",
                {"product": f"{self.highest_multiplier():.4g}", "limit": f"{MAX_MULTIPLIER:g}"},
            )
        return self


class VisibilitySignal(StrEnum):
    """What deterrence responds to: yesterday's share of an actor's kind that was..."""

    restricted = "restricted"
    """...under any restriction (own or through ties)."""
    blacklisted = "blacklisted"
    """...on some blacklist."""


class Deterrence(_Strict):
    """Deterrence: base misconduct falls as the regime's sanctions become visible.

    The regime's stated purpose (DOMAIN.md, the defenders' case), never measured: every
    number here is an assumption. Each day, for each kind of actor, ``multiplier =
    max(floor, 1 - strength * share)``, where ``share`` is yesterday's share of that kind
    that was restricted (or blacklisted); the rate of every misconduct behaviour of the kind
    is multiplied by it.
    """

    enabled: Switch = Field(False, description="true lets misconduct respond to sanctions seen.")
    visibility: VisibilitySignal = Field(
        VisibilitySignal.restricted,
        description="restricted or blacklisted: the share of one's own kind seen sanctioned.",
    )
    strength: Annotated[float, Strict()] = Field(
        2.0,
        ge=0,
        le=1000,
        description="How strongly the share deters: 2 halves misconduct when 25% are sanctioned.",
    )
    floor: Probability = Field(
        0.5, description="Lowest multiplier: some misconduct is never deterred."
    )
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor deterred."
    )
