"""Validation problems in the words of a scenario's author, each at its line or its override.

Pydantic's errors are reworded (``must be a number, not text 'ten'``), rid of the tags of
union branches, and located: at the line and column of the key in the file, or at the
``--set`` option (or argument) that gave the value.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from score_sim.errors import Problem, format_key
from score_sim.scenario.yaml_files import LocationMap


def _kind_of(value: Any) -> str:
    """How a YAML value reads to its author, for messages."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"text {value!r}" if len(value) <= 40 else "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, float) and value.is_integer():
        return f"{value!r}"
    return repr(value) if isinstance(value, int | float) else type(value).__name__


_PLAIN_MESSAGES = {
    "extra_forbidden": "unknown key (not allowed here)",
    "missing": "required key is missing",
    "finite_number": "must be a finite number (not .nan or .inf)",
    "float_type": "must be a number, not {kind}",
    "float_parsing": "must be a number, not {kind}",
    "int_type": "must be a whole number, not {kind}",
    "int_parsing": "must be a whole number, not {kind}",
    "int_from_float": "must be a whole number, not {kind}",
    "bool_type": "must be true or false, not {kind}",
    "bool_parsing": "must be true or false, not {kind}",
    "string_type": "must be text, not {kind}",
    "dict_type": "must be a mapping of keys, not {kind}",
    "model_type": "must be a mapping of keys, not {kind}",
    "model_attributes_type": "must be a mapping of keys, not {kind}",
    "tuple_type": "must be a list, not {kind}",
    "list_type": "must be a list, not {kind}",
    "less_than_equal": "must be at most {le}, not {kind}",
    "less_than": "must be below {lt}, not {kind}",
    "greater_than_equal": "must be at least {ge}, not {kind}",
    "greater_than": "must be above {gt}, not {kind}",
    "too_long": "is too long (at most {max_length} {what})",
    "too_short": "is too short (at least {min_length} {what})",
}


def _number_text(value: Any) -> Any:
    """A limit as its author would write it: 10,000 and -1,000,000, not 10000.0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15):
        return f"{value:g}"
    return f"{int(value):,}"


def _plain_message(error: Any) -> str:
    """A validation error in the words of a scenario's author, not of pydantic."""
    template = _PLAIN_MESSAGES.get(error["type"])
    if template is None:
        return error["msg"].removeprefix("Value error, ")
    ctx = {key: _number_text(value) for key, value in (error.get("ctx") or {}).items()}
    value = error.get("input")
    what = "characters" if isinstance(value, str) else "items"
    return template.format(kind=_kind_of(value), what=what, **ctx)


_UNION_MODELS = ("Evidence", "RestrictionsByKind")


def _without_union_tags(error: Any) -> tuple[str | int, ...] | None:
    """An error's key path without pydantic's union-branch tags, or None to skip it.

    A value that may be a text or a mapping (``sources``), or a list or a mapping
    (restriction sets), is checked against each branch; only the branch of the input's
    own shape explains what is wrong with it.
    """
    raw = tuple(error["loc"])
    loc: list[str | int] = []
    for i, element in enumerate(raw):
        if not isinstance(element, str):
            loc.append(element)
            continue
        model_tag = any(m == element or f", {m}]" in element for m in _UNION_MODELS)
        plain_tag = element == "str" or element.startswith("tuple[")
        if not (model_tag or plain_tag):
            loc.append(element)
            continue
        if i == len(raw) - 1:  # an error about the value's shape itself
            is_mapping = isinstance(error.get("input"), dict)
            if (plain_tag and is_mapping) or (model_tag and not is_mapping):
                return None
    return tuple(loc)


def _located(
    loc: tuple[str | int, ...],
    message: str,
    file: str,
    locations: LocationMap | None,
    set_paths: list[tuple[tuple[str | int, ...], str]],
) -> Problem:
    """A problem at ``loc``: of the override that set it, else at its line in the file."""
    for path, label in set_paths:
        if loc[: len(path)] == path:
            return Problem(label, None, None, format_key(loc), message)
    line, col = locations.locate(loc) if locations is not None else (None, None)
    return Problem(file, line, col, format_key(loc), message)


def _problems_from(
    exc: ValidationError,
    file: str,
    locations: LocationMap | None,
    set_paths: list[tuple[tuple[str | int, ...], str]],
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = _without_union_tags(error)
        if loc is None:
            continue  # the error of a union's branch that does not fit the input's shape
        message = _plain_message(error)
        if error["type"] == "extra_forbidden" and model is not None and loc:
            close = _did_you_mean(model, loc)
            if close:
                message = f"unknown key (did you mean {close}?)"
        problems.append(_located(loc, message, file, locations, set_paths))
    return problems


def _did_you_mean(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """The key of its section closest to an unknown key, or an empty text when none is."""
    from score_sim.scenario.overrides import _fields_at

    if not isinstance(loc[-1], str):
        return ""
    fields = _fields_at(model, list(loc[:-1])) or []
    close = difflib.get_close_matches(loc[-1], fields, n=2, cutoff=0.6)
    if len(close) == 2 and difflib.SequenceMatcher(None, loc[-1], close[1]).ratio() >= 0.8:
        return f"{close[0]} or {close[1]}"  # two as near: name both (seedz: seed or seeds)
    return close[0] if close else ""
