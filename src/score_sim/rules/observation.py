"""Observation: which occurrences become findings on an actor's record.

An occurrence becomes a finding with the behaviour's ``detection_probability`` (default 1:
everything is seen). Unseen conduct costs nothing.
"""

from __future__ import annotations

import numpy as np

from score_sim.rules.behaviour import Occurrences


def observe(
    occurrences: Occurrences, detection_probability: np.ndarray, rng: np.random.Generator
) -> Occurrences:
    """Keep each occurrence with its behaviour's detection probability.

    Args:
        occurrences: today's occurrences.
        detection_probability: per behaviour index, the chance an occurrence is found.
        rng: the observation stream.
    """
    if len(occurrences) == 0:
        return occurrences
    draws = rng.random(len(occurrences))
    seen = draws < detection_probability[occurrences.behaviour]
    return Occurrences(occurrences.actor[seen], occurrences.behaviour[seen])
