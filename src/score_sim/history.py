"""Score histories of a fixed random sample of actors, for the trajectories figure.

A pariah's story is its score over time: before the first listing, during the spells on
the blacklist, and after. Keeping every actor's score every day would cost gigabytes at
city scale, so a sample of actors (5,000 citizens and 500 firms; fewer in runs so long
that this would exceed :data:`MAX_CELLS` actor-days), drawn before the first day from its
own random stream (no other draw changes), has its score and blacklist status recorded
daily. Who becomes a
pariah, and the never-listed actors they are matched with, are read from the sample after
the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_CITIZENS = 5_000
SAMPLE_FIRMS = 500
MAX_CELLS = 4_000_000
"""At most this many actor-days are kept (about 20 MB): long runs sample fewer actors."""


@dataclass(frozen=True)
class Trajectories:
    """What the trajectories figure needs: sampled actors' daily scores and list status.

    Attributes:
        actors: actor indices of the sample (citizens first, then firms), increasing.
        is_firm: whether each sampled actor is a firm.
        score: shape (sampled actors, days + 1): each day's score, from day 0.
        listed: the same shape: whether the actor was on the blacklist that day.
        floor: the lowest possible score.
        pariah_margin_points: a score this close to the floor counts as at it.
        pariah_min_days: days at the floor or listed, without a break, to be a pariah.
    """

    actors: np.ndarray
    is_firm: np.ndarray
    score: np.ndarray
    listed: np.ndarray
    floor: float
    pariah_margin_points: float
    pariah_min_days: int

    def longest_spell_days(self) -> np.ndarray:
        """Each sampled actor's longest run of days at the floor or on the blacklist."""
        low = self.listed | (self.score <= self.floor + self.pariah_margin_points)
        run = np.zeros(low.shape[0], dtype=np.int64)
        longest = np.zeros_like(run)
        for day in range(low.shape[1]):  # over days, not actors: vectorised across the sample
            run = (run + 1) * low[:, day]
            np.maximum(longest, run, out=longest)
        return longest

    def pariahs(self) -> np.ndarray:
        """Positions in the sample of actors who were pariahs at some point.

        A spell that began on day s makes a pariah on day s + ``pariah_min_days``, its
        ``pariah_min_days + 1``-th day (as :class:`score_sim.mechanisms.harms.HarmLedger` counts).
        """
        return np.flatnonzero(self.longest_spell_days() > self.pariah_min_days)

    def never_listed(self) -> np.ndarray:
        """Positions in the sample of actors never on the blacklist."""
        return np.flatnonzero(~self.listed.any(axis=1))

    def first_listing_day(self) -> np.ndarray:
        """Each sampled actor's first day on the blacklist (-1: never listed)."""
        ever = self.listed.any(axis=1)
        return np.where(ever, np.argmax(self.listed, axis=1), -1)


class ScoreHistory:
    """Records the sample's scores and blacklist status once a day."""

    def __init__(
        self, n_citizens: int, n_firms: int, rng: np.random.Generator, n_days: int
    ) -> None:
        scale = min(1.0, MAX_CELLS / ((n_days + 1) * (SAMPLE_CITIZENS + SAMPLE_FIRMS)))
        n_sampled_citizens = min(n_citizens, max(int(SAMPLE_CITIZENS * scale), 10))
        n_sampled_firms = min(n_firms, max(int(SAMPLE_FIRMS * scale), 1))
        citizens = np.sort(rng.choice(n_citizens, n_sampled_citizens, replace=False))
        firms = n_citizens + np.sort(rng.choice(n_firms, n_sampled_firms, replace=False))
        self.actors = np.concatenate([citizens, firms]).astype(np.int64)
        self.n_citizens = n_citizens
        self._score = np.empty((n_days + 1, self.actors.size), dtype=np.float32)
        self._listed = np.empty((n_days + 1, self.actors.size), dtype=bool)
        self._n = 0

    def record(self, score: np.ndarray, listed: np.ndarray) -> None:
        """Keep today's values of the sample."""
        if self._n == self._score.shape[0]:  # stepping past the planned days: grow
            self._score = np.concatenate([self._score, np.empty_like(self._score)])
            self._listed = np.concatenate([self._listed, np.empty_like(self._listed)])
        self._score[self._n] = score[self.actors]
        self._listed[self._n] = listed[self.actors]
        self._n += 1

    def trajectories(
        self, floor: float, pariah_margin_points: float, pariah_min_days: int
    ) -> Trajectories:
        """The recorded days, actor by actor."""
        return Trajectories(
            actors=self.actors,
            is_firm=self.actors >= self.n_citizens,
            score=self._score[: self._n].T.astype(np.float64),
            listed=self._listed[: self._n].T.copy(),
            floor=floor,
            pariah_margin_points=pariah_margin_points,
            pariah_min_days=pariah_min_days,
        )
