"""Scoring: findings add points, scores are clamped to the scale, then decay to a baseline.

The points concept (start 1000, at least 600, at most 1300) is the one described for the
national system and modelled on the pilots; deductions such as -5 for a traffic ticket or
-30 for commercial fraud are Rongcheng's (see DOMAIN.md), and some offences grade a person
down directly (Rongcheng-style grades: drunk driving straight to C, ``downgrade_to``), where
the score may be held for a while (``downgrade_days``, how long is not documented).
Employees' conduct affects the firm's rating and one branch's evaluation can affect the
whole company (spillover). Decay toward a baseline with a half-life is an assumption: it
models records fading with time.

Alongside the score, each actor carries ``false_points``: the part of its distance from the
baseline that comes from false findings, decaying in step with the score. It is what an
appeal restores and what decides whether a listing by score is innocent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.reporting import Findings
from score_sim.scenario import NegativeCounting, Scenario, Spillover

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel


def apply_findings(
    score: np.ndarray,
    false_points: np.ndarray,
    findings: Findings,
    points: np.ndarray,
    serious: np.ndarray,
    serious_record: np.ndarray,
    counting: NegativeCounting,
) -> np.ndarray:
    """Add each finding's points to its actor and update the serious-finding record.

    Under ``serious_first`` a minor negative finding costs points only when the actor
    already has a serious finding on record (today's serious findings count).

    Args:
        score: every actor's score, changed in place.
        false_points: per actor, points from false findings, changed in place.
        findings: today's findings.
        points: points per behaviour index.
        serious: whether each behaviour index is serious.
        serious_record: whether each actor has had a serious finding, changed in place.
        counting: which negative findings cost points.

    Returns:
        The points each finding added (after any waiver).
    """
    is_serious = serious[findings.behaviour]
    serious_record[findings.actor[is_serious]] = True
    delta = points[findings.behaviour]
    if counting is NegativeCounting.serious_first:
        waived = (delta < 0) & ~is_serious & ~serious_record[findings.actor]
        delta = np.where(waived, 0.0, delta)
    np.add.at(score, findings.actor, delta)
    wrong = ~findings.true
    np.add.at(false_points, findings.actor[wrong], delta[wrong])
    return delta


def spill_over(
    score: np.ndarray,
    false_points: np.ndarray,
    findings: Findings,
    delta: np.ndarray,
    employer: np.ndarray,
    parent: np.ndarray,
    n_citizens: int,
    spillover: Spillover,
) -> np.ndarray:
    """Give employers a share of their staff's points, and parents a share of their branches'.

    Args:
        score: every actor's score, changed in place.
        false_points: per actor, points from false findings, changed in place.
        findings: today's findings.
        delta: the points each finding added.
        employer: each citizen's firm (per-kind index), -1 for none.
        parent: each firm's parent firm (per-kind index), -1 for none.
        n_citizens: where firms begin in the actor index.
        spillover: the shares.

    Returns:
        The actors (employers, parents) that received points, with repeats.
    """
    receivers_all = [np.empty(0, dtype=np.int64)]
    for share, is_source, link in (
        (spillover.staff_points_share, findings.actor < n_citizens, employer),
        (spillover.branch_points_share, findings.actor >= n_citizens, parent),
    ):
        if share == 0 or not is_source.any():
            continue
        offset = 0 if link is employer else n_citizens
        target = link[findings.actor[is_source] - offset]
        linked = target >= 0
        receiver = n_citizens + target[linked]
        points = share * delta[is_source][linked]
        np.add.at(score, receiver, points)
        wrong = ~findings.true[is_source][linked]
        np.add.at(false_points, receiver[wrong], points[wrong])
        receivers_all.append(receiver.astype(np.int64))
    return np.concatenate(receivers_all)


def clamp(score: np.ndarray, lower: float, upper: float) -> None:
    """Hold every score within the scale's bounds, in place."""
    np.clip(score, lower, upper, out=score)


def clamp_false_points(
    score: np.ndarray, false_points: np.ndarray, actors: np.ndarray, lower: float, upper: float
) -> None:
    """Limit false points to what false findings actually moved the (clamped) score.

    Call before :func:`clamp`, with the actors whose score changed today. The score the
    actor would have without false findings (``score - false_points``) is clamped like the
    score itself; the false points are the difference of the two clamped scores. So a
    false finding that hit a score already at the floor costs nothing, and an upheld
    appeal restores exactly what it cost, never more.

    Args:
        score: every actor's score before clamping (unchanged here).
        false_points: per actor, points from false findings, changed in place.
        actors: the actors whose score changed today (others are within bounds).
        lower: the floor.
        upper: the ceiling.
    """
    if actors.size == 0:
        return
    mine = score[actors]
    without = np.clip(mine - false_points[actors], lower, upper)
    false_points[actors] = np.clip(mine, lower, upper) - without


def decay_factor(half_life_days: float | None) -> float:
    """The share of the distance to the baseline that remains after one day."""
    if half_life_days is None:
        return 1.0
    return float(0.5 ** (1.0 / half_life_days))


def decay(score: np.ndarray, baseline: float, factor: float) -> None:
    """Move every score toward the baseline, keeping ``factor`` of the distance, in place."""
    if factor == 1.0:
        return
    score -= baseline
    score *= factor
    score += baseline


def grade_ceilings(rules: Scenario) -> np.ndarray | None:
    """Per behaviour index, the top of the grade its findings drop a score to (else inf).

    The top of a grade is one point below the next better grade's minimum (Rongcheng's C
    is 600-849: a drunk-driving finding leaves at most 849); for the best grade it is the
    scale's upper bound. None when no behaviour downgrades.
    """
    if not any(b.downgrade_to is not None for b in rules.behaviours):
        return None
    bands = rules.score.grades
    top = {
        band.name: (rules.score.upper if i == 0 else bands[i - 1].min - 1)
        for i, band in enumerate(bands)
    }
    return np.array(
        [np.inf if b.downgrade_to is None else top[b.downgrade_to] for b in rules.behaviours],
        dtype=np.float64,
    )


def downgrade(
    score: np.ndarray, false_points: np.ndarray, findings: Findings, ceiling: np.ndarray
) -> None:
    """Drop the scores of actors found in a downgrading behaviour to its grade's top.

    An actor's false points stay what its score owes to false findings: the score without
    them is capped only by the actor's true downgrading findings.

    Args:
        score: every actor's score, changed in place.
        false_points: per actor, points from false findings, changed in place.
        findings: today's findings.
        ceiling: per behaviour index, the highest score a finding leaves (inf: none).
    """
    cap = ceiling[findings.behaviour]
    hit = np.isfinite(cap)
    if not hit.any():
        return
    actors, inverse = np.unique(findings.actor[hit], return_inverse=True)
    caps, true = cap[hit], findings.true[hit]
    cap_all = np.full(actors.size, np.inf)
    np.minimum.at(cap_all, inverse, caps)
    cap_true = np.full(actors.size, np.inf)
    np.minimum.at(cap_true, inverse[true], caps[true])
    now, owed = score[actors], false_points[actors]
    capped = np.minimum(now, cap_all)
    score[actors] = capped
    false_points[actors] = capped - np.minimum(now - owed, cap_true)


class Holds:
    """Scores held at or below a grade's top for a while after a downgrading finding.

    Kept for the held actors only (a few), each with its ceiling, the last day it holds
    and whether a true finding put it there; several holds of one actor merge into the
    lowest ceiling and the latest day.
    """

    def __init__(self) -> None:
        self.actors = np.empty(0, dtype=np.int64)
        self.ceiling = np.empty(0, dtype=np.float64)
        self.until = np.empty(0, dtype=np.int32)
        self.true = np.empty(0, dtype=bool)

    def add(self, day: int, findings: Findings, ceiling: np.ndarray, hold_days: np.ndarray) -> None:
        """Hold the actors of today's findings of behaviours that hold a downgrade."""
        days = hold_days[findings.behaviour]
        hit = days > 0
        if not hit.any():
            return
        actors = np.concatenate([self.actors, findings.actor[hit]])
        caps = np.concatenate([self.ceiling, ceiling[findings.behaviour[hit]]])
        until = np.concatenate([self.until, (day + days[hit] - 1).astype(np.int32)])
        true = np.concatenate([self.true, findings.true[hit]])
        self.actors, inverse = np.unique(actors, return_inverse=True)
        self.ceiling = np.full(self.actors.size, np.inf)
        np.minimum.at(self.ceiling, inverse, caps)
        self.until = np.zeros(self.actors.size, dtype=np.int32)
        np.maximum.at(self.until, inverse, until)
        self.true = np.zeros(self.actors.size, dtype=bool)
        np.logical_or.at(self.true, inverse, true)

    def apply(self, day: int, score: np.ndarray, false_points: np.ndarray) -> None:
        """Hold today's held scores at their ceilings; release the holds that have ended.

        A hold resting only on false findings owes its points to them (false points).
        """
        keep = self.until >= day
        if not keep.all():
            self.actors, self.ceiling = self.actors[keep], self.ceiling[keep]
            self.until, self.true = self.until[keep], self.true[keep]
        if self.actors.size == 0:
            return
        now = score[self.actors]
        held = np.minimum(now, self.ceiling)
        score[self.actors] = held
        false = ~self.true
        false_points[self.actors[false]] += (held - now)[false]


class Scoring(Mechanism):
    """The default score's day: findings add points, spill over, are bounded and decay."""

    name = "scoring"
    title = "scoring"

    def __init__(self, rules: Scenario) -> None:
        self.holds: Holds | None = None
        """Scores held down after downgrading findings (None: no behaviour holds one)."""
        self.configure(rules)

    @classmethod
    def build(cls, host: ScoreModel) -> Scoring:
        """Every scenario keeps the default score."""
        return cls(host.score_scenario)

    def configure(self, rules: Scenario) -> None:
        """Take the decay of ``rules``' score and the grades some findings drop a score to."""
        self.decay_factor = decay_factor(rules.score.half_life_days)
        """Each day's factor on the distance from the decay baseline."""
        self.ceiling = grade_ceilings(rules)
        """Per behaviour, the highest score a finding of it leaves (None: no downgrades)."""
        self.hold_days = (
            None
            if self.ceiling is None
            else np.array([b.downgrade_days or 0 for b in rules.behaviours], dtype=np.int32)
        )
        """Per behaviour, the days a downgrade holds (0: dropped once)."""
        if self.hold_days is not None and self.hold_days.any() and self.holds is None:
            self.holds = Holds()

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow a changed half-life from today on."""
        self.configure(rules)

    def score(self, day: Day) -> None:
        """Today's findings move their actors' scores, and spill over to employers and parents."""
        world, rules = day.host.world, day.rules
        behaviour = day.host.behaviour
        delta = apply_findings(
            world.score,
            world.false_points,
            day.findings,
            behaviour.points,
            behaviour.serious,
            world.serious_record,
            rules.score.negative_counting,
        )
        if self.ceiling is not None:
            downgrade(world.score, world.false_points, day.findings, self.ceiling)
            if self.holds is not None:
                self.holds.add(day.day, day.findings, self.ceiling, self.hold_days)
        day.receivers = spill_over(
            world.score,
            world.false_points,
            day.findings,
            delta,
            world.employer,
            world.ties.parent,
            world.n_citizens,
            rules.sanctions.spillover,
        )

    def settle(self, day: Day) -> None:
        """Bound the scores (false points with them), then let every score decay."""
        world, rule = day.host.world, day.rules.score
        clamp_false_points(
            world.score,
            world.false_points,
            np.concatenate([day.findings.actor, day.receivers]),
            rule.lower,
            rule.upper,
        )
        clamp(world.score, rule.lower, rule.upper)
        decay(world.score, rule.decay_baseline, self.decay_factor)
        world.false_points *= self.decay_factor
        if self.holds is not None:
            self.holds.apply(day.day, world.score, world.false_points)

    def remedy(self, day: Day) -> None:
        """Bound the scores again after the remedies."""
        rule = day.rules.score
        clamp(day.host.world.score, rule.lower, rule.upper)
