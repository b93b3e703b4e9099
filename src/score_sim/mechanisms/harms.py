"""The harms, measured: pariah spirals, sanction-days borne by the innocent, spiral vs luck.

- A *pariah* is an actor at or near the floor of the scale, or blacklisted, without a break
  for at least ``harm_metrics.pariah_min_days``; when such a spell ends, its length is
  recorded (``pariah_recovery`` events), giving the distribution of time to recover.
- *Sanction-days* count actors under any restriction, day by day; those borne by the
  innocent are split into days under a sanction that rests on false findings and days
  under restrictions that reached the actor only through ties.
- *Spiral or bad luck*: the rate of misconduct among actors under restrictions, relative to
  the rate among the others. Without feedback and with every actor alike the two are
  equal, so a ratio well above 1 is the spiral's signature, not bad luck's. When actors
  differ (``heterogeneity``), the prone are the ones restricted and the ratio rises even
  without feedback (selection); the ledger then also sums each actor's own expected rate
  over restricted and unrestricted days, the rate ratio selection alone would give.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import EventKind, EventLog
from score_sim.mechanisms.base import Mechanism
from score_sim.scenario import HarmMetrics

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel


class HarmLedger(Mechanism):
    """Running tallies of the harms, updated once a day from the arrays."""

    name = "harms"
    title = "harms"
    event_kinds = (EventKind.pariah_recovery,)

    @classmethod
    def build(cls, host: ScoreModel) -> HarmLedger:
        """Every run counts its harms."""
        scenario, world, people = host.score_scenario, host.world, host.propensities
        return cls(
            scenario.harm_metrics,
            world.n_actors,
            scenario.score.lower,
            people.misconduct_rate_per_day(scenario.behaviours, world.n_citizens, world.n_firms)
            if people.enabled
            else None,
        )

    def behave(self, day: Day) -> None:
        """Count today's misconduct by whether its actor was under a restriction."""
        occurrences = day.occurrences
        misconduct = day.host.behaviour.negative[occurrences.behaviour]
        self.count_misconduct(
            day.restricted, occurrences.actor[misconduct], day.host.world.n_citizens
        )
        if self.misconduct_by_actor is not None:
            np.add.at(self.misconduct_by_actor, occurrences.actor[misconduct], 1)

    def after(self, day: Day) -> None:
        """Advance the pariah spells and the sanction-day tallies by today."""
        host = day.host
        world, sanctions = host.world, host.sanctions
        day.restricted_after = sanctions.restrictions != 0
        self.update(
            day.day,
            world.score,
            world.lists.blacklisted,
            sanctions.own != 0,
            sanctions.innocent,
            day.restricted_after,
            host.events,
        )

    def __init__(
        self,
        config: HarmMetrics,
        n_actors: int,
        floor: float,
        base_misconduct_per_day: np.ndarray | None = None,
    ) -> None:
        self.config = config
        self.base_misconduct_per_day = base_misconduct_per_day
        """Each actor's expected misconduct per day without feedback (None: actors alike)."""
        self.expected_misconduct = np.zeros((2, 2), dtype=np.float64)
        """Sum of those expected rates over [citizens, firms] x [unrestricted, restricted]
        actor-days (kept only when actors differ)."""
        self.floor = floor
        self.spell_since = np.full(n_actors, -1, dtype=np.int32)
        """Day the current spell at the floor or on the blacklist began, -1 for none."""
        self.days_restricted = np.zeros(n_actors, dtype=np.int32)
        """Days each actor has ended under at least one restriction."""
        self.sanction_days = 0
        self.false_finding_sanction_days = 0
        self.tie_sanction_days = 0
        self.misconduct = np.zeros((2, 2), dtype=np.int64)
        """Occurrences of misconduct by [citizens, firms] x [unrestricted, restricted]."""
        self.exposure_days = np.zeros((2, 2), dtype=np.int64)
        """Actor-days of [citizens, firms] x [unrestricted, restricted]."""
        self.misconduct_by_actor = (
            np.zeros(n_actors, dtype=np.int32) if config.bad_luck_early_days else None
        )
        """Each actor's misconduct so far, kept only to measure the bad-luck ratio (whose
        twin worlds draw the same conduct)."""

    def pariah(self, day: int) -> np.ndarray:
        """Whether each actor is a pariah today."""
        return (self.spell_since >= 0) & (day - self.spell_since >= self.config.pariah_min_days)

    def count_misconduct(self, restricted: np.ndarray, actors: np.ndarray, n_citizens: int) -> None:
        """Tally a day's misconduct by kind and by whether the actor was under restriction."""
        exposure = self.exposure_days
        for kind, span in enumerate((slice(0, n_citizens), slice(n_citizens, restricted.size))):
            n_restricted = int(np.count_nonzero(restricted[span]))
            exposure[kind, 0] += span.stop - span.start - n_restricted
            exposure[kind, 1] += n_restricted
        if actors.size:
            cell = (actors >= n_citizens) * 2 + restricted[actors]
            self.misconduct += np.bincount(cell, minlength=4).reshape(2, 2)
        base = self.base_misconduct_per_day
        if base is not None:
            on = np.flatnonzero(restricted)
            is_firm = on >= n_citizens
            on_sum = np.array([base[on[~is_firm]].sum(), base[on[is_firm]].sum()])
            kind_sum = np.array([base[:n_citizens].sum(), base[n_citizens:].sum()])
            self.expected_misconduct += np.stack([kind_sum - on_sum, on_sum], axis=1)

    def misconduct_rate_ratio(self, kind: int = 0) -> float:
        """Misconduct rate under restriction over the rate without, NaN when undefined.

        Args:
            kind: 0 for citizens, 1 for firms.
        """
        exposure, misconduct = self.exposure_days[kind], self.misconduct[kind]
        if exposure.min() == 0 or misconduct[0] == 0:
            return float("nan")
        rates = misconduct / exposure
        return float(rates[1] / rates[0])

    def expected_rate_ratio(self, kind: int = 0) -> float:
        """The misconduct rate ratio that selection alone would give, NaN when undefined.

        Each actor's own expected rate without feedback, averaged over restricted actor-days,
        over the same average for unrestricted actor-days; exactly 1 when actors are alike.

        Args:
            kind: 0 for citizens, 1 for firms.
        """
        exposure = self.exposure_days[kind]
        if exposure.min() == 0:
            return float("nan")
        if self.base_misconduct_per_day is None:
            return 1.0
        expected = self.expected_misconduct[kind]
        if expected[0] <= 0:
            return float("nan")
        rates = expected / exposure
        return float(rates[1] / rates[0])

    def update(
        self,
        day: int,
        score: np.ndarray,
        blacklisted: np.ndarray,
        own_sanction: np.ndarray,
        innocent_sanction: np.ndarray,
        restricted: np.ndarray,
        events: EventLog,
    ) -> None:
        """Advance the pariah spells and the sanction-day tallies by one day."""
        low = score <= self.floor + self.config.pariah_margin_points
        low |= blacklisted
        in_spell = self.spell_since >= 0
        changed = np.flatnonzero(in_spell != low)  # spells that end or begin today
        if changed.size:
            began = low[changed]
            ended = changed[~began]
            length = day - self.spell_since[ended]
            recovered = length >= self.config.pariah_min_days
            events.record(day, ended[recovered], EventKind.pariah_recovery, days=length[recovered])
            self.spell_since[ended] = -1
            self.spell_since[changed[began]] = day

        self.days_restricted += restricted
        self.sanction_days += int(np.count_nonzero(restricted))
        self.false_finding_sanction_days += int(np.count_nonzero(own_sanction & innocent_sanction))
        self.tie_sanction_days += int(np.count_nonzero(restricted & ~own_sanction))

    @property
    def innocent_sanction_days(self) -> int:
        """Sanction-days borne by actors who did not do what the sanction is for."""
        return self.false_finding_sanction_days + self.tie_sanction_days
