"""A tab's run in its address, so that a reload of the page restores it; and its download.

The address's query string says how the run was made: the scenario, population, days and
seed, the rules as set at day 0, the lesson or the twin world's rule, each rule change made
from a day on, and the day reached. Nothing else is kept anywhere: a reload builds the run
again from these and simulates the same days with the same seed, which gives the same
city (same seed, same bytes out).

The address comes from a browser, so it is trusted no more than a control: every value goes
through the same checks as the page's controls (:func:`~score_sim.app.controls.check_settings`,
:func:`~score_sim.app.offer.checked_rule_value`, the offered lessons), and an address that
does not pass them starts a fresh run with a sentence saying why.

:func:`run_archive` builds the download, on the server, from the tab's own run: the CSV
tables, summary, figures and manifest that ``score-sim run`` writes, for world A and (with
twin worlds) world B, in one ZIP file.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from score_sim.app.controls import MAX_DAYS, Settings, rule_controls
from score_sim.app.lessons import LESSONS
from score_sim.app.offer import checked_rule_value
from score_sim.app.session import Session
from score_sim.errors import ScenarioError

MAX_ADDRESS_LENGTH = 4000
"""Longest query string read back (a run with many changes fits well within it)."""
MAX_CHANGES = 50
"""Most rule changes from a day on that an address may restore."""
MAX_DOWNLOAD_ACTORS = 300_000
"""Largest city whose run can be downloaded (its tables are built in memory)."""


def _rules(rules: Mapping[str, Any]) -> str:
    return json.dumps(dict(rules), separators=(",", ":"), sort_keys=True)


def address_of(session: Session) -> str:
    """The query string (without ``?``) that restores ``session``'s run after a reload."""
    start = session.start_settings
    fields: dict[str, str] = {"scenario": start.scenario}
    for name in ("citizens", "firms", "days", "seed"):
        if getattr(start, name):
            fields[name] = getattr(start, name)
    if start.rules:
        fields["rules"] = _rules(start.rules)
    if session.lesson is not None:
        fields["lesson"] = str(session.lesson.number)
    elif session.change is not None:
        fields["twin"] = session.change.control.key
        fields["twin_value"] = json.dumps(session.change.value)
    if session.changes:
        fields["changes"] = json.dumps(
            [[day, rules] for day, rules in session.changes], separators=(",", ":")
        )
    fields["day"] = str(session.day)
    return urlencode(fields)


class RestoreError(Exception):
    """Why an address cannot restore a run, in a sentence."""


