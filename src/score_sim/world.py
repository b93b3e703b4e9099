"""The simulated city as arrays: every actor's state, citizens first, then firms.

Actors are indexed ``0 .. n_citizens-1`` (citizens) and ``n_citizens .. n_actors-1`` (firms).
State lives here, in numpy arrays; the Mesa agents in :mod:`score_sim.agents` are views
that hold an index into these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from score_sim.mechanisms.lists import ListBook, ListSet
from score_sim.mechanisms.ties import TieSet, build_ties
from score_sim.scenario import Scenario, Who


@dataclass
class World:
    """All mutable state of one simulation, as arrays over actors."""

    n_citizens: int
    n_firms: int
    score: np.ndarray
    """Current score of every actor (points, float64)."""
    employer: np.ndarray
    """Firm index (0..n_firms-1) employing each citizen, -1 when not employed (int32)."""
    firm_sector: np.ndarray
    """Sector index of each firm into ``scenario.population.sectors`` (int16)."""
    serious_record: np.ndarray
    """Whether each actor has had a serious finding (bool)."""
    false_points: np.ndarray
    """Part of each score's distance from the baseline that comes from false findings."""
    lists: ListSet
    """Every list of the scenario, and who is on any blacklist or red list."""
    ties: TieSet
    is_firm: np.ndarray = field(init=False)
    """Whether each actor is a firm (bool)."""

    def __post_init__(self) -> None:
        self.is_firm = np.zeros(self.n_actors, dtype=bool)
        self.is_firm[self.n_citizens :] = True
        self._kind_slices = {
            Who.citizen: slice(0, self.n_citizens),
            Who.firm: slice(self.n_citizens, self.n_actors),
        }

    @property
    def blacklist(self) -> ListBook:
        """The list named blacklist (or the scenario's first blacklist)."""
        return self.lists.blacklist

    @property
    def redlist(self) -> ListBook:
        """The list named redlist (or the scenario's first red list)."""
        return self.lists.redlist

    @property
    def n_actors(self) -> int:
        """Citizens plus firms."""
        return self.n_citizens + self.n_firms

    def kind_slice(self, who: Who | str) -> slice:
        """The index range of one kind of actor."""
        try:
            return self._kind_slices[who]
        except KeyError:
            raise ValueError(f"{who!r} is not a kind of actor") from None


def build_world(
    scenario: Scenario,
    rng: np.random.Generator,
    ties_rng: np.random.Generator,
    seed: int = 0,
    ever_enabled: frozenset[str] | None = None,
) -> World:
    """Create the city a scenario describes: scores at their initial value, jobs drawn at random.

    Args:
        scenario: the validated scenario.
        rng: the stream used for employment and sectors.
        ties_rng: the stream used for families, friends, representatives and branches.
        seed: the run's seed (each list draws from its own stream).
        ever_enabled: the lists switched on at some point of the run (see
            :class:`score_sim.mechanisms.lists.ListSet`).
    """
    pop = scenario.population
    n_actors = pop.citizens + pop.firms
    employer = np.full(pop.citizens, -1, dtype=np.int32)
    if pop.firms > 0 and pop.citizens > 0 and pop.employment_rate > 0:
        employed = rng.random(pop.citizens) < pop.employment_rate
        employer[employed] = rng.integers(0, pop.firms, int(employed.sum()), dtype=np.int32)
    firm_sector = rng.integers(0, len(pop.sectors), pop.firms).astype(np.int16)
    is_firm = np.arange(n_actors) >= pop.citizens
    # the ties first: their temporaries are freed before the lists' arrays are made
    ties = build_ties(scenario.ties, pop.citizens, pop.firms, employer, ties_rng)
    return World(
        n_citizens=pop.citizens,
        n_firms=pop.firms,
        score=np.full(n_actors, scenario.score.initial, dtype=np.float64),
        employer=employer,
        firm_sector=firm_sector,
        serious_record=np.zeros(n_actors, dtype=bool),
        false_points=np.zeros(n_actors, dtype=np.float64),
        lists=ListSet(scenario, is_firm, seed, ever_enabled),
        ties=ties,
    )
