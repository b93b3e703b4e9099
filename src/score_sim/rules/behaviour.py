"""Behaviour: what actors do, as independent Poisson processes per behaviour.

Each behaviour in the scenario happens to each actor of its kind at ``rate_per_year``
(assumed constant through the year, so the daily count of occurrences among ``n`` actors is
Poisson with mean ``n * rate_per_year / 365``). Draws are sparse: first how many occurrences
happen today, then to whom, so a day costs in proportion to what happens, not to the
population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from score_sim.scenario import Behaviour
from score_sim.world import World

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Occurrences:
    """What happened today: parallel arrays of actor index and behaviour index."""

    actor: np.ndarray
    behaviour: np.ndarray

    @classmethod
    def empty(cls) -> Occurrences:
        """No occurrences."""
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int16))

    def __len__(self) -> int:
        return int(self.actor.size)


def draw_occurrences(
    behaviours: tuple[Behaviour, ...],
    world: World,
    streams: list[np.random.Generator],
) -> Occurrences:
    """Draw today's occurrences of every behaviour.

    Args:
        behaviours: the scenario's behaviours.
        world: the city (used for the size and index range of each kind).
        streams: one random stream per behaviour, so that changing one behaviour leaves
            the draws of the others untouched (common random numbers).
    """
    actors = []
    kinds = []
    for index, (behaviour, rng) in enumerate(zip(behaviours, streams, strict=True)):
        span = world.kind_slice(behaviour.who)
        size = span.stop - span.start
        if size == 0:
            continue
        count = rng.poisson(size * behaviour.rate_per_year / DAYS_PER_YEAR)
        if count == 0:
            continue
        actors.append(span.start + rng.integers(0, size, count))
        kinds.append(np.full(count, index, dtype=np.int16))
    if not actors:
        return Occurrences.empty()
    return Occurrences(np.concatenate(actors), np.concatenate(kinds))
