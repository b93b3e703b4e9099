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
    ValidationInfo,
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
    GradeBand(name="C", min=None),
)
"""Rongcheng-style bands on the national 600..1300 scale: C is 600-849 there, and the D
band (599 or less) of Rongcheng's own scale has no room above the national floor."""


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


CITIZEN_RESTRICTIONS: frozenset[Restriction] = frozenset(
    {
        Restriction.travel,
        Restriction.credit,
        Restriction.public_service_jobs,
        Restriction.employment,
        Restriction.school_access,
        Restriction.welfare,
        Restriction.honours,
    }
)
"""Restrictions the 2016 policy lists for persons."""

FIRM_RESTRICTIONS: frozenset[Restriction] = frozenset(
    {
        Restriction.credit,
        Restriction.public_contracts,
        Restriction.licences,
        Restriction.extra_inspections,
        Restriction.partners,
        Restriction.honours,
    }
)
"""Restrictions the 2016 policy lists for firms (travel bans for executives reach them
through ``sanctions.reach.legal_representative``)."""

APPLICABLE: dict[Who, frozenset[Restriction]] = {
    Who.citizen: CITIZEN_RESTRICTIONS,
    Who.firm: FIRM_RESTRICTIONS,
}


def _check_applicable(who: Who, restrictions: tuple[Restriction, ...]) -> None:
    wrong = [r.value for r in restrictions if r not in APPLICABLE[who]]
    if wrong:
        allowed = sorted(r.value for r in APPLICABLE[who])
        raise ValueError(
            f"{who.value}: {', '.join(wrong)} does not apply to a {who.value} "
            f"(restrictions for a {who.value}: {', '.join(allowed)})"
        )


class RestrictionsByKind(_Strict):
    """Restrictions per kind of actor, as the 2016 policy lists them separately."""

    citizen: tuple[Restriction, ...] = Field((), description="Restrictions on a citizen.")
    firm: tuple[Restriction, ...] = Field((), description="Restrictions on a firm.")

    @model_validator(mode="after")
    def _applicable(self) -> RestrictionsByKind:
        _check_applicable(Who.citizen, self.citizen)
        _check_applicable(Who.firm, self.firm)
        return self

    def of(self, who: Who) -> tuple[Restriction, ...]:
        """The restrictions on one kind of actor."""
        return self.citizen if who is Who.citizen else self.firm


RestrictionSet = tuple[Restriction, ...] | RestrictionsByKind
"""A flat set (each restriction applies to the kinds of actor it fits) or one per kind."""


