"""Contagion over ties: while an actor is listed, its relatives and friends may follow it.

Lum, Swarup, Eubank & Hawdon (2014, "The contagious nature of imprisonment", J. R. Soc.
Interface 11: 20140409) model incarceration passing along family and friend ties: each
month a person is incarcerated, each relative is incarcerated too with a probability from
survey data, keyed by the incarcerated person's sex, the relation, and the relative's
sex; friends pass it as siblings do. Here a listing plays incarceration's part
(``contagion.list``), and each relation's monthly probability ``p`` becomes the daily
hazard ``1 - (1 - p) ** (12 / 365)``.

Two distinctions the paper makes have no counterpart in the model's people, and are
approximated here (the scenario's description says so too):

- **Sex.** Each citizen is a woman with chance ``contagion.women_share``, drawn once from
  the contagion's own stream, only when some probability depends on sex.
- **Family roles.** Ties give households (everyone in one is family) and friends. Within a
  household, the two members with the lowest index are partners and every other member is
  their child; children are siblings of each other. Friends are the friend ties that are
  not also family ties. Relatives living elsewhere are not modelled.

Each day, for every citizen not on the list whose relatives include listed citizens, the
hazards of all its listed relatives combine (``1 - prod(1 - h)``), and it enters the list
with that chance. Its entry lasts as the list's rule says, and rests on false findings
when every relative it came from is listed on false findings. The work of a day is in
proportion to the listed and their ties, not to the city.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.behaviour import DAYS_PER_YEAR
from score_sim.mechanisms.ties import Graph, TieSet
from score_sim.scenario import RELATIONS, BySex, Contagion, Scenario

if TYPE_CHECKING:
    from score_sim.events import EventLog
    from score_sim.mechanisms.base import Day
    from score_sim.mechanisms.lists import ListBook
    from score_sim.model import ScoreModel

MONTHS_PER_DAY = 12 / DAYS_PER_YEAR
"""A day as a share of a month (a month is 365/12 days)."""


def daily_hazard(monthly: float | np.ndarray) -> np.ndarray:
    """The daily chance equivalent to a monthly one: ``1 - (1 - p) ** (12 / 365)``."""
    return -np.expm1(np.log1p(-np.asarray(monthly, dtype=np.float64)) * MONTHS_PER_DAY)


def household_ranks(family: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Each citizen's household (its lowest-indexed member) and rank in it (0, 1, 2...).

    Households are the cliques of the family graph; a citizen without family is a
    household of one (rank 0).
    """
    n = family.indptr.size - 1
    household = np.arange(n, dtype=np.int64)
    has = family.degree > 0
    if has.any():
        lowest = np.minimum.reduceat(family.indices, family.indptr[:-1][has])
        household[has] = np.minimum(household[has], lowest)
    order = np.lexsort((np.arange(n), household))
    ordered = household[order]
    first = np.searchsorted(ordered, ordered, side="left")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first
    return household, rank


def friends_only(social: Graph, family: Graph) -> Graph:
    """The friend ties: the social graph less one copy of each family tie."""
    n = social.indptr.size - 1
    if social is family or social.indices.size == family.indices.size:
        return Graph.empty(n)
    source = np.repeat(np.arange(n, dtype=np.int64), social.degree)
    keys = source * n + social.indices
    order = np.argsort(keys, kind="stable")
    family_keys = np.repeat(np.arange(n, dtype=np.int64), family.degree) * n + family.indices
    drop = np.searchsorted(keys[order], np.sort(family_keys), side="left")
    keep = np.ones(keys.size, dtype=bool)
    keep[order[drop]] = False
    return Graph.from_edges(n, source[keep], social.indices[keep].astype(np.int64))


def kinship(ties: TieSet) -> dict[str, Graph]:
    """One graph per relation, from the listed actor to the relative at risk.

    ``parent`` leads from a child to its parents, ``child`` from a parent to its
    children (see the module docstring for how roles are assigned in a household).
    """
    family = ties.family
    n = family.indptr.size - 1
    _, rank = household_ranks(family)
    source = np.repeat(np.arange(n, dtype=np.int64), family.degree)
    target = family.indices.astype(np.int64)
    adult_source, adult_target = rank[source] <= 1, rank[target] <= 1
    relation = {
        "partner": adult_source & adult_target,
        "child": adult_source & ~adult_target,
        "parent": ~adult_source & adult_target,
        "sibling": ~adult_source & ~adult_target,
    }
    graphs = {name: Graph.from_edges(n, source[m], target[m]) for name, m in relation.items()}
    graphs["friend"] = friends_only(ties.social, family)
    return {name: graphs[name] for name in RELATIONS}


