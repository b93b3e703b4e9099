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


REVERSE = {
    "partner": "partner",
    "parent": "child",
    "child": "parent",
    "sibling": "sibling",
    "friend": "friend",
}
"""Each relation seen from the other side: a listed child's parent is at risk through
``parent``; the same tie from the parent's side is ``child``."""


class ContagionDesk(Mechanism):
    """Relatives and friends of the listed, entering the list after them.

    Each citizen's combined hazard is kept up to date as entries of the list begin and
    end (a listener on the list): ``log_survival`` sums ``log(1 - h)`` over the citizen's
    listed relatives, ``n_sources`` counts them. A day's work is then one pass over who
    has listed relatives, plus work in proportion to the entries that begin or end.
    """

    name = "contagion"
    title = "contagion over ties"

    @classmethod
    def build(cls, host: ScoreModel) -> ContagionDesk | None:
        """The contagion, when the scenario turns it on at some point."""
        if not any(rules.contagion.enabled for rules in host.in_force):
            return None
        desk = cls(host.score_scenario.contagion, host.world.ties, host.world.n_citizens, host)
        for book in host.world.lists.books.values():
            book.listeners.append(desk._on_change)
        desk.book = host.world.lists.books[desk.list_name]
        desk.recount()
        return desk

    def __init__(self, config: Contagion, ties: TieSet, n_citizens: int, host: ScoreModel) -> None:
        self.n_citizens = n_citizens
        self.graphs = kinship(ties) if n_citizens else {}
        """Per relation, the graph from a listed citizen to the relatives it puts at risk."""
        self.rng = host.stream("contagion")
        self.is_man = np.zeros(n_citizens, dtype=np.int8)
        """1 for a man, 0 for a woman (all women unless a probability depends on sex)."""
        if any(rules.contagion.relations.by_sex() for rules in host.in_force):
            sexes = host.stream("contagion:sex")
            self.is_man = (sexes.random(n_citizens) >= config.women_share).astype(np.int8)
        self.log_survival = np.zeros(n_citizens)
        """Per citizen, the sum of ``log(1 - h)`` over its listed relatives' ties."""
        self.n_sources = np.zeros(n_citizens, dtype=np.int32)
        """Per citizen, its ties to listed relatives (with a chance of passing the listing)."""
        self.n_innocent_sources = np.zeros(n_citizens, dtype=np.int32)
        """Of those, ties to relatives listed on false findings."""
        self.n_listed = 0
        """Entries made by contagion so far."""
        self.n_listed_innocent = 0
        """Of those, entries that rest on false findings (every source listed falsely)."""
        self.by_relation = dict.fromkeys(RELATIONS, 0.0)
        """Entries so far, each split over the relations in proportion to their hazards."""
        self.book: ListBook | None = None
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
        """Follow changed probabilities (or list) from today on; sexes and families stay."""
        self.configure(rules.contagion)
        self.book = host.world.lists.books[self.list_name]
        self.recount()

    def ties_from(self, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every tie from ``sources`` (listed citizens) with a chance of passing the listing.

        Returns:
            ``(position in sources, relative, relation index)``, and the hazards are
            :meth:`hazard_of_ties`.
        """
        positions, relatives, relations = [], [], []
        for index, name in enumerate(RELATIONS):
            if name not in self.hazards or sources.size == 0:
                continue
            position, relative = self.graphs[name].neighbours_of(sources)
            positions.append(position)
            relatives.append(relative.astype(np.int64))
            relations.append(np.full(relative.size, index, dtype=np.int8))
        if not positions:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty.astype(np.int8)
        return np.concatenate(positions), np.concatenate(relatives), np.concatenate(relations)

    def hazard_of_ties(
        self, source: np.ndarray, relative: np.ndarray, relation: np.ndarray
    ) -> np.ndarray:
        """The daily hazard of each tie from a listed ``source`` to its ``relative``."""
        hazard = np.zeros(source.size)
        for index, name in enumerate(RELATIONS):
            mine = relation == index
            if name in self.hazards and mine.any():
                table = self.hazards[name]
                hazard[mine] = table[self.is_man[source[mine]], self.is_man[relative[mine]]]
        return hazard

    def _add(self, sources: np.ndarray, innocent: np.ndarray, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) the ties of listed ``sources`` from the tallies."""
        position, relative, relation = self.ties_from(sources)
        if relative.size == 0:
            return
        hazard = self.hazard_of_ties(sources[position], relative, relation)
        n = self.n_citizens
        self.log_survival += sign * np.bincount(relative, weights=np.log1p(-hazard), minlength=n)
        self.n_sources += sign * np.bincount(relative, minlength=n).astype(np.int32)
        innocent_ties = relative[innocent[position]]
        self.n_innocent_sources += sign * np.bincount(innocent_ties, minlength=n).astype(np.int32)
        self.log_survival[self.n_sources == 0] = 0.0  # exactly, without rounding left over

    def _on_change(self, book: ListBook, actors: np.ndarray, entering: bool) -> None:
        """Keep the tallies as entries of the contagion's list begin or end."""
        if book is not self.book:
            return
        sources = actors[actors < self.n_citizens]
        if sources.size:
            self._add(sources, book.innocent[sources], 1 if entering else -1)

    def recount(self) -> None:
        """Tally the ties of everyone on the list now, from scratch."""
        self.log_survival[:] = 0.0
        self.n_sources[:] = 0
        self.n_innocent_sources[:] = 0
        book = self.book
        if book is None or not self.n_citizens:
            return
        listed = np.flatnonzero(book.listed[: self.n_citizens])
        self._add(listed, book.innocent[listed], 1)

    def at_risk(self) -> tuple[np.ndarray, np.ndarray]:
        """Citizens off the list with listed relatives, and each one's hazard today."""
        book = self.book
        candidates = np.flatnonzero(self.n_sources > 0)
        candidates = candidates[~book.listed[candidates] & book.covered[candidates]]
        return candidates, -np.expm1(self.log_survival[candidates])

    def list(self, day: Day) -> None:
        """Relatives and friends of today's listed enter the list with their hazard."""
        book = self.book
        if not self.enabled or not self.hazards or not book.accepting:
            return  # (a suspended list takes nobody, by contagion neither)
        candidates, hazard = self.at_risk()
        if candidates.size == 0:
            return
        entering = candidates[self.rng.random(candidates.size) < hazard]
        if entering.size == 0:
            return
        # an entry rests on false findings when every relative it came from does
        innocent = self.n_innocent_sources[entering] == self.n_sources[entering]
        self._attribute(entering)
        entered = book.admit(day.day, entering, innocent, Cause.contagion, day.host.events)
        self.n_listed += int(entered.size)
        self.n_listed_innocent += int(np.count_nonzero(innocent))

    def _attribute(self, entering: np.ndarray) -> None:
        """Split each entry over the relations, in proportion to their share of its hazard."""
        book = self.book
        for name in RELATIONS:
            if name not in self.hazards:
                continue
            position, source = self.graphs[REVERSE[name]].neighbours_of(entering)
            source = source.astype(np.int64)
            listed = book.listed[source]
            if not listed.any():
                continue
            relative = entering[position[listed]]
            hazard = self.hazards[name][self.is_man[source[listed]], self.is_man[relative]]
            share = np.log1p(-hazard) / self.log_survival[relative]
            self.by_relation[name] += float(share.sum())

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
