"""Lending by score: applications, a lender's rule on the score, repayment and defaults.

Documented (DOMAIN.md): Rongcheng's score is asked for in loan applications, and the
blacklisted are barred from credit (the ``credit`` restriction of joint sanctions);
Rongcheng deducts 20 points for not performing a loan contract and 30 for being sued for
unpaid debt; court findings put defaulters on the court defaulter list. Liu, Dean, Rolf,
Simchowitz & Hardt (2018, "Delayed Impact of Fair Machine Learning") model the lender:
it approves applicants above a score threshold, a repaid loan raises the borrower's
score and a default lowers it, and the lender gains on a repaid loan and loses more on a
default. Application rates, repayment chances and the points of a repaid loan are
assumptions of the scenario that turns lending on (``lending``).

In the model, each day a Poisson number of applications is drawn among the actors of the
kinds in ``lending.who`` (each with its uniform numbers for repayment and a lawsuit, drawn
whatever becomes of the application, so twin worlds share them); an applicant with an
open loan is skipped. The lender refuses applicants under a credit restriction, then
those its rule on the score turns away (a threshold, or grades), and approves the rest
on the scores and restrictions of the end of the day. A loan falls due ``term_days``
later: the borrower repays with its own chance (its group's odds of default times its
own propensity to misconduct: not the score, which the lender sees) or defaults, and the
score moves by the configured points; a default may be taken to court, which costs more
points and enters the borrower on the court defaulter list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.events import Cause, EventKind
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.behaviour import DAYS_PER_YEAR
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.scenario import Lending, Restriction, Scenario, Who

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.mechanisms.propensity import Propensities
    from score_sim.model import ScoreModel

NO_LOAN = -1
CREDIT = RESTRICTION_BITS[Restriction.credit]

LENDING_COLUMNS = (
    "n_loan_applications",
    "n_loans_approved",
    "n_loans_refused_by_score",
    "n_loans_refused_by_restriction",
    "n_loans_repaid",
    "n_loans_defaulted",
    "n_lawsuits",
    "n_loans_open",
    "lender_utility",
)
"""Time-series columns when lending is on: totals so far, loans open today, and the
lender's utility so far."""
LENDING_CUMULATIVE = frozenset(LENDING_COLUMNS) - {"n_loans_open"}
"""Lending's columns that are totals so far."""

COUNTS = (
    "applications",
    "approved",
    "refused_by_score",
    "refused_by_restriction",
    "repaid",
    "defaulted",
    "lawsuits",
)
"""What is counted per group: ``COUNTS[i]`` is row ``i`` of :attr:`LendingDesk.counts`."""


def own_propensity(
    propensities: Propensities, scenario: Scenario, is_firm: np.ndarray
) -> np.ndarray:
    """Each actor's propensity to misconduct: its mean over the misconduct of its kind.

    1 for every actor of a kind whose people are alike (``heterogeneity`` off or not
    covering the kind): the propensities average 1 over each kind's actors.
    """
    n_citizens = int(np.count_nonzero(~is_firm))
    total = np.zeros(is_firm.size)
    count = np.zeros(is_firm.size)
    for behaviour, propensity in zip(scenario.behaviours, propensities.by_behaviour, strict=True):
        if propensity is None:
            continue
        span = slice(0, n_citizens) if behaviour.who is Who.citizen else slice(n_citizens, None)
        total[span] += propensity
        count[span] += 1
    return np.divide(total, count, out=np.ones_like(total), where=count > 0)


