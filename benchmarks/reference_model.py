"""A per-agent reference implementation of score-sim's core rules, for benchmarking.

This is a benchmark reference, not part of the package. It is written the way Mesa's own
examples are (the Boltzmann wealth model, Schelling, ...): every citizen and firm is a
``mesa.Agent`` holding its own plain Python attributes, and each day the model calls
``self.agents.shuffle_do("step")`` so that each agent lives its day for itself. It is
deliberately per-agent, so that ``benchmarks`` can show how much faster the vectorised
:class:`score_sim.model.ScoreModel` is, and ``tests/test_reference_agreement.py`` can check
that the two agree in distribution.

It mirrors the rules in ``src/score_sim/rules/*.py`` for one actor and one day:

    behave   each behaviour of the actor's kind happens Poisson(rate_per_year / 365) times
    observe  each occurrence is found by records or surveillance (``detection``)
    score    findings add their points (``every_infraction`` or ``serious_first``, where
             today's serious findings count as being on record), then clamp to
             [lower, upper], then decay toward the baseline by 0.5 ** (1 / half_life_days)
    lists    blacklist, then red list: an entry ends at ``max_days`` or, after ``min_days``
             (counted from the latest serious finding while listed) and with
             ``early_removal``, once the score condition no longer holds; an actor
             not listed at the start of today's update enters when the entry conditions hold
             (any/all); a listed day is counted at the end of the day

and the model collects per-kind mean score and list counts at day 0 and after every day.
Day ``d`` is ``model.steps`` during the step (Mesa counts the step before running it, so
the first day is day 1), as in the vectorised model. Random draws come only from Mesa's
``self.random``; the reference reproduces the vectorised model's distributions, not its
random streams.

Usage::

    python benchmarks/reference_model.py --citizens 10000 --steps 365
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings
from typing import NamedTuple

import mesa

from score_sim.scenario import (
    Behaviour,
    ListRule,
    NegativeCounting,
    Scenario,
    Severity,
    load_scenario,
)

DAYS_PER_YEAR = 365.0
CORE_SECTIONS = ("name", "description", "sources", "population", "score", "behaviours", "lists")
"""Scenario sections the reference mirrors; ``run`` sets only its length."""


class DailyBehaviour(NamedTuple):
    """One behaviour as an agent needs it each day."""

    name: str
    rate: float
    """Expected occurrences per actor per day."""
    p_none: float
    """Chance of no occurrence today, exp(-rate)."""
    detection: float
    points: float
    serious: bool


def mechanisms_beyond_the_core(scenario: Scenario) -> list[str]:
    """Scenario sections, other than the core and ``run``, changed from their defaults."""
    changed = []
    for name, field in type(scenario).model_fields.items():
        if name in (*CORE_SECTIONS, "run"):
            continue
        if getattr(scenario, name) != field.get_default(call_default_factory=True):
            changed.append(name)
    return changed


def detection_probability(behaviour: Behaviour) -> float:
    """Chance that one occurrence of ``behaviour`` becomes a finding.

    The channels that need no ties or inspections (records, surveillance) act
    independently; denunciation and inspection are beyond this reference.
    """
    channels = behaviour.detection
    if channels.denunciation_per_tie or channels.inspection:
        raise NotImplementedError(
            f"behaviour {behaviour.name!r}: denunciation and inspection are not in the reference"
        )
    return 1.0 - (1.0 - channels.records) * (1.0 - channels.surveillance)


def poisson(random, rate: float, p_none: float) -> int:
    """A Poisson(rate) draw by inversion (fast for the small daily rates used here)."""
    u = random.random()
    if u < p_none:
        return 0
    k = 0
    term = cumulative = p_none
    while u >= cumulative and term > 0.0:
        k += 1
        term *= rate / k
        cumulative += term
    return k


class RefActor(mesa.Agent):
    """A scored actor holding its own score, record and list entries."""

    kind = "actor"

    def __init__(self, model: ReferenceModel) -> None:
        super().__init__(model)
        self.score = model.score_scenario.score.initial
        self.serious_record = False
        self.blacklist_since: int | None = None
        self.redlist_since: int | None = None
        self.renewed = {"blacklist": 0, "redlist": 0}  # latest serious finding while listed
        self.days_blacklisted = 0
        self.days_redlisted = 0

    def step(self) -> None:
        """Live one day: behave, observe, score, then update both lists."""
        model = self.model
        random = model.random
        rules = model.score_scenario.score

        # behave and observe: count what is found today
        counted = 0.0  # points that always count
        minor_negative = 0.0  # points that serious_first may waive
        serious_today = False
        for behaviour in model.behaviours[self.kind]:
            occurrences = poisson(random, behaviour.rate, behaviour.p_none)
            for _ in range(occurrences):
                if random.random() >= behaviour.detection:
                    continue  # not found: costs nothing
                if behaviour.serious:
                    serious_today = True
                    counted += behaviour.points
                elif behaviour.points < 0:
                    minor_negative += behaviour.points
                else:
                    counted += behaviour.points

        # score: add, clamp, decay
        if serious_today:
            self.serious_record = True
        if rules.negative_counting is NegativeCounting.every_infraction or self.serious_record:
            counted += minor_negative
        score = min(max(self.score + counted, rules.lower), rules.upper)
        if model.decay_factor != 1.0:
            score = model.baseline + (score - model.baseline) * model.decay_factor
        self.score = score

        # lists
        day = model.steps
        lists = model.score_scenario.lists
        self.blacklist_since = self.update_list(
            "blacklist", lists["blacklist"], self.blacklist_since, day, serious_today
        )
        if self.blacklist_since is not None:
            self.days_blacklisted += 1
        self.redlist_since = self.update_list(
            "redlist", lists["redlist"], self.redlist_since, day, serious_today
        )
        if self.redlist_since is not None:
            self.days_redlisted += 1

    def score_condition(self, rule: ListRule) -> bool | None:
        """Whether the list's score conditions hold (None when the list has none)."""
        held = None
        if rule.enter.score_below is not None:
            held = self.score < rule.enter.score_below
        if rule.enter.score_at_least is not None:
            above = self.score >= rule.enter.score_at_least
            held = above if held is None else held and above
        return held

    def update_list(
        self, name: str, rule: ListRule, since: int | None, day: int, serious_today: bool
    ) -> int | None:
        """End a due entry, or begin a new one; return the day the entry began or None."""
        if not rule.enabled:
            return since
        score_holds = self.score_condition(rule)
        if since is not None:
            if rule.enter.serious_finding and serious_today:
                self.renewed[name] = day  # a new serious finding restarts the minimum
            ended = day - since >= rule.max_days  # expired
            if not ended:
                removed = rule.early_removal and score_holds is not None and not score_holds
                if removed and day - self.renewed[name] >= rule.min_days:
                    return None  # early removal: the score condition no longer holds
                return since
            if not (rule.enter.serious_finding and serious_today):
                return None  # expired; no re-entry on the day an entry ends ...
            # ... unless a serious finding today starts a new entry at once
        if self.kind not in rule.who:
            return None
        conditions = [] if score_holds is None else [score_holds]
        if rule.enter.serious_finding:
            conditions.append(serious_today)
        trigger = all(conditions) if rule.enter.combine == "all" else any(conditions)
        if trigger:
            self.renewed[name] = day
        return day if trigger else None


