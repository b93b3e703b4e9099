"""The score model: one Mesa model running a points regime day by day.

``ScoreModel`` owns the city's arrays (:class:`score_sim.world.World`) and a Mesa agent per
actor as a view onto them. One step is one day:

    behave -> report (channels, inspections, erroneous reports) -> score (add points,
    spill over, further scores observe and feed, clamp, decay) -> lists (expire, enter)
    -> remedies (appeals, credit repair) -> sanctions (restrictions, reach, cascades)
    -> effects (job losses) -> perks (uses) -> harms -> collect

When a scenario turns them on (issue 9): closed firms do nothing (escalation ladder); the
ladder climbs after scoring and blacklists closed firms after the lists; commitment
letters are broken, kept and signed after the lists; rescue letters cancel entries after
the other remedies; data sharing decides which restrictions are in force.

Every rule acts on whole arrays (see :mod:`score_sim.rules`); there is no Python loop over
actors in a step. Each mechanism draws from its own random stream (:mod:`score_sim.streams`).

Before a day's behave, a policy timeline's entries due that day switch the rules
(:mod:`score_sim.rules.timeline`: every rule object is re-tuned, state is kept), and with
deterrence on, yesterday's sanctioned share thins the day's misconduct
(:mod:`score_sim.rules.deterrence`).
"""

from __future__ import annotations

import functools
import numbers
import operator
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from score_sim.agents import Citizen, Firm, create_views, register_views, reserve_agent_ids
from score_sim.errors import ScenarioError
from score_sim.events import EventKind, EventLog
from score_sim.harms import HarmLedger
from score_sim.history import ScoreHistory, Trajectories
from score_sim.memory import activity_bytes, check_population
from score_sim.metrics import KINDS, column_names, kind_metrics
from score_sim.rules.behaviour import BehaviourDraws
from score_sim.rules.commitments import COMMITMENT_COLUMNS, CommitmentDesk
from score_sim.rules.deterrence import DeterrenceRule
from score_sim.rules.effects import Feedback
from score_sim.rules.escalation import LADDER_COLUMNS, Ladder
from score_sim.rules.grades import Grading
from score_sim.rules.inspections import InspectionOffice
from score_sim.rules.perks import PerkDesk
from score_sim.rules.propensity import Propensities
from score_sim.rules.remedies import AppealsDesk, RescueDesk, repair_credit
from score_sim.rules.reporting import Findings, Reporting
from score_sim.rules.sanctions import RESTRICTION_BITS, SanctionBook
from score_sim.rules.scoring import (
    apply_findings,
    clamp,
    clamp_false_points,
    decay,
    decay_factor,
    spill_over,
)
from score_sim.rules.sharing import SHARING_COLUMNS, SharingNetwork, sharing_metrics
from score_sim.rules.systems import ScoreSystems
from score_sim.rules.timeline import Phase, build_phases
from score_sim.scenario import (
    DEFAULT_LIST_NAMES,
    DEFAULT_SYSTEM,
    Restriction,
    Scenario,
    Severity,
    resolve_scenario,
    system_grade_names,
)
from score_sim.streams import stream
from score_sim.world import build_world

if TYPE_CHECKING:
    import pandas as pd


def _metric(column: str, model: ScoreModel) -> float:
    return model.metrics[column]


MAX_SEED = 2**63
"""Seeds are whole numbers from 0 to ``MAX_SEED - 1`` (the scenario's ``run.seed``)."""


def fresh_seed() -> int:
    """A new seed from the operating system's entropy (32 bits: short enough to copy)."""
    return secrets.randbits(32)


