"""The score model: one Mesa model running a points regime day by day.

``ScoreModel`` owns the city's arrays (:class:`score_sim.world.World`) and a Mesa agent per
actor as a view onto them. One step is one day:

    behave -> observe -> score (add points, clamp, decay) -> lists (expire, enter) -> collect

Every rule acts on whole arrays (see :mod:`score_sim.rules`); there is no Python loop over
actors in a step.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from score_sim.agents import Citizen, Firm
from score_sim.events import EventLog
from score_sim.memory import check_population
from score_sim.metrics import KINDS, column_names, kind_metrics
from score_sim.rules.behaviour import draw_occurrences
from score_sim.rules.grades import Grading
from score_sim.rules.observation import observe
from score_sim.rules.scoring import apply_findings, clamp, decay, decay_factor
from score_sim.scenario import Scenario, Severity, load_scenario, scenario_from_data
from score_sim.streams import stream
from score_sim.world import build_world


def _metric(column: str, model: ScoreModel) -> float:
    return model.metrics[column]


class ScoreModel(mesa.Model):
    """A points-based social-credit regime over citizens and firms.

    Args:
        scenario: a :class:`Scenario`, a path to a scenario file or a bundled scenario's
            name (default ``"baseline"``).
        rng: the seed of every random draw; defaults to the scenario's ``run.seed``.
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
        rng: int | None = None,
        steps: int | None = None,
        citizens: int | None = None,
        firms: int | None = None,
        **overrides: Any,
    ) -> None:
        changes = dict(overrides)
        for key, value in (
            ("run.seed", rng),
            ("run.steps", steps),
            ("population.citizens", citizens),
            ("population.firms", firms),
        ):
            if value is not None:
                changes[key] = value
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario, changes)
        elif changes:
            scenario = scenario_from_data(scenario.to_data(), scenario.name, None, changes)
        seed = scenario.run.seed
        super().__init__(rng=seed)
        self.scenario: Scenario = scenario
        self.seed: int = seed
        pop = scenario.population
        check_population(pop.citizens, pop.firms)

        self.world = build_world(scenario, stream(seed, "world"))
        self.grading = Grading(scenario.score.grades)
        self.events = EventLog()
        behaviours = scenario.behaviours
        self._behaviour_streams = [stream(seed, f"behaviour:{b.name}") for b in behaviours]
        self._observation_stream = stream(seed, "observation")
        self._points = np.array([b.points for b in behaviours], dtype=np.float64)
        self._serious = np.array([b.severity is Severity.serious for b in behaviours], dtype=bool)
        self._detection = np.array([b.detection_probability for b in behaviours])
        self._decay_factor = decay_factor(scenario.score.half_life_days)

        self.citizens = [Citizen(self, i) for i in range(pop.citizens)]
        self.firms = [Firm(self, pop.citizens + i) for i in range(pop.firms)]

        self.columns = column_names(self.grading.names)
        self.metrics: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={c: functools.partial(_metric, c) for c in self.columns}
        )
        self._findings_by_kind = (0, 0)
        self._collect()
        self.running = self.steps < scenario.run.steps

    def step(self) -> None:
        """Advance one day: behave, observe, score, update lists, collect."""
        day = self.steps
        world = self.world
        score_rule = self.scenario.score
        occurrences = draw_occurrences(self.scenario.behaviours, world, self._behaviour_streams)
        findings = observe(occurrences, self._detection, self._observation_stream)
        serious_today = apply_findings(
            world.score,
            findings,
            self._points,
            self._serious,
            world.serious_record,
            score_rule.negative_counting,
        )
        clamp(world.score, score_rule.lower, score_rule.upper)
        decay(world.score, score_rule.decay_baseline, self._decay_factor)
        world.blacklist.update(day, world.score, serious_today, self.events)
        world.redlist.update(day, world.score, serious_today, self.events)
        n_citizen_findings = int(np.count_nonzero(findings.actor < world.n_citizens))
        self._findings_by_kind = (n_citizen_findings, len(findings) - n_citizen_findings)
        self._collect()
        self.running = self.steps < self.scenario.run.steps

    def _collect(self) -> None:
        world = self.world
        metrics: dict[str, float] = {"step": self.steps}
        for kind, n_findings in zip(KINDS, self._findings_by_kind, strict=True):
            span = world.kind_slice(kind)
            score = world.score[span]
            metrics |= kind_metrics(
                kind,
                score,
                self.grading.counts(score),
                self.grading.names,
                int(np.count_nonzero(world.blacklist.listed[span])),
                int(np.count_nonzero(world.redlist.listed[span])),
                n_findings,
            )
        self.metrics = metrics
        self.datacollector.collect(self)

    def grade_of(self, index: int) -> int:
        """Grade band index (0 = best) of actor ``index``."""
        return int(self.grading.grade_index(self.world.score[index : index + 1])[0])

    def grades(self) -> np.ndarray:
        """Grade band index (0 = best) of every actor."""
        return self.grading.grade_index(self.world.score)

    def run(self, progress: Any = None) -> ScoreModel:
        """Step until the scenario's ``run.steps`` days have passed.

        Args:
            progress: optional callable ``progress(day, total)`` called after each day.
        """
        total = self.scenario.run.steps
        while self.running:
            self.step()
            if progress is not None:
                progress(self.steps, total)
        return self

    def timeseries(self) -> dict[str, np.ndarray]:
        """The collected metrics, one array per column, one row per day from day 0."""
        data = self.datacollector.model_vars
        return {c: np.asarray(data[c], dtype=np.float64) for c in self.columns}
