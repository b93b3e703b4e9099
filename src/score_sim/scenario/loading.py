"""Loading a scenario: from a file, a bundled name or plain data, with overrides applied.

A scenario is a YAML file read with ``yaml.safe_load`` semantics (see
:mod:`score_sim.scenario.yaml_files`) and validated by the models of this package. Unknown
keys are refused, and every problem is reported at once with its file, line and column (or
with the override that caused it). ``--seed``, ``--steps``, ``--citizens`` and ``--firms``
are shorthands for key paths (:data:`SHORTHAND_KEYS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from score_sim.errors import ScenarioError, argument
from score_sim.scenario.bundled import resolve_scenario_path
from score_sim.scenario.messages import _located, _problems_from
from score_sim.scenario.overrides import apply_overrides, path_exists
from score_sim.scenario.phases import build_phases
from score_sim.scenario.scenario import Scenario
from score_sim.scenario.yaml_files import LocationMap, read_yaml
from score_sim.text_safety import control_problems


def scenario_from_data(
    data: Any,
    file: str = "<scenario>",
    locations: LocationMap | None = None,
    overrides: dict[str, Any] | None = None,
    override_labels: dict[str, str] | None = None,
) -> Scenario:
    """Validate plain data (as read from YAML), with optional overrides, into a Scenario.

    Args:
        data: the scenario as plain data.
        file: the file named in problems.
        locations: where each key stands in the file.
        overrides: ``{"key.path": value}`` changes applied before validation.
        override_labels: what to call the origin of an override in a problem, by key
            (default ``--set``): ``--set-both``, ``--seed``, an argument's name.

    Raises:
        ScenarioError: listing every problem with its location. Problems with an
            overridden value are attributed to the override, not to the file.
    """
    if not isinstance(data, dict):
        raise ScenarioError.of(file, 1, 1, "", "a scenario must be a mapping of keys")
    set_paths: list[tuple[tuple[str | int, ...], str]] = []
    if overrides:
        original = data
        data, set_paths = apply_overrides(Scenario, data, overrides, override_labels)
        data = _without_removed_citations(original, data)
    if unsafe := [_located(*pair, file, locations, set_paths) for pair in control_problems(data)]:
        raise ScenarioError(sorted(unsafe, key=lambda p: (p.line or 0, p.col or 0)))
    try:
        scenario = Scenario.model_validate(data, context={"located_checks": True})
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, file, locations, set_paths, Scenario)) from None
    problems = [
        _located(loc, message, file, locations, set_paths)
        for loc, message in scenario.cross_check()
    ]
    if problems:
        raise ScenarioError(problems)
    if scenario.timeline:
        label = next((lab for path, lab in set_paths if path[:1] == ("timeline",)), None)
        build_phases(scenario, file, locations, label)
    return scenario


def _without_removed_citations(original: dict[str, Any], changed: dict[str, Any]) -> dict[str, Any]:
    """``changed`` without the citations of values that overrides took away.

    A file's own citations are checked as written; a value an override removes (a
    timeline emptied with ``--set "timeline=[]"``, a list replaced) is no longer there to
    cite, so its citation goes with it instead of becoming an error.
    """
    sources = changed.get("sources")
    if not isinstance(sources, dict):
        return changed
    gone = {
        key
        for key in sources
        if isinstance(key, str) and path_exists(original, key) and not path_exists(changed, key)
    }
    if not gone:
        return changed
    return {**changed, "sources": {k: v for k, v in sources.items() if k not in gone}}


def load_scenario(
    name_or_path: str | Path,
    overrides: dict[str, Any] | None = None,
    override_labels: dict[str, str] | None = None,
) -> Scenario:
    """Load, override and validate a scenario file or a bundled scenario by name.

    Args:
        name_or_path: a path to a YAML file, or the name of a bundled scenario
            (see ``score-sim list``).
        overrides: optional ``{"key.path": value}`` changes applied before validation.
        override_labels: the origin of each override named in problems (default ``--set``).

    Raises:
        ScenarioError: every problem found, each with file, line, column and key.
    """
    path = resolve_scenario_path(name_or_path)
    data, locations = read_yaml(path)
    return scenario_from_data(data, str(path), locations, overrides, override_labels)


SHORTHAND_KEYS = {
    "seed": "run.seed",
    "steps": "run.steps",
    "citizens": "population.citizens",
    "firms": "population.firms",
}
"""The shorthands of run and compare: argument name -> the key path it sets."""


def resolve_scenario(
    scenario: Scenario | str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    steps: int | None = None,
    citizens: int | None = None,
    firms: int | None = None,
    override_labels: dict[str, str] | None = None,
) -> Scenario:
    """A validated scenario from a Scenario, a file or a bundled name, with changes applied.

    Args:
        scenario: a Scenario, a path to a YAML file or a bundled scenario's name.
        overrides: ``{"key.path": value}`` changes.
        seed: shorthand for ``run.seed``.
        steps: shorthand for ``run.steps``.
        citizens: shorthand for ``population.citizens``.
        firms: shorthand for ``population.firms``.
        override_labels: the origin of each override named in problems (default
            ``--set``); shorthands are named after their options (``--seed``...).

    Raises:
        ScenarioError: every problem, located.
    """
    changes = dict(overrides or {})
    labels = dict(override_labels or {})
    given = {"seed": seed, "steps": steps, "citizens": citizens, "firms": firms}
    for name, value in given.items():
        if value is not None:
            changes[SHORTHAND_KEYS[name]] = value
            labels.setdefault(SHORTHAND_KEYS[name], argument(name))
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, changes, labels)
    if not changes:
        return scenario
    return scenario_from_data(scenario.to_data(), scenario.name, None, changes, labels)
