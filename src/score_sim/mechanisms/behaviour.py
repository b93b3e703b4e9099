"""Behaviour: what actors do, as independent Poisson processes per behaviour.

Each behaviour happens to each actor of its kind at ``rate_per_year``; misconduct (a
behaviour with negative points) happens at that rate times the actor's misconduct
multiplier, which restrictions raise and rewards lower (see :mod:`score_sim.mechanisms.effects`).

Draws are sparse and their number does not depend on the state of the world. Each day, each
behaviour draws a Poisson number of *candidates* at its base rate, each with its actor and
its uniform numbers for every later decision (acceptance, each detection channel,
misidentification). The candidate's actor is uniform among its kind, or, when actors differ
(:mod:`score_sim.mechanisms.propensity`), drawn in proportion to each actor's propensity from
the same uniform number. An actor whose multiplier is below 1 keeps a candidate with that
probability. Misconduct above the base rate comes from a second layer, drawn from its own
stream at ``rate * (max_multiplier - 1)`` and kept with probability
``(multiplier - 1) / (max_multiplier - 1)`` (thinning). Two worlds that differ in one rule
therefore share every base-layer candidate (common random numbers), and a day costs in
proportion to what happens, not to the population.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.scenario import Behaviour, Scenario, Severity
from score_sim.streams import stream

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.mechanisms.reporting import Findings
    from score_sim.model import ScoreModel
    from score_sim.world import World

DAYS_PER_YEAR = 365.0

# columns of Occurrences.uniforms
U_RECORDS, U_SURVEILLANCE, U_DENUNCIATION, U_INSPECTION, U_MISIDENTIFIED = range(5)
N_UNIFORMS = 5


@dataclass(frozen=True)
class Occurrences:
    """What actors did today: actor, behaviour, uniforms for detection, a wrong target."""

    actor: np.ndarray
    behaviour: np.ndarray
    uniforms: np.ndarray
    """Shape (n, N_UNIFORMS): one uniform per later decision about this occurrence."""
    misidentified_as: np.ndarray
    """Actor a misidentified finding would land on (same kind, never the actor)."""

    @classmethod
    def empty(cls) -> Occurrences:
        """No occurrences."""
        return cls(
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.int16),
            np.empty((0, N_UNIFORMS)),
            np.empty(0, dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.actor.size)

    def subset(self, keep: np.ndarray) -> Occurrences:
        """The occurrences selected by a boolean mask or index array."""
        return Occurrences(
            self.actor[keep], self.behaviour[keep], self.uniforms[keep], self.misidentified_as[keep]
        )


class BehaviourDraws:
    """Draws every behaviour's occurrences for a day, one random stream per behaviour.

    Only the random calls run per behaviour (a Poisson count, then one block of uniforms);
    turning the uniforms into actors and decisions is done once for all behaviours.
    """

    def __init__(
        self,
        behaviours: tuple[Behaviour, ...],
        world: World,
        streams: list[np.random.Generator],
        excess_streams: list[np.random.Generator],
        cumulative_propensity: list[np.ndarray | None] | None = None,
    ) -> None:
        """Prepare the draws.

        Args:
            behaviours: the scenario's behaviours.
            world: the city (for the size and index range of each kind).
            streams: one random stream per behaviour (its base layer), so that changing
                one behaviour leaves the draws of the others untouched.
            excess_streams: one stream per behaviour for misconduct above the base rate.
            cumulative_propensity: per behaviour, the running sum of its actors' propensities
                (:mod:`score_sim.mechanisms.propensity`), or None where all actors are alike: a
                candidate's actor is then drawn with probability proportional to its
                propensity, from the same uniform number.
        """
        spans = [world.kind_slice(b.who) for b in behaviours]
        self.start = np.array([span.start for span in spans], dtype=np.int64)
        self.size = np.array([span.stop - span.start for span in spans], dtype=np.int64)
        self.per_day = (
            np.array([b.rate_per_year / DAYS_PER_YEAR for b in behaviours], dtype=np.float64)
            * self.size
        )
        self.misconduct = np.array([b.points < 0 for b in behaviours], dtype=bool)
        self._others = np.maximum(self.size - 1, 1)
        """Per behaviour, how many other actors of its kind a wrong target is drawn among."""
        self._all_have_others = bool((self.size > 1).all())
        self._no_thinning = np.zeros_like(self.misconduct)
        self._active = [
            (index, float(expected))
            for index, expected in enumerate(self.per_day.tolist())
            if expected > 0
        ]
        self.streams = streams
        self.excess_streams = excess_streams
        self.weighted = [
            (index, cum)
            for index, cum in enumerate(cumulative_propensity or [])
            if cum is not None and cum.size
        ]

    def _layer(
        self, streams: list[np.random.Generator], means: list[tuple[int, float]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw candidates of one layer: behaviour index and uniforms, per behaviour stream.

        Args:
            streams: one random stream per behaviour.
            means: (behaviour index, expected candidates today), ascending by index, each
                mean above 0.
        """
        blocks, counts, indices = [], [], []
        width = N_UNIFORMS + 3
        for index, mean in means:
            rng = streams[index]
            count = int(rng.poisson(mean))
            if count:  # drawing no uniforms would leave the stream where it is: skip it
                blocks.append(rng.random((count, width)))
                counts.append(count)
                indices.append(index)
        if not blocks:
            return np.empty(0, dtype=np.int16), np.empty((0, width))
        behaviour = np.repeat(np.array(indices, dtype=np.int16), counts)
        return behaviour, np.concatenate(blocks)

    def _occurrences(
        self,
        behaviour: np.ndarray,
        draws: np.ndarray,
        keep: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None,
    ) -> Occurrences:
        size = self.size[behaviour]
        start = self.start[behaviour]
        local = (draws[:, 0] * size).astype(np.int64)
        for index, cum in self.weighted:
            rows = np.flatnonzero(behaviour == index)
            if rows.size:
                picked = np.searchsorted(cum, draws[rows, 0] * cum[-1], side="right")
                local[rows] = np.minimum(picked, cum.size - 1)
        # a wrong target: another actor of the same kind (the actor itself when alone)
        other = (draws[:, 1] * self._others[behaviour]).astype(np.int64)
        if self._all_have_others:
            other += other >= local
        else:
            other += (other >= local) & (size > 1)
            other = np.where(size > 1, other, local)
        actor = start + local
        if keep is None:
            return Occurrences(actor, behaviour, draws[:, 3:], start + other)
        kept = keep(behaviour, actor, draws[:, 2])
        return Occurrences(
            actor[kept],
            behaviour[kept],
            draws[kept, 3:],
            (start + other)[kept],
        )

    def draw(
        self,
        multiplier_of: Callable[[np.ndarray], np.ndarray] | None = None,
        max_multiplier: float = 1.0,
    ) -> Occurrences:
        """Draw today's occurrences of every behaviour.

        Args:
            multiplier_of: the factor on the rate of misconduct of given actors (None: 1).
            max_multiplier: an upper bound of that factor that depends only on the
                scenario, never on the state.
        """
        thinned = self.misconduct if multiplier_of is not None else self._no_thinning

        def keep_base(behaviour: np.ndarray, actor: np.ndarray, u: np.ndarray) -> np.ndarray:
            kept = np.ones(actor.size, dtype=bool)
            rows = np.flatnonzero(thinned[behaviour])
            if rows.size:
                kept[rows] = u[rows] < multiplier_of(actor[rows])
            return kept

        behaviour, draws = self._layer(self.streams, self._active)
        parts = [self._occurrences(behaviour, draws, keep_base if multiplier_of else None)]
        if thinned.any() and max_multiplier > 1:
            excess = max_multiplier - 1.0

            def keep_excess(behaviour: np.ndarray, actor: np.ndarray, u: np.ndarray) -> np.ndarray:
                return u * excess < multiplier_of(actor) - 1.0

            means = [(i, base * excess) for i, base in self._active if thinned[i]]
            behaviour, draws = self._layer(self.excess_streams, means)
            parts.append(self._occurrences(behaviour, draws, keep_excess))
        if len(parts) == 1:
            return parts[0]
        return Occurrences(
            np.concatenate([p.actor for p in parts]),
            np.concatenate([p.behaviour for p in parts]),
            np.concatenate([p.uniforms for p in parts]),
            np.concatenate([p.misidentified_as for p in parts]),
        )


