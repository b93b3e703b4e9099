"""What every ``score-sim`` command shares.

The typer app, help with examples, exit statuses, located problems, signals, the progress
bar, and how numbers and files are shown.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click
import typer
import typer.core

from score_sim.errors import ScenarioError

app = typer.Typer(
    name="score-sim",
    help="Simulate a points-based social-credit regime and the harms it does.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXAMPLES = {
    "run": (
        "score-sim run pariah_spiral",
        "score-sim run baseline --citizens 3000 --set score.half_life_days=90 --seeds 5",
    ),
    "compare": (
        "score-sim compare pariah_spiral --set effects.enabled=false",
        "score-sim compare baseline pariah_spiral --steps 365",
    ),
    "validate": ("score-sim validate my_regime.yaml scenarios/baseline.yaml",),
    "list": ("score-sim list",),
    "schema": ("score-sim schema --out scenario.schema.json",),
    "explain": ("score-sim explain rongcheng_city",),
    "app": ("score-sim app --host 0.0.0.0 --port 8765",),
    "sweep": ("score-sim sweep sweeps/pariah_spiral_seeds.yaml --out runs/pariah_seeds",),
    "sensitivity": ("score-sim sensitivity runs/pariah_sobol",),
}
"""An example or two of each command, shown under its ``--help``."""


def _examples(command: str) -> str:
    """A command's examples as the end of its help, kept as written (not rewrapped)."""
    lines = "\n".join(f"  {example}" for example in EXAMPLES[command])
    return f"\b\nExample{'s' if len(EXAMPLES[command]) > 1 else ''}:\n{lines}"


class ReadableCommand(typer.core.TyperCommand):
    """A command whose help reads plainly, whichever typer draws it.

    Some typer versions write a required argument as ``{SCENARIO}`` in the usage line and
    add its Python type (``<str>``) beside each argument; the names given as metavars
    (``SCENARIO``, ``DIR``, ``KEY=VALUE``) say more, so the help keeps only them.
    """

    def get_usage(self, ctx: click.Context) -> str:
        """The usage line, arguments as plain names."""
        return _plain_help(super().get_usage(ctx))

    def get_help(self, ctx: click.Context) -> str:
        """The whole help, arguments as plain names and without Python types."""
        return _plain_help(super().get_help(ctx))


def _plain_help(text: str) -> str:
    text = re.sub(r"\{([^{}\s]+)\}", r"\1", text)
    text = re.sub(r"\[\[([^\]\s]+)\]\]", r"[\1]", text)
    return re.sub(r"^(\s+\S+) <[a-z\[\], ]+>", r"\1", text, flags=re.MULTILINE)


EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def _fail(error: ScenarioError) -> typer.Exit:
    _echo_problems(error)
    return typer.Exit(EXIT_BAD_INPUT)


def _echo_problems(error: ScenarioError) -> None:
    """Each problem on its own line, with any control character in it escaped."""
    from score_sim.text_safety import printable_line

    for problem in error.problems:
        typer.echo(f"error: {printable_line(str(problem))}", err=True)


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: the command stops, cleaning up as the exception rises.

    Not a KeyboardInterrupt, which typer would turn into a silent exit: :func:`main`
    reports it, whenever it comes (during imports, simulation or writing).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_pending_signal: int | None = None
"""The signal that stopped the command, once one came (see :func:`raise_if_interrupted`)."""


def _on_signal(signum: int, frame: object) -> None:
    global _pending_signal
    # a second signal must not interrupt the clean-up of the first
    signal.signal(signum, signal.SIG_IGN)
    _pending_signal = signum
    raise Interrupted(signum)


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` again if a signal came and the command goes on.

    A signal handler's exception can land inside a finalizer or a callback, where Python
    prints "Exception ignored" and carries on; the signal itself is ignored from then on
    (so that it cannot break the clean-up). Checked once a simulated day, this stops the
    command at the next day however the first exception was lost.
    """
    if _pending_signal is not None:
        raise Interrupted(_pending_signal)


def _handle_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _on_signal)


def _phase_line(label: str) -> None:
    """Say on stderr what a long phase is doing, when someone is watching."""
    if sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("1", "true"):
        names = {"writing": "writing outputs (tables, figures, manifest)..."}
        typer.echo(names.get(label, label), err=True)


class Progress:
    """A one-line progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str, stream=sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.enabled = stream.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")
        self.started = time.perf_counter()
        self._shown = -1

    def __call__(self, day: int, total: int) -> None:
        """Show that ``day`` of ``total`` days are done (and stop if a signal came)."""
        raise_if_interrupted()
        if not self.enabled or total <= 0:
            return
        percent = 100 * day // total
        if percent == self._shown:
            return
        self._shown = percent
        width = 30
        filled = width * day // total
        elapsed = time.perf_counter() - self.started
        eta = elapsed / day * (total - day) if day else 0.0
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] day {day}/{total} {percent:3d}%  eta {eta:4.0f} s"
        )
        if day >= total:
            self.stream.write("\n")
        self.stream.flush()


def _parse_sets(values: list[str]) -> dict[str, object]:
    from score_sim.scenario.overrides import parse_override

    overrides: dict[str, object] = {}
    for text in values:
        key, value = parse_override(text)
        overrides[key] = value
    return overrides


def _number(value: float, signed: bool = False) -> str:
    """A number as a person reads it: thousands separated, three significant figures."""
    if value != value:  # NaN
        return "n/a"
    sign = "+" if signed and value > 0 else ""
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{sign}{value:,.0f}"
    return f"{sign}{value:.3g}"


def _outputs_text(files: Sequence[Path], folder: Path) -> str:
    """The files a run wrote, counted and named: the top-level files, then the folders."""
    top: list[str] = []
    folders: list[str] = []
    for path in files:
        parts = path.relative_to(folder).parts
        if len(parts) == 1:
            if parts[0] != "manifest.json":
                top.append(parts[0])
        elif f"{parts[0]}/" not in folders:
            folders.append(f"{parts[0]}/")
    return f"{len(files)} files: " + ", ".join([*top, *folders, "manifest.json"])
