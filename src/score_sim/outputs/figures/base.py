"""What every figure shares: its run's context and caption, the style, panels and marks.

Nothing here draws a whole figure: the family modules of :mod:`score_sim.outputs.figures`
do (``scores``, ``lists``, ``pariahs``, ``cascades``, ``innocents``, ``twins``, ``records``,
``systems``), and this module is for whoever writes one. Every figure takes the run's
time series as a ``dict`` of arrays (see :mod:`score_sim.mechanisms.metrics` for the columns) and a
:class:`FigureContext` naming the run. A column is either one run's series (1-D, one value
per day) or a band across seeds (2-D, one row per seed): a band is drawn as its median with
the 5-95% range shaded (``step`` stays 1-D). Colours come from
:mod:`score_sim.outputs.figures.palette`, the same for the same thing everywhere.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, never
with ``pyplot``: nothing opens a window, nothing is kept in a global figure registry, and the
importing program's backend is left alone. Drawing happens under matplotlib's default style
(inside a temporary ``rc_context``), at a fixed size and dpi with fixed margins (no layout
engine), so the same series gives the same picture; :mod:`.saving` writes it as a PNG.

A kind (citizens or firms) whose score columns are all NaN had no actors and gets no panel; if
neither kind had actors, each figure holds a single panel with a note saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from score_sim.outputs.figures import palette

if TYPE_CHECKING:
    from score_sim.model import ScoreModel


TimeSeries = Mapping[str, np.ndarray]
"""A run's daily metrics by column (see :mod:`score_sim.mechanisms.metrics`), or their bands."""

KINDS = ("citizen", "firm")
FIGSIZE = (10.0, 5.0)  # inches
DPI = 100

KIND_TITLE = {"citizen": "Citizens", "firm": "Firms"}
_NO_AGENTS_NOTE = "No citizens or firms in this run: nothing to plot."


@dataclass(frozen=True)
class FigureContext:
    """What a figure needs to know about its run besides the time series.

    Attributes:
        scenario_name: the scenario's name, for the caption.
        seed: the run's random seed, for the caption.
        n_citizens: number of citizens at the start of the run.
        n_firms: number of firms at the start of the run.
        score_lower: lowest possible score (points); drawn as a dashed line.
        score_upper: highest possible score (points); drawn as a dashed line.
        score_baseline: starting score (points); drawn as a dotted line.
        grade_names: grade band names, best first.
        version: the score-sim version, for the caption.
        n_assumptions: how many of the scenario's numbers are assumptions (caption).
        n_numbers: how many numbers the scenario has (caption).
        list_names: the lists beyond blacklist and redlist, each drawn on its own.
        policy_changes: the policy timeline's entries the run reached, as (day, note):
            each is a dotted vertical line on every panel over days, and the notes are
            written under the panels.
    """

    scenario_name: str
    seed: int
    n_citizens: int
    n_firms: int
    score_lower: float
    score_upper: float
    score_baseline: float
    grade_names: tuple[str, ...]
    version: str
    seeds: tuple[int, ...] = ()
    """With a band across seeds: the seeds (``seed`` is the first); empty for one run."""
    n_assumptions: int | None = None
    n_numbers: int | None = None
    list_names: tuple[str, ...] = ()
    policy_changes: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of_model(cls, model: ScoreModel) -> FigureContext:
        """The context of a :class:`score_sim.model.ScoreModel` run."""
        from score_sim import __version__
        from score_sim.scenario.ledger import ledger, level_counts

        scenario = model.score_scenario
        rows = ledger(scenario)
        return cls(
            scenario_name=scenario.name,
            seed=scenario.run.seed,
            n_citizens=scenario.population.citizens,
            n_firms=scenario.population.firms,
            score_lower=scenario.score.lower,
            score_upper=scenario.score.upper,
            score_baseline=scenario.score.decay_baseline,
            grade_names=model.grading.names,
            version=__version__,
            n_assumptions=level_counts(rows)["assumption"],
            n_numbers=len(rows),
            list_names=model.extra_lists,
            policy_changes=tuple((phase.day, phase.note) for phase in model.applied_phases),
        )

    def n_of(self, kind: str) -> int:
        """Return the number of actors of ``kind`` ("citizen" or "firm") at the start of the run."""
        return self.n_citizens if kind == "citizen" else self.n_firms


