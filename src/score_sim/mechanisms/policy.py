"""Policy timeline: dated changes of the rules while the world runs on.

Documented (DOMAIN.md): policy shocks happen. During the 2020 epidemic Shandong suspended
blacklisting for delayed deliveries, deferred payments and overdue contracts; in 2016 the
State Council's joint-punishment memorandum made one listing restrict in many sectors at
once. A scenario's ``timeline:`` holds such changes, each ``{day, set, note}``: from the
start of ``day`` the scenario's values change as ``set`` says, by the key paths of
``--set``.

Rules of the timeline (what users can rely on):

- Every entry is checked when the file is loaded: the scenario with entries 1..k applied
  must itself be a valid scenario; a problem is reported at the entry's own line, with the
  key ``timeline[k].set.<key path>``, before anything runs.
- Entries are in day order; entries on the same day apply in file order (a later one wins
  for a key both set). Day 1 is the first simulated day (day 0 is the starting state).
  Entries after the run's last day are checked but never reached; the summary says which
  entries applied.
- Changes accumulate: an entry changes the scenario as left by the earlier ones.
- Only the rules can change, not the world: population, ties, heterogeneity (who the people
  are), the scale's start and bounds, the harm measures, the run, the evidence ledger, the
  names and kinds of behaviours and lists, and the grade names are refused, with the reason.
  The sections the model re-tunes are listed in
  :data:`score_sim.scenario.phases.RETUNED` (score, behaviours, lists, inspections, errors,
  sanctions, effects, remedies' appeals and credit repair, deterrence); any other section
  is refused until its rule can follow a change.
- ``--set`` changes the scenario from day 0; the timeline's entries then apply on top of
  it (an entry setting the same key wins from its day). ``--set timeline=[]`` removes the
  timeline, e.g. to compare a world with and without it.
- In the model (:class:`score_sim.model.ScoreModel`), at the start of ``day`` every rule
  object is re-tuned to the changed scenario while its state (scores, lists, entries,
  restrictions, pending appeals and inspections, random streams) is kept: twin worlds that
  differ only from day D share everything up to day D-1.
- A list switched off (``lists.X.enabled: false``) stops taking new entries from that day
  (a suspension); entries made before run on under the list's rules until they end
  (expiry, early removal, appeals). A list switched on later starts taking entries then.
  A list's durations changed by an entry apply to the entries already running too (each
  is counted from the entry's start); changed sanctions reach those already listed from
  the entry's day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def describe_changes(changes: dict[str, Any]) -> str:
    """An entry's changes as ``key=value; key=value`` (values as YAML would read them)."""
    import json

    return "; ".join(f"{key}={json.dumps(value)}" for key, value in changes.items())