class ContagionDesk(Mechanism):
    """Relatives and friends of the listed, entering the list after them."""

    name = "contagion"
    title = "contagion over ties"

    @classmethod
    def build(cls, host: ScoreModel) -> ContagionDesk | None:
        """The contagion, when the scenario turns it on at some point."""
        if not any(rules.contagion.enabled for rules in host.in_force):
            return None
        return cls(host.score_scenario.contagion, host.world.ties, host.world.n_citizens, host)

    def __init__(self, config: Contagion, ties: TieSet, n_citizens: int, host: ScoreModel) -> None:
        self.n_citizens = n_citizens
        self.graphs = kinship(ties) if n_citizens else {}
        """Per relation, the graph from a listed citizen to the relatives it puts at risk."""
        self.rng = host.stream("contagion")
        self.is_man = np.zeros(n_citizens, dtype=np.int64)
        """1 for a man, 0 for a woman (all women unless a probability depends on sex)."""
        if any(rules.contagion.relations.by_sex() for rules in host.in_force):
            sexes = host.stream("contagion:sex")
            self.is_man = (sexes.random(n_citizens) >= config.women_share).astype(np.int64)
        self.n_listed = 0
        """Entries made by contagion so far."""
        self.n_listed_innocent = 0
        """Of those, entries that rest on false findings (every source listed falsely)."""
        self.by_relation = dict.fromkeys(RELATIONS, 0.0)
        """Entries so far, each split over the relations in proportion to their hazards."""
        self.configure(config)

    def configure(self, config: Contagion) -> None:
        """Take the rules of ``config``: on or off, the list, each relation's hazards."""
        self.enabled = config.enabled
        self.list_name = config.list
        self.hazards: dict[str, np.ndarray] = {}
        """Per relation with a chance, the daily hazard as ``[listed is a man][at risk is a
        man]``."""
        for name in RELATIONS:
            value = getattr(config.relations, name)
            table = value.table() if isinstance(value, BySex) else ((value, value), (value, value))
            if any(p > 0 for row in table for p in row):
                self.hazards[name] = daily_hazard(np.array(table))

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed probabilities from today on (sexes and families stay)."""
        self.configure(rules.contagion)

    def list(self, day: Day) -> None:
        """Relatives and friends of today's listed enter the list with their hazard."""
        if not self.enabled or not self.hazards:
            return
        book = day.host.world.lists.books[self.list_name]
        if book.accepting:  # a suspended list takes nobody, by contagion neither
            self.spread(day.day, book, day.host.events)

    def at_risk(self, book: ListBook) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every tie from a listed citizen to a relative who may follow it today.

        Returns:
            ``(relative, relation index, daily hazard, whether the source is listed on
            false findings)``, one entry per tie (a relative appears once per listed tie).
        """
        members = book.members[book.listed[book.members]]
        listed = members[members < self.n_citizens]
        relatives, relations, hazards, innocent = [], [], [], []
        for index, name in enumerate(RELATIONS):
            table = self.hazards.get(name)
            if table is None or listed.size == 0:
                continue
            position, relative = self.graphs[name].neighbours_of(listed)
            relative = relative.astype(np.int64)
            free = ~book.listed[relative] & book.covered[relative]
            position, relative = position[free], relative[free]
            source = listed[position]
            relatives.append(relative)
            relations.append(np.full(relative.size, index, dtype=np.int8))
            hazards.append(table[self.is_man[source], self.is_man[relative]])
            innocent.append(book.innocent[source])
        if not relatives:
            empty = np.empty(0)
            return empty.astype(np.int64), empty.astype(np.int8), empty, empty.astype(bool)
        return (
            np.concatenate(relatives),
            np.concatenate(relations),
            np.concatenate(hazards),
            np.concatenate(innocent),
        )

    def hazard_of(
        self, relative: np.ndarray, hazard: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each relative's combined hazard from all its listed ties (at least one tie).

        Returns:
            ``(relatives, each once and sorted; their hazard today; the index of each tie's
            relative in the first array; each tie's share of its relative's hazard)``.
        """
        order = np.argsort(relative, kind="stable")
        ordered = relative[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        unique = ordered[starts]
        log_survive = np.log1p(-hazard)
        total = np.add.reduceat(log_survive[order], starts)
        which = np.empty(relative.size, dtype=np.int64)
        which[order] = np.repeat(np.arange(unique.size), np.diff(np.r_[starts, ordered.size]))
        share = np.divide(
            log_survive, total[which], out=np.zeros_like(log_survive), where=total[which] < 0
        )
        return unique, -np.expm1(total), which, share

    def spread(self, day: int, book: ListBook, events: EventLog) -> np.ndarray:
        """Draw today's entries by contagion into ``book`` and record them.

        Returns:
            The citizens who entered the list today by contagion.
        """
        relative, relation, hazard, innocent = self.at_risk(book)
        if relative.size == 0:
            return relative
        unique, total, which, share = self.hazard_of(relative, hazard)
        entering = self.rng.random(unique.size) < total
        if not entering.any():
            return unique[:0]
        # an entry rests on false findings when every relative it came from does
        all_innocent = np.ones(unique.size, dtype=bool)
        np.logical_and.at(all_innocent, which, innocent)
        actors = unique[entering]
        entered = book.admit(day, actors, all_innocent[entering], Cause.contagion, events)
        self.n_listed += int(entered.size)
        self.n_listed_innocent += int(np.count_nonzero(all_innocent[entering]))
        counted = entering[which]
        weights = np.bincount(relation[counted], weights=share[counted], minlength=len(RELATIONS))
        for index, name in enumerate(RELATIONS):
            self.by_relation[name] += float(weights[index])
        return entered

    def columns(self) -> list[str]:
        """The contagion's column: entries made by contagion so far."""
        return ["citizen_n_listed_by_contagion"]

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's value of :meth:`columns`."""
        return {"citizen_n_listed_by_contagion": self.n_listed}

    def summary(self) -> dict[str, object]:
        """The run's contagion for ``summary.json``."""
        return {
            "list": self.list_name,
            "listings": self.n_listed,
            "listings_resting_on_false_findings": self.n_listed_innocent,
            "listings_by_relation": {k: round(v, 3) for k, v in self.by_relation.items()},
            "ties": {name: int(graph.indices.size) for name, graph in self.graphs.items()},
            "approximations": [
                "sex: each citizen is a woman with chance contagion.women_share (the model "
                "has no sexes of its own)",
                "family roles: in each household the two lowest-numbered members are "
                "partners, the others their children and siblings of each other; relatives "
                "living elsewhere are not modelled",
            ],
        }


CONTAGION_CUMULATIVE = frozenset({"citizen_n_listed_by_contagion"})
"""The contagion's column is a total so far."""
