"""Credit commitment letters (2019): a promise of good faith against pre-approval.

Documented (DOMAIN.md, "Corporate system"): since 2019 a firm may sign a credit
commitment letter promising good faith; with good credit, some of its applications are
then pre-approved. Who counts as having good credit, how often firms sign, how long a
letter holds and how many applications it speeds are not documented: they are
assumptions of a scenario (``corporate.commitments``). That a broken promise lists the
firm follows the letters' logic (the promise is recorded and breaking it is itself
untrustworthy conduct); the list it enters is the scenario's choice.

In the model, each day a firm of one of the named grades (of the score ``system`` names:
the default score or a firm score of ``scores``, such as a tax-credit grade) that holds
no letter and is not on the letters' blacklist signs one
with the chance its yearly rate gives. While the letter holds (``term_days``),
applications are pre-approved at ``pre_approvals_per_year`` (counted per firm and in
the time series). A true negative finding during the term breaks the promise: the letter
ends and the firm enters the blacklist ``list``. A letter that reaches the end of its term
unbroken is kept. Closed firms (see :mod:`score_sim.mechanisms.escalation`) neither sign nor
hold letters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause, EventKind, EventLog
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.behaviour import DAYS_PER_YEAR
from score_sim.mechanisms.lists import ListBook
from score_sim.scenario import Commitments, system_grade_names

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel

NO_LETTER = -1


class CommitmentDesk(Mechanism):
    """The letters firms hold, their pre-approvals and the promises broken."""

    name = "commitments"
    title = "commitment letters"
    event_kinds = (
        EventKind.commitment_signed,
        EventKind.commitment_kept,
        EventKind.commitment_broken,
    )

    @classmethod
    def build(cls, host: ScoreModel) -> CommitmentDesk:
        """Every scenario has the letters section (off by default)."""
        scenario, world = host.score_scenario, host.world
        letters = scenario.corporate.commitments
        return cls(
            letters,
            system_grade_names(scenario, letters.system) or [],
            world.n_citizens,
            world.n_firms,
            host.stream("commitments") if letters.enabled else None,
        )

    @property
    def in_plan(self) -> bool:
        """On when the scenario turns the letters on."""
        return self.enabled

    def list(self, day: Day) -> None:
        """Letters are broken by misconduct, kept to their end, and signed."""
        host = day.host
        letters = day.rules.corporate.commitments
        ladder = host.ladder
        self.update(
            day.day,
            *host.behaviour.firm_misconduct(day.findings),
            host.grades_in(letters.system)[host.world.n_citizens :],
            ladder.closed if ladder.enabled else None,
            host.world.lists.books[letters.list],
            host.events,
        )

    def columns(self) -> list[str]:
        """The letters' columns, when they are on."""
        return list(COMMITMENT_COLUMNS) if self.enabled else []

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's values of :meth:`columns`."""
        return self.counts() if self.enabled else {}

    def __init__(
        self,
        config: Commitments,
        grade_names: tuple[str, ...],
        n_citizens: int,
        n_firms: int,
        rng: np.random.Generator | None,
    ) -> None:
        self.config = config
        self.enabled = config.enabled
        self.n_citizens = n_citizens
        self.rng = rng
        self.eligible_grade = np.array([name in config.grades for name in grade_names], dtype=bool)
        """Per grade index (0 = best), whether its firms may sign."""
        n = n_firms if self.enabled else 0
        self.until = np.full(n, NO_LETTER, dtype=np.int32)
        """Day each firm's current letter ends (exclusive), -1 when it holds none."""
        self.pre_approvals = np.zeros(n, dtype=np.int32)
        """Applications pre-approved for each firm so far."""
        self.n_signed = 0
        self.n_kept = 0
        self.n_broken = 0
        self._p_sign = -np.expm1(-config.sign_rate_per_year / DAYS_PER_YEAR)
        self._pre_per_day = config.pre_approvals_per_year / DAYS_PER_YEAR

    @property
    def n_active(self) -> int:
        """Letters held now."""
        return int(np.count_nonzero(self.until >= 0))

    def update(
        self,
        day: int,
        firm_actor: np.ndarray,
        true: np.ndarray,
        firm_grades: np.ndarray,
        closed: np.ndarray | None,
        book: ListBook,
        events: EventLog,
    ) -> None:
        """Break, keep, pre-approve and sign today.

        Args:
            day: today.
            firm_actor: the actor index of each of today's negative findings of firms.
            true: whether each of those findings is true.
            firm_grades: every firm's grade index now (0 = best).
            closed: whether each firm is closed (None: no firm closes).
            book: the blacklist a broken promise enters.
            events: where letters are recorded.
        """
        c = self.n_citizens
        holding = self.until >= 0
        offenders = np.unique(firm_actor[true].astype(np.int64) - c)
        broken = offenders[holding[offenders]]
        if broken.size:
            self.until[broken] = NO_LETTER
            self.n_broken += int(broken.size)
            events.record(day, c + broken, EventKind.commitment_broken, true=1)
            book.admit(day, c + broken, np.zeros(broken.size, dtype=bool), Cause.conduct, events)
        if closed is not None:
            self.until[closed] = NO_LETTER
        kept = np.flatnonzero((self.until >= 0) & (self.until <= day))
        if kept.size:
            self.until[kept] = NO_LETTER
            self.n_kept += int(kept.size)
            events.record(day, c + kept, EventKind.commitment_kept)

        active = np.flatnonzero(self.until >= 0)
        if active.size:
            self.pre_approvals[active] += self.rng.poisson(self._pre_per_day, active.size).astype(
                np.int32
            )
        can_sign = (self.until < 0) & self.eligible_grade[firm_grades] & ~book.listed[c:]
        if closed is not None:
            can_sign &= ~closed
        candidates = np.flatnonzero(can_sign)
        signing = candidates[self.rng.random(candidates.size) < self._p_sign]
        if signing.size:
            self.until[signing] = day + self.config.term_days
            self.n_signed += int(signing.size)
            events.record(day, c + signing, EventKind.commitment_signed, days=self.config.term_days)

    def counts(self) -> dict[str, int]:
        """Today's values of :data:`COMMITMENT_COLUMNS`."""
        return {
            "firm_n_commitments": self.n_active,
            "firm_n_pre_approvals": int(self.pre_approvals.sum()),
            "firm_n_commitments_broken": self.n_broken,
        }

    def summary(self) -> dict[str, int]:
        """The run's letters for ``summary.json``."""
        return {
            "signed": self.n_signed,
            "kept": self.n_kept,
            "broken": self.n_broken,
            "held_at_end": self.n_active,
            "pre_approvals": int(self.pre_approvals.sum()),
            "firms_with_pre_approvals": int(np.count_nonzero(self.pre_approvals)),
        }


COMMITMENT_COLUMNS = ("firm_n_commitments", "firm_n_pre_approvals", "firm_n_commitments_broken")
"""Time-series columns when letters are on: letters held today, applications pre-approved
so far, promises broken so far."""
COMMITMENT_CUMULATIVE = frozenset(COMMITMENT_COLUMNS[1:])
