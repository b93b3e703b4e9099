"""The day as data: which mechanism acts when, in a declared order.

A simulated day is the list :data:`DAY` of steps ``(phase, mechanism, hook)``. The model
builds every mechanism of :data:`MECHANISMS` that its scenario uses, keeps the steps of
those that are switched on (a :class:`Plan`), and each day calls them in order, recording
the CPU time of each (as Starsim's loop does). Adding a mechanism means adding its module,
its entry in :data:`MECHANISMS` and its steps in :data:`DAY`; ``ScoreModel.step`` does not
change.

The order is the regime's own: people act, conduct is found and reported, scores move,
lists take and release people, remedies undo some of it, sanctions follow the lists, and
what sanctions do to people (jobs, perks, harms) is counted last.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from score_sim.mechanisms.behaviour import Behaviours
from score_sim.mechanisms.commitments import CommitmentDesk
from score_sim.mechanisms.contagion import ContagionDesk
from score_sim.mechanisms.deterrence import DeterrenceRule
from score_sim.mechanisms.effects import Feedback
from score_sim.mechanisms.escalation import Ladder
from score_sim.mechanisms.harms import HarmLedger
from score_sim.mechanisms.inspections import InspectionOffice
from score_sim.mechanisms.lending import LendingDesk
from score_sim.mechanisms.lists import ListSet
from score_sim.mechanisms.metrics import DailyMetrics
from score_sim.mechanisms.perks import PerkDesk
from score_sim.mechanisms.policy import PolicyTimeline
from score_sim.mechanisms.remedies import AppealsDesk, CreditRepairDesk, RescueDesk
from score_sim.mechanisms.reporting import Reporting
from score_sim.mechanisms.sanctions import SanctionBook
from score_sim.mechanisms.scoring import Scoring
from score_sim.mechanisms.sharing import SharingNetwork
from score_sim.mechanisms.systems import ScoreSystems
from score_sim.mechanisms.travel import TravelDesk

if TYPE_CHECKING:
    from collections.abc import Callable

    from score_sim.mechanisms.base import Day, Mechanism
    from score_sim.model import ScoreModel

PHASES = ("policy", "behave", "report", "score", "list", "remedy", "sanction", "after")
"""The phases of a day, in order."""

PHASE_TITLES = {
    "policy": "the rules in force today",
    "behave": "people and firms act",
    "report": "conduct is found and reported",
    "score": "scores move",
    "list": "lists take and release actors",
    "remedy": "appeals, repairs and letters undo some of it",
    "sanction": "restrictions follow the lists and grades",
    "after": "what the sanctions do, counted",
}

MECHANISMS: tuple[type[Mechanism], ...] = (
    Behaviours,
    Reporting,
    InspectionOffice,
    ScoreSystems,
    SanctionBook,
    Feedback,
    AppealsDesk,
    DeterrenceRule,
    HarmLedger,
    SharingNetwork,
    Ladder,
    CommitmentDesk,
    RescueDesk,
    CreditRepairDesk,
    PerkDesk,
    TravelDesk,
    LendingDesk,
    ContagionDesk,
    Scoring,
    ListSet,
    PolicyTimeline,
    DailyMetrics,
)
"""Every mechanism, in the order they are built and retuned (a later one may read an
earlier one: inspections read reporting, sanctions the further scores, sharing and the
ladder the sanctions, the daily metrics all of them)."""

COLUMN_ORDER = (
    "daily_metrics",
    "deterrence",
    "sharing",
    "ladder",
    "commitments",
    "rescue",
    "systems",
    "perks",
    "travel_bans",
)
"""The order of the mechanisms' columns in ``timeseries.csv`` (any other's follow)."""


@dataclass(frozen=True)
class Step:
    """One step of the day: in ``phase``, mechanism ``mechanism`` runs its ``hook``."""

    phase: str
    mechanism: str
    hook: str
    what: str
    """What the step does, in human words."""


DAY: tuple[Step, ...] = (
    Step("policy", "timeline", "policy", "apply the timeline's entries due today"),
    Step("behave", "feedback", "behave", "restrictions and grades change misconduct rates"),
    Step("behave", "deterrence", "behave", "visible punishment thins misconduct"),
    Step("behave", "behaviour", "behave", "draw today's conduct"),
    Step("behave", "ladder", "behave", "closed firms do nothing"),
    Step("behave", "harms", "behave", "count misconduct by restriction status"),
    Step("report", "reporting", "report", "records, surveillance and denunciations"),
    Step("report", "ladder", "mark_inspections", "firms on the ladder get random checks"),
    Step("report", "inspections", "report", "inspections find what was not seen"),
    Step("report", "reporting", "report_errors", "false findings, malicious denunciations"),
    Step("report", "ladder", "spare_closed", "nothing is found on a closed firm"),
    Step("report", "reporting", "record_findings", "today's findings become events"),
    Step("score", "scoring", "score", "findings move scores, and spill over"),
    Step("score", "lending", "score", "loans fall due: repaid or defaulted, scores move"),
    Step("score", "systems", "score", "further scores observe today's conduct"),
    Step("score", "scoring", "settle", "scores are bounded and decay"),
    Step("score", "ladder", "score", "firms climb the escalation ladder"),
    Step("list", "lists", "list", "lists expire, release and take actors"),
    Step("list", "lending", "list", "defaulters taken to court enter the defaulter list"),
    Step("list", "contagion", "list", "relatives and friends of the listed may follow them"),
    Step("list", "ladder", "list", "closed firms are blacklisted"),
    Step("list", "commitments", "list", "commitment letters are broken, kept and signed"),
    Step("remedy", "appeals", "remedy", "appeals are filed and decided"),
    Step("remedy", "credit_repair", "remedy", "credit repair removes entries"),
    Step("remedy", "rescue", "remedy", "rescue letters cancel entries"),
    Step("remedy", "scoring", "remedy", "scores are bounded again"),
    Step("sanction", "ladder", "sanction", "the ladder freezes assets"),
    Step("sanction", "sanctions", "sanction", "restrictions follow lists, grades and ties"),
    Step("after", "feedback", "after", "restricted employees may lose their job"),
    Step("after", "perks", "after", "rewards are used by those who qualify"),
    Step("after", "travel_bans", "after", "the banned try to buy tickets and are refused"),
    Step("after", "harms", "after", "harms are counted"),
    Step("after", "lending", "after", "loan applications are decided by score"),
)
"""The day, step by step."""


@dataclass
class PlannedStep:
    """A step of this run's plan: the bound hook, and the CPU time it has taken."""

    step: Step
    hook: Callable[[Day], None]
    cpu_seconds: float = 0.0