def _one(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    if values is None:
        return None
    if len(values) != 1:
        raise RestoreError(f"the address gives {key} more than once")
    return values[0]


def _whole(text: str | None, what: str, high: int) -> int:
    if text is None or not text.isdigit() or int(text) > high:
        raise RestoreError(f"the address's {what} is not a whole number from 0 to {high:,}")
    return int(text)


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise RestoreError(f"the address's {what} cannot be read") from None


def _checked_rules(session: Session, rules: Any) -> dict[str, Any]:
    if not isinstance(rules, dict):
        raise RestoreError("the address's rules cannot be read")
    controls = {c.key: c for c in rule_controls(session.scenario)}
    checked = {}
    for key, value in rules.items():
        control = controls.get(key)
        if control is None:
            raise RestoreError("the address names a rule this scenario does not offer")
        good, problem = checked_rule_value(control, value, None)
        if problem is not None:
            raise RestoreError(problem)
        checked[key] = good
    return checked


def restore(search: str | None, make: Any = Session) -> tuple[Session | None, str]:
    """The run an address describes, built again and stepped to its day.

    Args:
        search: the query string (without ``?``), as the browser sent it.
        make: builds a session from settings (``Session``; tests pass a smaller one).

    Returns:
        ``(session, "")``; ``(None, "")`` when the address describes no run; or
        ``(None, why)`` when it cannot be restored.
    """
    if not search or "scenario=" not in search:
        return None, ""
    try:
        return _restore(search, make), ""
    except RestoreError as error:
        return None, f"The run in the address could not be restored ({error}); a new one started."


def _restore(search: str, make: Any) -> Session:
    if len(search) > MAX_ADDRESS_LENGTH:
        raise RestoreError("the address is too long")
    query = parse_qs(search, keep_blank_values=True, max_num_fields=20)
    scenario = _one(query, "scenario") or ""
    texts = {name: _one(query, name) or "" for name in ("citizens", "firms", "days", "seed")}
    settings = Settings(scenario=scenario, **texts)
    try:
        session = make(settings)
    except ScenarioError as error:
        raise RestoreError("; ".join(p.message for p in error.problems)) from None
    if session.freed:
        raise RestoreError(session.notice)
    rules_text = _one(query, "rules")
    if rules_text is not None:
        rules = _checked_rules(session, _json(rules_text, "rules"))
        settings = Settings(scenario=scenario, **texts, rules=rules)
        if messages := session.apply(settings):
            raise RestoreError("; ".join(messages.values()))
    lesson_text = _one(query, "lesson")
    twin_key = _one(query, "twin")
    if lesson_text is not None:
        number = _whole(lesson_text, "lesson", len(LESSONS))
        lesson = next((x for x in LESSONS if x.number == number), None)
        if lesson is None or lesson.scenario != scenario:
            raise RestoreError("the address's lesson does not match its scenario")
        if messages := session.start_lesson(lesson):
            raise RestoreError("; ".join(messages.values()))
        if session.settings != settings:  # the lesson keeps the address's own settings
            session.apply(settings)
    elif twin_key is not None:
        control = next((c for c in session.controls() if c.key == twin_key), None)
        if control is None:
            raise RestoreError("the address's twin world changes a rule not offered")
        value, problem = checked_rule_value(
            control, _json(_one(query, "twin_value") or "", "twin world"), None
        )
        if problem is not None:
            raise RestoreError(problem)
        if messages := session.start_twin(control, value):
            raise RestoreError("; ".join(messages.values()))
    day = _whole(_one(query, "day"), "day", MAX_DAYS)
    changes_text = _one(query, "changes")
    changes = _json(changes_text, "rule changes") if changes_text is not None else []
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        raise RestoreError("the address's rule changes cannot be read")
    for change in changes:
        if not (isinstance(change, list) and len(change) == 2 and isinstance(change[0], int)):
            raise RestoreError("the address's rule changes cannot be read")
        when = change[0]
        if not session.day < when <= min(day, session.last_day) + 1:
            raise RestoreError("the address's rule changes are not in order of their days")
        session.step(when - 1 - session.day)
        rules = _checked_rules(session, change[1])
        if messages := session.change_from_today(Settings(scenario=scenario, **texts, rules=rules)):
            raise RestoreError("; ".join(messages.values()))
    session.step(min(day, session.last_day) - session.day)
    return session


def run_archive(session: Session) -> bytes:
    """The tab's run so far as one ZIP: tables, summary, figures and manifest per world.

    Built on the server from the tab's own cities; nothing the browser sends is used.

    Raises:
        ScenarioError: the tab holds no city, or one too large to download.
    """
    from score_sim.outputs.files import write_run_outputs

    with session.lock:
        model, twin = session.model, session.twin
        if model is None:
            raise ScenarioError.of("download", None, None, "", session.notice or "no city")
        scenario = session.scenario
        if scenario.population.citizens + scenario.population.firms > MAX_DOWNLOAD_ACTORS:
            raise ScenarioError.of(
                "download",
                None,
                None,
                "",
                f"a city of more than {MAX_DOWNLOAD_ACTORS:,} people and firms is too large "
                "to download from the page; run it with score-sim run instead",
            )
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="score-sim-download-") as folder:
            worlds = [("world_A", model)] + ([("world_B", twin)] if twin is not None else [])
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, world in worlds:
                    target = Path(folder) / name
                    target.mkdir()
                    files, _ = write_run_outputs(
                        world,
                        target,
                        manifest={"day_reached": world.steps, "from": "score-sim app"},
                    )
                    for file in sorted(files):
                        archive.write(file, f"{name}/{file.relative_to(target).as_posix()}")
                about = f"Day {model.steps} of {session.last_day}. " + (
                    f"World B: {session.change.describe()}.\n" if session.change else "\n"
                )
                archive.writestr("README.txt", about)
    return buffer.getvalue()


def archive_name(session: Session) -> str:
    """The download's file name: the scenario and the day reached."""
    return f"score-sim-{session.scenario.name}-day-{session.day}.zip"
