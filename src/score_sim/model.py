"""The score model: one Mesa model running a points regime day by day.

``ScoreModel`` owns the city's arrays (:class:`score_sim.world.World`) and a Mesa agent per
actor as a view onto them. One step is one day, and a day is a plan of mechanisms
(:mod:`score_sim.mechanisms.plan`): the policy timeline, then behave -> report -> score ->
lists -> remedies -> sanctions -> after (jobs, perks, harms), then the day's metrics are
collected. Which mechanisms run, and in which order, is data: the model builds the ones its
scenario uses and runs their steps; ``step()`` names none of them.

Every mechanism acts on whole arrays; there is no Python loop over actors in a step. Each
draws from its own random stream (:mod:`score_sim.streams`).
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
from score_sim.events import EventLog
from score_sim.history import ScoreHistory, Trajectories
from score_sim.mechanisms.base import Day
from score_sim.mechanisms.grades import Grading
from score_sim.mechanisms.plan import MECHANISMS, Plan
from score_sim.mechanisms.propensity import Propensities
from score_sim.mechanisms.reporting import Findings
from score_sim.memory import activity_bytes, check_population
from score_sim.scenario import (
    DEFAULT_LIST_NAMES,
    DEFAULT_SYSTEM,
    Scenario,
    resolve_scenario,
)
from score_sim.scenario.phases import Phase, build_phases
from score_sim.streams import stream
from score_sim.world import build_world

if TYPE_CHECKING:
    import pandas as pd


_MECHANISM_NAMES = frozenset(kind.name for kind in MECHANISMS)


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
            the seed used is ``model.seed`` (and ``model.score_scenario.run.seed``). To
            use the scenario's own seed, pass ``rng=scenario.run.seed``.
        seed: Mesa's older name for ``rng``; pass one of the two, not both.
        steps: days to simulate (overrides ``run.steps``); ``running`` turns False after.
        citizens: number of citizens (overrides ``population.citizens``).
        firms: number of firms (overrides ``population.firms``).
        **overrides: further scenario changes by key path, as ``score.half_life_days=90``
            passed as ``**{"score.half_life_days": 90}`` or ``score__half_life_days=90``,
            so ``mesa.batch_run`` can sweep them.

    The scenario is ``model.score_scenario`` (Mesa's own ``Model.scenario`` is left to
    Mesa). Each mechanism of the day is ``model.<name>`` (``model.sanctions``,
    ``model.lists``...; ``None`` when the scenario does not use it), and all of them are
    in ``model.mechanisms``.

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
        """The scenario as loaded (its rules on day 0)."""
        self.seed: int = seed
        pop = scenario.population
        check_population(
            pop.citizens, pop.firms, scenario.name, extra_bytes=activity_bytes(scenario)
        )

        self.phases: list[Phase] = build_phases(scenario) if scenario.timeline else []
        """The timeline's entries, each with the scenario in force from its day on."""
        self.applied_phases: list[Phase] = []
        """The entries applied so far."""
        self.rules: Scenario = scenario
        """The rules in force today: the scenario with the timeline's entries so far."""
        self.in_force: list[Scenario] = [scenario, *(phase.scenario for phase in self.phases)]
        """The rules in force in each phase of the run (a mechanism is on if on in one)."""
        ever_enabled = frozenset(
            name for rules in self.in_force for name, rule in rules.lists.items() if rule.enabled
        )
        self.world = build_world(
            scenario, stream(seed, "world"), stream(seed, "ties"), seed, ever_enabled
        )
        world = self.world
        self.grading = Grading(scenario.score.grades)
        self.events = EventLog()
        self.propensities = Propensities(
            scenario.heterogeneity,
            scenario.behaviours,
            pop.citizens,
            pop.firms,
            stream(seed, "heterogeneity"),
        )
        self.extra_lists = tuple(n for n in scenario.lists if n not in DEFAULT_LIST_NAMES)
        """Lists counted in time-series columns of their own (beyond blacklist and redlist)."""
        self.grades_at_start = self.grading.grade_index(world.score)

        # agent ids are reserved now; the agent views are created when first asked for
        self.first_agent_id = reserve_agent_ids(self, world.n_actors)
        self._views: tuple[list[Citizen], list[Firm]] | None = None

        self.mechanisms: dict[str, Any] = {}
        """Every mechanism this scenario uses, by name, in the order they were built."""
        Plan.build(self)
        self.plan = Plan(self.mechanisms)
        """The day: the steps of the mechanisms that are on, in order."""
        self.columns = self.plan.columns()
        self.metrics: dict[str, float] = {}
        """Today's value of every time-series column."""
        self._series = np.empty((scenario.run.steps + 1, len(self.columns)))
        self._n_rows = 0
        self.today = Day(self, 0, scenario, findings=Findings.empty())
        """The day just simulated (day 0: the starting state)."""
        self.bad_luck: dict[str, Any] | None = None
        """The bad-luck comparison with the twin world without errors, when the scenario
        asks for it (filled in by :func:`score_sim.runner.simulate`)."""
        self.history = ScoreHistory(
            pop.citizens, pop.firms, stream(seed, "history"), scenario.run.steps
        )
        self._collect()
        self.running = self.steps < scenario.run.steps

    def __getattr__(self, name: str) -> Any:
        """A mechanism by name (``model.sanctions``); ``None`` for one this run does not use."""
        mechanisms = self.__dict__.get("mechanisms")
        if mechanisms is not None:
            if name in mechanisms:
                return mechanisms[name]
            if name in _MECHANISM_NAMES:
                return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def stream(self, name: str) -> np.random.Generator:
        """The random stream of mechanism ``name`` in this run (see :mod:`score_sim.streams`)."""
        return stream(self.seed, name)

    @property
    def deterrence_columns(self) -> bool:
        """Whether the time series has the deterrence columns (deterrence on at some point)."""
        return self.deterrence.in_plan

    def retune(self, rules: Scenario) -> None:
        """Take ``rules`` (a timeline entry's) from today on; every mechanism keeps its state."""
        self.rules = rules
        for mechanism in self.mechanisms.values():
            mechanism.retune(rules, self)
        self.grading = Grading(rules.score.grades)

    def describe_plan(self) -> str:
        """The day's plan for this scenario, in words (which mechanisms are on)."""
        return self.plan.describe()

    def mechanism_cpu_seconds(self) -> dict[str, float]:
        """CPU seconds spent so far in each mechanism's steps."""
        return self.plan.cpu_seconds()

    def step(self) -> None:
        """Advance one day: run the plan's steps in order, then collect the day's metrics."""
        self.today = Day(self, self.steps, self.rules)
        self.plan.run(self.today)
        self._collect()
        self.running = self.steps < self.score_scenario.run.steps

    def _collect(self) -> None:
        """Record today's value of every time-series column (each mechanism gives its own)."""
        metrics: dict[str, float] = {}
        for mechanism in self.mechanisms.values():
            metrics |= mechanism.metrics(self)
        self.metrics = metrics
        world = self.world
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

    @property
    def grades(self) -> np.ndarray:
        """Every actor's grade band index now (0 = best)."""
        return self.grading.grade_index(self.world.score)

    def __repr__(self) -> str:
        scenario = self.score_scenario
        return (
            f"<ScoreModel {scenario.name}: {scenario.population.citizens:,} citizens, "
            f"{scenario.population.firms:,} firms, day {self.steps} of {scenario.run.steps}, "
            f"seed {scenario.run.seed}>"
        )

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
        if hasattr(collector, "_collection_steps"):  # Mesa 3.4+ finds rows by collection step
            collector._collection_steps = list(range(self._n_rows))
        return collector
