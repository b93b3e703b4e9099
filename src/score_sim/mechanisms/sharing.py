"""Data sharing: a listing reaches the other agencies late, or not at all.

Documented (DOMAIN.md, "Lists" and "Data and its errors"): the path of a blacklisting is
an agency's finding -> the listing -> the national sharing platform (NCISP) and the
entity's file -> the other agencies see it -> the public sees it; data flows up through
municipal, provincial and national nodes, and sharing between platforms (Credit China,
NECIPS) is patchy: records on one are often missing on the other. How long the path
takes and how often a record goes missing are not documented: both are assumptions of a
scenario (``sharing:``).

In the model each kind of restriction is imposed by its own agency (travel by the rail
and air carriers, credit by the banks, public contracts by procurement offices...). When
an actor's record first calls for a restriction (a listing, or a grade under the
score-driven design), one draw from this mechanism's own stream decides whether the
record ever reaches that agency (its ``coverage``); if it does, it arrives
``platform_delay_days + delay_days`` days later and the restriction applies from that
day on (a delay of 0: the same day, as without sharing). When the record no longer calls
for the restriction, the draw is forgotten: a later listing draws again.

Restrictions that reach others through ties (a legal representative, staff, family, a
parent company) follow the listed actor: they apply once the listing has reached any
agency, which is a simplification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.scenario import Restriction, Sharing

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

UNSET = -1
"""No arrival drawn (the record does not call for the restriction)."""
NEVER = np.iinfo(np.int32).max
"""The record never reaches the agency."""


class SharingNetwork(Mechanism):
    """When each actor's record reaches each agency, and what is restricted meanwhile.

    Arrays are made only when the mechanism is on: an arrival day per actor and kind of
    restriction (int32).
    """

    name = "sharing"
    title = "data sharing between agencies"

    @classmethod
    def build(cls, host: ScoreModel) -> SharingNetwork:
        """Every scenario has the sharing section (off: every record is everywhere at once)."""
        sharing, world = host.score_scenario.sharing, host.world
        network = cls(sharing, world.n_actors, host.stream("sharing") if sharing.enabled else None)
        if network.enabled:
            host.sanctions.sharing = network
        return network

    @property
    def in_plan(self) -> bool:
        """Sharing acts through the sanctions; it has no step of its own."""
        return False

    def columns(self) -> list[str]:
        """Restriction-days called for, delayed and missing, when sharing is on."""
        return list(SHARING_COLUMNS) if self.enabled else []

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's values of :meth:`columns`."""
        return sharing_metrics(self) if self.enabled else {}

    def __init__(self, config: Sharing, n_actors: int, rng: np.random.Generator | None) -> None:
        """Create the network.

        Args:
            config: the scenario's ``sharing`` section.
            n_actors: citizens plus firms.
            rng: this mechanism's own stream (None when it is off).
        """
        self.config = config
        self.enabled = config.enabled
        self.rng = rng
        kinds = tuple(Restriction)
        self.bit_values = np.array([1 << i for i in range(len(kinds))], dtype=np.uint16)
        self.coverage = np.array([config.link(r).coverage for r in kinds])
        self.delay_days = np.array(
            [config.platform_delay_days + config.link(r).delay_days for r in kinds],
            dtype=np.int32,
        )
        n = n_actors if self.enabled else 0
        self.arrival = np.full((n, len(kinds)), UNSET, dtype=np.int32)
        """Day each actor's record reaches the agency of each restriction (NEVER: never)."""
        self.drawn = np.zeros(n, dtype=np.uint16)
        """Restrictions whose arrival has been drawn for the actor's current record."""
        self.n_pending = 0
        """Actor-restriction pairs called for today and still on their way."""
        self.n_missing = 0
        """Actor-restriction pairs called for today whose record never arrives."""
        self.n_never_reaching = 0
        """Actors called for today some restriction whose record never arrives."""
        self.restriction_days_called = 0
        """Actor-restriction-days called for by records so far."""
        self.restriction_days_delayed = 0
        """Of those, days spared because the record was still on its way."""
        self.restriction_days_missing = 0
        """Of those, days spared because the record never arrived."""
        self.innocent_restriction_days_spared = 0
        """Days spared (delayed or missing) to actors whose record rests on false findings."""

    def arrived(self, day: int, own: np.ndarray, innocent: np.ndarray) -> np.ndarray:
        """The restrictions in force today: those called for whose record has arrived.

        Args:
            day: today.
            own: each actor's restrictions called for by its own record (uint16 bits).
            innocent: whether each actor's record rests on false findings.

        Returns:
            ``own`` without the restrictions whose record has not (yet) reached its agency.
        """
        drawn = self.drawn
        forgotten = np.flatnonzero(drawn & ~own)
        drawn[forgotten] &= own[forgotten]
        actors = np.flatnonzero(own)
        called = own[actors]
        new = called & ~drawn[actors]
        if np.any(new):
            for j, bit in enumerate(self.bit_values):
                fresh = actors[(new & bit) != 0]
                if fresh.size == 0:
                    continue
                reached = self.rng.random(fresh.size) < self.coverage[j]
                self.arrival[fresh, j] = np.where(reached, day + self.delay_days[j], NEVER)
            drawn[actors] |= new
        has = (called[:, None] & self.bit_values[None, :]) != 0
        arrival = self.arrival[actors]
        in_force = has & (arrival <= day)
        missing = has & (arrival == NEVER)
        pending = has & ~in_force & ~missing
        out = np.zeros_like(own)
        out[actors] = (in_force * self.bit_values).sum(axis=1).astype(np.uint16)
        self.n_pending = int(np.count_nonzero(pending))
        self.n_missing = int(np.count_nonzero(missing))
        self.n_never_reaching = int(np.count_nonzero(missing.any(axis=1)))
        self.restriction_days_called += int(np.count_nonzero(has))
        self.restriction_days_delayed += self.n_pending
        self.restriction_days_missing += self.n_missing
        spared = (pending | missing).sum(axis=1)
        self.innocent_restriction_days_spared += int(spared[innocent[actors]].sum())
        return out

    def summary(self) -> dict[str, int | float]:
        """The run's sharing figures for ``summary.json``."""
        called = self.restriction_days_called
        spared = self.restriction_days_delayed + self.restriction_days_missing
        return {
            "restriction_days_called_for": called,
            "restriction_days_in_force": called - spared,
            "restriction_days_spared_by_delay": self.restriction_days_delayed,
            "restriction_days_spared_by_missing_records": self.restriction_days_missing,
            "spared_share": round(spared / called, 4) if called else 0.0,
            "innocent_restriction_days_spared": self.innocent_restriction_days_spared,
            "true_restriction_days_spared": spared - self.innocent_restriction_days_spared,
        }


SHARING_COLUMNS = (
    "n_restrictions_pending",
    "n_restrictions_missing",
    "n_listed_never_reaching",
    "restriction_days_called",
    "restriction_days_delayed",
    "restriction_days_missing",
)
"""Time-series columns when sharing is on: today's restrictions on their way, and whose
records never arrive (actor-restriction pairs); actors with a record missing at some
agency; actor-restriction-days called for by the records so far, and of those, spared so
far by delay and by missing records."""
SHARING_CUMULATIVE = frozenset(SHARING_COLUMNS[3:])


def sharing_metrics(network: SharingNetwork) -> dict[str, float]:
    """Today's values of :data:`SHARING_COLUMNS`."""
    return {
        "n_restrictions_pending": network.n_pending,
        "n_restrictions_missing": network.n_missing,
        "n_listed_never_reaching": network.n_never_reaching,
        "restriction_days_called": network.restriction_days_called,
        "restriction_days_delayed": network.restriction_days_delayed,
        "restriction_days_missing": network.restriction_days_missing,
    }
