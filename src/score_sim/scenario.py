"""Scenario files: the typed, validated description of one points regime.

A scenario is a YAML file read with ``yaml.safe_load`` semantics (see :mod:`score_sim.loading`)
and validated by the pydantic models below. Unknown keys are refused, every problem is
reported at once with its file, line and column, and the JSON Schema that editors use for
autocompletion is generated from these models (``score-sim schema``).

The defaults follow the documented points concept (start 1000, bounds 600..1300); every
other number in a scenario is an assumption unless the scenario's ``sources:`` names where
it comes from.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from score_sim.errors import Problem, ScenarioError, format_key
from score_sim.loading import LocationMap, read_yaml
from score_sim.overrides import apply_overrides, path_exists


class _Strict(BaseModel):
    """Base for all scenario sections: unknown keys are errors, instances are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Who(StrEnum):
    """Which kind of actor a behaviour or rule concerns."""

    citizen = "citizen"
    firm = "firm"


class Severity(StrEnum):
    """How grave a finding is. A serious finding can list directly (see ``lists``)."""

    minor = "minor"
    serious = "serious"


class NegativeCounting(StrEnum):
    """Which negative findings cost points.

    ``every_infraction``: every negative finding deducts its points.
    ``serious_first``: minor negative findings count only against an actor that already
    has a serious finding on record (Jeremy Daum's reading: a serious incident must come
    first, only then is the negative profile extended with lesser misconduct).
    """

    every_infraction = "every_infraction"
    serious_first = "serious_first"


class Population(_Strict):
    """Who lives in the simulated city."""

    citizens: int = Field(
        10_000, ge=0, description="Number of citizens (Rongcheng's pilot scored about 670,000)."
    )
    firms: int = Field(500, ge=0, description="Number of firms.")
    employment_rate: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Share of citizens employed by a firm (drawn at random; needs firms > 0).",
    )
    sectors: tuple[str, ...] = Field(
        ("general",),
        min_length=1,
        description="Sector names; each firm belongs to one, drawn uniformly.",
    )

    @field_validator("sectors")
    @classmethod
    def _sectors_unique(cls, sectors: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(sectors)) != len(sectors):
            raise ValueError("sector names must be unique")
        return sectors


class GradeBand(_Strict):
    """One named grade band: an actor has this grade when its score is at least ``min``."""

    name: str = Field(min_length=1, description="Band name, e.g. AAA.")
    min: float | None = Field(
        description="Lowest score in the band; null for the lowest band (everything below)."
    )


RONGCHENG_GRADES: tuple[GradeBand, ...] = (
    GradeBand(name="AAA", min=1050),
    GradeBand(name="AA", min=1030),
    GradeBand(name="A", min=960),
    GradeBand(name="B", min=850),
    GradeBand(name="C", min=600),
    GradeBand(name="D", min=None),
)


class Score(_Strict):
    """The points scale, its decay and its grade bands."""

    initial: float = Field(1000, description="Score every actor starts with.")
    lower: float = Field(600, description="Lowest possible score (the floor).")
    upper: float = Field(1300, description="Highest possible score (the ceiling).")
    baseline: float | None = Field(
        None, description="Score that decay pulls toward; defaults to `initial`."
    )
    half_life_days: float | None = Field(
        None,
        gt=0,
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
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def decay_baseline(self) -> float:
        """The score decay pulls toward."""
        return self.initial if self.baseline is None else self.baseline


class Channel(StrEnum):
    """How a finding reaches an actor's record."""

    records = "records"
    surveillance = "surveillance"
    denunciation = "denunciation"
    inspection = "inspection"


class Detection(_Strict):
    """Chance that one occurrence of a behaviour is found, by channel."""

    records: float = Field(
        1.0, ge=0, le=1, description="Official records (courts, banks, agencies)."
    )
    surveillance: float = Field(0.0, ge=0, le=1, description="Cameras and online monitoring.")
    denunciation_per_tie: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Chance that each tie (family, friend; a firm's staff) reports it.",
    )
    inspection: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Firms: chance that a 'double random' inspection finds it, while pending.",
    )


