"""Random streams: one independent stream per mechanism, derived from the run's seed.

Each mechanism (the city's ties, each behaviour, observation, ...) draws from its own
``numpy`` Generator, keyed by the mechanism's name. Changing one rule then leaves the draws
of every other rule untouched, so two runs that differ in one rule are comparable draw for
draw (common random numbers). Same seed, same streams, same results.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The random stream of mechanism ``name`` for a run with ``seed``."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))
