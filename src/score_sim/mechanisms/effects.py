"""Effects: what restrictions and rewards do to later conduct, the feedback behind spirals.

Critics describe pariahs who cannot escape a downward spiral: a listing cuts off credit,
jobs and partners, and that makes the next default or violation likelier. Rewards work the
other way (cheaper credit, faster services, DOMAIN.md). Here each actor's rate of
misconduct is multiplied by a factor for each restriction it is under, by a factor for
being without a job (a job, once lost to the employment restriction, stays lost), and by
reward factors for the red list and for grades. All factors are assumptions of a scenario;
``effects.enabled: false`` turns the feedback off, to tell a spiral from bad luck.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import EventKind, EventLog
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.scenario import Effects, Restriction, Scenario

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel

_EMPLOYMENT = RESTRICTION_BITS[Restriction.employment]


class Feedback(Mechanism):
    """Per-actor misconduct multipliers, and job losses under the employment restriction."""

    name = "feedback"
    title = "feedback of sanctions on conduct"
    event_kinds = (EventKind.job_loss,)

    @classmethod
    def build(cls, host: ScoreModel) -> Feedback:
        """Every scenario has the effects section (off by default)."""
        feedback = cls(host.score_scenario.effects, host.grading.names)
        feedback.rng = host.stream("job_loss")
        feedback.ever_enabled = any(rules.effects.enabled for rules in host.in_force)
        return feedback

    @property
    def in_plan(self) -> bool:
        """On when some phase of the run switches the effects on."""
        return self.ever_enabled

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed effects from today on (jobs lost so far are kept)."""
        jobs_lost = self.n_jobs_lost
        self.__init__(rules.effects, host.grading.names)
        self.n_jobs_lost = jobs_lost

    def behave(self, day: Day) -> None:
        """Today's misconduct multipliers: restrictions, grades, red list, unemployment."""
        if not self.enabled:
            return
        host = day.host
        world = host.world
        day.multiplier_of = functools.partial(
            self.multiplier_of,
            restrictions=host.sanctions.restrictions,
            grades_of=host.grades_of,
            redlisted=world.lists.redlisted,
            employer=world.employer,
        )
        day.max_multiplier = self.max_multiplier

    def after(self, day: Day) -> None:
        """Employees under the employment restriction may lose their job."""
        host = day.host
        restrictions = host.sanctions.restrictions
        self.lose_jobs(day.day, restrictions, host.world.employer, self.rng, host.events)

    def __init__(self, config: Effects, grade_names: tuple[str, ...]) -> None:
        self.config = config
        self.n_jobs_lost = 0
        """Citizens who lost their job to the employment restriction so far."""
        masks = np.arange(1 << len(Restriction))
        self.by_restrictions = np.ones(masks.size)
        for restriction, factor in config.restriction_multiplier.items():
            self.by_restrictions[
                (masks & int(RESTRICTION_BITS[Restriction(restriction)])) != 0
            ] *= factor
        self.by_grade = np.array([config.grade_multiplier.get(n, 1.0) for n in grade_names])
        self.max_multiplier = float(
            self.by_restrictions.max()
            * max(config.unemployed_multiplier, 1.0)
            * max(config.redlist_multiplier, 1.0)
            * max(self.by_grade.max(), 1.0)
        )
        """The highest multiplier any actor can have: fixed by the scenario, not the state."""
        self.enabled = config.enabled and (
            bool(np.any(self.by_restrictions != 1.0))
            or bool(np.any(self.by_grade != 1.0))
            or config.unemployed_multiplier != 1.0
            or config.redlist_multiplier != 1.0
            or config.job_loss_probability_per_day > 0
        )
        """Whether any rate of misconduct can differ from its base rate, or jobs be lost."""

    def multiplier_of(
        self,
        actors: np.ndarray,
        restrictions: np.ndarray,
        grades_of: Callable[[np.ndarray], np.ndarray],
        redlisted: np.ndarray,
        employer: np.ndarray,
    ) -> np.ndarray:
        """The factor on the rate of misconduct today of each of ``actors``.

        Computed only for the actors asked about (today's candidates), never for everyone.

        Args:
            actors: actor indices.
            restrictions: every actor's restriction bitmask.
            grades_of: grade index (0 = best) of given actors.
            redlisted: whether each actor is on the red list.
            employer: each citizen's firm, -1 for none.
        """
        factor = self.by_restrictions[restrictions[actors]] * self.by_grade[grades_of(actors)]
        if self.config.redlist_multiplier != 1.0:
            factor[redlisted[actors]] *= self.config.redlist_multiplier
        if self.config.unemployed_multiplier != 1.0:
            citizen = actors < employer.size
            jobless = np.zeros(actors.size, dtype=bool)
            jobless[citizen] = employer[actors[citizen]] < 0
            factor[jobless] *= self.config.unemployed_multiplier
        return factor

    def lose_jobs(
        self,
        day: int,
        restrictions: np.ndarray,
        employer: np.ndarray,
        rng: np.random.Generator,
        events: EventLog,
    ) -> None:
        """Employed citizens under the employment restriction may lose their job, for good."""
        p = self.config.job_loss_probability_per_day
        if not self.enabled or p == 0:
            return
        at_risk = np.flatnonzero(
            ((restrictions[: employer.size] & _EMPLOYMENT) != 0) & (employer >= 0)
        )
        lost = at_risk[rng.random(at_risk.size) < p]
        employer[lost] = -1
        self.n_jobs_lost += int(lost.size)
        events.record(day, lost, EventKind.job_loss)
