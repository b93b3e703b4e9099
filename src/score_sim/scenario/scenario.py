"""The whole scenario: every section of the regime together, and the checks between them.

:class:`Scenario` holds the sections that the other modules of this package define,
checks what one section says about another (:meth:`Scenario.cross_check`: the names of
behaviours, grades, lists, targets and scores that must exist), and answers for the
evidence behind each number (:meth:`Scenario.evidence_of`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from pydantic import Field, Strict, ValidationInfo, field_validator, model_validator

from score_sim.errors import format_key
from score_sim.scenario.base import MAX_ITEMS, Name, _Strict
from score_sim.scenario.behaviours import Behaviour, Errors, Inspections
from score_sim.scenario.contagion import Contagion
from score_sim.scenario.corporate import Corporate
from score_sim.scenario.effects import Deterrence, Effects
from score_sim.scenario.evidence import Evidence, Level, Target
from score_sim.scenario.lending import Lending
from score_sim.scenario.lists import DEFAULT_LIST_NAMES, ListRule, ListType, _default_lists
from score_sim.scenario.overrides import path_exists
from score_sim.scenario.population import Heterogeneity, Population, Ties
from score_sim.scenario.remedies import Remedies
from score_sim.scenario.restrictions import Restriction, RestrictionsByKind, by_kind
from score_sim.scenario.run import HarmMetrics, Run
from score_sim.scenario.sanctions import Sanctions
from score_sim.scenario.score import Score
from score_sim.scenario.sharing import Sharing
from score_sim.scenario.systems import (
    DEFAULT_SYSTEM,
    Perk,
    ScoreSystem,
    several_scores_problems,
    system_grade_names,
)
from score_sim.scenario.target_checks import target_problems
from score_sim.scenario.timeline import TimelineEntry
from score_sim.scenario.travel import TravelBans


class Scenario(_Strict):
    """A whole scenario: the regime's rules, the population and how to run it."""

    def __repr__(self) -> str:
        return (
            f"<Scenario {self.name}: {self.population.citizens:,} citizens, "
            f"{self.population.firms:,} firms, {self.run.steps:,} days, seed {self.run.seed}>"
        )

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
    travel_bans: TravelBans = Field(
        default_factory=TravelBans,
        description="Travel bans counted as purchases refused (off by default): flights and "
        "trains that banned citizens try to buy.",
    )
    lending: Lending = Field(
        default_factory=Lending,
        description="Loans approved by score, repaid or defaulted (off by default).",
    )
    contagion: Contagion = Field(
        default_factory=Contagion,
        description="Listings that spread to relatives and friends (off by default).",
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
            grades = [band.name for band in self.score.grades]
            if behaviour.downgrade_to is not None and behaviour.downgrade_to not in grades:
                problems.append(
                    (
                        ("behaviours", i, "downgrade_to"),
                        f"{behaviour.downgrade_to!r} is not a grade of score.grades {grades}",
                    )
                )
            if behaviour.downgrade_days is not None and behaviour.downgrade_to is None:
                problems.append(
                    (
                        ("behaviours", i, "downgrade_days"),
                        "holds a downgrade: give downgrade_to, the grade it drops to",
                    )
                )
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
        problems += target_problems(self)
        problems += self._sharing_and_corporate_cross_check()
        problems += self._lending_and_contagion_cross_check()
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
            elif isinstance(entry, Evidence):
                for name in entry.targets:
                    if name not in target_names:
                        problems.append(
                            (
                                ("sources", key, "target"),
                                f"{name!r} is not a target of this scenario {sorted(target_names)}",
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

    def _lending_and_contagion_cross_check(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Names in `lending` and `contagion` that must exist: lists, grades, groups."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        blacklists = sorted(n for n in self.lists if self.list_type(n) is ListType.blacklist)
        lending = self.lending
        if lending.enabled:
            if lending.lawsuit_list is not None and lending.lawsuit_list not in blacklists:
                problems.append(
                    (
                        ("lending", "lawsuit_list"),
                        f"{lending.lawsuit_list!r} is not a blacklist of this scenario "
                        f"{blacklists}",
                    )
                )
            grade_names = [band.name for band in self.score.grades]
            for i, grade in enumerate(lending.approval.grades):
                if grade not in grade_names:
                    problems.append(
                        (
                            ("lending", "approval", "grades", i),
                            f"{grade!r} is not a grade of score.grades {grade_names}",
                        )
                    )
            groups = [group.name for group in self.heterogeneity.groups]
            for name in lending.repayment.by_group:
                if name not in groups or not self.heterogeneity.enabled:
                    problems.append(
                        (
                            ("lending", "repayment", "by_group", name),
                            f"{name!r} is not a group of heterogeneity.groups {groups}"
                            + ("" if self.heterogeneity.enabled else " (heterogeneity is off)"),
                        )
                    )
        if self.contagion.enabled and self.contagion.list not in blacklists:
            problems.append(
                (
                    ("contagion", "list"),
                    f"{self.contagion.list!r} is not a blacklist of this scenario {blacklists}",
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
