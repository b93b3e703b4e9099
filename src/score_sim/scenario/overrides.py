"""Overrides: changing scenario values by key path, from ``--set`` or keyword arguments.

A key path names a value in a scenario: ``score.half_life_days``, ``behaviours.0.points``,
``behaviours[0].points`` or, by an item's name, ``behaviours.traffic_ticket.points``.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any

import yaml
from pydantic import BaseModel

from score_sim.errors import Problem, ScenarioError, argument
from score_sim.scenario.yaml_files import ValueLoader


def _split_key(key: str) -> list[str | int]:
    """Split ``behaviours[2].points`` or ``behaviours.2.points`` into path elements."""
    parts: list[str | int] = []
    for chunk in key.split("."):
        while "[" in chunk and chunk.endswith("]"):
            head, _, rest = chunk.partition("[")
            if head:
                parts.append(head)
            index, _, chunk = rest.partition("]")
            parts.append(int(index) if index.lstrip("-").isdigit() else index)
            if chunk.startswith("["):
                continue
        if chunk:
            parts.append(int(chunk) if chunk.isdigit() else chunk)
    return parts


def path_exists(data: Any, key: str) -> bool:
    """Whether key path ``key`` names a value present in ``data``.

    A mapping whose own keys are key paths (a timeline entry's ``set``) is entered by the
    longest of its keys that the rest of ``key`` begins with:
    ``timeline.1.set.lists.blacklist.enabled`` names the value that entry 1 sets at
    ``lists.blacklist.enabled``.
    """
    try:
        parts = _split_key(key)
    except ValueError:
        return False
    return _walk(data, parts)


def _walk(node: Any, parts: list[str | int]) -> bool:
    """Whether ``parts`` lead from ``node`` to a value (see :func:`path_exists`)."""
    if not parts:
        return True
    part, rest = parts[0], parts[1:]
    if isinstance(node, dict):
        if isinstance(part, str) and part in node and _walk(node[part], rest):
            return True
        # a key that is itself a key path, spelt with dots
        for n in range(len(parts), 1, -1):
            joined = ".".join(str(p) for p in parts[:n])
            if joined in node:
                return _walk(node[joined], parts[n:])
        return False
    if isinstance(node, list):
        if isinstance(part, int):
            return -len(node) <= part < len(node) and _walk(node[part], rest)
        matches = [item for item in node if isinstance(item, dict) and item.get("name") == part]
        return bool(matches) and _walk(matches[0], rest)
    return False


def known_field(model: type[BaseModel], parts: list[str | int]) -> bool:
    """Whether ``parts`` names a field path that the scenario models define."""
    current: Any = model
    for part in parts:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return False
            current = current.model_fields[part].annotation
        else:
            args = getattr(current, "__args__", ())
            inner = [a for a in args if a is not type(None) and a is not Ellipsis]
            if not inner:
                return not isinstance(part, str) or (isinstance(current, type) and current is dict)
            if getattr(current, "__origin__", None) is dict:
                current = inner[-1]
                continue
            if not isinstance(part, int):
                # a tuple of models can be addressed by an item's name
                if any(isinstance(a, type) and issubclass(a, BaseModel) for a in inner):
                    current = inner[0]
                    continue
                return False
            current = inner[0]
    return True


def _fields_at(model: type[BaseModel], parts: list[str | int]) -> list[str] | None:
    """The field names of the section that ``parts`` leads to, or None if it leads to none."""
    current: Any = model
    for part in parts:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
            continue
        args = [a for a in getattr(current, "__args__", ()) if a not in (type(None), Ellipsis)]
        if not args:
            return None
        current = args[-1] if getattr(current, "__origin__", None) is dict else args[0]
    while not (isinstance(current, type) and issubclass(current, BaseModel)):
        args = [a for a in getattr(current, "__args__", ()) if a not in (type(None), Ellipsis)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            current = models[0]
        elif args and getattr(current, "__origin__", None) in (dict, tuple, list):
            current = args[-1] if getattr(current, "__origin__", None) is dict else args[0]
        else:
            return None
    return list(current.model_fields)


def suggest_key(model: type[BaseModel], key: str) -> str | None:
    """The key path the author probably meant, for a key path that names nothing.

    The first element that is not a field of its section is replaced by the closest field
    name there (:func:`difflib.get_close_matches`); the rest of the path is kept when it
    then names something. None when nothing is close.
    """
    try:
        parts = _split_key(key.replace("__", "."))
    except ValueError:
        return None
    for i, part in enumerate(parts):
        if known_field(model, parts[: i + 1]):
            continue
        if not isinstance(part, str):
            return None
        fields = _fields_at(model, parts[:i])
        if not fields:
            return None
        for close in difflib.get_close_matches(part, fields, n=3, cutoff=0.6):
            candidate = [*parts[:i], close, *parts[i + 1 :]]
            if known_field(model, candidate):
                return ".".join(str(p) for p in candidate)
        return None
    return None


def unknown_key_message(model: type[BaseModel], key: str) -> str:
    """The message for a key path that names nothing, with a suggestion when one is close."""
    close = suggest_key(model, key)
    return "no such key in a scenario" + (f" (did you mean {close}?)" if close else "")


def apply_overrides(
    model: type[BaseModel],
    data: dict[str, Any],
    overrides: dict[str, Any],
    labels: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[tuple[tuple[str | int, ...], str]]]:
    """Return a copy of scenario ``data`` with ``overrides`` applied, and the paths set.

    ``model`` is the pydantic model the data is for; a key must name one of its fields.
    ``labels`` names where each override came from (default: the overrides, ``--set`` on
    the command line); each path set is
    returned with its label, so that a problem with its value names that origin.

    Keys are dotted paths (``score.half_life_days``); list items are addressed by index
    (``behaviours.0.points`` or ``behaviours[0].points``) or by their ``name``
    (``behaviours.traffic_ticket.points``). ``a__b`` is accepted for ``a.b`` so that the
    keys can be Python keyword arguments (``mesa.batch_run``). Values are used as given.
    The returned paths use list indices, as validation errors do.

    Raises:
        ScenarioError: when a key names nothing the scenario models define.
    """
    result = copy.deepcopy(data)
    problems = []
    set_paths: list[tuple[tuple[str | int, ...], str]] = []
    for raw_key, value in overrides.items():
        label = (labels or {}).get(raw_key) or argument("overrides")
        key = raw_key.replace("__", ".")
        parts = _split_key(key)
        if not parts or not known_field(model, parts):
            problems.append(Problem(label, None, None, key, unknown_key_message(model, key)))
            continue
        node: Any = result
        resolved: list[str | int] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list) and isinstance(part, str):
                index = next(
                    (
                        j
                        for j, it in enumerate(node)
                        if isinstance(it, dict) and it.get("name") == part
                    ),
                    None,
                )
                if index is None:
                    break
                part = index
            if isinstance(node, dict) and isinstance(part, str):
                if last:
                    node[part] = value
                elif part not in node or node[part] is None:
                    node[part] = [] if isinstance(parts[i + 1], int) else {}
            elif not (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
                break
            elif last:
                node[part] = value
            resolved.append(part)
            if not last:
                node = node[part]
        if len(resolved) == len(parts):
            set_paths.append((tuple(resolved), label))
        else:
            problems.append(Problem(label, None, None, key, "no such item in this scenario to set"))
    if problems:
        raise ScenarioError(problems)
    return result, set_paths


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key.path=value`` from the command line; the value is read as YAML.

    Raises:
        ScenarioError: when there is no ``=`` or the value is not valid YAML.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError.of("--set", None, None, text, "expected key.path=value")
    try:
        value = yaml.load(raw, Loader=ValueLoader) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ScenarioError.of(
            "--set", None, None, key, f"value is not valid YAML: {exc}"
        ) from None
    return key, value
