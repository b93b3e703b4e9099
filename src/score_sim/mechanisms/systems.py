"""Several scores on the same people: private and sectoral systems beside the default score.

Documented (DOMAIN.md): besides the municipal points (Rongcheng and other pilots), private
systems score the same people on scales of their own. Sesame Credit (Ant Financial /
Alipay, since 2015, voluntary) runs from 350 to 950 in bands (350-550 poor, 550-600 fair,
600-650 good, 650-700 very good, 700-950 excellent) and draws on Alibaba and Taobao,
payments, partners such as Didi (did riders settle fares?), purchases judged (long gaming
idle, diapers responsible) and "positive energy" posts; Tencent Credit does the same from
WeChat and WeChat Pay. Firms carry grades of their own too: tax credit grades A/B/M/C/D
(A >= 90, B 70-90, C 40-70, D < 40, from 100) and a four-tier national grade. Private and
municipal systems are siloed: there is no evidence that commercial scores feed municipal
calculations.

In the model each system of ``scores:`` is one more array over the actors: NaN for those
who do not carry it (another kind of actor, or users who never signed up: ``coverage``),
so no score, no grade and no listing by its score reach them. Each day a system's data see
a share (``observe_probability``) of its carriers' occurrences of the behaviours it
``observes`` (true conduct: a system sees what its users did, not the agencies' findings),
drawn from the system's own random stream; each seen occurrence adds its points on the
system's scale. ``feeds`` lets a share of those points land on another score as well (a
what-if: 0, siloed, is the documented situation). Then each system's scores are held to
its scale and decay toward its baseline, like the default score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.grades import Grading
from score_sim.mechanisms.scoring import decay, decay_factor
from score_sim.scenario import DEFAULT_SYSTEM, Scenario, ScoreSystem, Who
from score_sim.streams import stream

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.mechanisms.behaviour import Occurrences
    from score_sim.model import ScoreModel

NO_GRADE = -1
"""Grade index of an actor who does not carry a system's score."""


