"""How long a scenario runs and with which seed, and how its harm metrics are defined.

Neither is a rule of the regime: a timeline cannot change them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from score_sim.scenario.base import Days, ScorePoints, _Strict


class HarmMetrics(_Strict):
    """How the harm metrics are defined."""

    pariah_margin_points: Annotated[ScorePoints, Field(ge=0)] = Field(
        50.0, description="A score within this many points of the floor counts as at it."
    )
    pariah_min_days: Annotated[Days, Field(ge=1)] = Field(
        90, description="Days at the floor or blacklisted, without a break, to be a pariah."
    )
    bad_luck_early_days: Annotated[Days, Field(ge=1)] | None = Field(
        None,
        description="Measure the bad-luck ratio: citizens falsely listed in the run's first "
        "this many days, blacklisted or pariahs at the end, against the same citizens in the "
        "twin world without errors (a second simulation); null: not measured.",
    )


class Run(_Strict):
    """How long to simulate and with which seed."""

    steps: Days = Field(365, description="Days to simulate (one step = one day).")
    seed: Annotated[int, Strict()] = Field(
        42, ge=0, lt=2**63, description="Seed of all random draws."
    )