class Behaviours(Mechanism):
    """The behaviours in force: their draws each day, their points and severities.

    Each behaviour draws from its own streams (``behaviour:<name>`` and, where people
    differ, ``behaviour:<name>:excess``); a timeline entry changes rates and points while
    the streams run on.
    """

    name = "behaviour"
    title = "behaviour"

    def __init__(self, host: ScoreModel) -> None:
        behaviours = host.score_scenario.behaviours
        self.world = host.world
        self.n_citizens = host.world.n_citizens
        self.propensities = host.propensities
        self.streams = (
            [stream(host.seed, f"behaviour:{b.name}") for b in behaviours],
            [stream(host.seed, f"behaviour:{b.name}:excess") for b in behaviours],
        )
        self.configure(host.score_scenario)

    @classmethod
    def build(cls, host: ScoreModel) -> Behaviours:
        """Every scenario has behaviours."""
        return cls(host)

    def configure(self, rules: Scenario) -> None:
        """Take the behaviours' rates, points and severities of ``rules``."""
        behaviours = rules.behaviours
        self.draws = BehaviourDraws(
            behaviours, self.world, *self.streams, self.propensities.cumulative()
        )
        self.points = np.array([b.points for b in behaviours], dtype=np.float64)
        """Points of a finding of each behaviour."""
        self.negative = self.points < 0
        """Whether each behaviour is misconduct (costs points)."""
        self.serious = np.array([b.severity is Severity.serious for b in behaviours], dtype=bool)

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed behaviours from today on (their streams are kept)."""
        self.configure(rules)

    def behave(self, day: Day) -> None:
        """Draw today's occurrences, under today's misconduct multipliers."""
        day.occurrences = self.draws.draw(day.multiplier_of, day.max_multiplier)

    def firm_misconduct(self, findings: Findings) -> tuple[np.ndarray, np.ndarray]:
        """Today's negative findings of firms: their actors and whether each is true."""
        firm = (findings.actor >= self.n_citizens) & self.negative[findings.behaviour]
        return findings.actor[firm], findings.true[firm]