class Plan:
    """A run's day: the steps of the mechanisms that are on, in :data:`DAY`'s order."""

    def __init__(self, mechanisms: dict[str, Mechanism]) -> None:
        self.mechanisms = mechanisms
        self.steps = [
            PlannedStep(step, getattr(mechanisms[step.mechanism], step.hook))
            for step in DAY
            if step.mechanism in mechanisms and mechanisms[step.mechanism].in_plan
        ]

    @classmethod
    def build(cls, host: ScoreModel) -> dict[str, Mechanism]:
        """Build every mechanism ``host``'s scenario uses, in :data:`MECHANISMS` order."""
        built: dict[str, Mechanism] = {}
        for kind in MECHANISMS:
            mechanism = kind.build(host)
            if mechanism is not None:
                built[kind.name] = mechanism
                host.mechanisms[kind.name] = mechanism
        return built

    def run(self, day: Day) -> None:
        """Run the day's steps in order, adding each one's CPU time to its total."""
        clock = time.process_time
        started = clock()
        for planned in self.steps:
            planned.hook(day)
            now = clock()
            planned.cpu_seconds += now - started
            started = now

    def columns(self) -> list[str]:
        """Every time-series column, in file order (:data:`COLUMN_ORDER`)."""
        order = [n for n in COLUMN_ORDER if n in self.mechanisms]
        order += [n for n in self.mechanisms if n not in order]
        return [column for name in order for column in self.mechanisms[name].columns()]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds spent so far in each mechanism (all its steps), in plan order."""
        totals: dict[str, float] = {}
        for planned in self.steps:
            name = planned.step.mechanism
            totals[name] = totals.get(name, 0.0) + planned.cpu_seconds
        return totals

    def describe(self) -> str:
        """The day's plan in words: each phase, and the steps of the mechanisms that are on."""
        lines = []
        on = {planned.step for planned in self.steps}
        for phase in PHASES:
            steps = [s for s in DAY if s.phase == phase]
            lines.append(f"{phase}: {PHASE_TITLES[phase]}")
            for step in steps:
                mark = "on " if step in on else "off"
                title = _title(step.mechanism)
                lines.append(f"  [{mark}] {title}: {step.what}")
        return "\n".join(lines)


def _title(name: str) -> str:
    """A mechanism's title in human words, whether or not this run built it."""
    for kind in MECHANISMS:
        if kind.name == name:
            return kind.title
    return name
