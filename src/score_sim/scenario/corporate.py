"""The corporate system: the registry's escalation ladder and credit commitment letters.

Both concern firms only and are off by default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, field_validator, model_validator

from score_sim.scenario.base import (
    MAX_ITEMS,
    Days,
    FinePoints,
    Name,
    RatePerYear,
    Switch,
    TermDays,
    Who,
    _Strict,
)
from score_sim.scenario.restrictions import Restriction, _check_applicable

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
