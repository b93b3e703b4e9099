"""Conduct and how it is found: behaviours, detection channels, inspections, false findings.

A behaviour is something actors do at a rate, which costs or earns points when a channel
finds it (records, surveillance, denunciation by ties, inspection). ``inspections`` sends
"double random" inspections to firms; ``errors`` adds findings that are not true: false
records, malicious denunciations and findings that land on the wrong actor.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from score_sim.scenario.base import (
    Days,
    Multiplier,
    Name,
    Probability,
    RatePerYear,
    ScorePoints,
    Severity,
    Switch,
    Who,
    _Strict,
)


class Channel(StrEnum):
    """How a finding reaches an actor's record."""

    records = "records"
    surveillance = "surveillance"
    denunciation = "denunciation"
    inspection = "inspection"


class Detection(_Strict):
    """Chance that one occurrence of a behaviour is found, by channel."""

    records: Probability = Field(1.0, description="Official records (courts, banks, agencies).")
    surveillance: Probability = Field(0.0, description="Cameras and online monitoring.")
    denunciation_per_tie: Probability = Field(
        0.0,
        description="Chance that each tie (family, friend; a firm's staff) reports it.",
    )
    inspection: Probability = Field(
        0.0,
        description="Firms: chance that a 'double random' inspection finds it, while pending.",
    )


class Behaviour(_Strict):
    """Something actors do at a rate, which costs or earns points when it is found."""

    name: Name = Field(description="Short name, e.g. traffic_ticket.")
    who: Who = Field(description="citizen or firm.")
    rate_per_year: RatePerYear = Field(
        description="Expected occurrences per actor per year (a Poisson rate)."
    )
    points: ScorePoints = Field(description="Points added when found (negative for misconduct).")
    sector: Name | None = Field(
        None, description="Sector the behaviour belongs to (must be one of population.sectors)."
    )
    severity: Severity = Field(Severity.minor, description="minor or serious.")
    detection: Detection = Field(
        default_factory=Detection, description="Chance that an occurrence is found, by channel."
    )
    downgrade_to: Name | None = Field(
        None,
        description="A grade of score.grades: a finding also puts the score no higher than "
        "the top of this grade (Rongcheng-style grades: drunk driving straight to C).",
    )
    downgrade_days: Annotated[Days, Field(ge=1)] | None = Field(
        None,
        description="With downgrade_to: days the score is held at or below that grade's top "
        "(null: dropped once, then free to recover as scores decay back).",
    )


class Inspections(_Strict):
    """Inspections of firms ("double random, one open"), at rates set by the firm's grade."""

    enabled: Switch = Field(False, description="Whether firms are inspected.")
    rate_per_year_by_grade: dict[Name, RatePerYear] = Field(
        default_factory=dict,
        description="Inspections per firm per year by grade name; grades not named use "
        "`default_rate_per_year`.",
    )
    default_rate_per_year: RatePerYear = Field(
        0.5, description="Inspections per firm per year for grades not named."
    )
    extra_inspections_multiplier: Annotated[Multiplier, Field(ge=1)] = Field(
        3.0, description="Rate multiplier for firms under the extra_inspections sanction."
    )
    lookback_days: Annotated[Days, Field(ge=1)] = Field(
        365, description="How long an unfound violation stays findable by inspection."
    )
    false_finding_probability: Probability = Field(
        0.0, description="Chance that an inspection records a violation that never was."
    )


class Errors(_Strict):
    """Erroneous reports: findings that are not true."""

    false_finding_rate_per_year: RatePerYear = Field(
        0.0,
        description="False findings per actor per year (a record of misconduct that never "
        "happened), each of a negative behaviour of the actor's kind, in proportion to rates.",
    )
    malicious_denunciation_rate_per_year: RatePerYear = Field(
        0.0,
        description="Fabricated denunciations per citizen per year, each against one of the "
        "citizen's ties.",
    )
    misidentification: dict[Channel, Probability] = Field(
        default_factory=dict,
        description="By channel, chance that a finding lands on the wrong actor of the same "
        "kind (e.g. surveillance: 0.05 for a face matched wrongly).",
    )