class RefCitizen(RefActor):
    """A resident with a personal score."""

    kind = "citizen"


class RefFirm(RefActor):
    """A company with a corporate score."""

    kind = "firm"


def mean_score(model: ReferenceModel, agent_type: type[RefActor]) -> float:
    """Mean score of one kind of actor (NaN when there are none)."""
    agents = model.agents_by_type.get(agent_type)
    if not agents:
        return math.nan
    return statistics.fmean(agents.get("score"))


def n_listed(model: ReferenceModel, agent_type: type[RefActor], attribute: str) -> int:
    """How many actors of one kind are on a list now."""
    agents = model.agents_by_type.get(agent_type)
    if not agents:
        return 0
    return sum(since is not None for since in agents.get(attribute))


class ReferenceModel(mesa.Model):
    """The score regime, one Python object per citizen and firm.

    Args:
        scenario: a validated scenario (see :func:`score_sim.scenario.load_scenario`).
        seed: seed of Mesa's random number generators.
    """

    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(rng=seed)
        self.score_scenario = scenario
        beyond = mechanisms_beyond_the_core(scenario)
        if beyond:
            warnings.warn(
                f"the reference ignores {', '.join(beyond)}: it mirrors only the core rules",
                stacklevel=2,
            )
        self.baseline = scenario.score.decay_baseline
        half_life = scenario.score.half_life_days
        self.decay_factor = 1.0 if half_life is None else 0.5 ** (1.0 / half_life)
        self.behaviours: dict[str, list[DailyBehaviour]] = {"citizen": [], "firm": []}
        for b in scenario.behaviours:
            rate = b.rate_per_year / DAYS_PER_YEAR
            self.behaviours[str(b.who)].append(
                DailyBehaviour(
                    b.name,
                    rate,
                    math.exp(-rate),
                    detection_probability(b),
                    b.points,
                    b.severity is Severity.serious,
                )
            )

        RefCitizen.create_agents(self, scenario.population.citizens)
        RefFirm.create_agents(self, scenario.population.firms)

        reporters = {"step": lambda m: m.steps}
        for kind, agent_type in (("citizen", RefCitizen), ("firm", RefFirm)):
            reporters[f"{kind}_mean_score"] = lambda m, t=agent_type: mean_score(m, t)
            reporters[f"{kind}_n_blacklisted"] = lambda m, t=agent_type: n_listed(
                m, t, "blacklist_since"
            )
            reporters[f"{kind}_n_redlisted"] = lambda m, t=agent_type: n_listed(
                m, t, "redlist_since"
            )
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.running = self.steps < scenario.run.steps
        self.datacollector.collect(self)

    def step(self) -> None:
        """Advance one day: every agent lives its day, then the model collects."""
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)
        self.running = self.steps < self.score_scenario.run.steps

    def run(self) -> ReferenceModel:
        """Step until the scenario's ``run.steps`` days have passed."""
        while self.running:
            self.step()
        return self