class Behaviour(_Strict):
    """Something actors do at a rate, which costs or earns points when it is found."""

    name: str = Field(min_length=1, description="Short name, e.g. traffic_ticket.")
    who: Who = Field(description="citizen or firm.")
    rate_per_year: float = Field(
        ge=0, description="Expected occurrences per actor per year (a Poisson rate)."
    )
    points: float = Field(description="Points added when found (negative for misconduct).")
    sector: str | None = Field(
        None, description="Sector the behaviour belongs to (must be one of population.sectors)."
    )
    severity: Severity = Field(Severity.minor, description="minor or serious.")
    detection: Detection = Field(
        default_factory=Detection, description="Chance that an occurrence is found, by channel."
    )

    @field_validator("rate_per_year")
    @classmethod
    def _finite_rate(cls, rate: float) -> float:
        if not math.isfinite(rate):
            raise ValueError("rate_per_year must be a finite number")
        return rate


class ListEntry(_Strict):
    """When an actor enters a list. Conditions combine with `combine` (any or all).

    Giving both score conditions defines a band (score_at_least <= score < score_below),
    which counts as one condition.
    """

    score_below: float | None = Field(
        None, description="Enter when the score falls below this value."
    )
    score_at_least: float | None = Field(
        None, description="Enter when the score is at least this value."
    )
    serious_finding: bool = Field(
        False, description="Enter on the day a serious finding is recorded."
    )
    combine: Literal["any", "all"] = Field(
        "any", description="any: one condition suffices; all: every given condition must hold."
    )

    @model_validator(mode="after")
    def _at_least_one(self) -> ListEntry:
        if self.score_below is None and self.score_at_least is None and not self.serious_finding:
            raise ValueError(
                "give at least one entry condition: score_below, score_at_least or serious_finding"
            )
        return self


class ListRule(_Strict):
    """A blacklist or red list: who enters, for how long, and when an entry may end early."""

    enabled: bool = Field(True, description="Whether this list exists in the scenario.")
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor the list covers."
    )
    enter: ListEntry = Field(description="Entry conditions.")
    min_days: int = Field(ge=1, description="An entry lasts at least this many days.")
    max_days: int = Field(ge=1, description="An entry expires after at most this many days.")
    early_removal: bool = Field(
        True,
        description="After min_days (counted from the latest serious finding, if any), remove "
        "the entry as soon as the score condition no longer holds (fixing the problem speeds "
        "removal). Lists without a score condition run to max_days unless remedied.",
    )

    @model_validator(mode="after")
    def _durations(self) -> ListRule:
        if self.max_days < self.min_days:
            raise ValueError(
                f"max_days ({self.max_days}) must be at least min_days ({self.min_days})"
            )
        return self


def _default_blacklist() -> ListRule:
    return ListRule(
        enter=ListEntry(score_below=850, serious_finding=True),
        min_days=180,
        max_days=1825,
    )


def _default_redlist() -> ListRule:
    return ListRule(enter=ListEntry(score_at_least=1050), min_days=365, max_days=1095)


class Lists(_Strict):
    """The blacklist (heavily distrusted entities) and the red list (exemplary actors)."""

    blacklist: ListRule = Field(default_factory=_default_blacklist)
    redlist: ListRule = Field(default_factory=_default_redlist)


class Restriction(StrEnum):
    """A restriction of joint sanctions (after the 2016 joint-punishment memoranda)."""

    travel = "travel"
    """Bans on flights, high-speed trains and travel abroad."""
    credit = "credit"
    """Harder or no credit."""
    public_contracts = "public_contracts"
    """Exclusion from public procurement."""
    public_service_jobs = "public_service_jobs"
    """Exclusion from jobs in public service."""
    employment = "employment"
    """Exclusion from some employers and jobs."""
    school_access = "school_access"
    """Children barred from private schools."""
    licences = "licences"
    """Denied licences, approvals and stock issuance."""
    extra_inspections = "extra_inspections"
    """More unplanned site and customs inspections."""
    partners = "partners"
    """Business partners avoid the firm."""
    welfare = "welfare"
    """Exclusion from welfare and public services."""
    honours = "honours"
    """Barred from community honours."""