def caption(ctx: FigureContext) -> str:
    """Return the one-line caption printed at the bottom of every figure."""
    if len(ctx.seeds) > 1:
        runs = f"{len(ctx.seeds)} seeds: median, 5–95% band"
    else:
        runs = f"seed {ctx.seed}"
    evidence = (
        f" · {ctx.n_assumptions} of its {ctx.n_numbers} numbers are assumptions"
        if ctx.n_assumptions is not None
        else ""
    )
    return (
        f"scenario: {ctx.scenario_name} · {runs} · {ctx.n_citizens:,} citizens, "
        f"{ctx.n_firms:,} firms{evidence} · score-sim {ctx.version}"
    )


def is_band(values: np.ndarray) -> bool:
    """Whether a column holds several seeds' series (2-D) rather than one run's (1-D)."""
    return np.ndim(values) == 2


def median_of(values: np.ndarray) -> np.ndarray:
    """A column's middle line: the series itself, or the median over seeds of a band."""
    values = np.asarray(values, dtype=float)
    if not is_band(values):
        return values
    if values.shape[0] == 0:
        return np.full(values.shape[1], np.nan)
    return np.median(values, axis=0)


def draw_series(
    ax: Axes,
    day: np.ndarray,
    values: np.ndarray,
    *,
    color: str,
    label: str,
    linewidth: float = 1.8,
    linestyle: str = "-",
) -> None:
    """One quantity against day: a line for one run, or a median line and 5-95% band.

    Args:
        ax: the axes to draw into.
        day: the days (1-D).
        values: one run's series (1-D), or one row per seed (2-D).
        color: the line's colour (see :mod:`score_sim.outputs.figures.palette`).
        label: the legend label.
        linewidth: line width in points.
        linestyle: matplotlib line style.
    """
    values = np.asarray(values, dtype=float)
    if is_band(values) and values.shape[0] > 1:
        low, high = np.percentile(values, [5.0, 95.0], axis=0)
        ax.fill_between(day, low, high, color=color, alpha=palette.BAND_ALPHA, linewidth=0)
    ax.plot(
        day,
        median_of(values),
        color=color,
        linewidth=linewidth,
        linestyle=linestyle,
        label=label,
    )


def thousands(ax: Axes) -> None:
    """Plain counts on the y axis, with thousands separators, and few enough ticks to read."""
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def compact_number(value: float, _position: object = None) -> str:
    """A tick label that stays short at city scale: 950, 12,000, 125k, 1.2M."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e5:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}" if size >= 1 or value == 0 else f"{value:g}"


def top_of(*arrays: np.ndarray) -> float:
    """The largest finite value of some series or bands (0 when there is none)."""
    tops = [float(np.nanmax(a, initial=0.0)) for a in arrays if np.size(a)]
    return max(tops, default=0.0)


def column(ts: TimeSeries, name: str) -> np.ndarray:
    """One column of the series as a float array, with a clear error when it is missing."""
    try:
        return np.asarray(ts[name], dtype=float)
    except KeyError:
        raise KeyError(f"time series has no column {name!r}") from None


def present_kinds(ts: TimeSeries) -> tuple[str, ...]:
    """Return the kinds that had actors, those whose mean score is finite on at least one day.

    Args:
        ts: the run's time series.

    Returns:
        A subset of ``("citizen", "firm")``, in that order.
    """
    return tuple(
        kind
        for kind in KINDS
        if f"{kind}_mean_score" in ts and bool(np.isfinite(column(ts, f"{kind}_mean_score")).any())
    )


@contextmanager
def default_style() -> Iterator[None]:
    """Draw under matplotlib's default style; the caller's rcParams are restored on exit.

    Two settings differ from the default, both to save time without moving a pixel of
    today's figures: panel titles sit at a fixed height just above their axes (matplotlib
    otherwise measures every tick label of the panel and its siblings once more, before
    drawing, in case something above the axes pushes the title up: about a tenth of the
    cost of a figure; nothing here has ticks or labels on top), and axes never move their
    numbers into an offset (``+1e3``) written above the axes, where it could meet a title.
    """
    with mpl.rc_context():
        matplotlib.style.use("default")
        mpl.rcParams["axes.titley"] = 1.0
        mpl.rcParams["axes.formatter.useoffset"] = False
        yield


def new_figure(n_panels: int) -> tuple[Figure, list[Axes]]:
    """Make a fixed-size Figure on an Agg canvas with ``n_panels`` side-by-side axes."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    return fig, list(axes)


def finish_figure(
    fig: Figure, title: str, ctx: FigureContext, right: float = 0.97, wspace: float = 0.35
) -> None:
    """Add the title and the run's caption and fix the margins (see :func:`finish_layout`)."""
    finish_layout(fig, title, caption(ctx), right=right, wspace=wspace)


