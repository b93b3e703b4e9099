"""Behaviour: what actors do, as independent Poisson processes per behaviour.

Each behaviour happens to each actor of its kind at ``rate_per_year``; misconduct (a
behaviour with negative points) happens at that rate times the actor's misconduct
multiplier, which restrictions raise and rewards lower (see :mod:`score_sim.rules.effects`).

Draws are sparse and their number does not depend on the state of the world. Each day, each
behaviour draws a Poisson number of *candidates* at its base rate, each with its actor and
its uniform numbers for every later decision (acceptance, each detection channel,
misidentification). An actor whose multiplier is below 1 keeps a candidate with that
probability. Misconduct above the base rate comes from a second layer, drawn from its own
stream at ``rate * (max_multiplier - 1)`` and kept with probability
``(multiplier - 1) / (max_multiplier - 1)`` (thinning). Two worlds that differ in one rule
therefore share every base-layer candidate (common random numbers), and a day costs in
proportion to what happens, not to the population.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from score_sim.scenario import Behaviour
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


def _draw_layer(
    rng: np.random.Generator, start: int, size: int, expected: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidates of one layer: actor, acceptance uniform, decision uniforms, wrong target."""
    count = int(rng.poisson(expected))
    local = rng.integers(0, size, count)
    accept_u = rng.random(count)
    uniforms = rng.random((count, N_UNIFORMS))
    other = rng.integers(0, max(size - 1, 1), count)
    other = np.where(other >= local, other + 1, other) if size > 1 else local
    return start + local, accept_u, uniforms, start + other


def draw_occurrences(
    behaviours: tuple[Behaviour, ...],
    world: World,
    streams: list[np.random.Generator],
    excess_streams: list[np.random.Generator] | None = None,
    multiplier_of: Callable[[np.ndarray], np.ndarray] | None = None,
    max_multiplier: float = 1.0,
) -> Occurrences:
    """Draw today's occurrences of every behaviour.

    Args:
        behaviours: the scenario's behaviours.
        world: the city (used for the size and index range of each kind).
        streams: one random stream per behaviour (its base layer), so that changing one
            behaviour leaves the draws of the others untouched.
        excess_streams: one stream per behaviour for misconduct above the base rate.
        multiplier_of: the factor on the rate of misconduct of given actors (None: 1).
        max_multiplier: an upper bound of that factor that depends only on the scenario,
            never on the state.
    """
    parts: list[Occurrences] = []
    for index, behaviour in enumerate(behaviours):
        span = world.kind_slice(behaviour.who)
        size = span.stop - span.start
        if size == 0:
            continue
        per_day = size * behaviour.rate_per_year / DAYS_PER_YEAR
        thinned = behaviour.points < 0 and multiplier_of is not None
        actor, accept_u, uniforms, other = _draw_layer(streams[index], span.start, size, per_day)
        if thinned:
            keep = accept_u < multiplier_of(actor)
            actor, uniforms, other = actor[keep], uniforms[keep], other[keep]
        layers = [(actor, uniforms, other)]
        if thinned and max_multiplier > 1 and excess_streams is not None:
            excess = max_multiplier - 1.0
            actor, accept_u, uniforms, other = _draw_layer(
                excess_streams[index], span.start, size, per_day * excess
            )
            keep = accept_u * excess < multiplier_of(actor) - 1.0
            layers.append((actor[keep], uniforms[keep], other[keep]))
        for actor, uniforms, other in layers:
            parts.append(
                Occurrences(actor, np.full(actor.size, index, dtype=np.int16), uniforms, other)
            )
    if not parts:
        return Occurrences.empty()
    return Occurrences(
        np.concatenate([p.actor for p in parts]),
        np.concatenate([p.behaviour for p in parts]),
        np.concatenate([p.uniforms for p in parts]),
        np.concatenate([p.misidentified_as for p in parts]),
    )
