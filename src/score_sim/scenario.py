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
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from score_sim.errors import Problem, ScenarioError, argument, format_key
from score_sim.loading import LocationMap, check_path_length, read_yaml
from score_sim.overrides import apply_overrides, path_exists


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

    @field_validator("sectors")
    @classmethod
    def _sectors_unique(cls, sectors: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(sectors)) != len(sectors):
            raise ValueError("sector names must be unique")
        return sectors


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
    internet = "internet"
    """Slower internet (the 2016 policy's list for persons)."""
    leisure = "leisure"
    """Barred from luxury restaurants, nightclubs and golf (the 2016 policy)."""


CITIZEN_RESTRICTIONS: frozenset[Restriction] = frozenset(
    {
        Restriction.travel,
        Restriction.credit,
        Restriction.public_service_jobs,
        Restriction.employment,
        Restriction.school_access,
        Restriction.welfare,
        Restriction.honours,
        Restriction.internet,
        Restriction.leisure,
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

    score_below: ScorePoints | None = Field(
        None, description="Enter when the score falls below this value."
    )
    score_at_least: ScorePoints | None = Field(
        None, description="Enter when the score is at least this value."
    )
    serious_finding: Switch = Field(
        False, description="Enter on the day a serious finding is recorded."
    )
    severities: tuple[Severity, ...] = Field(
        (), description="Enter on the day a finding of one of these severities is recorded."
    )
    behaviours: tuple[Name, ...] = Field(
        (),
        max_length=MAX_ITEMS,
        description="Enter on the day a finding of one of these behaviours is recorded.",
    )
    combine: Literal["any", "all"] = Field(
        "any", description="any: one condition suffices; all: every given condition must hold."
    )
    system: Name | None = Field(
        None,
        description="The score that score_below and score_at_least compare: `score` (the "
        "default) or a system of `scores` (e.g. sesame). Actors who do not carry it never "
        "enter by score.",
    )

    @model_validator(mode="after")
    def _at_least_one(self) -> ListEntry:
        if self.score_below is None and self.score_at_least is None and not self.by_finding:
            raise ValueError(
                "give at least one entry condition: score_below, score_at_least, "
                "serious_finding, severities or behaviours"
            )
        if self.system is not None and not self.by_score:
            raise ValueError(
                "system names the score that score_below or score_at_least compare: give one"
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

    days: Annotated[Days, Field(ge=1)] = Field(description="Days added by one extension.")
    times: Annotated[int, Strict()] = Field(1, ge=1, le=100, description="Extensions at most.")
    probability: Probability = Field(
        description="Chance of each extension (drawn when the entry begins: how often the "
        "obligations are still unmet when the entry is due to end).",
    )


class ListRule(_Strict):
    """One list: who enters, for how long, how an entry ends, and what it triggers."""

    enabled: Switch = Field(True, description="Whether this list exists in the scenario.")
    type: ListType | None = Field(
        None,
        description="blacklist (sanctions) or redlist (rewards); defaults to the list's "
        "name for lists named blacklist or redlist.",
    )
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor the list covers."
    )
    enter: ListEntry | None = Field(
        None, description="Entry conditions (required when the list is enabled)."
    )
    min_days: Annotated[Days, Field(ge=1)] | None = Field(
        None,
        description="An entry lasts at least this many days (counted from the latest "
        "finding that listed it): the earliest deletion (required when enabled).",
    )
    max_days: Annotated[Days, Field(ge=1)] | None = Field(
        None,
        description="An entry expires after this many days, unless extended (required when "
        "enabled).",
    )
    extension: Extension | None = Field(
        None, description="How an entry may be extended beyond max_days (null: never)."
    )
    early_removal: Switch = Field(
        True,
        description="After min_days, remove the entry as soon as the score condition no "
        "longer holds (fixing the problem speeds removal). Lists without a score condition "
        "run to max_days unless removed by request or remedied.",
    )
    removal_probability_per_day: Probability = Field(
        0.0,
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
        if not self.enabled:
            return self
        missing = [key for key in ("enter", "min_days", "max_days") if getattr(self, key) is None]
        if missing:
            raise PydanticCustomError(
                "missing_when_enabled",
                "an enabled list needs {keys} (or set enabled: false)",
                {"keys": ", ".join(missing)},
            )
        if self.max_days < self.min_days:
            raise ValueError(
                f"max_days ({self.max_days}) must be at least min_days ({self.min_days})"
            )
        return self

    def longest_days(self) -> int:
        """The longest an entry can last, extensions included (0 for a list switched off)."""
        extra = self.extension.days * self.extension.times if self.extension else 0
        return (self.max_days or 0) + extra


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
    family_of_reached: Switch = Field(
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

    staff_points_share: Probability = Field(
        0.0,
        description="Share of an employee's finding points also given to the employer.",
    )
    branch_points_share: Probability = Field(
        0.0, description="Share of a branch's finding points also given to its parent."
    )


class Sanctions(_Strict):
    """Joint sanctions across sectors: what is restricted, for whom, triggered by what."""

    design: SanctionDesign = Field(SanctionDesign.list_driven)
    grade_system: Name = Field(
        "score",
        description="score_driven: the score whose grades `grades` names: `score` (the "
        "default) or a system of `scores`; actors who do not carry it have no grade.",
    )
    blacklist: RestrictionSet = Field(
        (),
        description="list_driven: restrictions on an actor on a blacklist (one whose rule "
        "gives no `sanctions` of its own); flat (each restriction applies to the kinds it "
        "fits) or per kind ({citizen: [...], firm: [...]}).",
    )
    grades: dict[Name, RestrictionSet] = Field(
        default_factory=dict,
        description="score_driven: restrictions by grade name (e.g. C: [travel, credit]), "
        "flat or per kind.",
    )
    reach: Reach = Field(default_factory=Reach)
    spillover: Spillover = Field(default_factory=Spillover)


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


class Appeals(_Strict):
    """Administrative and legal appeals against blacklistings."""

    enabled: Switch = Field(False)
    file_probability: Probability = Field(
        0.5, description="Chance that a blacklisted actor appeals."
    )
    capacity_per_day: Count = Field(5, description="Appeals decided per day at most.")
    delay_days: Days = Field(30, description="Days from filing to the earliest decision.")
    success_probability_true: Probability = Field(
        0.05, description="Chance of success when the listing rests on true findings."
    )
    success_probability_false: Probability = Field(
        0.6, description="Chance of success when it rests on a false finding."
    )


class CreditRepair(_Strict):
    """Credit repair: a blacklisting shortened on request, after some time served.

    Blind to the evidence: true and false entries are repaired alike. The Credit Rescue
    Commitment Letter, which cancels an entry on exonerating evidence, is
    ``remedies.rescue_letters``.
    """

    enabled: Switch = Field(False)
    who: tuple[Who, ...] = Field((Who.firm,), min_length=1)
    after_days: Days = Field(
        90, description="Days on the blacklist before repair may be requested."
    )
    probability_per_day: Probability = Field(
        0.01, description="Chance per day, once eligible, that a repair succeeds."
    )


class RescueLetters(_Strict):
    """The Credit Rescue Commitment Letter: exonerating evidence cancels a negative entry.

    When an entry begins on a blacklist, the actor has exonerating evidence if the entry
    rests on false findings (an innocent entry), or otherwise with
    ``true_entry_evidence_probability``; with evidence, a letter cancels the entry
    ``delay_days`` later with ``probability`` (if it still stands then).
    """

    enabled: Switch = Field(False)
    who: tuple[Who, ...] = Field((Who.firm,), min_length=1, description="Who may sign one.")
    lists: tuple[Name, ...] = Field(
        (),
        max_length=MAX_ITEMS,
        description="Blacklists whose entries it cancels (names in `lists`); empty: every "
        "blacklist.",
    )
    delay_days: Annotated[int, Strict(), Field(ge=0, le=3650)] = Field(
        30, description="Days from the entry to its cancellation (at most ten years)."
    )
    probability: Probability = Field(
        0.5, description="Chance that an entry with exonerating evidence is cancelled."
    )
    true_entry_evidence_probability: Probability = Field(
        0.0,
        description="Chance that an entry resting on true findings has exonerating "
        "evidence anyway (e.g. mitigating facts accepted).",
    )


class Remedies(_Strict):
    """Ways off a blacklist besides expiry."""

    appeals: Appeals = Field(default_factory=Appeals)
    credit_repair: CreditRepair = Field(default_factory=CreditRepair)
    rescue_letters: RescueLetters = Field(default_factory=RescueLetters)


class HarmMetrics(_Strict):
    """How the harm metrics are defined."""

    pariah_margin_points: Annotated[ScorePoints, Field(ge=0)] = Field(
        50.0, description="A score within this many points of the floor counts as at it."
    )
    pariah_min_days: Annotated[Days, Field(ge=1)] = Field(
        90, description="Days at the floor or blacklisted, without a break, to be a pariah."
    )


class Run(_Strict):
    """How long to simulate and with which seed."""

    steps: Days = Field(365, description="Days to simulate (one step = one day).")
    seed: Annotated[int, Strict()] = Field(
        42, ge=0, lt=2**63, description="Seed of all random draws."
    )


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


# --- data sharing and the corporate system (issue 9) ---

MAX_DELAY_DAYS = 3650
"""Longest delay of a record or a remedy (ten years)."""
DelayDays = Annotated[int, Strict(), Field(ge=0, le=MAX_DELAY_DAYS)]
"""A delay in whole days, 0 to ten years."""
TermDays = Annotated[int, Strict(), Field(ge=1, le=MAX_DAYS)]
"""A term in whole days, at least one."""
FinePoints = Annotated[float, Strict(), Field(ge=-MAX_SCORE_MAGNITUDE, le=0.0)]
"""Points deducted: zero or negative."""


class AgencyLink(_Strict):
    """How a listing reaches one agency (the body that imposes one kind of restriction)."""

    coverage: Probability = Field(
        1.0,
        description="Chance that a listing ever reaches this agency (0: not connected; "
        "1: every listing arrives).",
    )
    delay_days: DelayDays = Field(
        0,
        description="Days from the listing's arrival on the national platform to this "
        "agency (the sanction applies from then on).",
    )


class Sharing(_Strict):
    """Data sharing: a listing reaches the other agencies late, or not at all.

    The documented path of a listing: an agency finds non-compliance -> lists the actor
    -> the list goes to the national sharing platform (NCISP) and into the actor's file
    -> other agencies see it. Each kind of restriction is imposed by its own agency; a
    restriction of a listing applies only once the listing has reached that agency
    (``platform_delay_days`` plus the agency's ``delay_days``), and never when the
    record does not reach it (drawn once per listing with the agency's ``coverage``).
    """

    enabled: Switch = Field(False, description="true: listings travel with delays and gaps.")
    platform_delay_days: DelayDays = Field(
        0, description="Days from a listing to its arrival on the national platform."
    )
    agencies: dict[Name, AgencyLink] = Field(
        default_factory=dict,
        max_length=MAX_ITEMS,
        description="By restriction (the agency imposing it, e.g. travel, credit): its "
        "coverage and delay; restrictions not named use `other_agencies`.",
    )
    other_agencies: AgencyLink = Field(
        default_factory=AgencyLink,
        description="Coverage and delay of every agency not named in `agencies`.",
    )

    def link(self, restriction: Restriction) -> AgencyLink:
        """The link of the agency imposing ``restriction``."""
        return self.agencies.get(restriction.value, self.other_agencies)


LADDER_STAGES: tuple[str, ...] = (
    "abnormal_operation",
    "dishonest_entity",
    "random_checks",
    "administrative_punishment",
    "frozen_assets",
    "closure_notice",
    "blacklist",
)
"""The escalation ladder seen on the corporate registry, in order (stage 1 to 7)."""


class Escalation(_Strict):
    """The escalation ladder of a firm: each stage has its consequence.

    A firm climbs one stage on a day when it has collected ``findings_per_stage`` negative
    findings (true or false: the registry cannot tell) since its last climb, at most one
    stage a day, so every stage is passed in order. Its stage falls back by one after
    ``fall_after_days`` without a new negative finding (remedy and decay, an assumption).
    Consequences: random_checks and above, more inspections (the inspections' extra
    multiplier); administrative_punishment, a fine in points on arrival; frozen_assets and
    above, restrictions (`frozen_assets`); closure_notice, the firm closes (its staff lose
    their jobs, it stops acting, nothing falls back); blacklist, ``blacklist_after_days``
    after the closure notice the closed firm enters the list `list`.
    """

    enabled: Switch = Field(False, description="true: firms climb the escalation ladder.")
    findings_per_stage: Annotated[int, Strict()] = Field(
        1, ge=1, le=1000, description="Negative findings that take a firm up one stage."
    )
    fall_after_days: Annotated[Days, Field(ge=1)] | None = Field(
        365,
        description="Days without a negative finding after which a firm's stage falls by "
        "one (below closure_notice); null: stages never fall.",
    )
    punishment_points: FinePoints = Field(
        -50.0,
        description="Points deducted (a fine) when a firm reaches administrative_punishment.",
    )
    frozen_assets: tuple[Restriction, ...] = Field(
        (Restriction.credit,),
        description="Restrictions on a firm at frozen_assets and above (firm restrictions).",
    )
    blacklist_after_days: TermDays = Field(
        30,
        description="Days from the closure notice to the blacklisting of the closed firm.",
    )
    list: Name | None = Field(
        None,
        description="The blacklist the final stage enters (a name in `lists`); null: the "
        "ladder ends at closure_notice.",
    )

    @field_validator("frozen_assets")
    @classmethod
    def _firm_restrictions(cls, restrictions: tuple[Restriction, ...]) -> tuple[Restriction, ...]:
        _check_applicable(Who.firm, restrictions)
        return restrictions


class Commitments(_Strict):
    """Credit commitment letters (2019): a promise of good faith against pre-approval.

    A firm of a named grade signs a letter with a chance per year; while the letter
    holds (``term_days``), some of its applications are pre-approved
    (``pre_approvals_per_year``, counted). A true negative finding during the term breaks
    the promise: the firm enters the list `list`. A letter whose term ends unbroken is kept.
    """

    enabled: Switch = Field(False, description="true: firms may sign commitment letters.")
    system: Name = Field(
        "score",
        description="The score whose grades are meant: `score` (the default) or a system "
        "of `scores`.",
    )
    grades: tuple[Name, ...] = Field(
        (),
        max_length=MAX_ITEMS,
        description="Grades (of `system`) whose firms may sign (good credit).",
    )
    sign_rate_per_year: RatePerYear = Field(
        0.5, description="Signatures per eligible firm per year (a Poisson rate)."
    )
    term_days: TermDays = Field(365, description="Days a letter holds.")
    pre_approvals_per_year: RatePerYear = Field(
        2.0, description="Applications pre-approved per year while a letter holds."
    )
    list: Name | None = Field(
        None, description="The blacklist a broken promise enters (a name in `lists`)."
    )

    @model_validator(mode="after")
    def _complete(self) -> Commitments:
        if self.enabled and not self.grades:
            raise ValueError("give the `grades` whose firms may sign")
        if self.enabled and self.list is None:
            raise ValueError("give the `list` a broken promise enters")
        return self


class Corporate(_Strict):
    """The corporate system's pieces beyond firm grades and inspections."""

    escalation: Escalation = Field(default_factory=Escalation)
    commitments: Commitments = Field(default_factory=Commitments)


# --- several scores and perks (issue 9) ---
# A scenario may carry further scores beside the default `score` (Sesame Credit, Tencent
# Credit, a firm's tax-credit grade), each with its own scale, bands, decay and data
# sources, and may grant named perks to red-listed or high-graded actors.

DEFAULT_SYSTEM = "score"
"""The name of the default score: the points regime of `score:`."""


class Feeds(_Strict):
    """What-if: a share of a system's points also lands on another score."""

    into: Name = Field(
        DEFAULT_SYSTEM, description="The score fed: `score` (the default) or another system."
    )
    share: Annotated[float, Strict()] = Field(
        0.0,
        ge=0,
        le=MAX_MULTIPLIER,
        description="Points added to `into` per point this system records (0: siloed, as "
        "documented for private and municipal scores).",
    )


class ScoreSystem(_Strict):
    """A further score carried beside the default one, from its own system and data."""

    label: str = Field("", max_length=200, description="What the system is, for readers.")
    who: tuple[Who, ...] = Field(
        (Who.citizen,), min_length=1, description="Kinds of actor that may carry this score."
    )
    coverage: Probability = Field(
        1.0,
        description="Share of those actors who carry it (drawn once; a voluntary score is "
        "carried by the users who signed up).",
    )
    data_sources: tuple[Annotated[str, Strict(), Field(min_length=1, max_length=200)], ...] = Field(
        (), max_length=MAX_ITEMS, description="Where its data come from, in words."
    )
    lower: ScorePoints = Field(description="Lowest possible score.")
    upper: ScorePoints = Field(description="Highest possible score.")
    initial: ScorePoints = Field(description="Score a carrier starts with (the mean, with spread).")
    initial_spread_points: Annotated[ScorePoints, Field(ge=0)] = Field(
        0.0,
        description="Standard deviation of the starting scores around `initial` (a normal "
        "draw, clipped to the scale): carriers who arrive with different histories.",
    )
    baseline: ScorePoints | None = Field(
        None, description="Score that decay pulls toward; defaults to `initial`."
    )
    half_life_days: Annotated[float, Strict()] | None = Field(
        None,
        gt=0,
        le=MAX_DAYS * 100,
        description="Days for the distance to the baseline to halve; null for no decay.",
    )
    grades: tuple[GradeBand, ...] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description="Grade bands, best first; the last band's `min` is null.",
    )
    observes: dict[Name, ScorePoints] = Field(
        default_factory=dict,
        max_length=MAX_ITEMS,
        description="Behaviours its data see, each with the points it gives on this scale.",
    )
    observe_probability: Probability = Field(
        1.0, description="Share of a carrier's occurrences of those behaviours its data see."
    )
    feeds: Feeds = Field(default_factory=Feeds)

    @field_validator("upper")
    @classmethod
    def _above_lower(cls, upper: float, info: ValidationInfo) -> float:
        lower = info.data.get("lower")
        if lower is not None and not lower < upper:
            raise ValueError(f"must be above lower ({lower:g}), not {upper:g}")
        return upper

    @field_validator("initial", "baseline")
    @classmethod
    def _on_the_scale(cls, value: float | None, info: ValidationInfo) -> float | None:
        lower, upper = info.data.get("lower"), info.data.get("upper")
        known = value is not None and lower is not None and upper is not None
        if known and not lower <= value <= upper:
            raise ValueError(f"must lie within lower..upper ({lower:g}..{upper:g}), not {value:g}")
        return value

    @model_validator(mode="after")
    def _scale(self) -> ScoreSystem:
        try:  # the same rules as the default score's scale and bands
            Score(
                initial=self.initial,
                lower=self.lower,
                upper=self.upper,
                baseline=self.baseline,
                grades=self.grades,
            )
        except ValidationError as exc:
            raise ValueError(
                "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            ) from None
        return self

    @property
    def decay_baseline(self) -> float:
        """The score decay pulls toward."""
        return self.initial if self.baseline is None else self.baseline


class Perk(_Strict):
    """A named reward received: who qualifies (a red list, a grade) and how often it is used.

    An actor qualifies on a day when it is on one of `lists` or has one of `grades` of
    `system`; a qualifying actor uses the perk at `uses_per_year` (a Poisson rate).
    """

    label: str = Field("", max_length=200, description="What the perk is, for readers.")
    who: tuple[Who, ...] = Field(
        (Who.citizen, Who.firm), min_length=1, description="Kinds of actor that may receive it."
    )
    lists: tuple[Name, ...] = Field(
        (), max_length=MAX_ITEMS, description="Red lists whose members qualify."
    )
    grades: tuple[Name, ...] = Field(
        (), max_length=MAX_ITEMS, description="Grades (of `system`) whose holders qualify."
    )
    system: Name = Field(
        DEFAULT_SYSTEM, description="The score whose `grades` are meant: `score` or a system."
    )
    uses_per_year: RatePerYear = Field(
        description="How often a qualifying actor uses the perk, per year."
    )

    @model_validator(mode="after")
    def _has_trigger(self) -> Perk:
        if not self.lists and not self.grades:
            raise ValueError("give the `lists` or `grades` (or both) that grant the perk")
        return self


def system_grade_names(scenario: Scenario, system: str) -> list[str] | None:
    """The grade names of a score (`score` or a system of `scores`), or None if unknown."""
    if system == DEFAULT_SYSTEM:
        return [band.name for band in scenario.score.grades]
    if system in scenario.scores:
        return [band.name for band in scenario.scores[system].grades]
    return None


def several_scores_problems(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-references of `scores`, `perks` and the keys that name a system."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    systems = [DEFAULT_SYSTEM, *scenario.scores]
    behaviours = {b.name: b for b in scenario.behaviours}

    def unknown_system(name: str) -> str:
        return f"{name!r} is not a score of this scenario {systems}"

    for name, system in scenario.scores.items():
        where = ("scores", name)
        if name == DEFAULT_SYSTEM:
            problems.append((where, "`score` is the default score: name further systems otherwise"))
        elif not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
            problems.append((where, f"{name!r}: a system name is letters, digits and _"))
        for behaviour in system.observes:
            if behaviour not in behaviours:
                problems.append(
                    (
                        (*where, "observes", behaviour),
                        f"{behaviour!r} is not a behaviour of this scenario {sorted(behaviours)}",
                    )
                )
            elif behaviours[behaviour].who not in system.who:
                kinds = ", ".join(w.value for w in system.who)
                problems.append(
                    (
                        (*where, "observes", behaviour),
                        f"{behaviour!r} is a {behaviours[behaviour].who.value} behaviour; "
                        f"this score is carried by: {kinds}",
                    )
                )
        into = system.feeds.into
        if into not in systems:
            problems.append(((*where, "feeds", "into"), unknown_system(into)))
        elif into == name:
            problems.append(((*where, "feeds", "into"), "a score cannot feed itself"))
    for list_name, rule in scenario.lists.items():
        system = rule.enter.system if rule.enter else None
        if system is not None and system not in systems:
            problems.append((("lists", list_name, "enter", "system"), unknown_system(system)))
    grade_system = scenario.sanctions.grade_system
    grades = system_grade_names(scenario, grade_system)
    if grades is None:
        problems.append((("sanctions", "grade_system"), unknown_system(grade_system)))
    elif grade_system != DEFAULT_SYSTEM:
        for grade in scenario.sanctions.grades:
            if grade not in grades:
                problems.append(
                    (
                        ("sanctions", "grades", grade),
                        f"{grade!r} is not a grade of scores.{grade_system}.grades {grades}",
                    )
                )
    for name, perk in scenario.perks.items():
        where = ("perks", name)
        if not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
            problems.append((where, f"{name!r}: a perk name is letters, digits and _"))
        for j, list_name in enumerate(perk.lists):
            if list_name not in scenario.lists:
                problems.append(
                    (
                        (*where, "lists", j),
                        f"{list_name!r} is not a list of this scenario {sorted(scenario.lists)}",
                    )
                )
            elif scenario.list_type(list_name) is not ListType.redlist:
                problems.append(
                    (
                        (*where, "lists", j),
                        f"{list_name!r} is a blacklist: it brings sanctions, not perks",
                    )
                )
        grades = system_grade_names(scenario, perk.system)
        if grades is None:
            problems.append(((*where, "system"), unknown_system(perk.system)))
            continue
        scale = "score.grades" if perk.system == DEFAULT_SYSTEM else f"scores.{perk.system}.grades"
        for j, grade in enumerate(perk.grades):
            if grade not in grades:
                problems.append(
                    ((*where, "grades", j), f"{grade!r} is not a grade of {scale} {grades}")
                )
    return problems


# --- timeline and deterrence (issue 9) ---


class TimelineEntry(_Strict):
    """One dated policy change: from the start of ``day`` on, the scenario changes by ``set``.

    The keys are the key paths of ``--set`` (``behaviours.late_delivery.rate_per_year``,
    ``lists.blacklist.enabled``); each value is checked when the file is loaded: the
    scenario with this entry and every earlier one applied must itself be valid (see
    :mod:`score_sim.rules.timeline`).
    """

    day: Annotated[Days, Field(ge=1)] = Field(
        description="The day the change takes effect, from its start (day 1 is the first "
        "simulated day; day 0 is the starting state). Entries beyond the run's last day are "
        "checked but never reached.",
    )
    set: dict[Annotated[str, Strict(), Field(min_length=1, max_length=300)], Any] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description="Key path -> new value, as with --set.",
    )
    note: Annotated[str, Strict(), Field(min_length=1, max_length=200)] = Field(
        description="Why this changes (shown in events.csv and on the figures)."
    )


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


class Scenario(_Strict):
    """A whole scenario: the regime's rules, the population and how to run it."""

    name: Name = Field(
        description="Short name used for output folders: letters, digits, _ . and -, "
        "starting with a letter or digit."
    )
    description: Annotated[str, Strict()] = Field(
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
    heterogeneity: Heterogeneity = Field(default_factory=Heterogeneity)
    remedies: Remedies = Field(default_factory=Remedies)
    harm_metrics: HarmMetrics = Field(default_factory=HarmMetrics)
    sharing: Sharing = Field(
        default_factory=Sharing,
        description="Data sharing: listings reach agencies late or not at all (off by default).",
    )
    corporate: Corporate = Field(
        default_factory=Corporate,
        description="The corporate system's escalation ladder and commitment letters.",
    )
    scores: dict[Name, ScoreSystem] = Field(
        default_factory=dict,
        description="Further scores carried beside the default `score`, by system name "
        "(e.g. sesame): each with its own scale, bands, decay and data sources.",
    )
    perks: dict[Name, Perk] = Field(
        default_factory=dict,
        description="Named rewards received by red-listed or high-graded actors, counted "
        "per actor and per day.",
    )
    timeline: tuple[TimelineEntry, ...] = Field(
        (),
        max_length=MAX_ITEMS,
        description="Dated policy changes, in day order: each changes scenario values by "
        "key path from the start of its day on (a suspension, a new policy).",
    )
    deterrence: Deterrence = Field(
        default_factory=Deterrence,
        description="An assumption, off by default: misconduct falls as sanctions are seen.",
    )
    run: Run = Field(default_factory=Run)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not name[0].isascii() or not name[0].isalnum():
            raise ValueError(f"{name!r} must start with a letter or a digit")
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "_.-"))})
        if bad:
            shown = " ".join(repr(c) for c in bad)
            raise ValueError(
                f"{name!r} may hold only letters, digits, _ . and - (not {shown}): it names "
                "output folders"
            )
        return name

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
        first_of: dict[str, int] = {}
        for i, behaviour in enumerate(self.behaviours):
            if behaviour.name in first_of:
                problems.append(
                    (
                        ("behaviours", i, "name"),
                        f"behaviour name {behaviour.name!r} is used twice; the first is "
                        f"behaviours[{first_of[behaviour.name]}]",
                    )
                )
            first_of.setdefault(behaviour.name, i)
            if behaviour.sector is not None and behaviour.sector not in self.population.sectors:
                problems.append(
                    (
                        ("behaviours", i, "sector"),
                        f"sector {behaviour.sector!r} is not one of population.sectors "
                        f"{list(self.population.sectors)}",
                    )
                )
        grade_names = [band.name for band in self.score.grades]
        named: list[tuple[tuple[str, ...], dict[str, Any]]] = [
            (("inspections", "rate_per_year_by_grade"), self.inspections.rate_per_year_by_grade),
            (("effects", "grade_multiplier"), self.effects.grade_multiplier),
        ]
        if self.sanctions.grade_system == DEFAULT_SYSTEM:
            named.append((("sanctions", "grades"), self.sanctions.grades))
        for where, mapping in named:
            for grade in mapping:
                if grade not in grade_names:
                    problems.append(
                        ((*where, grade), f"{grade!r} is not a grade of score.grades {grade_names}")
                    )
        problems += several_scores_problems(self)
        misconduct = {b.name for b in self.behaviours if b.points < 0}
        for g, group in enumerate(self.heterogeneity.groups):
            for name in group.behaviours:
                if name not in misconduct:
                    problems.append(
                        (
                            ("heterogeneity", "groups", g, "behaviours", name),
                            f"{name!r} is not a misconduct behaviour (one with negative "
                            f"points) {sorted(misconduct)}",
                        )
                    )
        for list_name, rule in self.lists.items():
            for j, behaviour in enumerate(rule.enter.behaviours if rule.enter else ()):
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
        problems += self._sharing_and_corporate_cross_check()
        data = self.model_dump(mode="json")
        for key, entry in self.sources.items():
            if isinstance(entry, str) and not entry.strip():
                problems.append(
                    (
                        ("sources", key),
                        "an empty citation documents nothing: cite the source, or write "
                        "{level: assumption, source: why}",
                    )
                )
                continue
            if key.split(".")[0] == "deterrence" and not (
                isinstance(entry, Evidence) and entry.level is Level.assumption
            ):
                problems.append(
                    (
                        ("sources", key),
                        "deterrence is never measured: its numbers are assumptions "
                        "(give {level: assumption, source: why})",
                    )
                )
            if not path_exists(data, key):
                problems.append((("sources", key), f"{key!r} names no key of this scenario"))
            elif isinstance(entry, Evidence) and entry.target not in (None, *target_names):
                problems.append(
                    (
                        ("sources", key, "target"),
                        f"{entry.target!r} is not a target of this scenario {sorted(target_names)}",
                    )
                )
        return problems

    def _sharing_and_corporate_cross_check(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Names in `sharing`, `corporate` and `remedies.rescue_letters` that must exist."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        restrictions = [r.value for r in Restriction]
        for agency in self.sharing.agencies:
            if agency not in restrictions:
                problems.append(
                    (
                        ("sharing", "agencies", agency),
                        f"{agency!r} is not a restriction (each agency imposes one): "
                        f"{restrictions}",
                    )
                )
        blacklists = sorted(n for n in self.lists if self.list_type(n) is ListType.blacklist)
        named: list[tuple[tuple[str | int, ...], str | None]] = [
            (("corporate", "escalation", "list"), self.corporate.escalation.list),
            (("corporate", "commitments", "list"), self.corporate.commitments.list),
        ]
        named += [
            (("remedies", "rescue_letters", "lists", i), name)
            for i, name in enumerate(self.remedies.rescue_letters.lists)
        ]
        for where, name in named:
            if name is not None and name not in blacklists:
                problems.append(
                    (where, f"{name!r} is not a blacklist of this scenario {blacklists}")
                )
        commitments = self.corporate.commitments
        grade_names = system_grade_names(self, commitments.system)
        if grade_names is None:
            known = [DEFAULT_SYSTEM, *self.scores]
            problems.append(
                (
                    ("corporate", "commitments", "system"),
                    f"{commitments.system!r} is not a score of this scenario {known}",
                )
            )
            grade_names = []
        scale = (
            "score.grades"
            if commitments.system == DEFAULT_SYSTEM
            else f"scores.{commitments.system}.grades"
        )
        for i, grade in enumerate(commitments.grades if grade_names else ()):
            if grade not in grade_names:
                problems.append(
                    (
                        ("corporate", "commitments", "grades", i),
                        f"{grade!r} is not a grade of {scale} {grade_names}",
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


def _kind_of(value: Any) -> str:
    """How a YAML value reads to its author, for messages."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"text {value!r}" if len(value) <= 40 else "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, float) and value.is_integer():
        return f"{value!r}"
    return repr(value) if isinstance(value, int | float) else type(value).__name__


_PLAIN_MESSAGES = {
    "extra_forbidden": "unknown key (not allowed here)",
    "missing": "required key is missing",
    "finite_number": "must be a finite number (not .nan or .inf)",
    "float_type": "must be a number, not {kind}",
    "float_parsing": "must be a number, not {kind}",
    "int_type": "must be a whole number, not {kind}",
    "int_parsing": "must be a whole number, not {kind}",
    "int_from_float": "must be a whole number, not {kind}",
    "bool_type": "must be true or false, not {kind}",
    "bool_parsing": "must be true or false, not {kind}",
    "string_type": "must be text, not {kind}",
    "dict_type": "must be a mapping of keys, not {kind}",
    "model_type": "must be a mapping of keys, not {kind}",
    "model_attributes_type": "must be a mapping of keys, not {kind}",
    "tuple_type": "must be a list, not {kind}",
    "list_type": "must be a list, not {kind}",
    "less_than_equal": "must be at most {le}, not {kind}",
    "less_than": "must be below {lt}, not {kind}",
    "greater_than_equal": "must be at least {ge}, not {kind}",
    "greater_than": "must be above {gt}, not {kind}",
    "too_long": "is too long (at most {max_length} {what})",
    "too_short": "is too short (at least {min_length} {what})",
}


def _number_text(value: Any) -> Any:
    """A limit as its author would write it: 10,000 and -1,000,000, not 10000.0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15):
        return f"{value:g}"
    return f"{int(value):,}"


def _plain_message(error: Any) -> str:
    """A validation error in the words of a scenario's author, not of pydantic."""
    template = _PLAIN_MESSAGES.get(error["type"])
    if template is None:
        return error["msg"].removeprefix("Value error, ")
    ctx = {key: _number_text(value) for key, value in (error.get("ctx") or {}).items()}
    value = error.get("input")
    what = "characters" if isinstance(value, str) else "items"
    return template.format(kind=_kind_of(value), what=what, **ctx)


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


def _located(
    loc: tuple[str | int, ...],
    message: str,
    file: str,
    locations: LocationMap | None,
    set_paths: list[tuple[tuple[str | int, ...], str]],
) -> Problem:
    """A problem at ``loc``: of the override that set it, else at its line in the file."""
    for path, label in set_paths:
        if loc[: len(path)] == path:
            return Problem(label, None, None, format_key(loc), message)
    line, col = locations.locate(loc) if locations is not None else (None, None)
    return Problem(file, line, col, format_key(loc), message)


def _problems_from(
    exc: ValidationError,
    file: str,
    locations: LocationMap | None,
    set_paths: list[tuple[tuple[str | int, ...], str]],
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = _without_union_tags(error)
        if loc is None:
            continue  # the error of a union's branch that does not fit the input's shape
        problems.append(_located(loc, _plain_message(error), file, locations, set_paths))
    return problems


def scenario_from_data(
    data: Any,
    file: str = "<scenario>",
    locations: LocationMap | None = None,
    overrides: dict[str, Any] | None = None,
    override_labels: dict[str, str] | None = None,
) -> Scenario:
    """Validate plain data (as read from YAML), with optional overrides, into a Scenario.

    Args:
        data: the scenario as plain data.
        file: the file named in problems.
        locations: where each key stands in the file.
        overrides: ``{"key.path": value}`` changes applied before validation.
        override_labels: what to call the origin of an override in a problem, by key
            (default ``--set``): ``--set-both``, ``--seed``, an argument's name.

    Raises:
        ScenarioError: listing every problem with its location. Problems with an
            overridden value are attributed to the override, not to the file.
    """
    if not isinstance(data, dict):
        raise ScenarioError.of(file, 1, 1, "", "a scenario must be a mapping of keys")
    set_paths: list[tuple[tuple[str | int, ...], str]] = []
    if overrides:
        original = data
        data, set_paths = apply_overrides(Scenario, data, overrides, override_labels)
        data = _without_removed_citations(original, data)
    from score_sim.text_safety import control_problems

    if unsafe := [_located(*pair, file, locations, set_paths) for pair in control_problems(data)]:
        raise ScenarioError(sorted(unsafe, key=lambda p: (p.line or 0, p.col or 0)))
    try:
        scenario = Scenario.model_validate(data, context={"located_checks": True})
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, file, locations, set_paths)) from None
    problems = [
        _located(loc, message, file, locations, set_paths)
        for loc, message in scenario.cross_check()
    ]
    if problems:
        raise ScenarioError(problems)
    if scenario.timeline:
        from score_sim.rules.timeline import build_phases

        label = next((lab for path, lab in set_paths if path[:1] == ("timeline",)), None)
        build_phases(scenario, file, locations, label)
    return scenario


def _without_removed_citations(original: dict[str, Any], changed: dict[str, Any]) -> dict[str, Any]:
    """``changed`` without the citations of values that overrides took away.

    A file's own citations are checked as written; a value an override removes (a
    timeline emptied with ``--set "timeline=[]"``, a list replaced) is no longer there to
    cite, so its citation goes with it instead of becoming an error.
    """
    sources = changed.get("sources")
    if not isinstance(sources, dict):
        return changed
    gone = {
        key
        for key in sources
        if isinstance(key, str) and path_exists(original, key) and not path_exists(changed, key)
    }
    if not gone:
        return changed
    return {**changed, "sources": {k: v for k, v in sources.items() if k not in gone}}


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
    """The file a scenario argument names: a bundled scenario's name, or a path.

    A bare name (no ``/``, no ``.yaml``) is a bundled scenario, even where a folder of
    that name exists in the working directory (an earlier run's outputs, say); a file of
    that name next to a bundled one is ambiguous and refused. Anything else is a path.

    Raises:
        ScenarioError: when the argument names neither an existing file nor a bundled
            scenario, or names both.
    """
    text = str(name_or_path)
    check_path_length(text)
    path = Path(text)
    looks_like_path = path.suffix in (".yaml", ".yml") or "/" in text or "\\" in text
    bundled = bundled_scenarios()
    if not looks_like_path and text in bundled:
        if path.is_file():
            raise ScenarioError.of(
                text,
                None,
                None,
                "",
                f"both a file {text!r} here and a bundled scenario of that name exist: "
                f"write ./{text} for the file",
            )
        return bundled[text]
    if path.is_dir():
        raise ScenarioError.of(text, None, None, "", "is a folder, not a scenario file")
    if path.exists() or looks_like_path:
        return path
    names = ", ".join(bundled) or "none"
    raise ScenarioError.of(
        text,
        None,
        None,
        "",
        f"no such file, and no bundled scenario of that name (bundled: {names})",
    )


def load_scenario(
    name_or_path: str | Path,
    overrides: dict[str, Any] | None = None,
    override_labels: dict[str, str] | None = None,
) -> Scenario:
    """Load, override and validate a scenario file or a bundled scenario by name.

    Args:
        name_or_path: a path to a YAML file, or the name of a bundled scenario
            (see ``score-sim list``).
        overrides: optional ``{"key.path": value}`` changes applied before validation.
        override_labels: the origin of each override named in problems (default ``--set``).

    Raises:
        ScenarioError: every problem found, each with file, line, column and key.
    """
    path = resolve_scenario_path(name_or_path)
    data, locations = read_yaml(path)
    return scenario_from_data(data, str(path), locations, overrides, override_labels)


SHORTHAND_KEYS = {
    "seed": "run.seed",
    "steps": "run.steps",
    "citizens": "population.citizens",
    "firms": "population.firms",
}
"""The shorthands of run and compare: argument name -> the key path it sets."""


def resolve_scenario(
    scenario: Scenario | str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    steps: int | None = None,
    citizens: int | None = None,
    firms: int | None = None,
    override_labels: dict[str, str] | None = None,
) -> Scenario:
    """A validated scenario from a Scenario, a file or a bundled name, with changes applied.

    Args:
        scenario: a Scenario, a path to a YAML file or a bundled scenario's name.
        overrides: ``{"key.path": value}`` changes.
        seed: shorthand for ``run.seed``.
        steps: shorthand for ``run.steps``.
        citizens: shorthand for ``population.citizens``.
        firms: shorthand for ``population.firms``.
        override_labels: the origin of each override named in problems (default
            ``--set``); shorthands are named after their options (``--seed``...).

    Raises:
        ScenarioError: every problem, located.
    """
    changes = dict(overrides or {})
    labels = dict(override_labels or {})
    given = {"seed": seed, "steps": steps, "citizens": citizens, "firms": firms}
    for name, value in given.items():
        if value is not None:
            changes[SHORTHAND_KEYS[name]] = value
            labels.setdefault(SHORTHAND_KEYS[name], argument(name))
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, changes, labels)
    if not changes:
        return scenario
    return scenario_from_data(scenario.to_data(), scenario.name, None, changes, labels)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, generated from the models."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "score-sim scenario"
    return schema


def json_schema_text() -> str:
    """The JSON Schema as the text committed next to the scenarios."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
