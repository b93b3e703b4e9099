"""The simulated people: who lives in the city, how they are tied, how they differ.

``population`` sets how many citizens and firms there are, their jobs and sectors;
``ties`` the families, friends, staff, legal representatives and branches along which
findings and sanctions travel; ``heterogeneity`` each actor's own propensity to each kind
of misconduct. All three are fixed when the world is built: a timeline cannot change them.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, Strict, field_validator, model_validator

from score_sim.scenario.base import (
    MAX_ITEMS,
    Count,
    Multiplier,
    Name,
    Probability,
    Switch,
    Who,
    _Strict,
)


class Population(_Strict):
    """Who lives in the simulated city."""

    citizens: Count = Field(
        10_000, description="Number of citizens (Rongcheng's pilot scored about 670,000)."
    )
    firms: Count = Field(500, description="Number of firms.")
    employment_rate: Probability = Field(
        0.7,
        description="Share of citizens employed by a firm (drawn at random; needs firms > 0).",
    )
    sectors: tuple[Name, ...] = Field(
        ("general",),
        min_length=1,
        max_length=MAX_ITEMS,
        description="Sector names; each firm belongs to one, drawn uniformly.",
    )
    adult_share: Annotated[float, Strict(), Field(gt=0.0, le=1.0)] | None = Field(
        None,
        description="Share of the citizens who are adults. It changes nothing in the run: "
        "it is the denominator of targets given per adult (`denominator: adults`), and, "
        "like every number, cited or labelled in `sources`.",
    )

    @field_validator("sectors")
    @classmethod
    def _sectors_unique(cls, sectors: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(sectors)) != len(sectors):
            raise ValueError("sector names must be unique")
        return sectors


class Ties(_Strict):
    """The ties along which findings and sanctions travel."""

    household_size_mean: Annotated[float, Strict()] = Field(
        0.0,
        ge=0,
        le=20,
        description="Mean size of a family household (citizens); 0 for no family ties.",
    )
    friends_per_citizen: Annotated[float, Strict()] = Field(
        0.0, ge=0, le=100, description="Mean number of friend ties per citizen."
    )
    branch_share: Annotated[float, Strict()] = Field(
        0.0,
        ge=0,
        lt=1,
        description="Share of firms that are branches of another (parent) firm.",
    )
    legal_representatives: Switch = Field(
        True,
        description="Each firm has a legal representative: one of its staff, else a citizen.",
    )


class PropensityGroup(_Strict):
    """A group of actors (an income band, say) with its own rates of misconduct."""

    name: Name = Field(description="The group's name.")
    share: Annotated[Probability, Field(gt=0)] = Field(
        description="Share of the actors of its kind in the group."
    )
    multiplier: Multiplier = Field(
        1.0, description="Factor on every misconduct rate of the group's members."
    )
    behaviours: dict[Name, Multiplier] = Field(
        default_factory=dict,
        description="Factor on the rate of named misconduct behaviours instead of multiplier.",
    )


class Heterogeneity(_Strict):
    """People who differ: each actor's own propensity to each kind of misconduct.

    Off by default: then every actor of a kind misbehaves at the same rates. On, each
    actor's rate of each misconduct behaviour is the behaviour's rate times a propensity:
    a lognormal factor (its log has standard deviation ``sigma``; ``shared`` of that
    variance is common to all of the actor's kinds of misconduct, the rest differs by
    behaviour) times its group's factor. Propensities are scaled to average 1 over each
    kind's actors, so ``rate_per_year`` stays the population's mean rate. They are drawn
    from their own random stream, so twin worlds hold the same people.
    """

    enabled: Switch = Field(False, description="true gives each actor its own propensities.")
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor that differ."
    )
    sigma: Annotated[float, Strict()] = Field(
        0.8,
        ge=0,
        le=3,
        description="Standard deviation of the log of the propensity (lognormal spread).",
    )
    shared: Probability = Field(
        0.7,
        description="Share of the log-propensity's variance common to every misconduct "
        "behaviour of an actor (1: prone to one, prone to all; 0: independent).",
    )
    groups: tuple[PropensityGroup, ...] = Field(
        (),
        max_length=MAX_ITEMS,
        description="Optional groups with their own rates; shares must sum to 1.",
    )

    @model_validator(mode="after")
    def _shares(self) -> Heterogeneity:
        if self.groups:
            total = sum(group.share for group in self.groups)
            if not math.isclose(total, 1.0, abs_tol=1e-9):
                raise ValueError(f"groups: shares must sum to 1, not {total:g}")
            names = [group.name for group in self.groups]
            if len(set(names)) != len(names):
                raise ValueError("groups: names must be unique")
        return self
