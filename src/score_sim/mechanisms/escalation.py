"""The escalation ladder of the corporate system, as seen on the corporate registry.

Documented (DOMAIN.md, "Lists, duration, removal"): a firm's registry entry escalates
abnormal operation -> "dishonest entity" -> random checks -> administrative punishment ->
frozen assets -> closure notice -> blacklist. What moves a firm up a stage, how fast, and
whether it comes back down are not documented; the model's choices are assumptions of a
scenario (``corporate.escalation``):

- a firm climbs one stage on a day when it has collected ``findings_per_stage`` negative
  findings since its last climb (true or false: the registry cannot tell), at most one
  stage a day, so every stage is passed in order and closure comes only through all
  earlier stages;
- below the closure notice, its stage falls back one stage after ``fall_after_days``
  without a negative finding (the remedy, or the record fading);
- each stage has its consequence: random checks and above, more inspections (the
  inspections' ``extra_inspections_multiplier``, as for the extra_inspections sanction);
  administrative punishment, a fine in points when reached; frozen assets and above, the
  restrictions of ``frozen_assets`` (credit by default); the closure notice closes the
  firm: its staff lose their jobs, it stops acting (no more conduct, no findings) and it
  never climbs down; ``blacklist_after_days`` later the closed firm enters the blacklist
  ``list`` (the record that follows its legal representative through the list's reach).

A shadow ladder climbed by true findings only tells whether a firm's stage rests on
false findings: a climb, a fine, a closure or a blacklisting the shadow ladder has not
reached is *innocent* (recorded with ``true = 0``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause, EventKind, EventLog
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.lists import ListBook
from score_sim.mechanisms.reporting import Findings
from score_sim.mechanisms.sanctions import bits
from score_sim.mechanisms.scoring import clamp
from score_sim.scenario import LADDER_STAGES, Escalation

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel

STAGE = {name: i + 1 for i, name in enumerate(LADDER_STAGES)}
"""Stage number of each stage name (0: not on the ladder)."""
RANDOM_CHECKS = STAGE["random_checks"]
PUNISHMENT = STAGE["administrative_punishment"]
FROZEN = STAGE["frozen_assets"]
CLOSURE = STAGE["closure_notice"]
BLACKLIST = STAGE["blacklist"]
STAGE_EVENTS = {STAGE[name]: EventKind[name] for name in LADDER_STAGES if name != "blacklist"}
"""The event recorded when a firm reaches each stage (the blacklist: the list's entry)."""


class Ladder(Mechanism):
    """Each firm's stage on the escalation ladder and its consequences."""

    name = "ladder"
    title = "escalation ladder"
    event_kinds = (
        EventKind.abnormal_operation,
        EventKind.dishonest_entity,
        EventKind.random_checks,
        EventKind.administrative_punishment,
        EventKind.frozen_assets,
        EventKind.closure_notice,
        EventKind.stage_fallback,
    )

    @classmethod
    def build(cls, host: ScoreModel) -> Ladder:
        """Every scenario has the ladder section (off by default)."""
        escalation = host.score_scenario.corporate.escalation
        world = host.world
        ladder = cls(escalation, world.n_citizens, world.n_firms)
        ladder.book = (
            world.lists.books[escalation.list]
            if ladder.enabled and escalation.list is not None
            else None
        )
        if ladder.enabled:
            host.sanctions.extra_own = np.zeros(world.n_actors, dtype=np.uint16)
        return ladder

    @property
    def in_plan(self) -> bool:
        """On when the scenario turns the ladder on."""
        return self.enabled

    def behave(self, day: Day) -> None:
        """A closed firm no longer acts."""
        day.closed = self.closed_actors()
        occurrences = day.occurrences
        day.occurrences = occurrences.subset(~day.closed[occurrences.actor])

    def mark_inspections(self, day: Day) -> None:
        """Firms at random checks and above are inspected more often."""
        day.extra_inspections = self.extra_inspections()

    def spare_closed(self, day: Day) -> None:
        """Nothing is found on a closed firm."""
        findings = day.findings
        open_ = ~day.closed[findings.actor]
        if not open_.all():
            day.findings = Findings(
                *(getattr(findings, f)[open_] for f in Findings.__dataclass_fields__)
            )

    def score(self, day: Day) -> None:
        """Firms climb the ladder on today's misconduct: fines, closures."""
        host = day.host
        world = host.world
        self.climb(
            day.day,
            *host.behaviour.firm_misconduct(day.findings),
            world.score,
            world.false_points,
            world.employer,
            host.events,
        )
        clamp(world.score, day.rules.score.lower, day.rules.score.upper)

    def list(self, day: Day) -> None:
        """Closed firms are blacklisted."""
        self.blacklist(day.day, self.book, day.host.events)

    def sanction(self, day: Day) -> None:
        """Frozen assets restrict their firms directly."""
        host = day.host
        host.sanctions.extra_own = self.frozen(host.world.n_actors)

    def columns(self) -> list[str]:
        """The ladder's columns, when it is on."""
        return list(LADDER_COLUMNS) if self.enabled else []

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's values of :meth:`columns`."""
        return self.counts() if self.enabled else {}

    def __init__(self, config: Escalation, n_citizens: int, n_firms: int) -> None:
        self.config = config
        self.enabled = config.enabled
        self.n_citizens = n_citizens
        n = n_firms if self.enabled else 0
        self.stage = np.zeros(n, dtype=np.int8)
        """Each firm's stage (0: not on the ladder, 1..7 as LADDER_STAGES)."""
        self.true_stage = np.zeros(n, dtype=np.int8)
        """The stage the firm would have reached on its true findings only."""
        self._strikes = np.zeros(n, dtype=np.int32)
        self._true_strikes = np.zeros(n, dtype=np.int32)
        self._quiet_since = np.zeros(n, dtype=np.int32)
        self.closed = np.zeros(n, dtype=bool)
        """Whether each firm has been closed (closure notice and after)."""
        self.closure_day = np.full(n, -1, dtype=np.int32)
        self.frozen_bits = bits(config.frozen_assets)
        self.n_jobs_lost = 0
        """Citizens who lost their job to a closure so far."""
        self.n_fines = 0
        """Administrative punishments (fines) so far."""

    def closed_actors(self) -> np.ndarray:
        """Whether each actor is a closed firm (False for citizens), for filtering conduct."""
        out = np.zeros(self.n_citizens + self.stage.size, dtype=bool)
        out[self.n_citizens :] = self.closed
        return out

    def extra_inspections(self) -> np.ndarray:
        """Whether each firm is inspected more (random checks and above, not closed)."""
        return (self.stage >= RANDOM_CHECKS) & ~self.closed

    def climb(
        self,
        day: int,
        firm_actor: np.ndarray,
        true: np.ndarray,
        score: np.ndarray,
        false_points: np.ndarray,
        employer: np.ndarray,
        events: EventLog,
    ) -> None:
        """Today's climbs (and falls), with their consequences.

        Args:
            day: today.
            firm_actor: the actor index of each of today's negative findings of firms.
            true: whether each of those findings is true.
            score: every actor's score (a fine deducts from it; the caller clamps).
            false_points: the points each score carries from false findings.
            employer: each citizen's firm (-1 for none); the staff of a closed firm lose it.
            events: where the stages are recorded.
        """
        c = self.n_citizens
        firm = firm_actor.astype(np.int64) - c
        open_ = ~self.closed[firm]
        firm, true = firm[open_], true[open_]
        hit, counts = np.unique(firm, return_counts=True)
        self._strikes[hit] += counts.astype(np.int32)
        self._quiet_since[hit] = day
        true_hit, true_counts = np.unique(firm[true], return_counts=True)
        self._true_strikes[true_hit] += true_counts.astype(np.int32)

        per = self.config.findings_per_stage
        up = hit[(self._strikes[hit] >= per) & (self.stage[hit] < CLOSURE)]
        self._strikes[up] -= per
        self.stage[up] += 1
        true_up = true_hit[
            (self._true_strikes[true_hit] >= per) & (self.true_stage[true_hit] < CLOSURE)
        ]
        self._true_strikes[true_up] -= per
        self.true_stage[true_up] += 1
        np.minimum(self.true_stage, self.stage, out=self.true_stage)

        fall = self.config.fall_after_days
        if fall is not None:
            down = np.flatnonzero(
                (self.stage > 0) & (self.stage < CLOSURE) & (day - self._quiet_since >= fall)
            )
            self.stage[down] -= 1
            self._strikes[down] = 0
            self._true_strikes[down] = 0
            np.minimum(self.true_stage, self.stage, out=self.true_stage)
            self._quiet_since[down] = day
            events.record(day, c + down, EventKind.stage_fallback)

        if up.size == 0:
            return
        stage = self.stage[up]
        true_now = (self.true_stage[up] >= stage).astype(np.int8)
        order = np.argsort(stage, kind="stable")
        for number, kind in STAGE_EVENTS.items():
            mine = order[stage[order] == number]
            events.record(day, c + up[mine], kind, true=true_now[mine], cause=Cause.conduct)
        fined = up[stage == PUNISHMENT]
        if fined.size and self.config.punishment_points:
            score[c + fined] += self.config.punishment_points
            innocent = fined[self.true_stage[fined] < PUNISHMENT]
            false_points[c + innocent] += self.config.punishment_points
        self.n_fines += int(fined.size)
        closing = up[stage == CLOSURE]
        if closing.size:
            self.closed[closing] = True
            self.closure_day[closing] = day
            staff = np.flatnonzero(np.isin(employer, closing))
            if staff.size:
                events.record(
                    day,
                    staff,
                    EventKind.job_loss,
                    cause=Cause.staff,
                    source=c + employer[staff],
                )
                employer[staff] = -1
                self.n_jobs_lost += int(staff.size)

    def frozen(self, n_actors: int) -> np.ndarray:
        """Restrictions on each actor from frozen assets (firms at that stage and above)."""
        out = np.zeros(n_actors, dtype=np.uint16)
        out[self.n_citizens :] = np.where(self.stage >= FROZEN, self.frozen_bits, 0)
        return out

    def blacklist(self, day: int, book: ListBook | None, events: EventLog) -> None:
        """Closed firms whose notice is ``blacklist_after_days`` old enter the list."""
        if book is None or not book.rule.enabled:
            return  # the ladder ends at the closure notice
        due = np.flatnonzero(
            (self.stage == CLOSURE) & (day - self.closure_day >= self.config.blacklist_after_days)
        )
        if due.size == 0:
            return
        self.stage[due] = BLACKLIST
        innocent = self.true_stage[due] < CLOSURE
        self.true_stage[due[~innocent]] = BLACKLIST
        cause = np.where(innocent, Cause.false_finding, Cause.conduct).astype(np.int8)
        book.admit(day, self.n_citizens + due, innocent, cause, events)

    def counts(self) -> dict[str, int]:
        """Firms at each stage now, and closed firms."""
        n = np.bincount(self.stage, minlength=BLACKLIST + 1)
        out = {f"firm_n_stage_{name}": int(n[STAGE[name]]) for name in LADDER_STAGES}
        out["firm_n_closed"] = int(np.count_nonzero(self.closed))
        out["citizen_n_job_lost_to_closure"] = self.n_jobs_lost
        return out


LADDER_COLUMNS = (
    *(f"firm_n_stage_{name}" for name in LADDER_STAGES),
    "firm_n_closed",
    "citizen_n_job_lost_to_closure",
)
"""Time-series columns when the ladder is on: firms at each stage today, firms closed,
and citizens who lost their job to a closure so far."""
LADDER_CUMULATIVE = frozenset({"citizen_n_job_lost_to_closure"})