def by_kind(restrictions: RestrictionSet) -> RestrictionsByKind:
    """A restriction set split per kind of actor.

    A flat set applies each restriction to the kinds it fits (``credit`` to both,
    ``welfare`` to citizens only, ``licences`` to firms only).
    """
    if isinstance(restrictions, RestrictionsByKind):
        return restrictions
    return RestrictionsByKind(
        citizen=tuple(r for r in restrictions if r in CITIZEN_RESTRICTIONS),
        firm=tuple(r for r in restrictions if r in FIRM_RESTRICTIONS),
    )


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

    score_below: float | None = Field(
        None, description="Enter when the score falls below this value."
    )
    score_at_least: float | None = Field(
        None, description="Enter when the score is at least this value."
    )
    serious_finding: bool = Field(
        False, description="Enter on the day a serious finding is recorded."
    )
    severities: tuple[Severity, ...] = Field(
        (), description="Enter on the day a finding of one of these severities is recorded."
    )
    behaviours: tuple[str, ...] = Field(
        (), description="Enter on the day a finding of one of these behaviours is recorded."
    )
    combine: Literal["any", "all"] = Field(
        "any", description="any: one condition suffices; all: every given condition must hold."
    )

    @model_validator(mode="after")
    def _at_least_one(self) -> ListEntry:
        if self.score_below is None and self.score_at_least is None and not self.by_finding:
            raise ValueError(
                "give at least one entry condition: score_below, score_at_least, "
                "serious_finding, severities or behaviours"
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

    days: int = Field(ge=1, description="Days added by one extension.")
    times: int = Field(1, ge=1, description="Extensions at most.")
    probability: float = Field(
        ge=0,
        le=1,
        description="Chance of each extension (drawn when the entry begins: how often the "
        "obligations are still unmet when the entry is due to end).",
    )


class ListRule(_Strict):
    """One list: who enters, for how long, how an entry ends, and what it triggers."""

    enabled: bool = Field(True, description="Whether this list exists in the scenario.")
    type: ListType | None = Field(
        None,
        description="blacklist (sanctions) or redlist (rewards); defaults to the list's "
        "name for lists named blacklist or redlist.",
    )
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor the list covers."
    )
    enter: ListEntry = Field(description="Entry conditions.")
    min_days: int = Field(
        ge=1,
        description="An entry lasts at least this many days (counted from the latest "
        "finding that listed it): the earliest deletion.",
    )
    max_days: int = Field(
        ge=1, description="An entry expires after this many days, unless extended."
    )
    extension: Extension | None = Field(
        None, description="How an entry may be extended beyond max_days (null: never)."
    )
    early_removal: bool = Field(
        True,
        description="After min_days, remove the entry as soon as the score condition no "
        "longer holds (fixing the problem speeds removal). Lists without a score condition "
        "run to max_days unless removed by request or remedied.",
    )
    removal_probability_per_day: float = Field(
        0.0,
        ge=0,
        le=1,
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
        if self.max_days < self.min_days:
            raise ValueError(
                f"max_days ({self.max_days}) must be at least min_days ({self.min_days})"
            )
        return self

    def longest_days(self) -> int:
        """The longest an entry can last, extensions included."""
        extra = self.extension.days * self.extension.times if self.extension else 0
        return self.max_days + extra


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

    @model_validator(mode="after")
    def _applicable(self) -> Reach:
        # legal representatives, staff and family are citizens; a parent company is a firm
        for ties, who in (
            (("legal_representative", "staff", "family"), Who.citizen),
            (("parent_company",), Who.firm),
        ):
            for tie in ties:
                wrong = [r.value for r in getattr(self, tie) if r not in APPLICABLE[who]]
                if wrong:
                    raise ValueError(
                        f"{tie}: {', '.join(wrong)} does not apply to a {who.value} "
                        f"(restrictions for a {who.value}: "
                        f"{', '.join(sorted(r.value for r in APPLICABLE[who]))})"
                    )
        return self


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
    blacklist: RestrictionSet = Field(
        (),
        description="list_driven: restrictions on an actor on a blacklist (one whose rule "
        "gives no `sanctions` of its own); flat (each restriction applies to the kinds it "
        "fits) or per kind ({citizen: [...], firm: [...]}).",
    )
    grades: dict[str, RestrictionSet] = Field(
        default_factory=dict,
        description="score_driven: restrictions by grade name (e.g. C: [travel, credit]), "
        "flat or per kind.",
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
    sources: dict[str, str | Evidence] = Field(
        default_factory=dict,
        description="The evidence ledger: a map from a key path (e.g. score.initial) to its "
        "citation (a text: documented) or to {level, source, target}. A number is documented "
        "only when its own key path is cited; every number not listed is an assumption.",
    )
    targets: tuple[Target, ...] = Field(
        (),
        description="Documented aggregates the scenario should reproduce; every run reports "
        "each in summary.json.",
    )
    population: Population = Field(default_factory=Population)
    score: Score = Field(default_factory=Score)
    behaviours: tuple[Behaviour, ...] = Field(
        (), description="What actors do, at which rate, for how many points."
    )
    lists: dict[str, ListRule] = Field(
        default_factory=_default_lists,
        description="Lists by name: blacklists (sanctions) and red lists (rewards). A map "
        "naming only blacklist and/or redlist changes those defaults; naming any other list "
        "defines the scenario's lists exactly.",
    )
    ties: Ties = Field(default_factory=Ties)
    inspections: Inspections = Field(default_factory=Inspections)
    errors: Errors = Field(default_factory=Errors)
    sanctions: Sanctions = Field(default_factory=Sanctions)
    effects: Effects = Field(default_factory=Effects)
    remedies: Remedies = Field(default_factory=Remedies)
    harm_metrics: HarmMetrics = Field(default_factory=HarmMetrics)
    run: Run = Field(default_factory=Run)

    @field_validator("lists", mode="before")
    @classmethod
    def _list_defaults(cls, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= set(DEFAULT_LIST_NAMES):
            defaults = {name: rule for name, rule in _default_lists().items() if name not in value}
            return {**value, **defaults}
        return value

    @field_validator("lists")
    @classmethod
    def _list_types(cls, lists: dict[str, ListRule]) -> dict[str, ListRule]:
        for name, rule in lists.items():
            if not name or not all(c.isalnum() or c == "_" for c in name):
                raise ValueError(f"{name!r}: a list name is letters, digits and _")
            if rule.type is None and name not in DEFAULT_LIST_NAMES:
                raise ValueError(f"{name}.type: give blacklist or redlist")
        return {
            name: rule
            if rule.type is not None
            else rule.model_copy(update={"type": ListType(name)})
            for name, rule in lists.items()
        }

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Scenario:
        if info.context and info.context.get("located_checks"):
            return self  # scenario_from_data reports them with their lines
        problems = [f"{format_key(loc)}: {message}" for loc, message in self.cross_check()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def cross_check(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Problems between sections, each as (key path, message)."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        names = [b.name for b in self.behaviours]
        if len(set(names)) != len(names):
            problems.append((("behaviours",), "behaviour names must be unique"))
        for i, behaviour in enumerate(self.behaviours):
            if behaviour.sector is not None and behaviour.sector not in self.population.sectors:
                problems.append(
                    (
                        ("behaviours", i, "sector"),
                        f"behaviour {behaviour.name!r}: sector {behaviour.sector!r} is not one "
                        f"of population.sectors {list(self.population.sectors)}",
                    )
                )
        grade_names = {band.name for band in self.score.grades}
        named = [
            (("inspections", "rate_per_year_by_grade"), self.inspections.rate_per_year_by_grade),
            (("sanctions", "grades"), self.sanctions.grades),
            (("effects", "grade_multiplier"), self.effects.grade_multiplier),
        ]
        for where, mapping in named:
            for grade in mapping:
                if grade not in grade_names:
                    problems.append(
                        (
                            (*where, grade),
                            f"{grade!r} is not a grade of score.grades {sorted(grade_names)}",
                        )
                    )
        for list_name, rule in self.lists.items():
            for j, behaviour in enumerate(rule.enter.behaviours):
                if behaviour not in names:
                    problems.append(
                        (
                            ("lists", list_name, "enter", "behaviours", j),
                            f"{behaviour!r} is not a behaviour of this scenario",
                        )
                    )
            if rule.sanctions is not None and rule.type is ListType.redlist:
                problems.append(
                    (
                        ("lists", list_name, "sanctions"),
                        "a red list brings rewards, not sanctions",
                    )
                )
        target_names = [t.name for t in self.targets]
        if len(set(target_names)) != len(target_names):
            problems.append((("targets",), "target names must be unique"))
        for i, target in enumerate(self.targets):
            if target.list is not None and target.list not in self.lists:
                problems.append(
                    (
                        ("targets", i, "list"),
                        f"{target.list!r} is not a list of this scenario {sorted(self.lists)}",
                    )
                )
        data = self.model_dump(mode="json")
        for key, entry in self.sources.items():
            if not path_exists(data, key):
                problems.append((("sources", key), "names no key of this scenario"))
            elif isinstance(entry, Evidence) and entry.target not in (None, *target_names):
                problems.append(
                    (
                        ("sources", key, "target"),
                        f"{entry.target!r} is not a target of this scenario {sorted(target_names)}",
                    )
                )
        return problems

    def to_data(self) -> dict[str, Any]:
        """The fully resolved scenario as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def sha256(self) -> str:
        """A stable hash of the resolved scenario (key order and formatting do not matter)."""
        text = json.dumps(self.to_data(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def evidence_of(self, key: str) -> Evidence:
        """The ledger entry of the number at ``key``: its level and what founds it.

        Only the key's own entry counts: a source given for a section holding the number
        does not document it. A plain text entry is a citation (documented); a number
        without an entry is an assumption.
        """
        entry = self.sources.get(key)
        if entry is None:
            return Evidence(level=Level.assumption)
        if isinstance(entry, str):
            return Evidence(level=Level.documented, source=entry)
        return entry

    def source_of(self, key: str) -> str | None:
        """The citation of the number at ``key`` when it is documented, else None."""
        evidence = self.evidence_of(key)
        return evidence.source if evidence.level is Level.documented else None

    def list_type(self, name: str) -> ListType:
        """Whether the list ``name`` is a blacklist or a red list."""
        rule_type = self.lists[name].type
        return rule_type if rule_type is not None else ListType(name)

    def sanctions_of_list(self, name: str) -> RestrictionsByKind:
        """The restrictions a blacklist's entry triggers, per kind of actor."""
        rule = self.lists[name]
        if self.list_type(name) is not ListType.blacklist:
            return RestrictionsByKind()
        return by_kind(rule.sanctions if rule.sanctions is not None else self.sanctions.blacklist)


# --------------------------------------------------------------------------- loading


_UNION_MODELS = ("Evidence", "RestrictionsByKind")


def _without_union_tags(error: Any) -> tuple[str | int, ...] | None:
    """An error's key path without pydantic's union-branch tags, or None to skip it.

    A value that may be a text or a mapping (``sources``), or a list or a mapping
    (restriction sets), is checked against each branch; only the branch of the input's
    own shape explains what is wrong with it.
    """
    raw = tuple(error["loc"])
    loc: list[str | int] = []
    for i, element in enumerate(raw):
        if not isinstance(element, str):
            loc.append(element)
            continue
        model_tag = any(m == element or f", {m}]" in element for m in _UNION_MODELS)
        plain_tag = element == "str" or element.startswith("tuple[")
        if not (model_tag or plain_tag):
            loc.append(element)
            continue
        if i == len(raw) - 1:  # an error about the value's shape itself
            is_mapping = isinstance(error.get("input"), dict)
            if (plain_tag and is_mapping) or (model_tag and not is_mapping):
                return None
    return tuple(loc)


def _problems_from(
    exc: ValidationError,
    file: str,
    locations: LocationMap | None,
    set_paths: list[tuple[str | int, ...]],
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = _without_union_tags(error)
        if loc is None:
            continue  # the error of a union's branch that does not fit the input's shape
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
        scenario = Scenario.model_validate(data, context={"located_checks": True})
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, file, locations, set_paths)) from None
    problems = []
    for loc, message in scenario.cross_check():
        if any(loc[: len(p)] == p for p in set_paths):
            problems.append(Problem("--set", None, None, format_key(loc), message))
            continue
        line, col = locations.locate(loc) if locations is not None else (None, None)
        problems.append(Problem(file, line, col, format_key(loc), message))
    if problems:
        raise ScenarioError(problems)
    return scenario


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
