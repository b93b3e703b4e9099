"""The evidence behind a scenario's numbers: entries of the ledger and calibration targets.

Each number is documented, derived, calibrated or an assumption (:class:`Level`). A
scenario's ``sources:`` holds the ledger's entries (:class:`Evidence`) and its ``targets:``
the documented aggregates every run is measured against (:class:`Target`). The ledger
itself, every number with its level, is :mod:`score_sim.scenario.ledger`.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import Field, model_validator

from score_sim.scenario.base import Who, _Strict


class Level(StrEnum):
    """How well a number of a scenario is founded (the evidence ledger)."""

    documented = "documented"
    """Its own key path is cited, with the source."""
    derived = "derived"
    """Computed from documented numbers; the entry gives the derivation."""
    calibrated = "calibrated"
    """Tuned so that a documented aggregate (a target) is reproduced; names the target."""
    assumption = "assumption"
    """A choice of the scenario, not a known fact."""


class Evidence(_Strict):
    """One entry of the evidence ledger: a number's level and what founds it."""

    level: Level = Field(description="documented, derived, calibrated or assumption.")
    source: str = Field(
        "",
        description="documented: the citation; derived: the derivation; calibrated: how it "
        "was tuned; assumption: why this value (optional).",
    )
    target: str | None = Field(
        None, description="calibrated: the name of the target (in `targets`) it reproduces."
    )

    @model_validator(mode="after")
    def _complete(self) -> Evidence:
        if self.level is not Level.assumption and not self.source.strip():
            raise ValueError(f"a {self.level.value} number needs a `source`")
        if self.level is Level.calibrated and not self.target:
            raise ValueError("a calibrated number names its `target`")
        if self.level is not Level.calibrated and self.target:
            raise ValueError("only a calibrated number names a `target`")
        return self


class Metric(StrEnum):
    """What a calibration target is compared with, measured on a finished run."""

    listed_share_at_end = "listed_share_at_end"
    """Share of the actors of kind `who` on the list at the end (`list`, or any blacklist)."""
    ever_listed_share = "ever_listed_share"
    """Share of the actors of kind `who` who entered the list at least once in the run."""
    new_listings_per_year_share = "new_listings_per_year_share"
    """Entries of kind `who` into the list per year, as a share of that kind's actors."""
    entry_years_mean = "entry_years_mean"
    """Mean length, in years, that the entries begun in the run are set to last."""


class Target(_Strict):
    """A documented aggregate the scenario should reproduce, and how close is close enough."""

    name: str = Field(min_length=1, description="Short name, e.g. court_defaulters_new.")
    source: str = Field(min_length=1, description="Where the documented aggregate comes from.")
    metric: Metric = Field(description="The measured quantity compared with it.")
    list: str | None = Field(
        None, description="The list measured (a name in `lists`); null: any blacklist."
    )
    who: Who = Field(Who.citizen, description="The kind of actor measured.")
    low: float = Field(description="Lowest acceptable model value.")
    high: float = Field(description="Highest acceptable model value.")

    @model_validator(mode="after")
    def _range(self) -> Target:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must not exceed high ({self.high:g})")
        return self