class LendingDesk(Mechanism):
    """The lender: applications decided by score, loans falling due, defaults sued."""

    name = "lending"
    title = "lending by score"
    event_kinds = (EventKind.loan_repaid, EventKind.loan_default, EventKind.lawsuit)

    @classmethod
    def build(cls, host: ScoreModel) -> LendingDesk | None:
        """The lender, when the scenario turns lending on at some point."""
        if not any(rules.lending.enabled for rules in host.in_force):
            return None
        return cls(host)

    def __init__(self, host: ScoreModel) -> None:
        scenario, world = host.score_scenario, host.world
        n = world.n_actors
        self.is_firm = world.is_firm
        self.rng = host.stream("lending")
        self.initial_score = scenario.score.initial
        self.propensity = own_propensity(host.propensities, scenario, world.is_firm)
        """Each actor's own propensity to misconduct (1 on average)."""
        groups = host.propensities.group
        self.group_names = [g.name for g in scenario.heterogeneity.groups]
        self.group = np.where(groups >= 0, groups, len(self.group_names)).astype(np.int16)
        """Each actor's group index; the last index is for actors without a group."""
        self.due_day = np.full(n, NO_LOAN, dtype=np.int32)
        """The day each actor's open loan falls due, -1 for none."""
        self.u_repay = np.zeros(n)
        self.u_lawsuit = np.zeros(n)
        self.loan_phase = np.zeros(n, dtype=np.int16)
        """The phase (set of rules) under which each actor's open loan was approved."""
        self.due: dict[int, list[np.ndarray]] = {}
        """Borrowers by the day their loans fall due."""
        self.points_from_loans = np.zeros(n)
        """Points each actor's loans have added or taken so far (before bounds and decay)."""
        self.phase_days: list[int] = [0]
        """The first day of each phase: the run's start, then each change of the rules."""
        width = len(self.group_names) + 1
        self.counts = [np.zeros((len(COUNTS), width), dtype=np.int64)]
        """Per phase: applications, approvals, refusals, then the outcomes of the loans
        approved in it (repaid, defaulted, sued), by group."""
        self.utility = [0.0]
        """Per phase, the lender's utility from the loans approved in it."""
        self.points_by_group = [np.zeros(width)]
        """Per phase, the points the loans approved in it gave each group, summed."""
        self.sued_today = np.empty(0, dtype=np.int64)
        self.configure(scenario.lending)

    @property
    def lender_utility(self) -> float:
        """The lender's utility so far: its gains on repaid loans less its losses."""
        return float(sum(self.utility))

    def totals(self) -> np.ndarray:
        """The counts of every phase together (rows of :data:`COUNTS`, by group)."""
        return np.sum(self.counts, axis=0)

    def configure(self, config: Lending) -> None:
        """Take the rules of ``config`` (loans already open keep their terms)."""
        self.config = config
        self.enabled = config.enabled
        covered = np.zeros(self.is_firm.size, dtype=bool)
        if Who.citizen in config.who:
            covered |= ~self.is_firm
        if Who.firm in config.who:
            covered |= self.is_firm
        self.covered = np.flatnonzero(covered)
        self.per_day = config.applications_per_year / DAYS_PER_YEAR * self.covered.size
        by_group = [config.repayment.by_group.get(name) for name in self.group_names]
        p_group = np.array(
            [config.repayment.probability if p is None else p for p in by_group]
            + [config.repayment.probability]
        )[self.group]
        odds = np.divide(
            1.0 - p_group, p_group, out=np.full_like(p_group, np.inf), where=p_group > 0
        )
        scaled = odds * self.propensity**config.repayment.propensity_effect
        self.p_repay = np.where(np.isinf(scaled), 0.0, 1.0 / (1.0 + scaled))
        """Each actor's chance of repaying a loan."""

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed lending rules from today on (open loans fall due as agreed).

        What the lender has done so far is noted, so the summary can tell what happened
        under each set of rules (:meth:`summary`'s ``phases``).
        """
        if rules.lending != self.config:
            self.phase_days.append(host.steps + 1)
            self.counts.append(np.zeros_like(self.counts[0]))
            self.utility.append(0.0)
            self.points_by_group.append(np.zeros_like(self.points_by_group[0]))
        self.configure(rules.lending)

    # -- the day's steps

    def score(self, day: Day) -> None:
        """Loans falling due today are repaid or default, and move their borrowers' scores."""
        due = self.due.pop(day.day, None)
        self.sued_today = np.empty(0, dtype=np.int64)
        if not due:
            return
        host, config = day.host, self.config
        borrowers = np.sort(np.concatenate(due))
        self.due_day[borrowers] = NO_LOAN
        repaid = self.u_repay[borrowers] < self.p_repay[borrowers]
        sued = ~repaid & (self.u_lawsuit[borrowers] < config.lawsuit_probability)
        points = np.where(repaid, config.points_repaid, config.points_default)
        points = points + np.where(sued, config.lawsuit_points, 0.0)
        world = host.world
        world.score[borrowers] += points
        self.points_from_loans[borrowers] += points
        day.receivers = np.concatenate([day.receivers, borrowers])
        group, phase = self.group[borrowers], self.loan_phase[borrowers]
        width = self.counts[0].shape[1]
        gain = np.where(repaid, config.gain_per_repaid, -config.loss_per_default)
        for index in np.unique(phase).tolist():  # each phase the loans were approved in
            mine = phase == index
            counts = self.counts[index]
            for row, mask in ((4, repaid), (5, ~repaid), (6, sued)):
                counts[row] += np.bincount(group[mine & mask], minlength=width)
            self.utility[index] += float(gain[mine].sum())
            self.points_by_group[index] += np.bincount(
                group[mine], weights=points[mine], minlength=width
            )
        events = host.events
        events.record(day.day, borrowers[repaid], EventKind.loan_repaid, true=1)
        events.record(day.day, borrowers[~repaid], EventKind.loan_default, true=1)
        self.sued_today = borrowers[sued]

    def list(self, day: Day) -> None:
        """Borrowers sued over a default today enter the court defaulter list."""
        sued, name = self.sued_today, self.config.lawsuit_list
        if sued.size == 0:
            return
        events = day.host.events
        if name is None:
            events.record(day.day, sued, EventKind.lawsuit, true=1)
            return
        book = day.host.world.lists.books[name]
        events.record(day.day, sued, EventKind.lawsuit, true=1, list_index=book.index)
        if book.accepting:
            book.admit(day.day, sued, np.zeros(sued.size, dtype=bool), Cause.conduct, events)

    def after(self, day: Day) -> None:
        """Today's applications, decided on the scores and restrictions of the day's end."""
        count = int(self.rng.poisson(self.per_day)) if self.covered.size else 0
        picks = self.rng.integers(0, max(self.covered.size, 1), count)
        uniforms = self.rng.random((count, 2))
        if not self.enabled or count == 0:
            return
        applicant, first = np.unique(self.covered[picks], return_index=True)
        free = self.due_day[applicant] == NO_LOAN
        applicant, uniforms = applicant[free], uniforms[first[free]]
        if applicant.size == 0:
            return
        host, approval = day.host, self.config.approval
        restricted = np.zeros(applicant.size, dtype=bool)
        if approval.refuse_credit_restricted:
            restricted = (host.sanctions.restrictions[applicant] & CREDIT) != 0
        score = host.world.score[applicant]
        if approval.score_at_least is not None:
            passes = score >= approval.score_at_least
        else:
            names = host.grading.names
            lends = np.array([name in approval.grades for name in names], dtype=bool)
            passes = lends[host.grading.grade_index(score)]
        approved = ~restricted & passes
        group, counts = self.group[applicant], self.counts[-1]
        for row, mask in (
            (0, np.ones(applicant.size, dtype=bool)),
            (1, approved),
            (2, ~restricted & ~passes),
            (3, restricted),
        ):
            counts[row] += np.bincount(group[mask], minlength=counts.shape[1])
        borrowers = applicant[approved]
        if borrowers.size:
            due = day.day + self.config.term_days
            self.due_day[borrowers] = due
            self.u_repay[borrowers] = uniforms[approved, 0]
            self.u_lawsuit[borrowers] = uniforms[approved, 1]
            self.loan_phase[borrowers] = len(self.counts) - 1
            self.due.setdefault(due, []).append(borrowers)

    # -- what it reports

    def columns(self) -> list[str]:
        """Lending's time-series columns."""
        return list(LENDING_COLUMNS)

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's values of :meth:`columns`."""
        totals = self.totals().sum(axis=1)
        values = dict(zip(LENDING_COLUMNS[:7], totals.tolist(), strict=True))
        values["n_loans_open"] = int(np.count_nonzero(self.due_day != NO_LOAN))
        values["lender_utility"] = self.lender_utility
        return values

    def summary(self, score: np.ndarray) -> dict[str, Any]:
        """The run's lending for ``summary.json``: totals, and each group's outcome.

        With a timeline that changed the lending rules, ``phases`` gives the same for each
        set of rules (from its first ``day`` on): the applications decided under them, and
        what became of the loans they approved (even those that fell due later).

        Args:
            score: every actor's score now (for each group's mean change since day 0).
        """
        groups = self._groups()
        points = np.array([self.points_from_loans[members].sum() for _, members in groups])
        out = self._tally(self.totals(), self.lender_utility, points, groups)
        for name, members in groups:
            out["by_group"][name]["mean_repayment_probability"] = round(
                float(self.p_repay[members].mean()), 4
            )
            out["by_group"][name]["mean_score_change"] = round(
                float(score[members].mean() - self.initial_score), 4
            )
        out["open_at_end"] = int(np.count_nonzero(self.due_day != NO_LOAN))
        if len(self.phase_days) > 1:
            names = [name for _, name in self._indexed()]
            which = [names.index(name) for name, _ in groups]
            out["phases"] = [
                {"day": day, **self._tally(counts, utility, by_group[which], groups)}
                for day, counts, utility, by_group in zip(
                    self.phase_days, self.counts, self.utility, self.points_by_group, strict=True
                )
            ]
        return out

    def _indexed(self) -> list[tuple[int, str]]:
        """Each group's index and name (the last: actors without a group)."""
        names = [*self.group_names, "no group" if self.group_names else "everyone"]
        return list(enumerate(names))

    def _groups(self) -> list[tuple[str, np.ndarray]]:
        """Each group with members among the actors who may borrow: name and members."""
        covered = np.zeros(self.is_firm.size, dtype=bool)
        covered[self.covered] = True
        groups = []
        for index, name in self._indexed():
            members = covered & (self.group == index)
            if members.any():
                groups.append((name, members))
        return groups

    def _tally(
        self,
        counts: np.ndarray,
        utility: float,
        points: np.ndarray,
        groups: list[tuple[str, np.ndarray]],
    ) -> dict[str, Any]:
        """Totals, shares, and each group's counts and mean points from loans.

        Args:
            counts: rows of :data:`COUNTS` by group index.
            utility: the lender's utility.
            points: the points from loans, summed, per group of ``groups``.
            groups: the groups with members (name, members).
        """
        totals = dict(zip(COUNTS, counts.sum(axis=1).tolist(), strict=True))
        applications, approved = totals["applications"], totals["approved"]
        settled = totals["repaid"] + totals["defaulted"]
        out: dict[str, Any] = {
            **totals,
            "approval_share": round(approved / applications, 4) if applications else None,
            "default_share": round(totals["defaulted"] / settled, 4) if settled else None,
            "lender_utility": round(utility, 4),
            "by_group": {},
        }
        names = [name for _, name in self._indexed()]
        for (name, members), total_points in zip(groups, points, strict=True):
            group_counts = dict(zip(COUNTS, counts[:, names.index(name)].tolist(), strict=True))
            asked = group_counts["applications"]
            out["by_group"][name] = {
                "members": int(np.count_nonzero(members)),
                **group_counts,
                "approval_share": round(group_counts["approved"] / asked, 4) if asked else None,
                "mean_points_from_loans": round(float(total_points) / int(members.sum()), 4),
            }
        return out
