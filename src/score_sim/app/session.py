"""One browser tab's simulation: its own city, stepped day by day, and an optional twin.

Every tab (Solara session) owns a :class:`Session`; nothing is shared between tabs, so two
students on one server never move each other's days. A session builds a
:class:`~score_sim.model.ScoreModel` from checked :class:`~score_sim.app.controls.Settings`,
steps it a day at a time and never past the scenario's last day, and can run a twin world:
the same scenario, people and seed with one rule changed, stepped in lockstep. Because every
mechanism draws from its own random stream (:mod:`score_sim.streams`, as
:func:`score_sim.experiments.twins.compare_scenarios` relies on), the twins differ only through that
rule.

A session is used from the page's event handlers and from its Play thread at once; a lock
keeps each step and each copy of the state for drawing whole.

Every city is sized before it is built and reserved against the server's memory budgets
(:mod:`score_sim.app.budget`): a city over them is refused with a sentence, and a tab idle
for long gives its city back (:meth:`Session.free`) until its user presses Reset.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from score_sim.app import figures, people
from score_sim.app.budget import Budget, city_bytes, current_budget
from score_sim.app.controls import (
    GENERAL,
    RuleControl,
    Settings,
    check_settings,
    control_value,
    rule_controls,
)
from score_sim.app.lessons import OPENING, Lesson
from score_sim.app.offer import Offer, current_offer
from score_sim.errors import ScenarioError
from score_sim.model import ScoreModel
from score_sim.scenario import Scenario


@dataclass(frozen=True)
class TwinChange:
    """The rule world B changes: a control and its value in B."""

    control: RuleControl
    value: Any

    def describe(self) -> str:
        """The change in words, e.g. ``Half-life of a finding: 90 days``."""
        return f"{self.control.label}: {self.control.format(self.value)}"


def harmed(model: ScoreModel) -> np.ndarray:
    """Which actors were restricted or blacklisted on some day so far (as ``compare`` counts)."""
    return (model.harms.days_restricted > 0) | (model.world.lists.days_blacklisted(model.steps) > 0)


class Session:
    """One tab's city (world A) and, when asked for, its twin (world B).

    Args:
        settings: what to build first [default: the teacher's first scenario file, else
            the opening lesson (:data:`~score_sim.app.lessons.OPENING`) with its twin
            worlds].
        budget: the memory budgets the session's cities are reserved against [default:
            the server's].
        offer: the scenarios and values the page may choose [default: the server's].

    Raises:
        ScenarioError: when ``settings`` are not valid (the page's defaults always are).
        A city over the memory budgets is not built: the session starts freed, with
        :attr:`notice` saying why.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        budget: Budget | None = None,
        offer: Offer | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.offer = offer or current_offer()
        self.budget = budget or current_budget()
        opening = OPENING if settings is None and not self.offer.files else None
        if opening is not None and opening.scenario not in self.offer:
            opening = None
        if settings is None:
            settings = (
                opening.settings(Settings())
                if opening is not None
                else Settings(scenario=self.offer.default())
            )
        self.settings = settings
        self.lesson: Lesson | None = None
        """The lesson the twin worlds were set up for, if any."""
        self.start_settings = settings
        """The settings the run started from at day 0 (before any change from today)."""
        self.changes: list[tuple[int, dict[str, Any]]] = []
        """The rule changes made from a day on: the day and the rules as set then."""
        scenario, messages = check_settings(self.settings, self.offer)
        if scenario is None:
            raise ScenarioError.of("settings", None, None, "", "; ".join(messages.values()))
        self.scenario: Scenario = scenario
        self.model: ScoreModel | None = None
        self.twin: ScoreModel | None = None
        self.change: TwinChange | None = None
        self.generation = 0
        """Counts rebuilds, so that a Play started before a Reset stops at it."""
        self.notice = ""
        """Why the session holds no city (refused by the budgets, or freed when idle)."""
        self._freed_day = 0
        self.watched: np.ndarray | None = None
        self.sample: people.Watched | None = None
        """The watched households and firms of world A (see :mod:`score_sim.app.people`)."""
        self.watched_for: ScoreModel | None = None
        self.history: list[np.ndarray] = []
        """The watched sample's scores, one array a day from day 0."""
        refused = self.budget.reserve(self, city_bytes(scenario))
        if refused:
            self.notice = "Not built: " + refused
        else:
            self.model = ScoreModel(scenario, rng=scenario.run.seed)
            if opening is not None:
                self.start_lesson(opening)

    # --- building -------------------------------------------------------------------

    @property
    def freed(self) -> bool:
        """Whether the session holds no city now (see :attr:`notice`)."""
        return self.model is None

    def apply(self, settings: Settings) -> dict[str, str]:
        """Rebuild the city (and its twin, if any) from ``settings``, at day 0.

        Returns:
            The message for each control that is wrong, or under ``GENERAL`` why the city
            does not fit the memory budgets; nothing is changed then.
        """
        scenario, messages = check_settings(settings, self.offer)
        if scenario is None:
            return messages
        change = self.change if settings.scenario == self.settings.scenario else None
        twin_scenario = None
        if change is not None:
            twin_scenario, twin_messages = check_settings(
                settings.with_rule(change.control.key, change.value), self.offer
            )
            if twin_scenario is None:
                return {GENERAL: "world B: " + "; ".join(twin_messages.values())}
        need = city_bytes(scenario) + (city_bytes(twin_scenario) if twin_scenario else 0)
        refused = self.budget.reserve(self, need)
        if refused:
            return {GENERAL: refused}
        twin = (
            None if twin_scenario is None else ScoreModel(twin_scenario, rng=twin_scenario.run.seed)
        )
        model = ScoreModel(scenario, rng=scenario.run.seed)
        with self.lock:
            self.settings, self.scenario, self.model = settings, scenario, model
            self.twin, self.change = twin, change
            if change is None:
                self.lesson = None
            self.generation += 1
            self.start_settings, self.changes = self.settings, []
            self.notice = ""
        return {}

    def reset(self) -> None:
        """Back to day 0 with the current settings (and the same twin)."""
        self.apply(self.settings)

    def start_twin(self, control: RuleControl, value: Any) -> dict[str, str]:
        """Run twin worlds: world B is world A with ``control`` set to ``value``; both restart.

        Returns:
            What is wrong with the change (under ``GENERAL``), or nothing.
        """
        if control.key not in {c.key for c in self.controls()}:
            return {GENERAL: f"world B: {control.label} is not a rule of this scenario"}
        scenario, messages = check_settings(self.settings.with_rule(control.key, value), self.offer)
        if scenario is None:
            return {GENERAL: "world B: " + "; ".join(messages.values())}
        refused = self.budget.reserve(self, city_bytes(self.scenario) + city_bytes(scenario))
        if refused:
            return {GENERAL: "twin worlds not started: " + refused}
        model = ScoreModel(self.scenario, rng=self.scenario.run.seed)
        twin = ScoreModel(scenario, rng=scenario.run.seed)
        with self.lock:
            self.model, self.twin, self.change = model, twin, TwinChange(control, value)
            self.lesson = None
            self.generation += 1
            self.start_settings, self.changes = self.settings, []
            self.notice = ""
        return {}

    def start_lesson(self, lesson: Lesson) -> dict[str, str]:
        """Set up ``lesson``: its scenario at this tab's population, and its twin worlds.

        Returns:
            What is wrong (under ``GENERAL``), or nothing; the city is unchanged then.
        """
        if lesson.scenario not in self.offer:
            return {GENERAL: f"{lesson.name} needs {lesson.scenario}, not offered here"}
        settings = lesson.settings(self.settings)
        scenario, messages = check_settings(settings, self.offer)
        if scenario is None:
            return {GENERAL: "; ".join(messages.values())}
        control = next((c for c in rule_controls(scenario) if c.key == lesson.rule), None)
        if control is None:
            return {GENERAL: f"{lesson.name}: its rule is not offered by {lesson.scenario}"}
        previous = (self.settings, self.scenario)
        with self.lock:
            self.settings, self.scenario = settings, scenario
            messages = self.start_twin(control, lesson.value_b)
            if messages:
                self.settings, self.scenario = previous
                return messages
            self.lesson = lesson
        return {}

    def change_from_today(self, settings: Settings) -> dict[str, str]:
        """Apply the rules ``settings`` changed from tomorrow on; the run goes on.

        The change becomes an entry of the scenario's timeline at the next day, exactly as a
        ``timeline:`` entry in a scenario file, in both worlds: the city is built again with
        that timeline and the days so far simulated again with the same seed, which gives
        the same city as before (the entry takes effect only from its day on), and then
        runs on under the new rules. The figures mark the day with a dated line.

        Args:
            settings: the controls as set now; only their rules may differ from the
                applied settings (a new scenario, population, days or seed needs Reset).

        Returns:
            What is wrong (by control key or under ``GENERAL``), or nothing.
        """
        from score_sim.scenario.loading import scenario_from_data

        if self.model is None:
            return {GENERAL: self.notice or "no city: press Reset"}
        others = [
            words
            for name, words in (
                ("scenario", "the scenario"),
                ("citizens", "citizens"),
                ("firms", "firms"),
                ("days", "days"),
                ("seed", "the seed"),
            )
            if getattr(settings, name) != getattr(self.settings, name)
        ]
        if others:
            return {
                GENERAL: "only rules can change from today; "
                + ", ".join(others)
                + " changed: press Reset for those"
            }
        checked, messages = check_settings(settings, self.offer)
        if checked is None:
            return messages
        controls = {c.key: c for c in self.controls()}
        in_force = self.model.rules  # the rules of today, after earlier changes
        changed = {
            key: value
            for key, value in settings.rules.items()
            if key in controls and value != control_value(in_force, controls[key])
        }
        if not changed:
            return {GENERAL: "no rule was changed: move a rule's control first"}
        day = self.day + 1
        if day > self.last_day:
            return {GENERAL: "the last day has passed: nothing can change from today"}
        entry = {
            "day": day,
            "set": {key: controls[key].override(value) for key, value in changed.items()},
            "note": "; ".join(
                f"{controls[key].label} {controls[key].format(value)}"
                for key, value in changed.items()
            ),
        }
        worlds = []
        for model in (self.model, self.twin):
            if model is None:
                worlds.append(None)
                continue
            data = model.score_scenario.to_data()
            data["timeline"] = [*data.get("timeline", []), entry]
            try:
                worlds.append(scenario_from_data(data, file="the page"))
            except ScenarioError as error:
                return {GENERAL: "not changed: " + "; ".join(p.message for p in error.problems)}
        with self.lock:
            days = self.day
            rebuilt = [
                None if world is None else ScoreModel(world, rng=world.run.seed) for world in worlds
            ]
            for model in rebuilt:
                for _ in range(days) if model is not None else ():
                    model.step()
            self.model, self.twin = rebuilt
            assert self.model is not None
            self.changes.append((day, dict(settings.rules)))
            if self.watched_for is not None:
                self.watched_for = self.model  # the same run: its history holds
            self.settings = settings
            self.scenario = self.model.score_scenario
            self.generation += 1
        return {}

    def rule_changes(self) -> list[tuple[int, str]]:
        """The rule changes made during this run so far, as ``(day, what)``."""
        model = self.model
        if model is None:
            return []
        return [(entry.day, entry.note) for entry in model.score_scenario.timeline]

    def stop_twin(self) -> None:
        """Back to one world (world A keeps its days)."""
        with self.lock:
            self.twin, self.change, self.lesson = None, None, None
            if self.model is not None:
                self.budget.reserve(self, city_bytes(self.scenario))

    def free(self, reason: str = "") -> None:
        """Drop the city and its twin (their memory is given back); Reset builds them again."""
        self.budget.release(self)
        with self.lock:
            if self.model is not None:
                self._freed_day = self.model.steps
            self.model, self.twin = None, None
            self.generation += 1
            self.notice = reason

    def close(self) -> None:
        """The tab is gone: give its memory back."""
        self.free("this tab was closed")

    def touch(self) -> None:
        """Note that the tab was used now (an idle tab is freed)."""
        self.budget.touch(self)

    def controls(self) -> list[RuleControl]:
        """The rule controls of the current scenario."""
        return rule_controls(self.scenario)

    # --- stepping -------------------------------------------------------------------

    @property
    def day(self) -> int:
        """Days simulated so far (when freed: before the city was freed)."""
        model = self.model
        return self._freed_day if model is None else model.steps

    @property
    def last_day(self) -> int:
        """The scenario's last day (its ``run.steps``)."""
        return self.scenario.run.steps

    @property
    def finished(self) -> bool:
        """Whether no day can be simulated: the last day has passed, or the city is freed."""
        model = self.model
        return model is None or model.steps >= self.last_day

    def day_text(self) -> str:
        """``day N of M`` (``no city`` when freed)."""
        if self.model is None:
            return f"no city (day {self.day:,} of {self.last_day:,} when freed)"
        return f"day {self.day:,} of {self.last_day:,}"

    def step(self, days: int = 1) -> int:
        """Simulate up to ``days`` days (both worlds), never past the last day.

        Returns:
            The number of days simulated.
        """
        done = 0
        with self.lock:
            while done < days and self.model is not None and self.model.steps < self.last_day:
                self.model.step()
                self._watch(self.model)
                if self.twin is not None:
                    self.twin.step()
                done += 1
        if done:
            self.touch()
        return done

    def _watch(self, model: ScoreModel) -> None:
        """Record today's scores of the watched sample (see :mod:`score_sim.app.people`)."""
        if self.watched is None or self.watched_for is not model:
            self.sample = people.watched_actors(model)
            self.watched = self.sample.actors
            self.watched_for = model
            start = float(model.score_scenario.score.initial)
            self.history = [np.full(self.watched.size, start)] if model.steps <= 1 else []
        if len(self.history) < model.steps + 1:
            self.history.append(model.world.score[self.watched].copy())

    def score_history(self, actor: int) -> np.ndarray | None:
        """A watched actor's score from day 0 to today (None when not watched or not known)."""
        with self.lock:
            if self.watched is None or self.model is None or self.watched_for is not self.model:
                return None
            where = np.flatnonzero(self.watched == actor)
            if where.size == 0 or len(self.history) != self.model.steps + 1:
                return None
            return np.array([day[where[0]] for day in self.history])

    def watched_now(self) -> tuple[people.Watched, list[str]]:
        """The watched sample of world A (households, then firms) and each one's state today."""
        with self.lock:
            if self.model is None:
                return people.Watched(np.zeros(0, dtype=np.int64), (), 0), []
            sample = self.sample if self.watched_for is self.model else None
            if sample is None:
                sample = people.watched_actors(self.model)
            return sample, people.states(self.model, sample.actors)

    def play(
        self,
        stop: threading.Event,
        days_per_second: float | None,
        on_frame: Callable[[], None],
        frame_seconds: float = 0.25,
    ) -> int:
        """Step until the last day or until ``stop`` is set, calling ``on_frame`` to redraw.

        Days are stepped on a schedule of ``days_per_second`` (``None``: as fast as
        possible); ``on_frame`` is called at most every ``frame_seconds`` and at the end.
        Days that fall due while a frame is drawn are caught up afterwards, so the speed
        does not depend on how long drawing takes.

        Returns:
            The number of days simulated.
        """
        started = time.perf_counter()
        last_frame = started
        done = 0
        generation = self.generation
        while not stop.is_set() and not self.finished and self.generation == generation:
            now = time.perf_counter()
            if days_per_second is None:
                due = done + 1
            else:
                due = int((now - started) * days_per_second) + 1
            if due > done:
                with self.lock:
                    if self.generation != generation:
                        break
                    done += self.step(due - done)
            if time.perf_counter() - last_frame >= frame_seconds:
                on_frame()
                last_frame = time.perf_counter()
            elif days_per_second is not None:
                time.sleep(min(0.01, max(0.0, (done + 1) / days_per_second - (now - started))))
        on_frame()
        return done

    # --- drawing ----------------------------------------------------------------------

    def render(
        self,
        figure: str,
        firms: bool = False,
        image_format: str = "png",
        projector: bool = False,
    ) -> bytes:
        """One of :data:`~score_sim.app.figures.FIGURES` of world A so far.

        Citizens only unless ``firms`` (the CLI's figure, with a panel for firms too), as
        PNG or SVG (``image_format``); ``projector``: every text legible from afar
        (:func:`~score_sim.app.figures.for_projector`).

        Raises:
            ScenarioError: the city is freed (with :attr:`notice`).
        """
        with self.lock:
            if self.model is None:
                raise ScenarioError.of("session", None, None, "", self.notice or "no city")
            snapshot = figures.Snapshot.of(self.model, figure, firms)
        fig = figures.draw(snapshot, figure)
        if projector:
            figures.for_projector(fig)
        return figures.encode(fig, image_format)

    def render_twins(self, image_format: str = "png", projector: bool = False) -> bytes | None:
        """The twin-world figure so far (PNG or SVG); None without a twin."""
        with self.lock:
            if self.model is None or self.twin is None or self.change is None:
                return None
            a = figures.Snapshot.of(self.model, "twins")
            b = figures.Snapshot.of(self.twin, "twins")
            label_b = f"B: {self.change.describe()}"
            columns = self.lesson.columns if self.lesson is not None else None
        fig = figures.draw_twins(a, b, "A: as set", label_b, columns or figures.PAGE_TWIN_COLUMNS)
        if projector:
            figures.for_projector(fig)
        return figures.encode(fig, image_format)

    def twin_summary(self) -> dict[str, int] | None:
        """Actors harmed in one world only so far (as ``score-sim compare`` counts them)."""
        with self.lock:
            if self.model is None or self.twin is None:
                return None
            harmed_a, harmed_b = harmed(self.model), harmed(self.twin)
        return {
            "harmed_only_in_a": int(np.count_nonzero(harmed_a & ~harmed_b)),
            "harmed_only_in_b": int(np.count_nonzero(harmed_b & ~harmed_a)),
        }

    def headline(self) -> dict[str, float] | None:
        """Today's headline numbers of world A (citizens' scores, lists and harms).

        None when the city is freed.
        """
        with self.lock:
            if self.model is None:
                return None
            metrics = dict(self.model.metrics)
        return {
            key: metrics[key]
            for key in (
                "citizen_mean_score",
                "citizen_n_blacklisted",
                "citizen_n_redlisted",
                "citizen_n_pariah",
                "citizen_n_restricted",
                "citizen_n_listed_innocent",
            )
        }
