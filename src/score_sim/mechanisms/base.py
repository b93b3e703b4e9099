"""The shape every mechanism of the day shares, and the day's context they pass on.

A mechanism is one part of the regime (behaviour, reporting, scoring, lists, sanctions...):

- it is **built** from the model (``build(host)``: the scenario, the world's arrays and
  the mechanism's own random stream, ``host.stream(name)``), or not at all when the
  scenario never uses it (``build`` returns ``None``);
- it is **switched on** by the scenario: ``in_plan`` says whether its hooks run in this
  run (on from the start, or from a timeline entry's day);
- it is **retuned** when a timeline entry changes the rules (``retune(rules)``), keeping its
  state (entries, pending appeals, streams);
- it acts in **hooks**, methods taking today's :class:`Day`, that the day's plan
  (:mod:`score_sim.mechanisms.plan`) calls in a declared order;
- it **declares** the time-series columns it adds (``columns``) with today's values
  (``metrics``), and the kinds of event it records (``event_kinds``).

Mechanisms talk through the world's arrays and the day's context. Where the regime itself
couples two of them (sanctions follow the lists; inspections also visit firms the ladder
marked), the later one reads the earlier one through the host, ``host.<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

    from score_sim.events import EventKind
    from score_sim.mechanisms.behaviour import Occurrences
    from score_sim.mechanisms.reporting import Findings
    from score_sim.model import ScoreModel
    from score_sim.scenario import Scenario


class Mechanism:
    """One part of the regime's day (see the module docstring for the protocol).

    Subclasses set ``name`` (the model attribute it is reached by, ``model.<name>``) and
    ``title`` (human words, for the printed plan), and define the hooks the plan names.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    event_kinds: ClassVar[tuple[EventKind, ...]] = ()
    """The kinds of event this mechanism records in ``events.csv``."""

    @classmethod
    def build(cls, host: ScoreModel) -> Mechanism | None:
        """Build the mechanism for ``host``'s scenario, or ``None`` when it is never used."""
        raise NotImplementedError(f"{cls.__name__} must say how it is built")

    @property
    def in_plan(self) -> bool:
        """Whether the mechanism's hooks run in this run (on in some phase of it)."""
        return True

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Take the parameters of ``rules`` (a timeline entry's), keeping all state."""

    def columns(self) -> list[str]:
        """The time-series columns this mechanism adds, in file order."""
        return []

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's value of each of :meth:`columns`."""
        return {}


@dataclass
class Day:
    """What the mechanisms of one day hand on to each other.

    Filled in as the day goes: the behave phase sets the occurrences, the report phase the
    findings, the score phase who received points; the arrays of the world carry the rest.
    """

    host: ScoreModel
    day: int
    rules: Scenario
    multiplier_of: Callable[[np.ndarray], np.ndarray] | None = None
    """Today's factor on each actor's misconduct rates (feedback, deterrence), if any."""
    max_multiplier: float = 1.0
    occurrences: Occurrences | None = None
    closed: np.ndarray | None = None
    """Firms closed by the escalation ladder (they neither act nor are found)."""
    found: Findings | None = None
    unseen: Occurrences | None = None
    inspected: Findings | None = None
    extra_inspections: np.ndarray | None = None
    """Firms that a mechanism other than sanctions marks for extra inspections today."""
    findings: Findings | None = None
    delta: np.ndarray | None = None
    receivers: np.ndarray | None = None
    """Actors whose score moved today other than by a finding of their own."""
    restricted_after: np.ndarray | None = None
    """Who is under a restriction after today's sanctions."""

    @cached_property
    def restricted(self) -> np.ndarray:
        """Who is under a restriction as the day starts (yesterday's sanctions)."""
        return self.host.sanctions.restrictions != 0
