r"""Text that reaches a terminal or a page: control and escape characters never get through.

A scenario's names, description, sources and notes are shown by ``score-sim explain``,
``score-sim list``, the app's Info tab and every message that quotes them. A YAML file can
hold any character in a double-quoted string (``"\e[2J"`` clears a terminal, ``"\u202e"``
turns text around), so validation refuses them (:func:`control_problems`), and whatever is
printed goes through :func:`printable` (or :func:`shown` for a value quoted in a message).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

ALLOWED_CONTROLS = frozenset("\n\t")
"""Control characters a text may hold: line breaks and tabs (descriptions have paragraphs)."""

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder the text around them (the "Trojan source" characters)."""

MAX_SHOWN = 60
"""Longest quotation of a value in a message, in characters."""


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + "".join(BIDI_CONTROLS) + "]")
"""Control characters (Unicode's Cc), line and paragraph separators, lone surrogates and
the characters that reorder text."""


def is_unsafe(character: str, allow: frozenset[str] = ALLOWED_CONTROLS) -> bool:
    """Whether ``character`` must not reach a terminal as it is."""
    return character not in allow and _UNSAFE.match(character) is not None


def unsafe_characters(text: str, allow: frozenset[str] = ALLOWED_CONTROLS) -> list[str]:
    """The characters of ``text`` that must not reach a terminal, each once, in order."""
    return list(dict.fromkeys(c for c in _UNSAFE.findall(text) if c not in allow))


def escaped(character: str) -> str:
    r"""A character as its escape: ``\x1b``, ``\u202e``."""
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str, allow: frozenset[str] = ALLOWED_CONTROLS) -> str:
    r"""``text`` with every unsafe character written as its escape (``\x1b``)."""
    if not unsafe_characters(text, allow):
        return text
    return "".join(escaped(c) if is_unsafe(c, allow) else c for c in text)


def printable_line(text: str) -> str:
    """One line for a terminal: every control character escaped, line breaks too."""
    return printable(text, frozenset("\t"))


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """A value quoted in a message: its ``repr``, escaped and cut to ``limit`` characters."""
    text = printable_line(repr(value))
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _strings(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every text in plain data (keys too) with the key path where it stands."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(node, path)]
    seen: set[int] = set()
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            if id(item) in seen:
                continue
            seen.add(id(item))
            for key in item:
                if isinstance(key, str):
                    yield (*where, key), key
            stack.extend((value, (*where, key)) for key, value in reversed(item.items()))
        elif isinstance(item, list | tuple):
            if id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend((item[i], (*where, i)) for i in reversed(range(len(item))))


def control_problems(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Texts in scenario data holding control or escape characters.

    Names, descriptions, sources, notes and keys alike, as ``(key path, message)`` pairs.
    Line breaks and tabs are allowed; every other control character, the characters that
    reorder text and lone surrogates are not.
    """
    problems = []
    for where, text in _strings(data, ()):
        bad = unsafe_characters(text)
        if bad:
            problems.append(
                (
                    where,
                    "holds control or escape characters ("
                    + " ".join(escaped(c) for c in bad)
                    + "), which could change what a terminal or a page shows: remove them",
                )
            )
    return problems
