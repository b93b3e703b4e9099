"""Deterrence: misconduct that falls as the regime's sanctions become visible.

The regime's stated purpose, the defenders' case (DOMAIN.md): "an incentive system for
firms more than a control system"; "laws that were unenforced get enforced". No source
measures how much seeing others sanctioned deters anyone, so every number of this rule is
an assumption (the scenario loader refuses a ``documented`` source for ``deterrence.*``),
and it is off by default: it lets students test the defenders' case, not only the critics'.

Each day, for each kind of actor it covers, the rule reads yesterday's share of that kind
that was restricted (``visibility: restricted``) or on some blacklist
(``visibility: blacklisted``) and multiplies the rate of every misconduct behaviour of the
kind by ``max(floor, 1 - strength * share)``. The multiplier never exceeds 1, so it thins
the day's candidates with the uniform number each already carries
(:mod:`score_sim.mechanisms.behaviour`): no extra random draw, and a twin world without
deterrence keeps every other draw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.metrics import DETERRENCE_COLUMNS
from score_sim.scenario import Deterrence, Scenario, VisibilitySignal, Who

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel


class DeterrenceRule(Mechanism):
    """Today's deterrence multiplier per kind of actor, from yesterday's visibility."""

    name = "deterrence"
    title = "deterrence"

    @classmethod
    def build(cls, host: ScoreModel) -> DeterrenceRule:
        """Every scenario has the deterrence section (off by default)."""
        world = host.world
        rule = cls(host.score_scenario.deterrence, world.n_citizens, world.n_firms)
        rule.ever_enabled = any(rules.deterrence.enabled for rules in host.in_force)
        return rule

    @property
    def in_plan(self) -> bool:
        """On when some phase of the run switches deterrence on."""
        return self.ever_enabled

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow a changed deterrence section from today on."""
        self.configure(rules.deterrence)

    def behave(self, day: Day) -> None:
        """Yesterday's visible punishment thins today's misconduct."""
        self.update(day.restricted, day.host.world.lists.blacklisted)
        day.multiplier_of = self.combine(day.multiplier_of)

    def columns(self) -> list[str]:
        """The day's deterrence multiplier of each kind, when deterrence is ever on."""
        return list(DETERRENCE_COLUMNS) if self.ever_enabled else []

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's multipliers."""
        if not self.ever_enabled:
            return {}
        return {
            "citizen_deterrence_multiplier": float(self.by_kind[0]),
            "firm_deterrence_multiplier": float(self.by_kind[1]),
        }

    def __init__(self, config: Deterrence, n_citizens: int, n_firms: int) -> None:
        self.n_citizens = n_citizens
        self.n_firms = n_firms
        self.by_kind = np.ones(2)
        """Today's multiplier for citizens and firms (1: no deterrence)."""
        self.configure(config)

    def configure(self, config: Deterrence) -> None:
        """Follow a changed deterrence section from today on (a policy timeline)."""
        self.config = config
        self.covers = np.array([Who.citizen in config.who, Who.firm in config.who]) & bool(
            config.enabled
        )

    @property
    def enabled(self) -> bool:
        """Whether misconduct responds to visibility today."""
        return bool(self.config.enabled)

    def update(self, restricted: np.ndarray, blacklisted: np.ndarray) -> None:
        """Set today's multipliers from yesterday's state (restrictions, blacklists)."""
        if not self.config.enabled:
            self.by_kind = np.ones(2)
            return
        seen = restricted if self.config.visibility is VisibilitySignal.restricted else blacklisted
        c = self.n_citizens
        shares = np.array(
            [
                np.count_nonzero(seen[:c]) / c if c else 0.0,
                np.count_nonzero(seen[c:]) / self.n_firms if self.n_firms else 0.0,
            ]
        )
        multiplier = np.maximum(self.config.floor, 1.0 - self.config.strength * shares)
        self.by_kind = np.where(self.covers, np.minimum(multiplier, 1.0), 1.0)

    def combine(
        self, multiplier_of: Callable[[np.ndarray], np.ndarray] | None
    ) -> Callable[[np.ndarray], np.ndarray] | None:
        """The misconduct multiplier with deterrence on top of any feedback (effects)."""
        if not self.config.enabled:
            return multiplier_of
        by_kind = self.by_kind
        c = self.n_citizens

        def deterred(actors: np.ndarray) -> np.ndarray:
            factor = by_kind[(actors >= c).astype(np.intp)]
            return factor if multiplier_of is None else multiplier_of(actors) * factor

        return deterred
