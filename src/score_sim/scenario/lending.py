"""Lending by score: who applies for loans, how a lender decides, what repayment does.

Documented (DOMAIN.md): Rongcheng's score is asked for in loan applications, and
blacklisted people are barred from credit (the `credit` restriction of joint sanctions).
Rongcheng deducts 20 points for not performing a loan contract and 30 for being sued for
unpaid debt. Liu et al. (2018) model a lender approving by a score threshold, with a
repaid loan raising the score and a default lowering it, and the lender gaining on a
repaid loan and losing more on a default. How often people apply, how often they repay
and the points a repaid loan earns are assumptions of the scenario that turns lending on.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, model_validator

from score_sim.scenario.base import (
    MAX_ITEMS,
    FinePoints,
    Name,
    Probability,
    RatePerYear,
    ScorePoints,
    Switch,
    TermDays,
    Who,
    _Strict,
)


class Approval(_Strict):
    """The lender's rule on the score it sees: a threshold, or the grades it lends to.

    Give one of the two. Anyone under a credit restriction (a blacklisting's joint
    sanctions, or one that reached them through a tie) is refused first, whatever the
    score, when ``refuse_credit_restricted`` is true.
    """

    score_at_least: ScorePoints | None = Field(
        None, description="Approve applicants whose score is at least this (a threshold)."
    )
    grades: tuple[Name, ...] = Field(
        (),
        max_length=MAX_ITEMS,
        description="Approve applicants of these grades (of score.grades) instead.",
    )
    refuse_credit_restricted: Switch = Field(
        True,
        description="Refuse anyone under a credit restriction (documented: the blacklisted "
        "are barred from credit).",
    )

    @model_validator(mode="after")
    def _one_rule(self) -> Approval:
        if (self.score_at_least is None) == (not self.grades):
            raise ValueError("give either score_at_least (a threshold) or grades, not both")
        return self


class Repayment(_Strict):
    """How likely a borrower repays: its group's chance, scaled by its own propensity.

    A borrower's odds of default are its group's odds, ``(1 - p) / p``, times its own
    propensity to misconduct (``heterogeneity``: 1 on average, 1 for everyone when people
    are alike) to the power ``propensity_effect``. The score the lender sees plays no part:
    it tells the lender about repayment only as far as conduct so far has shaped it.
    """

    probability: Probability = Field(
        0.9, description="Chance that a borrower of average propensity repays a loan."
    )
    by_group: dict[Name, Probability] = Field(
        default_factory=dict,
        description="That chance for the members of named groups (heterogeneity.groups).",
    )
    propensity_effect: Annotated[float, Strict(), Field(ge=0.0, le=10.0)] = Field(
        1.0,
        description="How strongly a borrower's own propensity to misconduct scales its odds "
        "of default (the odds times the propensity to this power; 0: not at all).",
    )


class Lending(_Strict):
    """Loans by score: applications, the lender's rule, repayment, defaults and lawsuits.

    Each day, each actor of the kinds in ``who`` without an open loan applies with the
    chance its yearly rate gives. The lender refuses the credit-restricted and those its
    rule on the score turns away, and approves the rest. A loan falls due after
    ``term_days``: it is repaid (``points_repaid``, the lender gains ``gain_per_repaid``)
    or it defaults (``points_default``, the lender loses ``loss_per_default``), and a
    default is taken to court with ``lawsuit_probability``: the borrower loses
    ``lawsuit_points`` and enters the blacklist ``lawsuit_list`` (the court defaulter
    list) that day.
    """

    enabled: Switch = Field(False, description="true: actors apply for loans by score.")
    who: tuple[Who, ...] = Field(
        (Who.citizen,), min_length=1, description="Kinds of actor that apply for loans."
    )
    applications_per_year: RatePerYear = Field(
        1.0, description="Applications per actor per year, while it has no open loan."
    )
    term_days: TermDays = Field(90, description="Days from approval until a loan falls due.")
    approval: Approval = Field(
        default_factory=lambda: Approval(score_at_least=960.0),
        description="The lender's rule: a score threshold or grades, and the credit restriction.",
    )
    repayment: Repayment = Field(default_factory=Repayment)
    points_repaid: Annotated[ScorePoints, Field(ge=0.0)] = Field(
        0.0, description="Points a repaid loan adds to the borrower's score."
    )
    points_default: FinePoints = Field(
        -20.0, description="Points a default takes from the borrower's score."
    )
    lawsuit_probability: Probability = Field(
        0.0, description="Chance that a default is taken to court."
    )
    lawsuit_points: FinePoints = Field(
        -30.0, description="Points a lawsuit over a default takes from the borrower's score."
    )
    lawsuit_list: Name | None = Field(
        None,
        description="The blacklist a borrower sued over a default enters (the court "
        "defaulter list); null: a lawsuit costs points only.",
    )
    gain_per_repaid: Annotated[float, Strict(), Field(ge=0.0, le=1e6)] = Field(
        1.0, description="What the lender gains on a repaid loan (its utility)."
    )
    loss_per_default: Annotated[float, Strict(), Field(ge=0.0, le=1e6)] = Field(
        4.0, description="What the lender loses on a default (its utility)."
    )
