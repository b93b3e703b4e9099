"""Joint sanctions: what triggers them, what they restrict, and how they reach others.

Sanctions are list-driven (an entry on a blacklist restricts) or score-driven (a grade
restricts). Through ties they reach a firm's legal representative and staff, families and
parent companies (``reach``); the points of staff and branches spill over to their firms
(``spillover``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from score_sim.scenario.base import Name, Probability, Switch, Who, _Strict
from score_sim.scenario.restrictions import APPLICABLE, Restriction, RestrictionSet


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
