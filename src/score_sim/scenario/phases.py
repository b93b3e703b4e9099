"""A timeline's phases: the scenario in force after each dated change, checked on load.

:func:`build_phases` applies a scenario's timeline entry by entry. It refuses changes to
what cannot change during a run (the world, the names that label the outputs, sections
whose rules the model cannot re-tune), and checks each changed scenario as a whole, with
every problem at the entry's own key and line. The loader calls it to check a file; the
model calls it for the rules in force from each entry's day. The rules a timeline follows
are set out in :mod:`score_sim.mechanisms.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from score_sim.errors import Problem, ScenarioError, format_key
from score_sim.scenario.messages import _plain_message, _without_union_tags
from score_sim.scenario.overrides import (
    _split_key,
    apply_overrides,
    known_field,
    unknown_key_message,
)
from score_sim.scenario.scenario import Scenario
from score_sim.scenario.yaml_files import LocationMap

FIXED_SECTIONS: dict[str, str] = {
    "name": "the scenario's name names its outputs",
    "description": "the description is text about the scenario, not a rule",
    "sources": "the evidence ledger describes the scenario as written",
    "targets": "calibration targets are measured over the whole run",
    "population": "the world's people are fixed when it is built",
    "ties": "families, friends, staff and branches are drawn when the world is built",
    "heterogeneity": "who the people are (their propensities) is drawn before day 1",
    "harm_metrics": "the measures of harm must stay the same over the run",
    "run": "the run's length and seed are not rules of the regime",
    "timeline": "a timeline cannot change itself",
}
"""Top-level sections a timeline entry may not change, with the reason."""


FIXED_KEYS: dict[tuple[str, ...], str] = {
    ("score", "initial"): "everyone starts with the initial score on day 0",
    ("score", "lower"): "the scale's bounds set the measures of harm (near the floor) and the "
    "figures",
    ("score", "upper"): "the scale's bounds set the measures of harm and the figures",
    ("contagion", "women_share"): "who is a woman is drawn when the world is built",
}
"""Keys a timeline entry may not change, with the reason."""


@dataclass(frozen=True)
class Phase:
    """The rules in force from one timeline entry's day on."""

    index: int
    """The entry's position in ``timeline`` (0-based)."""
    day: int
    note: str
    changes: dict[str, Any]
    scenario: Any
    """The scenario with this entry and every earlier one applied (its timeline empty)."""


RETUNED: dict[str, tuple[str, ...] | None] = {
    "score": None,
    "behaviours": None,
    "lists": None,
    "inspections": None,
    "errors": None,
    "sanctions": None,
    "effects": None,
    "remedies": ("appeals", "credit_repair"),
    "deterrence": None,
    "lending": None,
    "contagion": None,
}
"""Sections whose rules the model re-tunes mid-run (and, where given, the only parts of
them it does); a section a later mechanism adds is refused until its rule can follow a
change (see ``ScoreModel._apply_timeline``)."""


def _refusal(parts: list[str | int]) -> str | None:
    head = parts[0] if parts else None
    if isinstance(head, str) and head in FIXED_SECTIONS:
        return f"cannot change during a run: {FIXED_SECTIONS[head]}"
    if isinstance(head, str) and head not in RETUNED:
        return f"cannot change during a run: the rules of {head} are fixed when the world is built"
    parts_allowed = RETUNED.get(str(head))
    if parts_allowed is not None and (len(parts) < 2 or parts[1] not in parts_allowed):
        return (
            f"cannot change during a run: only {', '.join(f'{head}.{p}' for p in parts_allowed)} "
            "can"
        )
    for key, reason in FIXED_KEYS.items():
        if tuple(parts[: len(key)]) == key:
            return f"cannot change during a run: {reason}"
    if parts and parts[-1] in ("name", "who", "sector") and head == "behaviours":
        return "cannot change during a run: a behaviour's name, kind and sector are fixed"
    if len(parts) >= 3 and head == "lists" and parts[2] in ("type", "who"):
        return "cannot change during a run: a list's type and who it covers are fixed"
    if len(parts) >= 3 and head == "lists" and parts[2] == "initially_listed_share":
        return "cannot change during a run: who is on a list at the start is drawn on day 0"
    return None