class Ties(_Strict):
    """The ties along which findings and sanctions travel."""

    household_size_mean: float = Field(
        0.0,
        ge=0,
        le=20,
        description="Mean size of a family household (citizens); 0 for no family ties.",
    )
    friends_per_citizen: float = Field(
        0.0, ge=0, le=100, description="Mean number of friend ties per citizen."
    )
    branch_share: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Share of firms that are branches of another (parent) firm.",
    )
    legal_representatives: bool = Field(
        True,
        description="Each firm has a legal representative: one of its staff, else a citizen.",
    )


class Inspections(_Strict):
    """Inspections of firms ("double random, one open"), at rates set by the firm's grade."""

    enabled: bool = Field(False, description="Whether firms are inspected.")
    rate_per_year_by_grade: dict[str, float] = Field(
        default_factory=dict,
        description="Inspections per firm per year by grade name; grades not named use "
        "`default_rate_per_year`.",
    )
    default_rate_per_year: float = Field(0.5, ge=0)
    extra_inspections_multiplier: float = Field(
        3.0, ge=1, description="Rate multiplier for firms under the extra_inspections sanction."
    )
    lookback_days: int = Field(
        365, ge=1, description="How long an unfound violation stays findable by inspection."
    )
    false_finding_probability: float = Field(
        0.0, ge=0, le=1, description="Chance that an inspection records a violation that never was."
    )


class Errors(_Strict):
    """Erroneous reports: findings that are not true."""

    false_finding_rate_per_year: float = Field(
        0.0,
        ge=0,
        description="False findings per actor per year (a record of misconduct that never "
        "happened), each of a negative behaviour of the actor's kind, in proportion to rates.",
    )
    malicious_denunciation_rate_per_year: float = Field(
        0.0,
        ge=0,
        description="Fabricated denunciations per citizen per year, each against one of the "
        "citizen's ties.",
    )
    misidentification: dict[Channel, float] = Field(
        default_factory=dict,
        description="By channel, chance that a finding lands on the wrong actor of the same "
        "kind (e.g. surveillance: 0.05 for a face matched wrongly).",
    )

    @field_validator("misidentification")
    @classmethod
    def _probabilities(cls, value: dict[Channel, float]) -> dict[Channel, float]:
        for channel, p in value.items():
            if not 0 <= p <= 1:
                raise ValueError(f"misidentification.{channel}: {p} is not a probability")
        return value


class SanctionDesign(StrEnum):
    """What triggers joint sanctions."""

    list_driven = "list_driven"
    """Findings put actors on lists; lists drive sanctions (the documented Rongcheng design)."""
    score_driven = "score_driven"
    """The grade itself triggers sanctions (the popular picture)."""


class Reach(_Strict):
    """How a sanction reaches others through ties: the restrictions each tie receives."""

    legal_representative: tuple[Restriction, ...] = Field(
        (), description="A sanctioned firm's legal representative (punished personally)."
    )
    staff: tuple[Restriction, ...] = Field((), description="A sanctioned firm's employees.")
    family: tuple[Restriction, ...] = Field(
        (),
        description="Family of a sanctioned citizen (and, with `family_of_reached`, of "
        "those reached through a firm).",
    )
    family_of_reached: bool = Field(
        False,
        description="Family reach extends to the families of legal representatives "
        "and staff reached through a firm.",
    )
    parent_company: tuple[Restriction, ...] = Field(
        (), description="The parent of a sanctioned branch (one branch affects the company)."
    )


class Spillover(_Strict):
    """Points that travel with findings: conduct of staff and branches reaches the firm."""

    staff_points_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of an employee's finding points also given to the employer.",
    )
    branch_points_share: float = Field(
        0.0, ge=0, le=1, description="Share of a branch's finding points also given to its parent."
    )