def main() -> None:
    """Time the reference on the bundled baseline scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    firms = args.citizens // 20
    scenario = load_scenario(
        "baseline",
        {"population.citizens": args.citizens, "population.firms": firms, "run.steps": args.steps},
    )
    walls = []
    for i in range(args.repeat):
        started = time.perf_counter()
        model = ReferenceModel(scenario, seed=args.seed + i).run()
        walls.append(time.perf_counter() - started)
    wall = statistics.median(walls)
    agent_days = (args.citizens + firms) * args.steps
    last = {column: values[-1] for column, values in model.datacollector.model_vars.items()}
    print(
        f"reference: {args.citizens:,} citizens + {firms:,} firms x {args.steps} days, "
        f"median of {args.repeat}: {wall:.2f} s wall, {agent_days / wall:,.0f} agent-days/s"
    )
    print(
        f"day {int(last['step'])}: citizen mean {last['citizen_mean_score']:.2f}, "
        f"blacklisted {int(last['citizen_n_blacklisted'])}, "
        f"redlisted {int(last['citizen_n_redlisted'])}; "
        f"firm mean {last['firm_mean_score']:.2f}, "
        f"blacklisted {int(last['firm_n_blacklisted'])}, "
        f"redlisted {int(last['firm_n_redlisted'])}"
    )


if __name__ == "__main__":
    main()