class SystemScore:
    """One further system's scores over all actors (NaN where not carried)."""

    def __init__(
        self,
        name: str,
        spec: ScoreSystem,
        behaviour_names: list[str],
        is_firm: np.ndarray,
        seed: int,
    ) -> None:
        """Draw who carries the score and their starting scores.

        Args:
            name: the system's name (its key in ``scores``).
            spec: the scenario's description of the system.
            behaviour_names: the scenario's behaviours, in index order.
            is_firm: whether each actor is a firm.
            seed: the run's seed (the system draws from streams of its own).
        """
        self.name = name
        self.spec = spec
        self.grading = Grading(spec.grades)
        self._thresholds = [band.min for band in spec.grades[:-1]]
        n = is_firm.size
        kinds = (is_firm & (Who.firm in spec.who)) | (~is_firm & (Who.citizen in spec.who))
        rng = stream(seed, f"scores:{name}")
        self.carries = kinds & (rng.random(n) < spec.coverage) if spec.coverage < 1 else kinds
        """Whether each actor carries this score."""
        self.score = np.full(n, np.nan)
        """Each carrier's score on this system's scale; NaN for everyone else."""
        start = np.full(np.count_nonzero(self.carries), spec.initial, dtype=np.float64)
        if spec.initial_spread_points > 0:
            start += rng.normal(0.0, spec.initial_spread_points, start.size)
        self.score[self.carries] = np.clip(start, spec.lower, spec.upper)
        self.points = np.zeros(len(behaviour_names), dtype=np.float64)
        """Points on this scale per behaviour index (0 where not observed)."""
        self.observed = np.zeros(len(behaviour_names), dtype=bool)
        for behaviour, points in spec.observes.items():
            index = behaviour_names.index(behaviour)
            self.points[index] = points
            self.observed[index] = True
        self._observe_rng = stream(seed, f"scores:{name}:observe")
        self._decay_factor = decay_factor(spec.half_life_days)
        self.grades_at_start = self.grade_index()
        self.n_observed = 0
        """Occurrences this system's data saw on the latest day."""

    def grade_index(self, actors: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Band index (0 = best) of each actor's score; :data:`NO_GRADE` where not carried."""
        score = self.score[actors]
        # a few thresholds: one comparison each beats a binary search per actor
        above = np.zeros(score.shape, dtype=np.int8)
        for threshold in self._thresholds:
            above += score >= threshold
        grades = np.int8(len(self.grading.names) - 1) - above
        grades[np.isnan(score)] = NO_GRADE
        return grades

    def observe(self, occurrences: Occurrences) -> tuple[np.ndarray, np.ndarray]:
        """Add the points of today's occurrences this system's data see.

        Returns:
            The actors seen and the points each seen occurrence gave (for ``feeds``).
        """
        seen = self.observed[occurrences.behaviour]
        seen &= self.carries[occurrences.actor]
        if self.spec.observe_probability < 1:
            # one uniform per occurrence, always: the draws do not depend on who carries it
            seen &= self._observe_rng.random(seen.size) < self.spec.observe_probability
        actors = occurrences.actor[seen]
        points = self.points[occurrences.behaviour[seen]]
        np.add.at(self.score, actors, points)
        self.n_observed = int(actors.size)
        return actors, points

    def settle(self) -> None:
        """Hold the scores within the scale, then let them decay toward the baseline."""
        spec = self.spec
        np.clip(self.score, spec.lower, spec.upper, out=self.score)
        decay(self.score, spec.decay_baseline, self._decay_factor)


class ScoreSystems(Mechanism):
    """Every further score of a scenario, updated together once a day."""

    name = "systems"
    title = "further scores"

    @classmethod
    def build(cls, host: ScoreModel) -> ScoreSystems | None:
        """The scenario's further scores, if it has any."""
        scenario = host.score_scenario
        if not scenario.scores:
            return None
        systems = cls(scenario, host.world.is_firm, host.seed)
        systems.scenario = scenario
        return systems

    def score(self, day: Day) -> None:
        """Each further score observes today's conduct in its own data."""
        observed = self.update(day.occurrences, day.host.world.score)
        day.receivers = np.concatenate([day.receivers, observed])

    def columns(self) -> list[str]:
        """The systems' columns (see :meth:`system_columns`)."""
        return self.system_columns(self.scenario)

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's values of :meth:`columns`."""
        world = host.world
        return self.system_metrics(
            self.scenario,
            {kind: world.kind_slice(kind) for kind in ("citizen", "firm")},
            {name: book.listed for name, book in world.lists.books.items()},
        )

    def __init__(self, scenario: Scenario, is_firm: np.ndarray, seed: int) -> None:
        """Create each system of ``scenario.scores`` (call only when there are some).

        Args:
            scenario: the validated scenario.
            is_firm: whether each actor is a firm.
            seed: the run's seed.
        """
        names = [b.name for b in scenario.behaviours]
        self.systems: dict[str, SystemScore] = {
            name: SystemScore(name, spec, names, is_firm, seed)
            for name, spec in scenario.scores.items()
        }
        self.scores: dict[str, np.ndarray] = {
            name: system.score for name, system in self.systems.items()
        }
        """Each system's score array, by name (the arrays are updated in place)."""
        self.no_false_points = np.zeros(is_firm.size)
        """A system's data record only what happened: none of its points are false."""

    def update(self, occurrences: Occurrences, default_score: np.ndarray) -> np.ndarray:
        """Observe today's conduct, feed other scores, then clamp and decay every system.

        Every system first observes; then each feed adds its share of what its system saw
        to the score it feeds; then the systems' scores are clamped and decay (the default
        score is clamped and decays with the default rules, after this).

        Args:
            occurrences: what actors did today.
            default_score: the default score, changed in place by feeds into it.

        Returns:
            The actors whose default score a feed changed (with repeats).
        """
        seen = {name: system.observe(occurrences) for name, system in self.systems.items()}
        fed = [np.empty(0, dtype=np.int64)]
        for name, system in self.systems.items():
            feeds = system.spec.feeds
            if feeds.share == 0:
                continue
            actors, points = seen[name]
            target = default_score if feeds.into == DEFAULT_SYSTEM else self.scores[feeds.into]
            np.add.at(target, actors, feeds.share * points)
            if feeds.into == DEFAULT_SYSTEM:
                fed.append(actors.astype(np.int64))
        for system in self.systems.values():
            system.settle()
        return np.concatenate(fed)

    def grade_index(self, system: str, actors: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Band index (0 = best) in ``system``; :data:`NO_GRADE` where not carried."""
        return self.systems[system].grade_index(actors)

    def system_columns(self, scenario: Scenario) -> list[str]:
        """Time-series columns of the systems, only when there are some.

        Per system and kind of actor that may carry it: the carriers' mean score, the share
        of carriers in each grade and how many are on the lists entering on its score (if
        any); per system, how many occurrences its data saw that day.
        """
        columns = []
        for name, system in self.systems.items():
            for kind in _kinds(system.spec):
                columns.append(f"{kind}_{name}_mean_score")
                columns += [f"{kind}_{name}_share_grade_{g}" for g in system.grading.names]
                if self.lists_on(scenario, name):
                    columns.append(f"{kind}_{name}_n_listed")
            columns.append(f"{name}_n_observed")
        return columns

    @staticmethod
    def lists_on(scenario: Scenario, system: str) -> list[str]:
        """The enabled lists that enter on ``system``'s score."""
        return [
            list_name
            for list_name, rule in scenario.lists.items()
            if rule.enabled and rule.enter is not None and rule.enter.system == system
        ]

    def system_metrics(
        self, scenario: Scenario, spans: dict[str, slice], listed: dict[str, np.ndarray]
    ) -> dict[str, float]:
        """Today's value of every column of :meth:`system_columns`.

        Args:
            scenario: the scenario.
            spans: each kind's actor slice.
            listed: each list's membership now, by list name.
        """
        out: dict[str, float] = {}
        for name, system in self.systems.items():
            on_lists = self.lists_on(scenario, name)
            for kind in _kinds(system.spec):
                span = spans[kind]
                scores = system.score[span][system.carries[span]]
                n = scores.size
                out[f"{kind}_{name}_mean_score"] = (
                    float(np.add.reduce(scores) / n) if n else float("nan")
                )
                counts = system.grading.counts(scores)
                for grade, count in zip(system.grading.names, counts, strict=True):
                    out[f"{kind}_{name}_share_grade_{grade}"] = count / n if n else float("nan")
                if on_lists:
                    any_listed = np.zeros(span.stop - span.start, dtype=bool)
                    for list_name in on_lists:
                        any_listed |= listed[list_name][span]
                    out[f"{kind}_{name}_n_listed"] = int(np.count_nonzero(any_listed))
            out[f"{name}_n_observed"] = system.n_observed
        return out

    def agent_columns(self) -> dict[str, np.ndarray]:
        """The columns of ``agents.csv``: each system's score and grade (empty: not carried)."""
        out: dict[str, np.ndarray] = {}
        for name, system in self.systems.items():
            names = np.array([*system.grading.names, ""], dtype=object)
            out[f"score_{name}"] = system.score
            out[f"grade_{name}"] = names[system.grade_index()]
        return out


def _kinds(spec: ScoreSystem) -> list[str]:
    """The kinds of actor that may carry a system's score, in the columns' order."""
    return [kind.value for kind in (Who.citizen, Who.firm) if kind in spec.who]