def seed_of(rng: Any, seed: Any = None) -> int:
    """The whole-number seed for ``ScoreModel(rng=..., seed=...)``.

    ``None`` for both draws a fresh seed; a numpy ``Generator`` gives one drawn from it (so
    a seeded generator reproduces the run).

    Raises:
        ScenarioError: both given, or a value that is not a seed, named after its argument.
    """
    if rng is not None and seed is not None:
        raise ScenarioError.of(
            "rng", None, None, "run.seed", "pass rng or seed (its older name), not both"
        )
    name, value = ("seed", seed) if seed is not None else ("rng", rng)
    if value is None:
        return fresh_seed()
    if isinstance(value, np.random.Generator):
        return int(value.integers(2**32))
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ScenarioError.of(
            name,
            None,
            None,
            "run.seed",
            f"must be a whole number, a numpy Generator or None, not {value!r}",
        )
    if not 0 <= int(value) < MAX_SEED:
        raise ScenarioError.of(
            name, None, None, "run.seed", f"must be from 0 to 2**63 - 1, not {int(value)}"
        )
    return int(value)


class ScoreModel(mesa.Model):
    """A points-based social-credit regime over citizens and firms.

    Args:
        scenario: a :class:`Scenario`, a path to a scenario file or a bundled scenario's
            name (default ``"baseline"``).
        rng: the seed of every random draw: a whole number, or a numpy ``Generator`` to
            draw one from. ``None`` (the default) draws a fresh seed from the operating
            system, as every Mesa model does, so ``mesa.batch_run`` iterations differ;
            the seed used is ``model.seed`` (and ``model.score_scenario.run.seed``). To use the
            scenario's own seed, pass ``rng=scenario.run.seed``.
        seed: Mesa's older name for ``rng``; pass one of the two, not both.
        steps: days to simulate (overrides ``run.steps``); ``running`` turns False after.
        citizens: number of citizens (overrides ``population.citizens``).
        firms: number of firms (overrides ``population.firms``).
        **overrides: further scenario changes by key path, as ``score.half_life_days=90``
            passed as ``**{"score.half_life_days": 90}`` or ``score__half_life_days=90``,
            so ``mesa.batch_run`` can sweep them.

    Raises:
        ScenarioError: for an invalid scenario or override, or a population too large.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        *,
        rng: int | np.random.Generator | None = None,
        seed: int | None = None,
        steps: int | None = None,
        citizens: int | None = None,
        firms: int | None = None,
        **overrides: Any,
    ) -> None:
        scenario = resolve_scenario(
            scenario,
            overrides,
            seed=seed_of(rng, seed),
            steps=steps,
            citizens=citizens,
            firms=firms,
        )
        seed = scenario.run.seed
        super().__init__(rng=seed)
        self.score_scenario: Scenario = scenario
        self.seed: int = seed
        pop = scenario.population
        check_population(
            pop.citizens, pop.firms, scenario.name, extra_bytes=activity_bytes(scenario)
        )

        # the policy timeline (rules/timeline.py): the rules in force from each entry's day
        self.phases: list[Phase] = build_phases(scenario) if scenario.timeline else []
        """The timeline's entries, each with the scenario in force from its day on."""
        self.applied_phases: list[Phase] = []
        """The entries applied so far."""
        self.rules: Scenario = scenario
        """The rules in force today: the scenario with the timeline's entries so far."""
        in_force = [scenario, *(phase.scenario for phase in self.phases)]
        ever_enabled = frozenset(
            name for rules in in_force for name, rule in rules.lists.items() if rule.enabled
        )
        self.world = build_world(
            scenario, stream(seed, "world"), stream(seed, "ties"), seed, ever_enabled
        )
        world = self.world
        self.grading = Grading(scenario.score.grades)
        self.events = EventLog()
        behaviours = scenario.behaviours
        self._streams = {
            name: stream(seed, name)
            for name in (
                "inspections",
                "errors:false_findings",
                "errors:malicious_denunciations",
                "appeals",
                "credit_repair",
                "job_loss",
            )
        }
        self.propensities = Propensities(
            scenario.heterogeneity,
            behaviours,
            pop.citizens,
            pop.firms,
            stream(seed, "heterogeneity"),
        )
        self._behaviour_streams = (
            [stream(seed, f"behaviour:{b.name}") for b in behaviours],
            [stream(seed, f"behaviour:{b.name}:excess") for b in behaviours],
        )
        self._set_behaviours(scenario)
        self.extra_lists = tuple(n for n in scenario.lists if n not in DEFAULT_LIST_NAMES)
        """Lists counted in time-series columns of their own (beyond blacklist and redlist)."""

        self.reporting = Reporting(behaviours, scenario.errors)
        self.inspections = InspectionOffice(
            scenario.inspections, self.grading.names, pop.citizens, pop.firms, self.reporting
        )
        # several scores (issue 9): further systems beside the default score, if any
        self.systems = ScoreSystems(scenario, world.is_firm, seed) if scenario.scores else None
        self.sanctions = SanctionBook(
            scenario.sanctions,
            self._sanction_grade_names(scenario),
            pop.citizens,
            pop.firms,
            world.ties,
        )
        self.feedback = Feedback(scenario.effects, self.grading.names)
        self.appeals = AppealsDesk(scenario.remedies.appeals)
        # deterrence (rules/deterrence.py): off unless some phase of the run switches it on
        self.deterrence = DeterrenceRule(scenario.deterrence, pop.citizens, pop.firms)
        self.deterrence_columns = any(rules.deterrence.enabled for rules in in_force)
        self.harms = HarmLedger(
            scenario.harm_metrics,
            world.n_actors,
            scenario.score.lower,
            self.propensities.misconduct_rate_per_day(behaviours, pop.citizens, pop.firms)
            if self.propensities.enabled
            else None,
        )
        # who could denounce an actor: a citizen's family and friends, a firm's staff
        self._n_ties = np.concatenate([world.ties.social.degree, world.ties.staff.degree])
        self.grades_at_start = self.grading.grade_index(world.score)
        self._build_sharing_and_corporate(scenario, seed)

        # agent ids are reserved now; the agent views are created when first asked for
        self.first_agent_id = reserve_agent_ids(self, world.n_actors)
        self._views: tuple[list[Citizen], list[Firm]] | None = None

        # perks (issue 9): rewards received by the red-listed and the high-graded, if any
        self.perks = PerkDesk(scenario, world.is_firm, seed) if scenario.perks else None
        if self.perks is not None:
            self.perks.start(world.lists, self.grades_in)

        self.columns = column_names(
            self.grading.names, self.extra_lists, deterrence=self.deterrence_columns
        )
        self.columns += self._sharing_and_corporate_columns()
        if self.systems is not None:
            self.columns += self.systems.columns(scenario)
        if self.perks is not None:
            self.columns += self.perks.columns()
        self.metrics: dict[str, float] = {}
        """Today's value of every time-series column."""
        self._series = np.empty((scenario.run.steps + 1, len(self.columns)))
        self._n_rows = 0
        self._today = Findings.empty()
        self._n_inspections = 0
        self.history = ScoreHistory(
            pop.citizens, pop.firms, stream(seed, "history"), scenario.run.steps
        )
        self._collect()
        self.running = self.steps < scenario.run.steps

    def _build_sharing_and_corporate(self, scenario: Scenario, seed: int) -> None:
        """Data sharing, the escalation ladder and the letters (issue 9): off unless used.

        Each draws from its own stream, made only when it is on, so a scenario without
        them draws exactly as before.
        """
        world = self.world
        sharing = scenario.sharing
        self.sharing = SharingNetwork(
            sharing, world.n_actors, stream(seed, "sharing") if sharing.enabled else None
        )
        if self.sharing.enabled:
            self.sanctions.sharing = self.sharing
        corporate = scenario.corporate
        self.ladder = Ladder(corporate.escalation, world.n_citizens, world.n_firms)
        self._ladder_book = (
            world.lists.books[corporate.escalation.list]
            if self.ladder.enabled and corporate.escalation.list is not None
            else None
        )
        if self.ladder.enabled:
            self.sanctions.extra_own = np.zeros(world.n_actors, dtype=np.uint16)
        letters = corporate.commitments
        self.commitments = CommitmentDesk(
            letters,
            system_grade_names(scenario, letters.system) or [],
            world.n_citizens,
            world.n_firms,
            stream(seed, "commitments") if letters.enabled else None,
        )
        rescue = scenario.remedies.rescue_letters
        self.rescue = RescueDesk(
            rescue,
            world.lists,
            world.is_firm,
            stream(seed, "rescue_letters") if rescue.enabled else None,
        )

    def _sharing_and_corporate_columns(self) -> list[str]:
        """Time-series columns of the mechanisms of :meth:`_build_sharing_and_corporate` on."""
        columns: list[str] = []
        if self.sharing.enabled:
            columns += SHARING_COLUMNS
        if self.ladder.enabled:
            columns += LADDER_COLUMNS
        if self.commitments.enabled:
            columns += COMMITMENT_COLUMNS
        if self.rescue.enabled:
            columns += ["n_rescue_letters_pending", "n_rescue_cancellations"]
        return columns

    def _sharing_and_corporate_metrics(self) -> dict[str, float]:
        """Today's values of :meth:`_sharing_and_corporate_columns`."""
        metrics: dict[str, float] = {}
        if self.sharing.enabled:
            metrics |= sharing_metrics(self.sharing)
        if self.ladder.enabled:
            metrics |= self.ladder.counts()
        if self.commitments.enabled:
            metrics |= self.commitments.counts()
        if self.rescue.enabled:
            metrics["n_rescue_letters_pending"] = self.rescue.n_pending
            metrics["n_rescue_cancellations"] = self.rescue.n_cancelled
        return metrics

    def _firm_misconduct(self, findings: Findings) -> tuple[np.ndarray, np.ndarray]:
        """Today's negative findings of firms: their actors and whether each is true."""
        firm = (findings.actor >= self.world.n_citizens) & self._negative[findings.behaviour]
        return findings.actor[firm], findings.true[firm]

    def _set_behaviours(self, rules: Scenario) -> None:
        """The behaviours' rates, points and severities in force (their streams are kept)."""
        behaviours = rules.behaviours
        self._behaviour = BehaviourDraws(
            behaviours,
            self.world,
            *self._behaviour_streams,
            self.propensities.cumulative(),
        )
        self._points = np.array([b.points for b in behaviours], dtype=np.float64)
        self._negative = self._points < 0
        self._serious = np.array([b.severity is Severity.serious for b in behaviours], dtype=bool)
        self._decay_factor = decay_factor(rules.score.half_life_days)

    def _sanction_grade_names(self, rules: Scenario) -> tuple[str, ...]:
        """The grade names of the score whose grades drive score-driven sanctions."""
        system = rules.sanctions.grade_system
        if system == DEFAULT_SYSTEM:
            return tuple(band.name for band in rules.score.grades)
        return self.systems.systems[system].grading.names

    def _apply_timeline(self, day: int) -> None:
        """Switch to the rules of the timeline's entries due today (rules/timeline.py).

        Every rule object holding parameters is re-tuned; state (scores, lists and their
        entries, restrictions, pending appeals and inspections, random streams) is kept.
        """
        due = [p for p in self.phases[len(self.applied_phases) :] if p.day <= day]
        if not due:
            return
        for phase in due:
            self.applied_phases.append(phase)
            # one event per entry; events.csv gives its note and changes
            self.events.record(day, np.array([-1]), EventKind.policy_change, source=phase.index)
        rules = due[-1].scenario
        self.rules = rules
        grade_names = self.grading.names
        self.grading = Grading(rules.score.grades)
        self._set_behaviours(rules)
        self.reporting = Reporting(rules.behaviours, rules.errors)
        self.inspections.retune(rules.inspections, grade_names, self.reporting)
        self.world.lists.retune(rules)
        self.sanctions.retune(rules.sanctions, self._sanction_grade_names(rules))
        jobs_lost = self.feedback.n_jobs_lost
        self.feedback = Feedback(rules.effects, grade_names)
        self.feedback.n_jobs_lost = jobs_lost
        self.appeals.retune(rules.remedies.appeals)
        self.deterrence.retune(rules.deterrence)

    def step(self) -> None:
        """Advance one day (see the module docstring for the order of the rules)."""
        day = self.steps
        world = self.world
        if self.phases:
            self._apply_timeline(day)
        scenario = self.rules
        score_rule = scenario.score
        streams = self._streams

        restricted = self.sanctions.restrictions != 0
        multiplier_of = None
        if self.feedback.enabled:
            multiplier_of = functools.partial(
                self.feedback.multiplier_of,
                restrictions=self.sanctions.restrictions,
                grades_of=self.grades_of,
                redlisted=world.lists.redlisted,
                employer=world.employer,
            )
        max_multiplier = self.feedback.max_multiplier if self.feedback.enabled else 1.0
        if self.deterrence_columns:
            # deterrence (rules/deterrence.py): yesterday's visibility thins today's misconduct
            self.deterrence.update(restricted, world.lists.blacklisted)
            multiplier_of = self.deterrence.combine(multiplier_of)
        occurrences = self._behaviour.draw(multiplier_of, max_multiplier)
        closed = self.ladder.closed_actors() if self.ladder.enabled else None
        if closed is not None:  # escalation ladder (issue 9): a closed firm no longer acts
            occurrences = occurrences.subset(~closed[occurrences.actor])
        misconduct = self._negative[occurrences.behaviour]
        self.harms.count_misconduct(restricted, occurrences.actor[misconduct], world.n_citizens)

        found, unseen = self.reporting.observe(occurrences, self._n_ties)
        self.inspections.add_pending(day, unseen)
        firms = world.kind_slice("firm")
        extra = RESTRICTION_BITS[Restriction.extra_inspections]
        firm_extra = (self.sanctions.restrictions[firms] & extra) != 0
        if self.ladder.enabled:  # escalation ladder (issue 9): random checks and above
            firm_extra |= self.ladder.extra_inspections()
        inspected, self._n_inspections = self.inspections.inspect(
            day, self.grades_of, firm_extra, streams["inspections"]
        )
        findings = Findings.concatenate(
            [
                found,
                inspected,
                self.reporting.false_findings(
                    world.n_citizens, world.n_firms, streams["errors:false_findings"]
                ),
                self.reporting.malicious_denunciations(
                    world.ties.social, world.n_citizens, streams["errors:malicious_denunciations"]
                ),
            ]
        )
        if closed is not None:  # escalation ladder (issue 9): nothing is found on a closed firm
            open_ = ~closed[findings.actor]
            if not open_.all():
                findings = Findings(
                    *(getattr(findings, f)[open_] for f in Findings.__dataclass_fields__)
                )
        self._today = findings
        self.events.record(
            day,
            findings.actor,
            EventKind.finding,
            behaviour=findings.behaviour,
            channel=findings.channel,
            true=findings.true.astype(np.int8),
            cause=findings.cause,
            source=findings.source,
        )

        delta = apply_findings(
            world.score,
            world.false_points,
            findings,
            self._points,
            self._serious,
            world.serious_record,
            score_rule.negative_counting,
        )
        receivers = spill_over(
            world.score,
            world.false_points,
            findings,
            delta,
            world.employer,
            world.ties.parent,
            world.n_citizens,
            scenario.sanctions.spillover,
        )
        # several scores (issue 9): each further system sees today's conduct in its data
        if self.systems is not None:
            receivers = np.concatenate([receivers, self.systems.update(occurrences, world.score)])
        clamp_false_points(
            world.score,
            world.false_points,
            np.concatenate([findings.actor, receivers]),
            score_rule.lower,
            score_rule.upper,
        )
        clamp(world.score, score_rule.lower, score_rule.upper)
        decay(world.score, score_rule.decay_baseline, self._decay_factor)
        world.false_points *= self._decay_factor
        if self.ladder.enabled:  # escalation ladder (issue 9): climbs, fines, closures
            self.ladder.climb(
                day,
                *self._firm_misconduct(findings),
                world.score,
                world.false_points,
                world.employer,
                self.events,
            )
            clamp(world.score, score_rule.lower, score_rule.upper)

        world.lists.update(
            day,
            world.score,
            findings,
            world.false_points,
            self.events,
            None if self.systems is None else self.systems.scores,
        )
        if self.ladder.enabled:  # escalation ladder (issue 9): closed firms blacklisted
            self.ladder.blacklist(day, self._ladder_book, self.events)
        if self.commitments.enabled:  # commitment letters (issue 9)
            self.commitments.update(
                day,
                *self._firm_misconduct(findings),
                self.grades_in(scenario.corporate.commitments.system)[world.n_citizens :],
                self.ladder.closed if self.ladder.enabled else None,
                world.lists.books[scenario.corporate.commitments.list],
                self.events,
            )

        self.appeals.file(day, world.lists, streams["appeals"], self.events)
        self.appeals.decide(
            day, world.lists, world.score, world.false_points, streams["appeals"], self.events
        )
        repair_credit(
            day,
            scenario.remedies.credit_repair,
            world.lists,
            world.is_firm,
            streams["credit_repair"],
            self.events,
        )
        self.rescue.update(day, self.events)  # Credit Rescue Commitment Letters (issue 9)
        clamp(world.score, score_rule.lower, score_rule.upper)

        if self.ladder.enabled:  # escalation ladder (issue 9): frozen assets
            self.sanctions.extra_own = self.ladder.frozen(world.n_actors)
        self.sanctions.update(
            day,
            world.lists,
            self._sanction_grades,
            world.employer,
            self.events,
        )
        self.feedback.lose_jobs(
            day, self.sanctions.restrictions, world.employer, streams["job_loss"], self.events
        )
        # perks (issue 9): today's uses by those who qualify after today's lists
        if self.perks is not None:
            self.perks.use(world.lists, self.grades_in)
        own = self.sanctions.own != 0
        restricted = self.sanctions.restrictions != 0
        self.harms.update(
            day,
            world.score,
            world.lists.blacklisted,
            own,
            self.sanctions.innocent,
            restricted,
            self.events,
        )
        self._collect(restricted)
        self.running = self.steps < scenario.run.steps

    def _collect(self, restricted: np.ndarray | None = None) -> None:
        """Record today's value of every time-series column.

        Args:
            restricted: who is under a restriction after today's sanctions, if known.
        """
        world = self.world
        day = self.steps
        findings = self._today
        pariah = self.harms.pariah(day)
        if restricted is None:
            restricted = self.sanctions.restrictions != 0
        lists = world.lists
        n_citizen_findings = int(np.count_nonzero(findings.actor < world.n_citizens))
        n_findings = {"citizen": n_citizen_findings, "firm": len(findings) - n_citizen_findings}
        metrics: dict[str, float] = {"step": day}
        for kind in KINDS:
            span = world.kind_slice(kind)
            counts = {
                "n_blacklisted": int(np.count_nonzero(lists.blacklisted[span])),
                "n_redlisted": int(np.count_nonzero(lists.redlisted[span])),
                "n_findings": n_findings[kind],
                "n_restricted": int(np.count_nonzero(restricted[span])),
                "n_pariah": int(np.count_nonzero(pariah[span])),
                "n_listed_innocent": int(np.count_nonzero(lists.blacklist_innocent[span])),
            }
            for name in self.extra_lists:
                counts[f"n_on_{name}"] = int(np.count_nonzero(lists.books[name].listed[span]))
            metrics |= kind_metrics(
                kind,
                world.score[span],
                self.grading,
                counts,
            )
        cascades = self.sanctions.cascades
        harms = self.harms
        n_true = int(np.count_nonzero(findings.true))
        metrics |= {
            "n_true_findings": n_true,
            "n_false_findings": len(findings) - n_true,
            "n_inspections": self._n_inspections,
            "n_appeals_pending": self.appeals.n_pending,
            "citizen_n_unemployed": int(np.count_nonzero(world.employer < 0)),
            "citizen_n_job_lost": self.feedback.n_jobs_lost,
            "n_cascades": int(cascades.size),
            "mean_cascade_size": float(cascades["n_agents"].mean()) if cascades.size else 0.0,
            "sanction_days": harms.sanction_days,
            "innocent_sanction_days": harms.innocent_sanction_days,
            "false_finding_sanction_days": harms.false_finding_sanction_days,
            "tie_sanction_days": harms.tie_sanction_days,
            "innocent_sanction_share": (
                harms.innocent_sanction_days / harms.sanction_days if harms.sanction_days else 0.0
            ),
        }
        metrics |= self._sharing_and_corporate_metrics()
        if self.systems is not None:
            metrics |= self.systems.metrics(
                self.score_scenario,
                {kind: world.kind_slice(kind) for kind in KINDS},
                {name: book.listed for name, book in lists.books.items()},
            )
        if self.perks is not None:
            metrics |= self.perks.metrics()
        if self.deterrence_columns:
            metrics["citizen_deterrence_multiplier"] = float(self.deterrence.by_kind[0])
            metrics["firm_deterrence_multiplier"] = float(self.deterrence.by_kind[1])
        self.metrics = metrics
        self.history.record(world.score, world.lists.blacklisted)
        if self._n_rows == self._series.shape[0]:  # stepping past run.steps: grow
            self._series = np.concatenate([self._series, np.empty_like(self._series)])
        self._series[self._n_rows] = [metrics[c] for c in self.columns]
        self._n_rows += 1

    def _ensure_views(self) -> tuple[list[Citizen], list[Firm]]:
        if self._views is None:
            world, first = self.world, self.first_agent_id
            check_population(world.n_citizens, world.n_firms, self.score_scenario.name, views=True)
            citizens = create_views(self, Citizen, range(world.n_citizens), first)
            firms = create_views(self, Firm, range(world.n_citizens, world.n_actors), first)
            register_views(self, {Citizen: citizens, Firm: firms})
            self._views = (citizens, firms)
        return self._views

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All agents (citizens, then firms), created on first use."""
        self._ensure_views()
        return self._all_agents

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        """Agents by class (Citizen, Firm), created on first use."""
        self._ensure_views()
        return self._agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent classes present."""
        return list(self.agents_by_type)

    @property
    def citizens(self) -> list[Citizen]:
        """The citizens' agent views, in index order."""
        return self._ensure_views()[0]

    @property
    def firms(self) -> list[Firm]:
        """The firms' agent views, in index order."""
        return self._ensure_views()[1]

    def agent_ids(self, actors: np.ndarray) -> np.ndarray:
        """Mesa ``unique_id`` of actor indices."""
        return self.first_agent_id + np.asarray(actors, dtype=np.int64)

    def grade_of(self, index: int) -> int:
        """Grade band index (0 = best) of actor ``index``."""
        return int(self.grading.grade_index(self.world.score[index : index + 1])[0])

    def grades_of(self, actors: np.ndarray) -> np.ndarray:
        """Grade band index (0 = best) of the given actors, now."""
        return self.grading.grade_index(self.world.score[actors])

    def grades_in(self, system: str) -> np.ndarray:
        """Every actor's grade band index now in ``system``: 0 = best, -1 for no grade.

        ``system`` is ``score`` or a system of ``scores``; an actor who does not carry
        that score has no grade.
        """
        if system == DEFAULT_SYSTEM:
            return self.grades
        return self.systems.grade_index(system)

    def grades_at_start_in(self, system: str) -> np.ndarray:
        """Every actor's grade band index on day 0 in ``system`` (-1: not carried)."""
        if system == DEFAULT_SYSTEM:
            return self.grades_at_start
        return self.systems.systems[system].grades_at_start

    def _sanction_grades(self) -> tuple[np.ndarray, np.ndarray]:
        """Grades that drive score-driven sanctions: now, and without false findings."""
        system = self.score_scenario.sanctions.grade_system
        if system != DEFAULT_SYSTEM:
            grades = self.systems.grade_index(system)
            return grades, grades  # a system's data hold no false points
        world = self.world
        return self.grades, self.grading.grade_index(world.score - world.false_points)

    @property
    def grades(self) -> np.ndarray:
        """Every actor's grade band index now (0 = best)."""
        return self.grading.grade_index(self.world.score)

    def run(self, progress: Any = None) -> ScoreModel:
        """Step until the scenario's ``run.steps`` days have passed.

        Args:
            progress: optional callable ``progress(day, total)`` called after each day.
        """
        total = self.score_scenario.run.steps
        while self.running:
            self.step()
            if progress is not None:
                progress(self.steps, total)
        return self

    def trajectories(self) -> Trajectories:
        """Daily scores and blacklist status of a fixed random sample of actors."""
        config = self.score_scenario.harm_metrics
        return self.history.trajectories(
            self.score_scenario.score.lower, config.pariah_margin_points, config.pariah_min_days
        )

    def timeseries(self) -> dict[str, np.ndarray]:
        """The collected metrics, one array per column, one row per day from day 0."""
        rows = self._series[: self._n_rows]
        return {c: rows[:, j].copy() for j, c in enumerate(self.columns)}

    def summary(self) -> dict[str, Any]:
        """The headline figures so far: what ``summary.json`` holds after a run."""
        from score_sim.outputs.summary import summarize

        return summarize(self)

    def timeseries_frame(self) -> pd.DataFrame:
        """The time series as a pandas DataFrame: ``timeseries.csv``, indexed by day."""
        from score_sim.outputs.frames import timeseries_frame

        return timeseries_frame(self)

    def agents_frame(self) -> pd.DataFrame:
        """Every actor's state now as a pandas DataFrame: ``agents.csv``, indexed by id."""
        from score_sim.outputs.frames import agents_frame

        return agents_frame(self)

    def events_frame(self) -> pd.DataFrame:
        """The events so far as a pandas DataFrame: ``events.csv``."""
        from score_sim.outputs.frames import events_frame

        return events_frame(self)

    def cascades_frame(self) -> pd.DataFrame:
        """The sanction cascades so far as a pandas DataFrame: ``cascades.csv``."""
        from score_sim.outputs.frames import cascades_frame

        return cascades_frame(self)

    @property
    def datacollector(self) -> mesa.DataCollector:
        """The time series as a Mesa ``DataCollector`` (for ``batch_run`` and dataframes).

        The model records its metrics in a preallocated array; this builds a collector
        holding the same values, one model reporter per column, plus ``seed`` (the seed of
        the run, so that each row of ``mesa.batch_run`` says how to reproduce it).
        """
        collector = mesa.DataCollector(
            model_reporters={
                **{c: functools.partial(_metric, c) for c in self.columns},
                "seed": operator.attrgetter("seed"),
            }
        )
        rows = self._series[: self._n_rows]
        for j, column in enumerate(self.columns):
            collector.model_vars[column] = rows[:, j].tolist()
        collector.model_vars["seed"] = [self.seed] * self._n_rows
        return collector
