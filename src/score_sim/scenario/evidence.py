"""The evidence behind a scenario's numbers: entries of the ledger and calibration targets.

Each number is documented, derived, calibrated or an assumption (:class:`Level`). A
scenario's ``sources:`` holds the ledger's entries (:class:`Evidence`) and its ``targets:``
the documented aggregates every run is measured against (:class:`Target`). The ledger
itself, every number with its level, is :mod:`score_sim.scenario.ledger`.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated

from pydantic import Field, Strict, model_validator

from score_sim.scenario.base import MAX_DAYS, Who, _Strict


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
    target: str | tuple[str, ...] | None = Field(
        None,
        description="calibrated: the name of the target (in `targets`) it reproduces, or "
        "the names of the targets it was fitted to together.",
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

    @property
    def targets(self) -> tuple[str, ...]:
        """The names of the targets it reproduces (none unless calibrated)."""
        if self.target is None:
            return ()
        return self.target if isinstance(self.target, tuple) else (self.target,)


class Metric(StrEnum):
    """What a calibration target is compared with, measured on a finished run."""

    listed_share_at_end = "listed_share_at_end"
    """Share of the actors counted who are on the lists counted at the end (a stock)."""
    ever_listed_share = "ever_listed_share"
    """Share of the actors counted who entered one of the lists at least once in the run."""
    new_listings_per_year_share = "new_listings_per_year_share"
    """Entries of the actors counted into the lists per year, as a share (an inflow)."""
    entry_years_mean = "entry_years_mean"
    """Mean length, in years, that the entries begun in the run are *set* to last when they
    begin (their term, extensions included): it meets a documented term by construction."""
    stay_years_mean = "stay_years_mean"
    """Mean realised length, in years, of the entries that ended in the run (by expiry,
    early removal or a remedy); the report adds the share of the run's entries still open."""
    blocked_flight_purchases_per_year_share = "blocked_flight_purchases_per_year_share"
    """Flight purchases refused to people under a travel ban, per year, as a share."""
    blocked_train_purchases_per_year_share = "blocked_train_purchases_per_year_share"
    """Train purchases refused to people under a travel ban, per year, as a share."""


PER_YEAR_METRICS = frozenset(
    {
        Metric.new_listings_per_year_share,
        Metric.blocked_flight_purchases_per_year_share,
        Metric.blocked_train_purchases_per_year_share,
    }
)
"""Metrics counted per year: `over_last_days` may restrict them to the run's last days."""
TRAVEL_METRICS = frozenset(
    {Metric.blocked_flight_purchases_per_year_share, Metric.blocked_train_purchases_per_year_share}
)
"""Metrics of the travel bans: they count citizens' purchases, not list entries."""


class Denominator(StrEnum):
    """What a target's share is a share of."""

    counted = "counted"
    """The actors of the kinds counted (`who`): citizens, firms, or both together."""
    adults = "adults"
    """The adults among the citizens: citizens times `population.adult_share`, as national
    figures are given per adult (14.5M court defaulters were about 1.2% of adults)."""


class Target(_Strict):
    """A documented aggregate the scenario should reproduce, and how close is close enough."""

    name: str = Field(min_length=1, description="Short name, e.g. court_defaulters_new.")
    source: str = Field(min_length=1, description="Where the documented aggregate comes from.")
    metric: Metric = Field(description="The measured quantity compared with it.")
    list: str | tuple[str, ...] | None = Field(
        None,
        description="The lists counted: a name in `lists`, or several names (an actor on "
        "any of them counts once); null: every blacklist, administrative records without "
        "joint sanctions included (name the lists that carry sanctions to count only them).",
    )
    who: Who | tuple[Who, ...] = Field(
        Who.citizen,
        description="The kinds of actor counted: citizen, firm, or [citizen, firm] "
        "(people and firms together, as national list counts are given).",
    )
    denominator: Denominator = Field(
        Denominator.counted,
        description="What the share is of: `counted` (the actors of the kinds counted) or "
        "`adults` (citizens times population.adult_share).",
    )
    over_last_days: Annotated[int, Strict(), Field(ge=1, le=MAX_DAYS)] | None = Field(
        None,
        description="Per-year metrics only: count over the run's last this many days "
        "(a documented year late in the period run) [default: the whole run].",
    )
    low: float = Field(description="Lowest acceptable model value.")
    high: float = Field(description="Highest acceptable model value.")

    @model_validator(mode="after")
    def _range(self) -> Target:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must not exceed high ({self.high:g})")
        if isinstance(self.who, tuple) and (not self.who or len(set(self.who)) != len(self.who)):
            raise ValueError("who: name each kind of actor once, at least one")
        if isinstance(self.list, tuple) and (
            not self.list or len(set(self.list)) != len(self.list)
        ):
            raise ValueError("list: name each list once, at least one")
        if self.over_last_days is not None and self.metric not in PER_YEAR_METRICS:
            raise ValueError(
                "over_last_days applies to per-year metrics only "
                f"({', '.join(sorted(m.value for m in PER_YEAR_METRICS))})"
            )
        return self

    @property
    def kinds(self) -> tuple[Who, ...]:
        """The kinds of actor counted, as a tuple."""
        return self.who if isinstance(self.who, tuple) else (self.who,)

    @property
    def lists(self) -> tuple[str, ...] | None:
        """The lists named, as a tuple (None: every blacklist)."""
        if self.list is None:
            return None
        return self.list if isinstance(self.list, tuple) else (self.list,)
