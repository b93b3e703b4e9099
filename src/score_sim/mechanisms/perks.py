"""Perks: rewards as things received, by red-listed and high-graded actors.

Documented (DOMAIN.md): red lists and high grades bring rewards: school admissions, job
allocation, easier credit, public contracts, better health care (shorter waits, free
gyms), transport and rental discounts, quicker promotions, faster social housing, tax
advantages. Weihai: easier housing-fund loans, no hospital admission deposit, discounts
at tourist sites and gyms. Sesame Credit: a prominent dating profile (Baihe), VIP hotel
and car-rental treatment. 5 of the 51 central memoranda (by May 2020) were incentive ones.

In the model a perk (``perks.<name>``) is something an actor receives, counted, not a
change of its conduct. Each day an actor of a kind in ``who`` qualifies when it is on
one of the perk's red lists (``lists``) or holds one of its grades (``grades``) of its
score (``system``, default the default score; an actor who does not carry that score has
no grade). A qualifying actor uses the perk at ``uses_per_year`` (a Poisson rate, an
assumption: how often people rent, check into a hotel, visit a gym): the day's uses are
one Poisson draw for all qualifying actors together, spread uniformly over them (one draw
per actor for perks used more than once a day), from the perk's own random stream. Uses
are counted per actor (``agents.csv``), per day (the time series) and in
``summary.json``, split by grade and list status, with the share that went to those
already qualified on the first day (the already advantaged). A perk changes nothing else:
an actor's conduct, score and lists are the same with or without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.scenario import Perk, Scenario, Who, system_grade_names
from score_sim.streams import stream

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.mechanisms.lists import ListSet
    from score_sim.model import ScoreModel

GradesOf = Callable[[str], np.ndarray]
"""Every actor's grade index (0 = best, -1 for no grade) in the named score."""

DAYS_PER_YEAR = 365.0


