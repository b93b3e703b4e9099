"""Memory guard: refuse a population this machine cannot hold, before allocating it.

The estimate is what a run needs: the interpreter and libraries, plus per actor the state
arrays, ties, a day's temporaries, the event log and the output being written. Mesa agent
views are created only when something asks for them (``model.agents``), and then cost
:data:`BYTES_PER_AGENT_VIEW` more each. The figures are fitted to peak memory measured with
``benchmarks/run.py`` (rongcheng_city, every mechanism on: 217 MB at 105,000 actors,
430 MB at 703,500, 954 MB at 2.1 million, on CPython 3.11) and rounded up.

Beyond the actors, :func:`activity_bytes` counts every way a run grows: the day's draws and
the event log at the rates of every phase of the timeline, family and friend ties,
violations kept for inspection, further scores and data sharing. Against peaks measured
with ``tracemalloc`` for scenarios where each of these dominates
(``tests/test_memory_guard.py``) the estimate is never below the peak and at most
:data:`STATED_FACTOR` (4) times above it. Sweeps check their largest run, and run no more
local workers at once than fit (:func:`workers_that_fit`); the app sizes each tab's city
against its budgets (:mod:`score_sim.app.budget`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from score_sim.errors import ScenarioError

if TYPE_CHECKING:
    from score_sim.scenario import Scenario

BYTES_PER_ACTOR = 400
"""Arrays, ties, temporaries, events and output per actor (measured: 369, rounded up)."""
BYTES_PER_AGENT_VIEW = 620
"""One Mesa agent view with its registrations, when views are asked for (measured: 601)."""
BASE_BYTES = 200 * 2**20
"""Interpreter, numpy, Mesa and matplotlib loaded (measured: about 180 MB)."""
USABLE_SHARE = 0.8
"""Share of the available memory a run may plan to use."""
EVENTS_PER_ACTOR_FITTED = 10
"""Findings per actor over a run that :data:`BYTES_PER_ACTOR` already covers."""
BYTES_PER_EVENT = 3 * 24 + 8
"""One row of the event log (23 bytes), three times over: when the log doubles, the old
rows and the new buffer twice their size are held at once; and the day's finding it was."""
BYTES_PER_DRAW = 3 * 8 * 8
"""One candidate occurrence of a day: its uniforms, with the day's copies of them."""