def _structure_problems(base: Any, phase: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """What differs in the world's structure between the base and a phase (key, reason)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for section in ("population", "ties", "heterogeneity", "harm_metrics", "run"):
        if getattr(base, section) != getattr(phase, section):
            problems.append(((section,), f"cannot change during a run: {FIXED_SECTIONS[section]}"))
    for key in ("initial", "lower", "upper"):
        if getattr(base.score, key) != getattr(phase.score, key):
            reason = FIXED_KEYS[("score", key)]
            problems.append((("score", key), f"cannot change during a run: {reason}"))
    if [g.name for g in base.score.grades] != [g.name for g in phase.score.grades]:
        problems.append(
            (
                ("score", "grades"),
                "grade names cannot change during a run (they name the time-series "
                "columns): change only their `min`",
            )
        )
    before = [(b.name, b.who, b.sector) for b in base.behaviours]
    after = [(b.name, b.who, b.sector) for b in phase.behaviours]
    if before != after:
        problems.append(
            (
                ("behaviours",),
                "behaviours cannot be added, removed, renamed or moved to another kind "
                "during a run (each has its own random stream): change their values",
            )
        )
    else:
        for i, (b, p) in enumerate(zip(base.behaviours, phase.behaviours, strict=True)):
            if (b.points < 0) != (p.points < 0):
                problems.append(
                    (
                        ("behaviours", i, "points"),
                        "a behaviour cannot turn between misconduct (negative points) and "
                        "a rewarded one during a run",
                    )
                )
    if list(base.lists) != list(phase.lists):
        problems.append(
            (
                ("lists",),
                "lists cannot be added or removed during a run: switch one on or "
                "off with `lists.<name>.enabled`",
            )
        )
    else:
        for name in base.lists:
            if base.list_type(name) is not phase.list_type(name):
                problems.append(((("lists", name, "type")), "a list's type is fixed"))
            if base.lists[name].who != phase.lists[name].who:
                problems.append(((("lists", name, "who")), "who a list covers is fixed"))
    return problems


def _attribute(
    loc: tuple[str | int, ...],
    message: str,
    k: int,
    paths: dict[tuple[str | int, ...], str],
) -> tuple[tuple[str | int, ...], str, str]:
    """Where a problem of entry ``k``'s changed scenario belongs: (file location, key, message).

    A problem at or inside a key the entry sets is that key's; a check of the section
    holding it (a list's durations) is too; anything else is the entry's ``set``.
    """
    where = f"timeline[{k}]"
    for path, key in paths.items():
        if loc[: len(path)] == path:
            rest = format_key(loc[len(path) :])
            suffix = ("" if rest.startswith("[") else ".") + rest if rest else ""
            return ("timeline", k, "set", key), f"{where}.set.{key}{suffix}", message
    for path, key in paths.items():
        if loc and path[: len(loc)] == loc:
            return ("timeline", k, "set", key), f"{where}.set.{key}", message
    return ("timeline", k, "set"), f"{where}.set", f"with this change, {format_key(loc)}: {message}"


def _entry_line(locations: LocationMap | None, loc: tuple[str | int, ...]) -> tuple[Any, Any]:
    return locations.locate(loc) if locations is not None else (None, None)


def build_phases(
    scenario: Any,
    file: str = "<scenario>",
    locations: LocationMap | None = None,
    label: str | None = None,
) -> list[Phase]:
    """The scenario in force after each timeline entry, checked entry by entry.

    Args:
        scenario: a validated scenario with a timeline.
        file: the file named in problems.
        locations: where each key stands in the file.
        label: when the timeline itself came from an override (``--set timeline=...``),
            the name of that override, named in problems instead of the file.

    Raises:
        ScenarioError: every problem of every entry, at the entry's key and line.
    """
    problems: list[Problem] = []

    def problem(loc: tuple[str | int, ...], key: str, message: str) -> None:
        if label is not None:
            problems.append(Problem(label, None, None, key, message))
        else:
            line, col = _entry_line(locations, loc)
            problems.append(Problem(file, line, col, key, message))

    # each phase is a scenario without a timeline: its sources for the timeline go too
    sources = {k: v for k, v in scenario.sources.items() if k.split(".")[0] != "timeline"}
    base = scenario.model_copy(update={"timeline": (), "sources": sources})
    data = base.to_data()
    phases: list[Phase] = []
    last_day = 0
    for k, entry in enumerate(scenario.timeline):
        where = f"timeline[{k}]"
        if entry.day < last_day:
            problem(
                ("timeline", k, "day"),
                f"{where}.day",
                f"entries must be in day order: day {entry.day} comes after day {last_day} "
                "(entries on the same day apply in file order)",
            )
        last_day = max(last_day, entry.day)
        allowed: dict[str, Any] = {}
        for key, value in entry.set.items():
            parts = _split_key(key.replace("__", "."))
            refusal = _refusal(parts)
            if refusal is None and not (parts and known_field(Scenario, parts)):
                refusal = unknown_key_message(Scenario, key)
            if refusal is not None:
                problem(("timeline", k, "set", key), f"{where}.set.{key}", refusal)
            else:
                allowed[key] = value
        if not allowed:
            continue
        changed = data
        paths: dict[tuple[str | int, ...], str] = {}
        for key, value in list(allowed.items()):
            try:
                changed, set_paths = apply_overrides(Scenario, changed, {key: value})
            except ScenarioError as exc:
                for p in exc.problems:
                    problem(("timeline", k, "set", key), f"{where}.set.{key}", p.message)
                del allowed[key]
                continue
            paths[set_paths[0][0]] = key
        if not paths:
            continue

        try:
            phase = Scenario.model_validate(changed, context={"located_checks": True})
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc = _without_union_tags(error)
                if loc is not None:
                    problem(*_attribute(loc, _plain_message(error), k, paths))
            continue
        found = phase.cross_check() + _structure_problems(base, phase)
        for loc, message in found:
            problem(*_attribute(loc, message, k, paths))
        if found or len(allowed) < len(entry.set):
            continue
        data = changed
        phases.append(Phase(k, entry.day, entry.note, dict(entry.set), phase))
    if problems:
        raise ScenarioError(problems)
    return phases
