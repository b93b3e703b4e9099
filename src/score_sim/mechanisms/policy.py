"""The policy timeline in the day: dated changes of the rules take effect.

Documented (DOMAIN.md): policy shocks happen (Shandong's 2020 suspension of blacklisting,
the 2016 joint-punishment memorandum). A scenario's ``timeline:`` entries are validated
with the scenario (:mod:`score_sim.mechanisms.timeline`); here, at the start of an
entry's day, every mechanism is retuned to the rules the entry leaves in force, while all
state (scores, lists and their entries, restrictions, pending appeals and inspections,
random streams) is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import EventKind
from score_sim.mechanisms.base import Mechanism

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel


class PolicyTimeline(Mechanism):
    """Applies the timeline's entries on their days."""

    name = "timeline"
    title = "policy timeline"
    event_kinds = (EventKind.policy_change,)

    @classmethod
    def build(cls, host: ScoreModel) -> PolicyTimeline | None:
        """A timeline, if the scenario has one."""
        return cls() if host.score_scenario.timeline else None

    def policy(self, day: Day) -> None:
        """Apply the entries due today: one event each, then every mechanism is retuned."""
        host = day.host
        due = [p for p in host.phases[len(host.applied_phases) :] if p.day <= day.day]
        if not due:
            return
        for phase in due:
            host.applied_phases.append(phase)
            # one event per entry; events.csv gives its note and changes
            host.events.record(day.day, np.array([-1]), EventKind.policy_change, source=phase.index)
        host.retune(due[-1].scenario)
        day.rules = host.rules
