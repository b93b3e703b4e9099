"""Inspections of firms ("double random, one open"), at rates set by the firm's grade.

Documented (DOMAIN.md): the firm and the inspector are both drawn at random and results are
published; regulators' risk classes set the rates, so good-credit firms are inspected less
and bad-credit firms more; blacklisted firms face more unplanned site inspections. In the
model, a firm's violations that no other channel found stay *pending* for
``lookback_days``; an inspection finds each pending violation with the behaviour's
``detection.inspection`` chance and clears the rest. An inspection can also record a
violation that never was (``false_finding_probability``). Rates are assumptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.behaviour import DAYS_PER_YEAR, U_INSPECTION, Occurrences
from score_sim.mechanisms.reporting import CHANNEL_CODES, Findings, Reporting
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.scenario import Channel, Inspections, Restriction, Scenario, Who

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel

_EXTRA_INSPECTIONS = RESTRICTION_BITS[Restriction.extra_inspections]

INSPECTION = CHANNEL_CODES[Channel.inspection]


class InspectionOffice(Mechanism):
    """Schedules inspections and keeps the violations they can still find."""

    name = "inspections"
    title = "inspections"

    @classmethod
    def build(cls, host: ScoreModel) -> InspectionOffice:
        """Every scenario has an inspection office (with no inspections by default)."""
        world = host.world
        office = cls(
            host.score_scenario.inspections,
            host.grading.names,
            world.n_citizens,
            world.n_firms,
            host.reporting,
        )
        office.rng = host.stream("inspections")
        office.n_today = 0
        """Inspections made today."""
        return office

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed inspection rules from today on (pending violations are kept)."""
        self.configure(rules.inspections, host.grading.names, host.reporting)

    def report(self, day: Day) -> None:
        """Keep today's unseen violations, then inspect (more often where sanctioned)."""
        host = day.host
        self.add_pending(day.day, day.unseen)
        firms = host.world.kind_slice("firm")
        firm_extra = (host.sanctions.restrictions[firms] & _EXTRA_INSPECTIONS) != 0
        if day.extra_inspections is not None:
            firm_extra |= day.extra_inspections
        day.inspected, self.n_today = self.inspect(day.day, host.grades_of, firm_extra, self.rng)

    def __init__(
        self,
        config: Inspections,
        grade_names: tuple[str, ...],
        n_citizens: int,
        n_firms: int,
        reporting: Reporting,
    ) -> None:
        self.n_citizens = n_citizens
        self.n_firms = n_firms
        self.configure(config, grade_names, reporting)
        self._firm = np.empty(0, dtype=np.int64)
        self._behaviour = np.empty(0, dtype=np.int16)
        self._day = np.empty(0, dtype=np.int32)
        self._u = np.empty(0)

    def configure(
        self, config: Inspections, grade_names: tuple[str, ...], reporting: Reporting
    ) -> None:
        """Follow changed inspection rules from today on, keeping the pending violations."""
        self.config = config
        self.reporting = reporting
        self.rate_by_grade = np.array(
            [
                config.rate_per_year_by_grade.get(n, config.default_rate_per_year)
                for n in grade_names
            ]
        )
        self.max_rate = float(self.rate_by_grade.max()) * config.extra_inspections_multiplier

    @property
    def n_pending(self) -> int:
        """Violations waiting to be found."""
        return int(self._firm.size)

    def add_pending(self, day: int, unseen: Occurrences) -> None:
        """Keep today's unseen firm violations that an inspection could find."""
        if not self.config.enabled or len(unseen) == 0:
            return
        keep = (unseen.actor >= self.n_citizens) & (self.reporting.inspection[unseen.behaviour] > 0)
        if not keep.any():
            return
        self._firm = np.concatenate([self._firm, unseen.actor[keep]])
        self._behaviour = np.concatenate([self._behaviour, unseen.behaviour[keep]])
        self._day = np.concatenate([self._day, np.full(int(keep.sum()), day, dtype=np.int32)])
        self._u = np.concatenate([self._u, unseen.uniforms[keep, U_INSPECTION]])

    def inspect(
        self,
        day: int,
        grades_of: Callable[[np.ndarray], np.ndarray],
        firm_extra: np.ndarray,
        rng: np.random.Generator,
    ) -> tuple[Findings, int]:
        """Run today's inspections.

        Args:
            day: today.
            grades_of: grade index (0 = best) of given actors.
            firm_extra: whether each firm is under the extra_inspections sanction.
            rng: the inspections stream.

        Returns:
            The findings and the number of firms inspected.
        """
        if not self.config.enabled or self.n_firms == 0 or self.max_rate == 0:
            return Findings.empty(), 0
        count = int(rng.poisson(self.n_firms * self.max_rate / DAYS_PER_YEAR))
        firm = rng.integers(0, self.n_firms, count)
        accept_u, false_u, pick_u = rng.random(count), rng.random(count), rng.random(count)
        multiplier = np.where(firm_extra[firm], self.config.extra_inspections_multiplier, 1.0)
        rate = self.rate_by_grade[grades_of(self.n_citizens + firm)] * multiplier
        inspected = accept_u * self.max_rate < rate
        firm, false_u, pick_u = firm[inspected], false_u[inspected], pick_u[inspected]
        firm, first = np.unique(firm, return_index=True)
        false_u, pick_u = false_u[first], pick_u[first]
        actor = self.n_citizens + firm

        hit = np.isin(self._firm, actor)
        found = hit & (self._u < self.reporting.inspection[self._behaviour])
        true_findings = Findings.build(
            self._firm[found], self._behaviour[found], INSPECTION, True, Cause.conduct
        )
        expired = (day - self._day) >= self.config.lookback_days
        stay = ~hit & ~expired
        self._firm, self._behaviour = self._firm[stay], self._behaviour[stay]
        self._day, self._u = self._day[stay], self._u[stay]

        wrong = false_u < self.config.false_finding_probability
        parts = [true_findings]
        if wrong.any() and self.reporting.negative[Who.firm][0].size:
            behaviour = self.reporting.claimed_behaviour(Who.firm, pick_u[wrong])
            parts.append(
                Findings.build(actor[wrong], behaviour, INSPECTION, False, Cause.false_finding)
            )
        return Findings.concatenate(parts), int(firm.size)
