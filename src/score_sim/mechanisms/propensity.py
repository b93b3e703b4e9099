"""Propensity: people who differ in how often they misbehave (``heterogeneity``).

With every actor alike, "restricted people misbehave N times as often" can only be the
feedback of restriction on conduct. Real people differ, and those prone to misconduct are
the ones who end up restricted, so a naive ratio mixes *selection* (who is restricted) with
*feedback* (what restriction does). This rule gives each actor a propensity to each kind of
misconduct: a lognormal factor, part of it shared across the actor's kinds of misconduct,
times the factor of the actor's group (an income band, say). How much people differ is not
documented for any social-credit pilot: the spread and the groups are assumptions of the
scenario that switches them on.

Propensities are scaled to average exactly 1 over each kind's actors, so a behaviour's
``rate_per_year`` remains the population's mean rate, and they are drawn once, from their
own stream, before the first day: twin worlds with the same seed hold the same people.
"""

from __future__ import annotations

import numpy as np

from score_sim.scenario import Behaviour, Heterogeneity, Who


class Propensities:
    """Each actor's propensity to each misconduct behaviour, and where to draw actors from.

    Attributes:
        by_behaviour: for each behaviour, the propensities of its kind's actors (mean 1), or
            None where every actor is alike (rewarded behaviours, kinds left out, or
            heterogeneity off).
        group: each actor's group index into ``config.groups`` (-1: none or not drawn).
    """

    def __init__(
        self,
        config: Heterogeneity,
        behaviours: tuple[Behaviour, ...],
        n_citizens: int,
        n_firms: int,
        rng: np.random.Generator,
    ) -> None:
        self.config = config
        self.by_behaviour: list[np.ndarray | None] = [None] * len(behaviours)
        self.group = np.full(n_citizens + n_firms, -1, dtype=np.int16)
        if not config.enabled:
            return
        sizes = {Who.citizen: n_citizens, Who.firm: n_firms}
        offsets = {Who.citizen: 0, Who.firm: n_citizens}
        sigma = config.sigma
        # Draws in a fixed order (kinds, then behaviours in file order), whatever is used.
        for who in (Who.citizen, Who.firm):
            n = sizes[who]
            common = rng.standard_normal(n)
            group = self._groups(n, rng)
            used = who in config.who and n > 0
            if used:
                self.group[offsets[who] : offsets[who] + n] = group
            shared = np.sqrt(config.shared) * common
            for index, behaviour in enumerate(behaviours):
                own = rng.standard_normal(n)
                if not used or Who(behaviour.who) is not who or behaviour.points >= 0:
                    continue
                z = shared + np.sqrt(1.0 - config.shared) * own
                propensity = np.exp(sigma * z)
                if config.groups:
                    factors = np.array(
                        [g.behaviours.get(behaviour.name, g.multiplier) for g in config.groups]
                    )
                    propensity *= factors[group]
                self.by_behaviour[index] = propensity * (n / propensity.sum())

    def _groups(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Each actor's group, drawn with the groups' shares (all -1 without groups)."""
        u = rng.random(n)
        if not self.config.groups:
            return np.full(n, -1, dtype=np.int16)
        edges = np.cumsum([g.share for g in self.config.groups])
        return np.minimum(np.searchsorted(edges, u * edges[-1], side="right"), edges.size - 1)

    @property
    def enabled(self) -> bool:
        """Whether any behaviour's actors differ."""
        return any(p is not None for p in self.by_behaviour)

    def misconduct_rate_per_day(
        self, behaviours: tuple[Behaviour, ...], n_citizens: int, n_firms: int
    ) -> np.ndarray:
        """Each actor's expected misconduct per day before any feedback (all behaviours)."""
        rate = np.zeros(n_citizens + n_firms)
        offsets = {Who.citizen: 0, Who.firm: n_citizens}
        sizes = {Who.citizen: n_citizens, Who.firm: n_firms}
        for behaviour, propensity in zip(behaviours, self.by_behaviour, strict=True):
            if behaviour.points >= 0:
                continue
            who = Who(behaviour.who)
            span = slice(offsets[who], offsets[who] + sizes[who])
            per_day = behaviour.rate_per_year / 365.0
            rate[span] += per_day if propensity is None else per_day * propensity
        return rate

    def cumulative(self) -> list[np.ndarray | None]:
        """Per behaviour, the running sum of propensities (for drawing actors by weight)."""
        return [None if p is None else np.cumsum(p) for p in self.by_behaviour]