def activity_bytes(scenario: Scenario) -> int:
    """Memory that a scenario's rates and structures need beyond :data:`BYTES_PER_ACTOR`.

    Every way a run grows is counted, before anything is built:

    - a day's candidate occurrences, drawn at once: each behaviour's base rate plus the
      feedback layer at the highest multiplier, for every actor of its kind, under the
      rules of every phase of the timeline (a rate raised on day 2 counts like one set
      from the start);
    - the event log: every occurrence of the run (each phase's rates for its days), beyond
      the :data:`EVENTS_PER_ACTOR_FITTED` per actor that :data:`BYTES_PER_ACTOR` covers;
    - ties: family and friend ties beyond the :data:`TIES_PER_CITIZEN_FITTED` a citizen
      that :data:`BYTES_PER_ACTOR` covers (:data:`BYTES_PER_TIE` each, built at once);
    - inspections: firm violations kept until an inspection can find them, up to the
      look-back period of every phase;
    - further scores (``scores:``): one more set of arrays over the actors each;
    - data sharing: an arrival day per actor and kind of restriction;
    - lending: each borrower's loan (due day, draws, points from loans) and the day's
      applications;
    - contagion over ties: per relation, a graph of the ties a listing can pass along
      (built from the family and friend ties), and the tallies of each citizen's listed
      relatives.

    Rates of thousands a year (valid, but far above any documented rate) make these
    large, and are refused by :func:`check_population` before anything is built.
    The estimate is checked against measured peaks (``tests/test_memory_guard.py``): it
    is never below the peak and at most :data:`STATED_FACTOR` times above it.
    """
    population = scenario.population
    actors = {"citizen": population.citizens, "firm": population.firms}
    n_actors = sum(actors.values())
    draws_per_day = 0.0
    events = 0.0
    pending = 0.0
    phased = _phases(scenario)
    for phase, days in phased:
        per_year = sum(actors[b.who] * b.rate_per_year for b in phase.behaviours)
        per_year += n_actors * phase.errors.false_finding_rate_per_year
        per_year += population.citizens * phase.errors.malicious_denunciation_rate_per_year
        draws_per_day = max(
            draws_per_day, per_year / 365 * max(1.0, phase.effects.highest_multiplier())
        )
        events += per_year * days / 365
        if phase.inspections.enabled:
            firm_per_year = sum(
                population.firms * b.rate_per_year for b in phase.behaviours if b.who == "firm"
            )
            kept_days = min(phase.inspections.lookback_days, scenario.run.steps)
            pending = max(pending, firm_per_year * kept_days / 365)
    extra_events = max(0.0, events - EVENTS_PER_ACTOR_FITTED * n_actors)
    ties_each = scenario.ties.household_size_mean + scenario.ties.friends_per_citizen
    ties = population.citizens * max(0.0, ties_each - TIES_PER_CITIZEN_FITTED)
    sharing = n_actors * SHARING_BYTES_PER_ACTOR if scenario.sharing.enabled else 0
    phases = [phase for phase, _ in phased]
    lending = n_actors * LENDING_BYTES_PER_ACTOR if any(p.lending.enabled for p in phases) else 0
    contagion = 0.0
    if any(p.contagion.enabled for p in phases):
        contagion = population.citizens * (
            CONTAGION_BYTES_PER_CITIZEN + ties_each * CONTAGION_BYTES_PER_TIE
        )
    scores = len(scenario.scores) * n_actors * BYTES_PER_SCORE_PER_ACTOR
    return int(
        draws_per_day * BYTES_PER_DRAW
        + extra_events * BYTES_PER_EVENT
        + ties * BYTES_PER_TIE
        + pending * BYTES_PER_PENDING_INSPECTION
        + scores
        + sharing
        + lending
        + contagion
    )


def _phases(scenario: Scenario) -> list[tuple[Scenario, int]]:
    """The rules in force over a run, each with the days it is in force.

    A scenario without a timeline is one phase; with one, each entry reached starts a
    phase with the scenario as that entry leaves it.
    """
    steps = scenario.run.steps
    if not scenario.timeline:
        return [(scenario, steps)]
    from score_sim.scenario.phases import build_phases

    phases: list[tuple[Scenario, int]] = []
    start, current = 1, scenario
    for phase in build_phases(scenario):
        if phase.day > steps:
            break
        phases.append((current, max(0, phase.day - start)))
        start, current = phase.day, phase.scenario
    phases.append((current, max(0, steps + 1 - start)))
    return phases


SHARING_BYTES_PER_ACTOR = 2 * 11 * 4 + 2
"""Data sharing: an arrival day per actor and kind of restriction (int32), its per-day
temporaries and the bits drawn."""
TIES_PER_CITIZEN_FITTED = 7
"""Family and friend ties per citizen that :data:`BYTES_PER_ACTOR` covers (it was fitted on
rongcheng_city: households of 3, 4 friends)."""
BYTES_PER_TIE = 80
"""One family or friend tie while the tie graph is built: the pair drawn (int64), sorted,
and kept both ways (measured: 49 for households of 20, 64 for 100 friends a citizen)."""
BYTES_PER_PENDING_INSPECTION = 2 * 22
"""One firm violation kept for inspection (its firm, behaviour, day and draw), twice over
while the list is extended."""
BYTES_PER_SCORE_PER_ACTOR = 32
"""A further score of one actor: its value, grade and a day's temporaries (measured: 11)."""
LENDING_BYTES_PER_ACTOR = 112
"""Lending: a borrower's due day, repayment and lawsuit draws, phase, points from loans and
each actor's group and chance of repaying, with their temporaries (measured: about 100)."""
CONTAGION_BYTES_PER_CITIZEN = 32
"""Contagion: a citizen's sex, survival sum and counts of listed relatives (17 bytes), and
a day's temporaries."""
CONTAGION_BYTES_PER_TIE = 64
"""Contagion: one family or friend tie in the graphs per relation, built once (measured:
44 with 5 friends a citizen, 57 with 20)."""
STATED_FACTOR = 4.0
"""The estimate is at most this many times the measured peak of a run (and never below)."""