class Sanctions(_Strict):
    """Joint sanctions across sectors: what is restricted, for whom, triggered by what."""

    design: SanctionDesign = Field(SanctionDesign.list_driven)
    blacklist: tuple[Restriction, ...] = Field(
        (), description="list_driven: restrictions on a blacklisted actor."
    )
    grades: dict[str, tuple[Restriction, ...]] = Field(
        default_factory=dict,
        description="score_driven: restrictions by grade name (e.g. C: [travel, credit]).",
    )
    reach: Reach = Field(default_factory=Reach)
    spillover: Spillover = Field(default_factory=Spillover)


class Effects(_Strict):
    """What restrictions and rewards do to later conduct: the feedback behind spirals."""

    enabled: bool = Field(True, description="false turns every effect off (no feedback).")
    restriction_multiplier: dict[Restriction, float] = Field(
        default_factory=dict,
        description="Multiplier on the rate of misconduct (negative behaviours) while under "
        "each restriction; several multiply. Applies to citizens and firms alike.",
    )
    job_loss_probability_per_day: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Chance per day that a citizen under the employment restriction loses "
        "their job (for good).",
    )
    unemployed_multiplier: float = Field(
        1.0, gt=0, description="Misconduct rate multiplier for citizens without a job."
    )
    redlist_multiplier: float = Field(
        1.0, gt=0, description="Misconduct rate multiplier on the red list (rewards)."
    )
    grade_multiplier: dict[str, float] = Field(
        default_factory=dict,
        description="Misconduct rate multiplier by grade name (rewards of high grades, "
        "or penalties of low ones).",
    )

    @field_validator("restriction_multiplier", "grade_multiplier")
    @classmethod
    def _positive(cls, value: dict[Any, float]) -> dict[Any, float]:
        for key, factor in value.items():
            if not factor > 0:
                raise ValueError(f"{key}: a multiplier must be above 0")
        return value