class PerkDesk(Mechanism):
    """Who qualifies for each perk, and how often each actor has used it."""

    name = "perks"
    title = "perks"

    @classmethod
    def build(cls, host: ScoreModel) -> PerkDesk | None:
        """The scenario's perks, if it has any; who qualifies on day 0 is noted."""
        scenario, world = host.score_scenario, host.world
        if not scenario.perks:
            return None
        desk = cls(scenario, world.is_firm, host.seed)
        desk.start(world.lists, host.grades_in)
        return desk

    def after(self, day: Day) -> None:
        """Today's uses, by those who qualify after today's lists."""
        host = day.host
        self.use(host.world.lists, host.grades_in)

    def __init__(self, scenario: Scenario, is_firm: np.ndarray, seed: int) -> None:
        """Prepare every perk of ``scenario.perks`` (call only when there are some).

        Args:
            scenario: the validated scenario.
            is_firm: whether each actor is a firm.
            seed: the run's seed (each perk draws from its own stream).
        """
        n = is_firm.size
        self.perks: dict[str, Perk] = dict(scenario.perks)
        self._who = {
            name: (is_firm & (Who.firm in perk.who)) | (~is_firm & (Who.citizen in perk.who))
            for name, perk in self.perks.items()
        }
        self._grade_mask = {}
        for name, perk in self.perks.items():
            names = system_grade_names(scenario, perk.system) or []
            # one more entry, False, for index -1: no grade
            self._grade_mask[name] = np.array([g in perk.grades for g in names] + [False])
        self._rng = {name: stream(seed, f"perks:{name}") for name in self.perks}
        self.uses = {name: np.zeros(n, dtype=np.int32) for name in self.perks}
        """Uses so far, per perk and actor."""
        self.uses_today = dict.fromkeys(self.perks, 0)
        self.n_qualified = dict.fromkeys(self.perks, 0)
        self.qualified_at_start: dict[str, np.ndarray] = {}
        """Who qualified on day 0, per perk (the already advantaged)."""

    def qualified(
        self, name: str, lists: ListSet, grades: dict[str, np.ndarray] | GradesOf
    ) -> np.ndarray:
        """Whether each actor qualifies for perk ``name`` now.

        Args:
            name: the perk.
            lists: the scenario's lists.
            grades: every actor's grade index by score name, or a function giving it.
        """
        perk = self.perks[name]
        mask = np.zeros_like(self._who[name])
        for list_name in perk.lists:
            mask |= lists.books[list_name].listed
        if perk.grades:
            index = grades(perk.system) if callable(grades) else grades[perk.system]
            mask |= self._grade_mask[name][index]
        return mask & self._who[name]

    def _grades_now(self, grades_of: GradesOf) -> dict[str, np.ndarray]:
        """Every score's grades that some perk names, computed once for all perks."""
        systems = {perk.system for perk in self.perks.values() if perk.grades}
        return {system: grades_of(system) for system in systems}

    def start(self, lists: ListSet, grades_of: GradesOf) -> None:
        """Note who qualifies on day 0 (nobody uses a perk before the first day)."""
        grades = self._grades_now(grades_of)
        for name in self.perks:
            qualified = self.qualified(name, lists, grades)
            self.qualified_at_start[name] = qualified
            self.n_qualified[name] = int(np.count_nonzero(qualified))

    def use(self, lists: ListSet, grades_of: GradesOf) -> None:
        """Today's uses of every perk by the actors who qualify today."""
        grades = self._grades_now(grades_of)
        for name, perk in self.perks.items():
            holders = np.flatnonzero(self.qualified(name, lists, grades))
            self.n_qualified[name] = int(holders.size)
            rng = self._rng[name]
            per_day = perk.uses_per_year / DAYS_PER_YEAR
            if per_day > 1:  # several uses a day each: one draw per holder
                counts = rng.poisson(per_day, holders.size)
                self.uses[name][holders] += counts.astype(np.int32)
                total = int(counts.sum())
            else:  # one draw for all, spread uniformly: work grows with the uses
                total = int(rng.poisson(per_day * holders.size)) if holders.size else 0
                np.add.at(self.uses[name], holders[rng.integers(holders.size, size=total)], 1)
            self.uses_today[name] = total

    def columns(self) -> list[str]:
        """Time-series columns: per perk, how many qualify and how many uses that day."""
        return [f"perk_{name}_{what}" for name in self.perks for what in ("n_qualified", "n_uses")]

    def metrics(self, host: ScoreModel | None = None) -> dict[str, float]:
        """Today's value of every column of :meth:`columns`."""
        out: dict[str, float] = {}
        for name in self.perks:
            out[f"perk_{name}_n_qualified"] = self.n_qualified[name]
            out[f"perk_{name}_n_uses"] = self.uses_today[name]
        return out

    def agent_columns(self) -> dict[str, np.ndarray]:
        """The columns of ``agents.csv``: each perk's uses per actor."""
        return {f"perk_{name}_uses": uses for name, uses in self.uses.items()}

    def summary(
        self,
        scenario: Scenario,
        lists: ListSet,
        grades_of: GradesOf,
        grades_at_start: GradesOf,
        spans: dict[str, slice],
    ) -> dict[str, Any]:
        """Who received how much of each perk: ``summary.json``'s ``perks``.

        Per perk: total uses and actors who used it at least once (by kind); uses by grade
        of the perk's score at the start and at the end; uses by list status at the end
        (on one of the perk's lists or not, on any blacklist or not); and the share of
        uses that went to actors who already qualified on day 0.
        """
        out: dict[str, Any] = {}
        for name, perk in self.perks.items():
            uses = self.uses[name].astype(np.int64)
            total = int(uses.sum())
            grade_names = system_grade_names(scenario, perk.system) or []
            by_grade: dict[str, dict[str, int]] = {}
            for when, grades in (
                ("start", grades_at_start(perk.system)),
                ("end", grades_of(perk.system)),
            ):
                sums = np.bincount(
                    np.where(grades < 0, len(grade_names), grades),
                    weights=uses,
                    minlength=len(grade_names) + 1,
                )
                by_grade[when] = {g: int(sums[i]) for i, g in enumerate(grade_names)}
                if sums[-1]:
                    by_grade[when]["no_grade"] = int(sums[-1])
            on_list = np.zeros(uses.size, dtype=bool)
            for list_name in perk.lists:
                on_list |= lists.books[list_name].listed
            advantaged = int(uses[self.qualified_at_start[name]].sum())
            out[name] = {
                "label": perk.label,
                "uses": total,
                **{
                    f"{kind}_receiving": int(np.count_nonzero(uses[span]))
                    for kind, span in spans.items()
                },
                "uses_by_grade_at_start": by_grade["start"],
                "uses_by_grade_at_end": by_grade["end"],
                "uses_by_list_status_at_end": {
                    "on_its_lists": int(uses[on_list].sum()),
                    "blacklisted": int(uses[lists.blacklisted].sum()),
                    "neither": int(uses[~on_list & ~lists.blacklisted].sum()),
                },
                "qualified_at_start": int(np.count_nonzero(self.qualified_at_start[name])),
                "share_to_qualified_at_start": round(advantaged / total, 4) if total else None,
            }
        return out