def finish_layout(
    fig: Figure,
    title: str,
    caption_line: str,
    right: float = 0.97,
    wspace: float = 0.35,
    hspace: float | None = None,
    left: float = 0.09,
) -> None:
    """Add a title and a caption line and fix the margins (no layout engine: deterministic)."""
    fig.suptitle(title, fontsize=14, y=0.975)
    fig.text(0.5, 0.015, caption_line, ha="center", va="bottom", fontsize=8, color="0.35")
    fig.subplots_adjust(left=left, right=right, bottom=0.16, top=0.84, wspace=wspace)
    if hspace is not None:
        fig.subplots_adjust(hspace=hspace)


def panel_note(ax: Axes, text: str) -> None:
    """A grey note in the middle of a panel, wrapped: why the panel shows nothing (else)."""
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontsize=10,
        color="0.35",
        wrap=True,
    )


POLICY_NOTE_CHARS = 150
"""Longest line of policy notes under a figure (at 8 points it spans most of the width)."""
POLICY_NOTE_LINES = 3
"""Most lines of policy notes under a figure; further notes are cut short."""
POLICY_LINE_STYLE = {"color": "0.1", "linestyle": ":", "linewidth": 1.2, "zorder": 1.5}
"""How a policy change is drawn: a dotted near-black line, unlike any series."""


def policy_lines(changes: Sequence[tuple[int, str]]) -> list[str]:
    """The notes of a run's policy changes as a few lines: ``day 20: note · day 40: note``.

    Notes are never split; a note too long for a line is cut short with an ellipsis, and
    notes beyond :data:`POLICY_NOTE_LINES` lines are summed up as ``+N more``.
    """
    parts = [f"day {day}: {note}" for day, note in changes]
    parts[0] = "dotted lines, policy changes: " + parts[0]
    lines: list[str] = []
    for i, part in enumerate(parts):
        if len(part) > POLICY_NOTE_CHARS:
            part = part[: POLICY_NOTE_CHARS - 1] + "…"
        if lines and len(lines[-1]) + 3 + len(part) <= POLICY_NOTE_CHARS:
            lines[-1] += " · " + part
        elif len(lines) < POLICY_NOTE_LINES:
            lines.append(part)
        else:
            more = f" · +{len(parts) - i} more (summary.json)"
            lines[-1] = lines[-1][: POLICY_NOTE_CHARS - len(more)] + more
            break
    return lines


def mark_policy_changes(fig: Figure, ctx: FigureContext) -> None:
    """Mark a run's policy changes (its timeline) on every panel over days, with the notes.

    Each change is a dotted vertical line on the panels whose x axis is the day; the notes
    go under the panels, which move up to make room, so no text overlaps.
    """
    mark_changes(fig, ctx.policy_changes)


def mark_changes(fig: Figure, changes: Sequence[tuple[int, str]]) -> None:
    """Mark dated changes ``(day, note)`` on every panel over days.

    See :func:`mark_policy_changes`.
    """
    if not changes:
        return
    axes = [ax for ax in fig.axes if ax.get_visible()]
    day_axes = [ax for ax in axes if ax.get_xlabel() == "day"]
    if not day_axes:
        return
    for ax in day_axes:
        lo, hi = ax.get_xlim()
        for day, _ in changes:
            if lo <= day <= hi:
                ax.axvline(day, **POLICY_LINE_STYLE)
        ax.set_xlim(lo, hi)
    lines = policy_lines(changes)
    fig.subplots_adjust(bottom=fig.subplotpars.bottom + 0.02 + 0.03 * len(lines))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    lowest = min(ax.get_tightbbox(renderer).y0 for ax in axes)
    fig.text(
        0.5,
        (lowest - 3.0) / fig.bbox.height,
        "\n".join(lines),
        ha="center",
        va="top",
        fontsize=8,
        color="0.15",
        linespacing=1.3,
    )


def note_no_agents(ax: Axes, ylabel: str) -> None:
    """Label an empty panel and say why it is empty."""
    ax.set_title("Nobody to count")
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel)
    ax.text(0.5, 0.5, _NO_AGENTS_NOTE, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def panel_title(kind: str, ctx: FigureContext) -> str:
    """A kind's panel title with its head count: ``Citizens (n = 2,000)``."""
    return f"{KIND_TITLE[kind]} (n = {ctx.n_of(kind):,})"


def day_limits(ax: Axes, day: np.ndarray) -> None:
    """The x axis spans the days, with few enough whole-day ticks to read in a small panel."""
    if day.size and np.isfinite(day).any():
        lo, hi = float(np.nanmin(day)), float(np.nanmax(day))
        ax.set_xlim(lo, hi if hi > lo else lo + 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True, steps=[1, 2, 2.5, 5, 10]))
