"""Reporting: how occurrences become findings, and how findings go wrong.

Channels (DOMAIN.md): official records (courts, banks, agencies), surveillance (cameras,
"Skynet", whose reach experts doubt), denunciation by ties, and "double random"
inspections of firms (see :mod:`score_sim.mechanisms.inspections`). An occurrence is found by
the first channel that sees it, in that order.

Erroneous reports, the harms critics name: false findings (a record of misconduct that
never happened), malicious denunciations by ties, and misidentification (the finding
lands on the wrong actor). Every finding records whether it is true and what it traces to.
The rates of all of these are assumptions of each scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause, EventKind
from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.behaviour import (
    DAYS_PER_YEAR,
    U_DENUNCIATION,
    U_MISIDENTIFIED,
    U_RECORDS,
    U_SURVEILLANCE,
    Occurrences,
)
from score_sim.mechanisms.ties import Graph
from score_sim.scenario import Behaviour, Channel, Errors, Scenario, Who

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel

CHANNEL_CODES = {channel: code for code, channel in enumerate(Channel)}


@dataclass(frozen=True)
class Findings:
    """Findings recorded today, as parallel arrays."""

    actor: np.ndarray
    behaviour: np.ndarray
    channel: np.ndarray
    true: np.ndarray
    """Whether the actor really did it."""
    cause: np.ndarray
    """A :class:`Cause` code: conduct, false_finding, malicious_denunciation, misidentification."""
    source: np.ndarray
    """The denouncer, or the real offender of a misidentified finding; -1 otherwise."""

    @classmethod
    def empty(cls) -> Findings:
        """No findings."""
        return _NO_FINDINGS

    @classmethod
    def build(
        cls,
        actor: np.ndarray,
        behaviour: np.ndarray,
        channel: np.ndarray | int,
        true: np.ndarray | bool,
        cause: np.ndarray | int,
        source: np.ndarray | int = -1,
    ) -> Findings:
        """Findings from arrays, broadcasting scalar fields."""
        n = actor.size

        def column(value: np.ndarray | int | bool, dtype: type) -> np.ndarray:
            if isinstance(value, np.ndarray) and value.ndim:
                return value.astype(dtype, copy=False)
            # a plain int (not an IntEnum) for np.full: an enum member converts slowly
            return np.full(n, int(value), dtype=dtype)

        return cls(
            actor.astype(np.int64, copy=False),
            behaviour.astype(np.int16, copy=False),
            column(channel, np.int8),
            column(true, np.bool_),
            column(cause, np.int8),
            column(source, np.int64),
        )

    def __len__(self) -> int:
        return int(self.actor.size)

    @classmethod
    def concatenate(cls, parts: list[Findings]) -> Findings:
        """All findings of several parts, in order."""
        parts = [p for p in parts if p.actor.size]
        if not parts:
            return cls.empty()
        if len(parts) == 1:  # the usual day: nothing to join
            return parts[0]
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Findings)))


_NO_FINDINGS = Findings.build(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int16), 0, True, 0)


class Reporting(Mechanism):
    """Detection by channel and erroneous reports, for one scenario."""

    name = "reporting"
    title = "reporting and erroneous reports"
    event_kinds = (EventKind.finding,)

    @classmethod
    def build(cls, host: ScoreModel) -> Reporting:
        """Every scenario reports; errors draw from streams of their own."""
        scenario, world = host.score_scenario, host.world
        reporting = cls(scenario.behaviours, scenario.errors)
        reporting.n_ties = np.concatenate([world.ties.social.degree, world.ties.staff.degree])
        """Who could denounce each actor: a citizen's family and friends, a firm's staff."""
        reporting.false_findings_stream = host.stream("errors:false_findings")
        reporting.denunciations_stream = host.stream("errors:malicious_denunciations")
        return reporting

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed detection chances and errors from today on."""
        self.__init__(rules.behaviours, rules.errors)

    def report(self, day: Day) -> None:
        """Today's occurrences seen by records, surveillance and denunciation."""
        day.found, day.unseen = self.observe(day.occurrences, self.n_ties)

    def report_errors(self, day: Day) -> None:
        """Add today's false findings and malicious denunciations to what was found."""
        world = day.host.world
        day.findings = Findings.concatenate(
            [
                day.found,
                day.inspected,
                self.false_findings(world.n_citizens, world.n_firms, self.false_findings_stream),
                self.malicious_denunciations(
                    world.ties.social, world.n_citizens, self.denunciations_stream
                ),
            ]
        )

    def record_findings(self, day: Day) -> None:
        """Record today's findings as events."""
        findings = day.findings
        day.host.events.record(
            day.day,
            findings.actor,
            EventKind.finding,
            behaviour=findings.behaviour,
            channel=findings.channel,
            true=findings.true.astype(np.int8),
            cause=findings.cause,
            source=findings.source,
        )

    def __init__(self, behaviours: tuple[Behaviour, ...], errors: Errors) -> None:
        self.records = np.array([b.detection.records for b in behaviours])
        self.surveillance = np.array([b.detection.surveillance for b in behaviours])
        self.denunciation = np.array([b.detection.denunciation_per_tie for b in behaviours])
        self.inspection = np.array([b.detection.inspection for b in behaviours])
        self.misidentification = np.zeros(len(Channel))
        for channel, p in errors.misidentification.items():
            self.misidentification[CHANNEL_CODES[Channel(channel)]] = p
        self._any_denunciation = bool(self.denunciation.any())
        self._any_surveillance = bool(self.surveillance.any())
        self._any_misidentification = bool(self.misidentification.any())
        self.errors = errors
        # the misconduct a false report can claim, per kind, in proportion to its rate
        self.negative: dict[Who, tuple[np.ndarray, np.ndarray]] = {}
        for who in Who:
            idx = np.array(
                [i for i, b in enumerate(behaviours) if b.who is who and b.points < 0],
                dtype=np.int16,
            )
            rates = np.array([behaviours[i].rate_per_year for i in idx], dtype=np.float64)
            weights = (
                rates / rates.sum() if rates.sum() > 0 else np.full(idx.size, 1 / max(idx.size, 1))
            )
            self.negative[who] = (idx, weights)

    def claimed_behaviour(self, who: Who, uniforms: np.ndarray) -> np.ndarray:
        """The misconduct a false report claims, one per uniform.

        A negative behaviour of ``who``'s kind, chosen in proportion to its rate.
        """
        idx, weights = self.negative[who]
        pick = np.searchsorted(np.cumsum(weights), uniforms, side="right")
        return idx[np.minimum(pick, idx.size - 1)]

    def observe(self, occurrences: Occurrences, n_ties: np.ndarray) -> tuple[Findings, Occurrences]:
        """Findings from today's occurrences, and the occurrences no channel saw.

        Args:
            occurrences: today's occurrences, with their uniforms.
            n_ties: per actor, how many ties could denounce it.
        """
        if len(occurrences) == 0:
            return Findings.empty(), occurrences
        b = occurrences.behaviour
        u = occurrences.uniforms
        channel = np.full(b.size, -1, dtype=np.int8)
        # later channels first, so the first channel that sees an occurrence wins
        if self._any_denunciation:
            p_denounced = 1.0 - (1.0 - self.denunciation[b]) ** n_ties[occurrences.actor]
            channel[u[:, U_DENUNCIATION] < p_denounced] = CHANNEL_CODES[Channel.denunciation]
        if self._any_surveillance:
            by_surveillance = u[:, U_SURVEILLANCE] < self.surveillance[b]
            channel[by_surveillance] = CHANNEL_CODES[Channel.surveillance]
        channel[u[:, U_RECORDS] < self.records[b]] = CHANNEL_CODES[Channel.records]
        found = channel >= 0
        seen = occurrences.subset(found)
        channel = channel[found]
        if not self._any_misidentification:
            return Findings.build(seen.actor, seen.behaviour, channel, True, Cause.conduct), (
                occurrences.subset(~found)
            )
        wrong = seen.uniforms[:, U_MISIDENTIFIED] < self.misidentification[channel]
        actor = np.where(wrong, seen.misidentified_as, seen.actor)
        findings = Findings.build(
            actor,
            seen.behaviour,
            channel,
            ~wrong,
            np.where(wrong, Cause.misidentification, Cause.conduct),
            np.where(wrong, seen.actor, -1),
        )
        return findings, occurrences.subset(~found)

    def false_findings(self, n_citizens: int, n_firms: int, rng: np.random.Generator) -> Findings:
        """Records of misconduct that never happened, at the scenario's rate per actor."""
        rate = self.errors.false_finding_rate_per_year
        if rate == 0:
            return Findings.empty()
        parts = []
        for who, start, size in ((Who.citizen, 0, n_citizens), (Who.firm, n_citizens, n_firms)):
            count = int(rng.poisson(size * rate / DAYS_PER_YEAR)) if size else 0
            actor = start + rng.integers(0, max(size, 1), count)
            pick = rng.random(count)
            if count == 0 or self.negative[who][0].size == 0:
                continue
            behaviour = self.claimed_behaviour(who, pick)
            parts.append(
                Findings.build(
                    actor, behaviour, CHANNEL_CODES[Channel.records], False, Cause.false_finding
                )
            )
        return Findings.concatenate(parts)

    def malicious_denunciations(
        self, social: Graph, n_citizens: int, rng: np.random.Generator
    ) -> Findings:
        """Fabricated reports by citizens against one of their ties."""
        rate = self.errors.malicious_denunciation_rate_per_year
        if rate == 0:
            return Findings.empty()
        count = int(rng.poisson(n_citizens * rate / DAYS_PER_YEAR)) if n_citizens else 0
        denouncer = rng.integers(0, max(n_citizens, 1), count)
        pick_tie, pick_behaviour = rng.random(count), rng.random(count)
        degree = social.degree[denouncer] if count else np.empty(0, dtype=np.int64)
        keep = degree > 0
        if count == 0 or self.negative[Who.citizen][0].size == 0 or not keep.any():
            return Findings.empty()
        denouncer, degree = denouncer[keep], degree[keep]
        tie = social.indptr[denouncer] + (pick_tie[keep] * degree).astype(np.int64)
        target = social.indices[tie]
        behaviour = self.claimed_behaviour(Who.citizen, pick_behaviour[keep])
        return Findings.build(
            target,
            behaviour,
            CHANNEL_CODES[Channel.denunciation],
            False,
            Cause.malicious_denunciation,
            denouncer,
        )
