"""Ways off a blacklist besides expiry: appeals, credit repair and rescue letters.

Appeals are decided a limited number a day and succeed more often against an entry resting
on a false finding; credit repair shortens an entry on request, blind to the evidence; the
Credit Rescue Commitment Letter cancels an entry on exonerating evidence.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from score_sim.scenario.base import MAX_ITEMS, Count, Days, Name, Probability, Switch, Who, _Strict


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