class PropensityGroup(_Strict):
    """A group of actors (an income band, say) with its own rates of misconduct."""

    name: str = Field(min_length=1, description="The group's name.")
    share: float = Field(gt=0, le=1, description="Share of the actors of its kind in the group.")
    multiplier: float = Field(
        1.0, gt=0, description="Factor on every misconduct rate of the group's members."
    )
    behaviours: dict[str, float] = Field(
        default_factory=dict,
        description="Factor on the rate of named misconduct behaviours instead of multiplier.",
    )

    @field_validator("behaviours")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for key, factor in value.items():
            if not factor > 0:
                raise ValueError(f"{key}: a multiplier must be above 0")
        return value


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

    enabled: bool = Field(False, description="true gives each actor its own propensities.")
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor that differ."
    )
    sigma: float = Field(
        0.8,
        ge=0,
        le=3,
        description="Standard deviation of the log of the propensity (lognormal spread).",
    )
    shared: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of the log-propensity's variance common to every misconduct "
        "behaviour of an actor (1: prone to one, prone to all; 0: independent).",
    )
    groups: tuple[PropensityGroup, ...] = Field(
        (), description="Optional groups with their own rates; shares must sum to 1."
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


class Appeals(_Strict):
    """Administrative and legal appeals against blacklistings."""

    enabled: bool = Field(False)
    file_probability: float = Field(
        0.5, ge=0, le=1, description="Chance that a blacklisted actor appeals."
    )
    capacity_per_day: int = Field(5, ge=0, description="Appeals decided per day at most.")
    delay_days: int = Field(30, ge=0, description="Days from filing to the earliest decision.")
    success_probability_true: float = Field(
        0.05, ge=0, le=1, description="Chance of success when the listing rests on true findings."
    )
    success_probability_false: float = Field(
        0.6, ge=0, le=1, description="Chance of success when it rests on a false finding."
    )


class CreditRepair(_Strict):
    """Credit repair: a commitment letter and evidence that shorten a blacklisting."""

    enabled: bool = Field(False)
    who: tuple[Who, ...] = Field((Who.firm,), min_length=1)
    after_days: int = Field(
        90, ge=0, description="Days on the blacklist before repair may be requested."
    )
    probability_per_day: float = Field(
        0.01, ge=0, le=1, description="Chance per day, once eligible, that a repair succeeds."
    )


class Remedies(_Strict):
    """Ways off a blacklist besides expiry."""

    appeals: Appeals = Field(default_factory=Appeals)
    credit_repair: CreditRepair = Field(default_factory=CreditRepair)


class HarmMetrics(_Strict):
    """How the harm metrics are defined."""

    pariah_margin_points: float = Field(
        50.0, ge=0, description="A score within this many points of the floor counts as at it."
    )
    pariah_min_days: int = Field(
        90, ge=1, description="Days at the floor or blacklisted, without a break, to be a pariah."
    )


class Run(_Strict):
    """How long to simulate and with which seed."""

    steps: int = Field(365, ge=0, le=36_500, description="Days to simulate (one step = one day).")
    seed: int = Field(42, ge=0, lt=2**63, description="Seed of all random draws.")


class Scenario(_Strict):
    """A whole scenario: the regime's rules, the population and how to run it."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")] = Field(
        description="Short name used for output folders (letters, digits, _ . -)."
    )
    description: str = Field(
        "",
        description="What the scenario shows and how to read it: what it is, how it works, "
        "things to notice, things to try.",
    )
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Map from a key path (e.g. score.initial) to where its number comes from. "
        "Every number not listed here is an assumption.",
    )
    population: Population = Field(default_factory=Population)
    score: Score = Field(default_factory=Score)
    behaviours: tuple[Behaviour, ...] = Field(
        (), description="What actors do, at which rate, for how many points."
    )
    lists: Lists = Field(default_factory=Lists)
    ties: Ties = Field(default_factory=Ties)
    inspections: Inspections = Field(default_factory=Inspections)
    errors: Errors = Field(default_factory=Errors)
    sanctions: Sanctions = Field(default_factory=Sanctions)
    effects: Effects = Field(default_factory=Effects)
    heterogeneity: Heterogeneity = Field(default_factory=Heterogeneity)
    remedies: Remedies = Field(default_factory=Remedies)
    harm_metrics: HarmMetrics = Field(default_factory=HarmMetrics)
    run: Run = Field(default_factory=Run)

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        problems = []
        names = [b.name for b in self.behaviours]
        if len(set(names)) != len(names):
            problems.append("behaviour names must be unique")
        for behaviour in self.behaviours:
            if behaviour.sector is not None and behaviour.sector not in self.population.sectors:
                problems.append(
                    f"behaviour {behaviour.name!r}: sector {behaviour.sector!r} is not one of "
                    f"population.sectors {list(self.population.sectors)}"
                )
        grade_names = {band.name for band in self.score.grades}
        named = [
            ("inspections.rate_per_year_by_grade", self.inspections.rate_per_year_by_grade),
            ("sanctions.grades", self.sanctions.grades),
            ("effects.grade_multiplier", self.effects.grade_multiplier),
        ]
        for where, mapping in named:
            for grade in mapping:
                if grade not in grade_names:
                    problems.append(
                        f"{where}: {grade!r} is not a grade of score.grades {sorted(grade_names)}"
                    )
        misconduct = {b.name for b in self.behaviours if b.points < 0}
        for group in self.heterogeneity.groups:
            for name in group.behaviours:
                if name not in misconduct:
                    problems.append(
                        f"heterogeneity.groups: {group.name!r} names {name!r}, which is not a "
                        f"misconduct behaviour (one with negative points) {sorted(misconduct)}"
                    )
        data = self.model_dump(mode="json")
        for key in self.sources:
            if not path_exists(data, key):
                problems.append(f"sources: {key!r} names no key of this scenario")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def to_data(self) -> dict[str, Any]:
        """The fully resolved scenario as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def sha256(self) -> str:
        """A stable hash of the resolved scenario (key order and formatting do not matter)."""
        text = json.dumps(self.to_data(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def source_of(self, key: str) -> str | None:
        """Where the number at ``key`` comes from, or None when it is an assumption.

        The entry in ``sources`` for the key itself or for the closest section holding it.
        """
        containing = [s for s in self.sources if key == s or key.startswith((s + ".", s + "["))]
        return self.sources[max(containing, key=len)] if containing else None


# --------------------------------------------------------------------------- loading


def _problems_from(
    exc: ValidationError,
    file: str,
    locations: LocationMap | None,
    set_paths: list[tuple[str | int, ...]],
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (not allowed here)"
        elif error["type"] == "missing":
            message = "required key is missing"
        if any(loc[: len(p)] == p for p in set_paths):
            problems.append(Problem("--set", None, None, format_key(loc), message))
            continue
        line, col = locations.locate(loc) if locations is not None else (None, None)
        problems.append(Problem(file, line, col, format_key(loc), message))
    return problems


def scenario_from_data(
    data: Any,
    file: str = "<scenario>",
    locations: LocationMap | None = None,
    overrides: dict[str, Any] | None = None,
) -> Scenario:
    """Validate plain data (as read from YAML), with optional overrides, into a Scenario.

    Raises:
        ScenarioError: listing every problem with its location. Problems with an
            overridden value are attributed to ``--set``, not to the file.
    """
    if not isinstance(data, dict):
        raise ScenarioError.of(file, 1, 1, "", "a scenario must be a mapping of keys")
    set_paths: list[tuple[str | int, ...]] = []
    if overrides:
        data, set_paths = apply_overrides(Scenario, data, overrides)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, file, locations, set_paths)) from None


def bundled_dir() -> Path:
    """Folder holding the scenarios shipped with score-sim."""
    here = Path(__file__).resolve().parent
    installed = here / "scenarios"
    if installed.is_dir():
        return installed
    return here.parents[1] / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names mapped to their files, sorted by name."""
    folder = bundled_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A path as given if it exists (or looks like a file), else a bundled scenario by name."""
    text = str(name_or_path)
    path = Path(text)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in text:
        return path
    bundled = bundled_scenarios()
    if text in bundled:
        return bundled[text]
    names = ", ".join(bundled) or "none"
    raise ScenarioError.of(
        text,
        None,
        None,
        "",
        f"no such file, and no bundled scenario of that name (bundled: {names})",
    )


def load_scenario(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, override and validate a scenario file or a bundled scenario by name.

    Args:
        name_or_path: a path to a YAML file, or the name of a bundled scenario
            (see ``score-sim list``).
        overrides: optional ``{"key.path": value}`` changes applied before validation.

    Raises:
        ScenarioError: every problem found, each with file, line, column and key.
    """
    path = resolve_scenario_path(name_or_path)
    data, locations = read_yaml(path)
    return scenario_from_data(data, str(path), locations, overrides)


def resolve_scenario(
    scenario: Scenario | str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    steps: int | None = None,
    citizens: int | None = None,
    firms: int | None = None,
) -> Scenario:
    """A validated scenario from a Scenario, a file or a bundled name, with changes applied.

    Args:
        scenario: a Scenario, a path to a YAML file or a bundled scenario's name.
        overrides: ``{"key.path": value}`` changes.
        seed: shorthand for ``run.seed``.
        steps: shorthand for ``run.steps``.
        citizens: shorthand for ``population.citizens``.
        firms: shorthand for ``population.firms``.

    Raises:
        ScenarioError: every problem, located.
    """
    changes = dict(overrides or {})
    options = {}
    for key, option, value in (
        ("run.seed", "--seed", seed),
        ("run.steps", "--steps", steps),
        ("population.citizens", "--citizens", citizens),
        ("population.firms", "--firms", firms),
    ):
        if value is not None:
            changes[key] = value
            options[key] = option
    try:
        if not isinstance(scenario, Scenario):
            return load_scenario(scenario, changes)
        if not changes:
            return scenario
        return scenario_from_data(scenario.to_data(), scenario.name, None, changes)
    except ScenarioError as error:
        # name a shorthand's problem after its option, not after --set
        raise ScenarioError(
            [
                Problem(options[p.key], None, None, p.key, p.message)
                if p.file == "--set" and p.key in options
                else p
                for p in error.problems
            ]
        ) from None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, generated from the models."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "score-sim scenario"
    return schema


def json_schema_text() -> str:
    """The JSON Schema as the text committed next to the scenarios."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
