"""Error types for reporting problems in user-supplied scenario files.

A :class:`Problem` is one located complaint about an input file (file, line, column, key
path, message). A :class:`ScenarioError` bundles one or more problems; the CLI prints each
on its own line and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in a user input file.

    Attributes:
        file: Path of the file as the user gave it.
        line: 1-based line number, or None when unknown / not applicable.
        col: 1-based column number, or None when unknown / not applicable.
        key: Dotted key path such as ``"lists.blacklist.min_days"`` or
            ``"behaviours[2].rate_per_year"``; ``""`` for whole-file problems.
        message: Human-readable description of the problem.
    """

    file: str
    line: int | None
    col: int | None
    key: str
    message: str

    def __str__(self) -> str:
        """Format as ``file:line:col key: message``.

        When ``line`` is None the position is omitted (``file: key: message``); when
        ``col`` is None only the line is shown; when ``key`` is empty it is omitted.

        Returns:
            The formatted problem.
        """
        if self.line is None:
            where = f"{self.file}:"
        elif self.col is None:
            where = f"{self.file}:{self.line}"
        else:
            where = f"{self.file}:{self.line}:{self.col}"
        if self.key:
            return f"{where} {self.key}: {self.message}"
        if self.line is None:
            return f"{where} {self.message}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """Bad user input: one or more located problems.

    The CLI prints each problem on its own line and exits 2.

    Attributes:
        problems: The problems, in the order they were found.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        """Create the error.

        Args:
            problems: One or more problems describing what is wrong.
        """
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def of(
        cls, file: str, line: int | None, col: int | None, key: str, message: str
    ) -> ScenarioError:
        """An error with a single problem (the arguments of :class:`Problem`)."""
        return cls([Problem(file, line, col, key, message)])

    def __str__(self) -> str:
        """Return the problems joined by newlines."""
        return "\n".join(str(p) for p in self.problems)


def format_key(loc: Sequence[str | int]) -> str:
    """Turn a key path into its display form.

    Example: ``("behaviours", 2, "rate_per_year")`` becomes ``"behaviours[2].rate_per_year"``.

    Args:
        loc: Key path of mapping keys (str) and sequence indices (int).

    Returns:
        The dotted key path; ``""`` for an empty path.
    """
    parts: list[str] = []
    for element in loc:
        if isinstance(element, int) and not isinstance(element, bool):
            parts.append(f"[{element}]")
        elif parts:
            parts.append(f".{element}")
        else:
            parts.append(str(element))
    return "".join(parts)


# --------------------------------------------------------------------------- vocabulary
# The same problems reach two kinds of user: a Python caller, who passed arguments
# (``overrides``, ``out_dir``, ``seed=``), and the command line, whose user typed options
# (``--set``, ``--out``, ``--seed``). Messages name what the user actually used: the
# library speaks of arguments, and the command line switches to its options while it runs.

_OPTION_OF_ARGUMENT = {
    "overrides": "--set",
    "overrides_b": "--set",
    "seed": "--seed",
    "steps": "--steps",
    "citizens": "--citizens",
    "firms": "--firms",
    "out_dir": "--out",
    "overwrite=True": "--overwrite",
}
_command_line_names: ContextVar[bool] = ContextVar("score_sim_command_line_names", default=False)


def argument(name: str, option: str | None = None) -> str:
    """How to name the argument ``name`` to the user: itself, or its command-line option.

    Args:
        name: a Python argument as the API spells it (``"overrides"``, ``"out_dir"``,
            ``"seed"``, ``"overwrite=True"``...).
        option: its option where it differs from the usual one (``compare``'s
            ``overrides`` are ``--set-both``).

    Returns:
        ``name`` when called from Python; the option (``--set``, ``--out``...) while the
        command line runs (see :func:`command_line_names`).
    """
    if _command_line_names.get():
        return option or _OPTION_OF_ARGUMENT.get(name, name)
    return name


@contextmanager
def command_line_names() -> Iterator[None]:
    """Within this block, problems name command-line options instead of arguments."""
    token = _command_line_names.set(True)
    try:
        yield
    finally:
        _command_line_names.reset(token)
