"""Joint sanctions across sectors: "broken trust in one place, restrictions everywhere".

Documented (DOMAIN.md): the 2016 State Council policy and joint-punishment memoranda (a
2016 memorandum signed by 44 bodies listed 55 measures in 8 categories) restrict low-rated
or listed people (flights and trains, travel abroad, some employers and jobs, private
schools, public-service jobs, welfare) and firms (licences, stock issuance, public
contracts, credit, more inspections; partners avoid them). Legal representatives are
punished personally for their firm's violations.

Two designs, switchable (``sanctions.design``): *list_driven*, where findings put actors
on lists and the lists drive sanctions (the documented Rongcheng design), and
*score_driven*, where the grade itself triggers sanctions (the popular picture).

A sanctioned actor's restrictions reach others through ties (``sanctions.reach``): a firm's
legal representative and staff, the parent of a branch, the families of citizens. Each day
the restrictions are recomputed from who is sanctioned; whenever an actor becomes
sanctioned, the *cascade* it starts (how many distinct actors and sectors it restricts) is
recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause, EventKind, EventLog, GrowingTable
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.ties import TieSet
from score_sim.scenario import (
    DEFAULT_SYSTEM,
    Restriction,
    SanctionDesign,
    Sanctions,
    Scenario,
    Who,
    by_kind,
)

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.mechanisms.lists import ListSet
    from score_sim.mechanisms.sharing import SharingNetwork
    from score_sim.model import ScoreModel

RESTRICTION_BITS = {r: np.uint16(1 << i) for i, r in enumerate(Restriction)}
_POPCOUNT = np.array([bin(i).count("1") for i in range(1 << len(Restriction))], dtype=np.int8)

CASCADE_DTYPE = np.dtype(
    [
        ("day", np.int32),
        ("actor", np.int32),
        ("n_agents", np.int32),
        ("n_sectors", np.int8),
        ("true", np.int8),
        ("n_citizens", np.int32),
        ("n_firms", np.int32),
        ("n_legal_representative", np.int32),
        ("n_staff", np.int32),
        ("n_family", np.int32),
        ("n_parent_company", np.int32),
    ]
)
"""One row per new sanction: its day and actor, the distinct actors it restricted
(``n_agents``, itself included) split into citizens and firms and by the tie that reached
them first (the rest is the actor itself), the kinds of restriction imposed
(``n_sectors``), and whether it rests on true findings."""
REACH_PATHS = (
    (Cause.legal_representative, "n_legal_representative"),
    (Cause.staff, "n_staff"),
    (Cause.family, "n_family"),
    (Cause.parent_company, "n_parent_company"),
)


def bits(restrictions: tuple[Restriction, ...]) -> np.uint16:
    """The bitmask of a set of restrictions."""
    mask = np.uint16(0)
    for restriction in restrictions:
        mask |= RESTRICTION_BITS[Restriction(restriction)]
    return mask


def restriction_names(mask: int) -> list[str]:
    """The names of the restrictions in a bitmask."""
    return [r.value for r, bit in RESTRICTION_BITS.items() if mask & bit]


class SanctionBook(Mechanism):
    """Who is sanctioned, what everyone is restricted from, and the cascades."""

    name = "sanctions"
    title = "sanctions"
    event_kinds = (EventKind.sanction,)

    @classmethod
    def build(cls, host: ScoreModel) -> SanctionBook:
        """Every scenario keeps a sanction book (with no sanctions by default)."""
        scenario, world = host.score_scenario, host.world
        book = cls(
            scenario.sanctions,
            _grade_names(scenario, host),
            world.n_citizens,
            world.n_firms,
            world.ties,
        )
        book.grade_system = scenario.sanctions.grade_system
        return book

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed sanctions from today on (who is sanctioned is kept)."""
        self.configure(rules.sanctions, _grade_names(rules, host))

    def sanction(self, day: Day) -> None:
        """Today's restrictions, from the lists, the grades and the ties."""
        host = day.host
        world = host.world
        self.update(day.day, world.lists, self._grades(host), world.employer, host.events)

    def _grades(self, host: ScoreModel) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """The grades that drive score-driven sanctions: now, and without false findings."""

        def grades() -> tuple[np.ndarray, np.ndarray]:
            if self.grade_system != DEFAULT_SYSTEM:
                now = host.systems.grade_index(self.grade_system)
                return now, now  # a further system's data hold no false points
            world = host.world
            return host.grades, host.grading.grade_index(world.score - world.false_points)

        return grades

    def __init__(
        self,
        config: Sanctions,
        grade_names: tuple[str, ...],
        n_citizens: int,
        n_firms: int,
        ties: TieSet,
    ) -> None:
        self.n_citizens = n_citizens
        self.ties = ties
        n = n_citizens + n_firms
        self.kind = np.zeros(n, dtype=np.int8)
        """0 for a citizen, 1 for a firm: the row of the per-kind restriction tables."""
        self.kind[n_citizens:] = 1
        self._stale = False
        self.configure(config, grade_names)
        self._stale = False
        self.own = np.zeros(n, dtype=np.uint16)
        """Restrictions from the actor's own listing or grade."""
        self.restrictions = np.zeros(n, dtype=np.uint16)
        """All restrictions on each actor, its own and those reaching it through ties."""
        self.innocent = np.zeros(n, dtype=bool)
        """Whether an actor's own sanction rests on false findings."""
        self._cascades = GrowingTable(CASCADE_DTYPE, 1024)
        self.sharing: SharingNetwork | None = None
        """Data sharing: when set, a restriction applies only once the record
        has reached its agency."""
        self.extra_own: np.ndarray | None = None
        """Restrictions imposed directly on actors beside lists and grades (the escalation
        ladder's frozen assets), or None."""

    def configure(self, config: Sanctions, grade_names: tuple[str, ...]) -> None:
        """Follow changed sanctions from today on (a policy timeline).

        Who is sanctioned is kept; the restrictions are recomputed at today's update.
        """
        self.config = config
        self.grade_bits = np.array(
            [
                [bits(by_kind(config.grades.get(name, ())).of(who)) for name in grade_names]
                + [np.uint16(0)]
                for who in (Who.citizen, Who.firm)
            ],
            dtype=np.uint16,
        ).reshape(2, len(grade_names) + 1)
        """Restrictions by kind of actor (row) and grade (column), under score_driven; the
        last column (index -1) is for actors without a grade in a further system."""
        reach = config.reach
        self.rep_bits = bits(reach.legal_representative)
        self.staff_bits = bits(reach.staff)
        self.family_bits = bits(reach.family)
        self.parent_bits = bits(reach.parent_company)
        self._stale = True

    @property
    def cascades(self) -> np.ndarray:
        """One row per actor that became sanctioned: day, actor, agents and sectors reached."""
        return self._cascades.rows

    def _reach(
        self, sources: np.ndarray, employer: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Everyone reached from sanctioned ``sources`` (actor indices).

        Returns:
            Parallel arrays ``(position in sources, actor reached, bits, cause)``,
            the sources themselves included with their own bits.
        """
        c = self.n_citizens
        ties = self.ties
        positions = [np.arange(sources.size)]
        reached = [sources.astype(np.int64)]
        masks = [self.own[sources]]
        causes = [np.full(sources.size, Cause.own_sanction, dtype=np.int8)]

        def add(pos: np.ndarray, who: np.ndarray, mask: np.uint16, cause: Cause) -> None:
            positions.append(pos)
            reached.append(who.astype(np.int64))
            masks.append(np.full(who.size, mask, dtype=np.uint16))
            causes.append(np.full(who.size, cause, dtype=np.int8))

        is_firm = sources >= c
        firm_pos = np.flatnonzero(is_firm)
        firm = sources[firm_pos] - c
        family_from = [(np.flatnonzero(~is_firm), sources[~is_firm])]
        if firm.size and self.rep_bits:
            rep = ties.legal_representative[firm]
            has = rep >= 0
            add(firm_pos[has], rep[has], self.rep_bits, Cause.legal_representative)
            if self.config.reach.family_of_reached:
                family_from.append((firm_pos[has], rep[has]))
        if firm.size and self.staff_bits:
            pos, staff = ties.staff.neighbours_of(firm)
            current = employer[staff] == firm[pos]  # staff who lost their job are gone
            add(firm_pos[pos[current]], staff[current], self.staff_bits, Cause.staff)
            if self.config.reach.family_of_reached:
                family_from.append((firm_pos[pos[current]], staff[current]))
        if firm.size and self.parent_bits:
            parent = ties.parent[firm]
            has = parent >= 0
            add(firm_pos[has], c + parent[has], self.parent_bits, Cause.parent_company)
        if self.family_bits:
            owner = np.concatenate([f[0] for f in family_from])
            members = np.concatenate([f[1] for f in family_from]).astype(np.int64)
            pos, relatives = ties.family.neighbours_of(members)
            add(owner[pos], relatives, self.family_bits, Cause.family)
        return (
            np.concatenate(positions),
            np.concatenate(reached),
            np.concatenate(masks),
            np.concatenate(causes),
        )

    def update(
        self,
        day: int,
        lists: ListSet,
        grades: Callable[[], tuple[np.ndarray, np.ndarray]],
        employer: np.ndarray,
        events: EventLog,
    ) -> None:
        """Recompute today's restrictions and record the cascades of new sanctions.

        Args:
            day: today.
            lists: the lists: under list_driven, each blacklist entry restricts its actor
                as the list's sanctions say for the actor's kind.
            grades: gives every actor's grade index now, and had there been no false
                findings (asked only under the score-driven design).
            employer: each citizen's current firm (-1 for none).
            events: where sanction events are recorded.
        """
        list_driven = self.config.design is SanctionDesign.list_driven
        if list_driven and not lists.any_bits and self.extra_own is None and not self._stale:
            return  # no sanctions in this scenario: nobody is ever restricted
        self._stale = False
        was_sanctioned = self.own != 0
        if list_driven:
            self.own = lists.own_bits.copy()
            innocent = lists.blacklist_innocent
        else:
            now, without_false_points = grades()
            self.own = self.grade_bits[self.kind, now]
            innocent = self.grade_bits[self.kind, without_false_points] == 0
        if self.sharing is not None:  # data sharing: only what has arrived
            self.own = self.sharing.arrived(day, self.own, innocent)
        if self.extra_own is not None:  # the escalation ladder's frozen assets
            self.own |= self.extra_own
        sanctioned = self.own != 0
        self.innocent = innocent & sanctioned

        sources = np.flatnonzero(sanctioned)
        self.restrictions = self.own.copy()
        if sources.size:
            _, reached, masks, _ = self._reach(sources, employer)
            np.bitwise_or.at(self.restrictions, reached, masks)

        new = np.flatnonzero(sanctioned & ~was_sanctioned)
        if new.size:
            self._record_cascades(day, new, employer, events)

    def _record_cascades(
        self, day: int, new: np.ndarray, employer: np.ndarray, events: EventLog
    ) -> None:
        pos, reached, masks, causes = self._reach(new, employer)
        # distinct (cascade, actor) pairs; the first path that reached an actor names the cause
        key = pos.astype(np.int64) * (self.restrictions.size + 1) + reached
        key, first = np.unique(key, return_index=True)
        pos_u, reached_u, cause_u = pos[first], reached[first], causes[first]
        n_agents = np.bincount(pos_u, minlength=new.size)
        order = np.argsort(pos, kind="stable")
        starts = np.searchsorted(pos[order], np.arange(new.size))
        mask_union = np.bitwise_or.reduceat(masks[order], starts) if pos.size else masks
        n_sectors = _POPCOUNT[mask_union]
        true = (~self.innocent[new]).astype(np.int8)
        events.record(
            day,
            reached_u,
            EventKind.sanction,
            true=true[pos_u],
            cause=cause_u,
            source=new[pos_u],
        )
        block = self._cascades.extend(new.size)
        block["day"] = day
        block["actor"] = new
        block["n_agents"] = n_agents
        block["n_sectors"] = n_sectors
        block["true"] = true
        block["n_citizens"] = np.bincount(pos_u[reached_u < self.n_citizens], minlength=new.size)
        block["n_firms"] = n_agents - block["n_citizens"]
        for cause, name in REACH_PATHS:
            block[name] = np.bincount(pos_u[cause_u == cause], minlength=new.size)


def _grade_names(rules: Scenario, host: ScoreModel) -> tuple[str, ...]:
    """The grade names of the score whose grades drive score-driven sanctions."""
    system = rules.sanctions.grade_system
    if system == DEFAULT_SYSTEM:
        return tuple(band.name for band in rules.score.grades)
    return host.systems.systems[system].grading.names
