"""Data sharing: how a listing reaches each agency that imposes a restriction, late or never.

Off by default: then every listing restricts at once, everywhere.
"""

from __future__ import annotations

from pydantic import Field

from score_sim.scenario.base import MAX_ITEMS, DelayDays, Name, Probability, Switch, _Strict
from score_sim.scenario.restrictions import Restriction


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
