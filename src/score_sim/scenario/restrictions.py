"""The restrictions of joint sanctions, which kinds of actor each applies to, and their sets.

A restriction (a travel ban, harder credit, exclusion from public contracts...) follows the
2016 joint-punishment memoranda, which list the restrictions for persons and for firms
separately (:data:`CITIZEN_RESTRICTIONS`, :data:`FIRM_RESTRICTIONS`). A scenario gives a set
of restrictions flat or per kind of actor (:data:`RestrictionSet`, :func:`by_kind`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from score_sim.scenario.base import Who, _Strict


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
    """Denied licences and approvals."""
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
    stock_issuance = "stock_issuance"
    """Firms: denied the issuance of stocks and bonds (the 2016 policy's list for firms)."""


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
        Restriction.stock_issuance,
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
