"""Ties: families, friends, employers, legal representatives, parents and branches.

Sanctions travel along ties ("broken trust in one place, restrictions everywhere"): a firm's
listing reaches its legal representative, who is punished personally, and can reach its
staff; one branch's evaluation can affect the whole company; employees' conduct affects
the firm's rating (DOMAIN.md). Contagion over family and friend ties follows the
incarceration-contagion models cited there. Tie structures here are assumptions: household
sizes, friend counts and branch shares are scenario parameters.

Graphs are stored as CSR index arrays (``indptr``, ``indices``), never as Python objects per
node, so a city of millions costs a few bytes per tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from score_sim.arraytools import unique
from score_sim.scenario import Ties as TiesConfig


@dataclass(frozen=True)
class Graph:
    """A directed graph in CSR form.

    The neighbours of node ``i`` are ``indices[indptr[i]:indptr[i+1]]``.
    """

    indptr: np.ndarray
    indices: np.ndarray

    @classmethod
    def from_edges(cls, n_nodes: int, source: np.ndarray, target: np.ndarray) -> Graph:
        """Build from parallel arrays of edges ``source -> target``."""
        order = np.argsort(source, kind="stable")
        counts = np.bincount(source, minlength=n_nodes)
        indptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr, target[order].astype(np.int32))

    @classmethod
    def empty(cls, n_nodes: int) -> Graph:
        """A graph with no edges."""
        return cls(np.zeros(n_nodes + 1, dtype=np.int64), np.empty(0, dtype=np.int32))

    @property
    def degree(self) -> np.ndarray:
        """Number of neighbours of each node."""
        return np.diff(self.indptr)

    def neighbours_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of several nodes at once.

        Returns:
            ``(position, neighbour)``: for each edge out of ``nodes``, the position in
            ``nodes`` of its source and the neighbour it leads to.
        """
        starts = self.indptr[nodes]
        counts = self.indptr[nodes + 1] - starts
        total = int(counts.sum())
        position = np.repeat(np.arange(nodes.size), counts)
        if total == 0:
            return position, np.empty(0, dtype=np.int32)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return position, self.indices[np.repeat(starts, counts) + offsets]


def _symmetric(n_nodes: int, a: np.ndarray, b: np.ndarray) -> Graph:
    return Graph.from_edges(n_nodes, np.concatenate([a, b]), np.concatenate([b, a]))


def build_family(n_citizens: int, household_size_mean: float, rng: np.random.Generator) -> Graph:
    """Households of random size (1 + Poisson(mean - 1)); everyone in one is family."""
    if n_citizens == 0 or household_size_mean <= 1:
        return Graph.empty(n_citizens)
    sizes = 1 + rng.poisson(household_size_mean - 1, size=n_citizens)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n_citizens)) + 1]
    household = np.repeat(np.arange(sizes.size), sizes)[:n_citizens]
    members = rng.permutation(n_citizens)  # who lives in which household is random
    sources, targets = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    for offset in range(1, int(sizes.max())):
        same = household[:-offset] == household[offset:]
        sources.append(members[:-offset][same])
        targets.append(members[offset:][same])
    return _symmetric(n_citizens, np.concatenate(sources), np.concatenate(targets))


def build_friends(n_citizens: int, friends_per_citizen: float, rng: np.random.Generator) -> Graph:
    """Random friendships: ``n * mean / 2`` distinct pairs drawn uniformly."""
    n_pairs = round(n_citizens * friends_per_citizen / 2)
    if n_citizens < 2 or n_pairs == 0:
        return Graph.empty(n_citizens)
    a = rng.integers(0, n_citizens, n_pairs)
    b = rng.integers(0, n_citizens - 1, n_pairs)
    b = np.where(b >= a, b + 1, b)  # no self-ties
    low, high = np.minimum(a, b), np.maximum(a, b)
    pairs = unique(low.astype(np.int64) * n_citizens + high)
    return _symmetric(n_citizens, pairs // n_citizens, pairs % n_citizens)


def union(first: Graph, second: Graph) -> Graph:
    """All edges of both graphs (an edge in both appears twice)."""
    n = first.indptr.size - 1
    nodes = np.arange(n)
    source = np.concatenate([np.repeat(nodes, first.degree), np.repeat(nodes, second.degree)])
    return Graph.from_edges(n, source, np.concatenate([first.indices, second.indices]))


@dataclass(frozen=True)
class TieSet:
    """Every tie of the city. Citizen and firm numbers are per kind (firm 0 is the first firm)."""

    family: Graph
    """Citizen -> family members."""
    social: Graph
    """Citizen -> family and friends (who may denounce, or be denounced)."""
    staff: Graph
    """Firm -> its employees at the start (filter by the current employer when used)."""
    legal_representative: np.ndarray
    """Firm -> the citizen who represents it in law, -1 for none (int32)."""
    parent: np.ndarray
    """Firm -> its parent firm, -1 for a firm that is not a branch (int32)."""


def build_ties(
    config: TiesConfig,
    n_citizens: int,
    n_firms: int,
    employer: np.ndarray,
    rng: np.random.Generator,
) -> TieSet:
    """Draw the city's ties from the scenario's ``ties`` section."""
    family = build_family(n_citizens, config.household_size_mean, rng)
    friends = build_friends(n_citizens, config.friends_per_citizen, rng)
    social = union(family, friends) if friends.indices.size else family

    employed = np.flatnonzero(employer >= 0)
    staff = Graph.from_edges(n_firms, employer[employed], employed.astype(np.int32))

    legal = np.full(n_firms, -1, dtype=np.int32)
    if config.legal_representatives and n_firms and n_citizens:
        pick = rng.random(n_firms)
        n_staff = staff.degree
        has_staff = n_staff > 0
        chosen = staff.indptr[:-1] + (pick * n_staff).astype(np.int64)
        legal[has_staff] = staff.indices[chosen[has_staff]]
        outsiders = rng.integers(0, n_citizens, n_firms)
        legal[~has_staff] = outsiders[~has_staff]

    parent = np.full(n_firms, -1, dtype=np.int32)
    n_branches = round(n_firms * config.branch_share)
    if n_branches and n_firms - n_branches > 0:
        order = rng.permutation(n_firms)
        branches, parents = order[:n_branches], order[n_branches:]
        parent[branches] = parents[rng.integers(0, parents.size, n_branches)]
    return TieSet(family, social, staff, legal, parent)