def estimate_bytes(n_citizens: int, n_firms: int, views: bool = False) -> int:
    """Estimated peak memory of a run with this population, in bytes.

    Args:
        n_citizens: citizens.
        n_firms: firms.
        views: include the Mesa agent views (created when ``model.agents`` is used).
    """
    n = n_citizens + n_firms
    return BASE_BYTES + n * (BYTES_PER_ACTOR + (BYTES_PER_AGENT_VIEW if views else 0))


def available_bytes() -> int | None:
    """Memory available to this process now, in bytes (None when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_population(
    n_citizens: int,
    n_firms: int,
    source: str = "<scenario>",
    views: bool = False,
    extra_bytes: int = 0,
) -> None:
    """Refuse, with an estimate, a population too large for the memory available.

    Args:
        n_citizens: citizens.
        n_firms: firms.
        source: the file named in the message.
        views: whether the Mesa agent views are about to be created too.
        extra_bytes: what the scenario's rates need besides (:func:`activity_bytes`).

    Raises:
        ScenarioError: naming ``population.citizens`` with the estimate and what is free.
    """
    need = extra_bytes + (
        estimate_bytes(n_citizens, n_firms)
        if not views
        else (estimate_bytes(n_citizens, n_firms, views=True) - estimate_bytes(0, 0))
    )
    have = available_bytes()
    if have is not None and need > USABLE_SHARE * have:
        raise ScenarioError.of(
            source,
            None,
            None,
            "population.citizens",
            f"{n_citizens:,} citizens and {n_firms:,} firms"
            + (" at these rates" if extra_bytes else "")
            + " need about "
            f"{need / 2**30:.1f} GiB of memory; this machine has "
            f"{have / 2**30:.1f} GiB available (a run may use "
            f"{USABLE_SHARE:.0%} of it)",
        )


def run_bytes(scenario: Scenario) -> int:
    """Estimated peak memory of one run of ``scenario`` in a process of its own, in bytes."""
    population = scenario.population
    return estimate_bytes(population.citizens, population.firms) + activity_bytes(scenario)


def check_bytes(need: int, source: str, key: str, what: str) -> None:
    """Refuse, with the estimate, work that needs more memory than this machine has free.

    Args:
        need: the estimated peak memory, in bytes.
        source: the file (or option) named in the message.
        key: the key named in the message.
        what: what needs it, in words ("the largest run of this sweep").

    Raises:
        ScenarioError: naming ``key`` with the estimate and what is available.
    """
    have = available_bytes()
    if have is not None and need > USABLE_SHARE * have:
        raise ScenarioError.of(
            source,
            None,
            None,
            key,
            f"{what} needs about {need / 2**30:.1f} GiB of memory; this machine has "
            f"{have / 2**30:.1f} GiB available (a run may use {USABLE_SHARE:.0%} of it)",
        )


def workers_that_fit(per_worker: int, workers: int) -> int:
    """How many of ``workers`` processes, each needing ``per_worker`` bytes, fit in memory.

    At least one: whether one fits is :func:`check_bytes`'s to say.
    """
    have = available_bytes()
    if have is None or per_worker <= 0:
        return workers
    return max(1, min(workers, int(USABLE_SHARE * have // per_worker)))
