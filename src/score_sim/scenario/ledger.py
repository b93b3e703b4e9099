"""The evidence ledger: every number of a scenario with its level of evidence.

score-sim promises that every number is either founded or labelled an assumption. Each
number (a numeric value at a key path, such as ``behaviours.traffic_ticket.points``) has one
of four levels (:class:`score_sim.scenario.Level`): *documented* (its own key path is cited
in ``sources:``), *derived* (computed from documented numbers; the entry gives the
derivation), *calibrated* (tuned to reproduce a documented aggregate, a target of the
scenario) or *assumption* (everything else). A source given for a whole section does not
document the numbers inside it: only a number's own key path counts.

``score-sim explain``, ``manifest.json``, figure captions and the headlines read the ledger
from here, so they always agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from score_sim.scenario.evidence import Level
from score_sim.scenario.scenario import Scenario
from score_sim.scenario.systems import DEFAULT_SYSTEM

SKIPPED_SECTIONS = ("name", "description", "sources", "targets", "run")
"""Top-level keys whose numbers are not claims about the regime (the run's seed and days,
targets, which carry their own source)."""


def numbers(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every numeric leaf of scenario data as ``(key path, value)``; list items by name.

    Sections switched off (``enabled: false``) are left out: their numbers play no part.
    """
    if isinstance(data, dict):
        if data.get("enabled") is False:
            return
        for key, value in data.items():
            yield from numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            label = item.get("name", index) if isinstance(item, dict) else index
            yield from numbers(item, f"{prefix}.{label}")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield prefix, data


@dataclass(frozen=True)
class LedgerRow:
    """One number of a scenario and its evidence."""

    key: str
    value: float
    level: Level
    source: str
    target: str | tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the manifest)."""
        row: dict[str, Any] = {
            "key": self.key,
            "value": self.value,
            "level": self.level.value,
            "source": self.source,
        }
        if self.target is not None:
            row["target"] = self.target if isinstance(self.target, str) else list(self.target)
        return row


def ledger(scenario: Scenario) -> list[LedgerRow]:
    """Every number of the scenario that plays a part, with its level, in file order."""
    rows = []
    for key, value in numbers(scenario.to_data()):
        if key.split(".")[0] in SKIPPED_SECTIONS:
            continue
        evidence = scenario.evidence_of(key)
        rows.append(LedgerRow(key, value, evidence.level, evidence.source, evidence.target))
    return rows


def level_counts(rows: list[LedgerRow]) -> dict[str, int]:
    """How many numbers are at each level (every level present, in ledger order)."""
    counts = {level.value: 0 for level in Level}
    for row in rows:
        counts[row.level.value] += 1
    return counts


def cited_choices(scenario: Scenario) -> list[tuple[str, str]]:
    """Cited keys that are not numbers (a design, a set of restrictions, a section)."""
    keys = {row.key for row in ledger(scenario)}
    return [(key, scenario.evidence_of(key).source) for key in scenario.sources if key not in keys]


def manifest_entry(scenario: Scenario) -> dict[str, Any]:
    """The ledger as recorded in ``manifest.json``: counts per level and every number."""
    rows = ledger(scenario)
    return {"counts": level_counts(rows), "numbers": [row.as_dict() for row in rows]}


def idle_default_score(scenario: Scenario) -> bool:
    """Whether nothing moves the default score, so that it is not the scenario's point.

    Every scenario carries the default (municipal-style) score; a scenario about a
    private score (sesame_credit, tencent_credit) keeps it at its start: no behaviour
    gives it points, no further score feeds it, no fine is taken from it, and no
    timeline entry changes that. Its numbers, cited or not, then describe a score the
    scenario does not use.
    """
    if scenario.population.citizens + scenario.population.firms == 0:
        return False
    if any(b.points != 0 for b in scenario.behaviours):
        return False
    if any(s.feeds.into == DEFAULT_SYSTEM and s.feeds.share != 0 for s in scenario.scores.values()):
        return False
    escalation = scenario.corporate.escalation
    if escalation.enabled and escalation.punishment_points != 0:
        return False
    changed = (key for entry in scenario.timeline for key in entry.set)
    return not any(
        k.endswith(".points") or ".feeds" in k or k.startswith("corporate") for k in changed
    )


def idle_default_score_keys(scenario: Scenario) -> list[str]:
    """Key paths of the default score's numbers when nothing moves it (else none)."""
    if not idle_default_score(scenario):
        return []
    return [row.key for row in ledger(scenario) if row.key.split(".")[0] == "score"]


def assumption_keys(scenario: Scenario, rows: list[LedgerRow] | None = None) -> set[str]:
    """Key paths of the numbers that are assumptions or calibrated (not documented).

    Args:
        scenario: the scenario.
        rows: its ledger, if already at hand (default: read it).
    """
    rows = ledger(scenario) if rows is None else rows
    return {row.key for row in rows if row.level in (Level.assumption, Level.calibrated)}
