"""Figures of one run's daily time series: score fan, list sizes and grades.

Every function takes the run's time series as a ``dict`` of arrays (see
:mod:`score_sim.metrics` for the columns) and a :class:`FigureContext` naming the run. A
column is either one run's series (1-D, one value per day) or a band across seeds (2-D, one
row per seed): a band is drawn as its median with the 5-95% range shaded (``step`` stays
1-D). Colours come from :mod:`score_sim.palette`, the same for the same thing everywhere.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, never
with ``pyplot``: nothing opens a window, nothing is kept in a global figure registry, and the
importing program's backend is left alone. Drawing happens under matplotlib's default style
(inside a temporary ``rc_context``), and PNGs are saved without a ``Software`` tag at a fixed
size and dpi, so the same series gives byte-identical files.

A kind (citizens or firms) whose score columns are all NaN had no actors and gets no panel; if
neither kind had actors, each figure holds a single panel with a note saying so.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from score_sim import palette
from score_sim.palette import KIND_COLOR, grade_colors

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

__all__ = [
    "FIGURE_FILES",
    "FigureContext",
    "caption",
    "draw_series",
    "grade_colors",
    "grade_shares",
    "is_band",
    "plot_grade_shares",
    "plot_list_sizes",
    "plot_score_fan",
    "present_kinds",
    "write_figures",
]

TimeSeries = Mapping[str, np.ndarray]

KINDS = ("citizen", "firm")
FIGSIZE = (10.0, 5.0)  # inches
DPI = 100
FIGURE_FILES = ("score_distribution.png", "list_sizes.png", "grade_shares.png")

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
        from score_sim.ledger import ledger, level_counts

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
        color: the line's colour (see :mod:`score_sim.palette`).
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


def grade_shares(ts: TimeSeries, kind: str, grade_names: Sequence[str]) -> np.ndarray:
    """Each grade's share of one kind's actors per day, in percent.

    Args:
        ts: the run's time series.
        kind: "citizen" or "firm".
        grade_names: grade band names, best first.

    Returns:
        An array of shape ``(len(grade_names), n_days)``, rows best first. Each day's column
        sums to 100, except on days with no graded actors, where it is all zeros.
    """
    counts = np.vstack([median_of(column(ts, f"{kind}_n_grade_{name}")) for name in grade_names])
    total = counts.sum(axis=0)
    shares = np.zeros_like(counts)
    np.divide(counts * 100.0, total, out=shares, where=total > 0)
    return shares


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


def _finish_figure(
    fig: Figure, title: str, ctx: FigureContext, right: float = 0.97, wspace: float = 0.35
) -> None:
    """Add the figure title and caption and fix the margins (no layout engine: deterministic)."""
    fig.suptitle(title, fontsize=14, y=0.975)
    fig.text(0.5, 0.015, caption(ctx), ha="center", va="bottom", fontsize=8, color="0.35")
    fig.subplots_adjust(left=0.09, right=right, bottom=0.16, top=0.84, wspace=wspace)


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
    ax.set_title("No agents")
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel)
    ax.text(0.5, 0.5, _NO_AGENTS_NOTE, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _panel_title(kind: str, ctx: FigureContext) -> str:
    return f"{KIND_TITLE[kind]} (n = {ctx.n_of(kind):,})"


def day_limits(ax: Axes, day: np.ndarray) -> None:
    """The x axis spans the days, with few enough whole-day ticks to read in a small panel."""
    if day.size and np.isfinite(day).any():
        lo, hi = float(np.nanmin(day)), float(np.nanmax(day))
        ax.set_xlim(lo, hi if hi > lo else lo + 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True, steps=[1, 2, 2.5, 5, 10]))


def score_limits(ts: TimeSeries, kinds: Sequence[str], ctx: FigureContext) -> tuple[float, float]:
    """One y range for every score panel: where the scores are, with the baseline in view.

    The citizen and firm panels share it, so their heights can be compared by eye.
    """
    lows = [ctx.score_baseline]
    highs = [ctx.score_baseline]
    for kind in kinds:
        lows.append(float(np.nanmin(column(ts, f"{kind}_min_score"))))
        highs.append(float(np.nanmax(column(ts, f"{kind}_max_score"))))
    low, high = min(lows), max(highs)
    pad = max(0.08 * (high - low), 0.01 * (ctx.score_upper - ctx.score_lower), 1.0)
    return max(low - pad, ctx.score_lower - pad), min(high + pad, ctx.score_upper + pad)


def _draw_fan(
    ax: Axes, ts: TimeSeries, kind: str, ctx: FigureContext, limits: tuple[float, float]
) -> None:
    """One kind's percentile fan, median and mean, with the score bounds and baseline."""
    day = column(ts, "step")
    color = KIND_COLOR[kind]

    def mid(stat: str) -> np.ndarray:
        return median_of(column(ts, f"{kind}_{stat}"))

    ax.fill_between(
        day,
        mid("p05_score"),
        mid("p95_score"),
        color=color,
        alpha=0.15,
        linewidth=0,
        label="5–95th pct.",
    )
    ax.fill_between(
        day,
        mid("p25_score"),
        mid("p75_score"),
        color=color,
        alpha=0.32,
        linewidth=0,
        label="25–75th pct.",
    )
    draw_series(ax, day, column(ts, f"{kind}_median_score"), color=color, label="median")
    draw_series(
        ax,
        day,
        column(ts, f"{kind}_mean_score"),
        color=palette.BLACK,
        label="mean",
        linewidth=1.1,
        linestyle="--",
    )
    ax.plot(day, mid("min_score"), color=color, linewidth=0.8, linestyle=":", label="min / max")
    ax.plot(day, mid("max_score"), color=color, linewidth=0.8, linestyle=":")
    y_low, y_high = limits
    bounds_label = f"bounds ({ctx.score_lower:g}–{ctx.score_upper:g})"
    for bound in (ctx.score_lower, ctx.score_upper):
        if y_low <= bound <= y_high:
            ax.axhline(
                bound, color="0.45", linewidth=1.0, linestyle=(0, (5, 3)), label=bounds_label
            )
            bounds_label = "_nolegend_"
    ax.axhline(
        ctx.score_baseline,
        color="0.45",
        linewidth=1.0,
        linestyle=":",
        label=f"baseline ({ctx.score_baseline:g})",
    )
    # headroom above the data holds the legend
    ax.set_ylim(y_low, y_high + 0.45 * (y_high - y_low))
    day_limits(ax, day)
    ax.set_title(_panel_title(kind, ctx))
    ax.set_xlabel("day")
    ax.set_ylabel("score (points)")
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper center", ncols=3, fontsize=7.5, frameon=False)


def plot_score_fan(
    ts: TimeSeries, ctx: FigureContext, ax_or_none: Axes | Sequence[Axes] | None = None
) -> Figure:
    """Percentile fan of scores over time, one panel per kind that had actors.

    Each panel shows the 5th–95th and 25th–75th percentile bands, the median (solid) and the
    mean (dashed), with the score bounds (dashed grey) and baseline (dotted grey). The
    panels share one y range (said in the title). With a band across seeds, the fan is the
    median over seeds of each percentile, and the median and mean lines carry their own
    5–95% band across seeds.

    Args:
        ts: the run's time series (or bands across seeds).
        ctx: the run's context.
        ax_or_none: ``None`` to make a new figure with title and caption; or axes to draw
            into, one per kind that had actors (a single ``Axes`` when only one kind did).
            Drawing into given axes sets each panel's title, labels and legend but leaves the
            figure's title, caption and layout to the caller.

    Returns:
        The figure drawn on (the given axes' figure when axes were passed).

    Raises:
        ValueError: when the number of given axes differs from the number of non-empty kinds.
    """
    kinds = present_kinds(ts)
    limits = score_limits(ts, kinds, ctx)
    with default_style():
        if ax_or_none is not None:
            axes = [ax_or_none] if isinstance(ax_or_none, Axes) else list(ax_or_none)
            if len(axes) != max(len(kinds), 1):
                raise ValueError(
                    f"got {len(axes)} axes for {len(kinds)} non-empty kinds {kinds}; "
                    "pass one Axes per kind that had actors"
                )
            if not kinds:
                note_no_agents(axes[0], "score (points)")
            for ax, kind in zip(axes, kinds, strict=False):
                _draw_fan(ax, ts, kind, ctx, limits)
            fig = axes[0].figure
            root = getattr(fig, "figure", fig)  # a SubFigure's root Figure
            assert isinstance(root, Figure)
            return root
        fig, axes = new_figure(max(len(kinds), 1))
        if not kinds:
            note_no_agents(axes[0], "score (points)")
        for ax, kind in zip(axes, kinds, strict=False):
            _draw_fan(ax, ts, kind, ctx, limits)
        title = "Score distribution over time"
        if len(kinds) > 1:
            title += " (both panels on the same scale)"
        _finish_figure(fig, title, ctx)
        mark_policy_changes(fig, ctx)
    return fig


def plot_list_sizes(ts: TimeSeries, ctx: FigureContext) -> Figure:
    """Blacklist and red-list sizes over time, one panel per kind that had actors.

    Counts of agents on the y axis; each legend entry gives the last day's count as a
    percentage of the kind's starting population (``ctx.n_citizens`` / ``ctx.n_firms``).

    Args:
        ts: the run's time series (or bands across seeds).
        ctx: the run's context.

    Returns:
        The new figure.
    """
    kinds = present_kinds(ts)
    day = column(ts, "step")
    with default_style():
        fig, axes = new_figure(max(len(kinds), 1))
        if not kinds:
            note_no_agents(axes[0], "agents")
        for ax, kind in zip(axes, kinds, strict=False):
            n = ctx.n_of(kind)
            lines = [
                ("blacklisted", column(ts, f"{kind}_n_blacklisted"), palette.BLACKLIST, "-"),
                ("red-listed", column(ts, f"{kind}_n_redlisted"), palette.REDLIST, "-"),
            ]
            lines += [
                (f"on {name}", column(ts, f"{kind}_n_on_{name}"), *_EXTRA_LIST_STYLES[i % 4])
                for i, name in enumerate(ctx.list_names)
            ]
            for label, values, color, style in lines:
                last = float(median_of(values)[-1]) if day.size else 0.0
                share = f", {last * 100.0 / n:.2g}% at the end" if n > 0 else ""
                draw_series(ax, day, values, color=color, label=f"{label}{share}", linestyle=style)
            top = top_of(*(values for _, values, _, _ in lines))
            ax.set_ylim(0.0, max(top * 1.3, 1.0))  # headroom for the legend
            thousands(ax)
            day_limits(ax, day)
            ax.set_title(_panel_title(kind, ctx))
            ax.set_xlabel("day")
            ax.set_ylabel("agents")
            ax.grid(True, alpha=0.25)
            ax.legend(loc="upper left", fontsize=8, frameon=False)
        _finish_figure(fig, "Blacklist and red-list sizes over time", ctx)
        mark_policy_changes(fig, ctx)
    return fig


_EXTRA_LIST_STYLES: tuple[tuple[str, Any], ...] = (
    ("0.45", "--"),
    ("0.3", "-."),
    ("0.55", (0, (8, 2, 2, 2, 2, 2))),
    ("0.2", (0, (10, 3))),
)
"""Grey shade and dash of each further list, in turn: told apart from each other, and
from the dotted lines of policy changes."""


def moved_pairs(
    transitions: Mapping[str, Sequence[Sequence[int]]], grades: Sequence[str], kinds: Sequence[str]
) -> list[tuple[int, int]]:
    """The (from, to) grade pairs some actor of ``kinds`` moved along, best grades first."""
    n = len(grades)
    moved = np.zeros((n, n), dtype=bool)
    for kind in kinds:
        matrix = np.asarray(transitions.get(kind, np.zeros((n, n))), dtype=np.int64)
        if matrix.shape == (n, n):
            moved |= matrix > 0
    np.fill_diagonal(moved, False)
    rows, cols = np.nonzero(moved)
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


MAX_MOVE_BARS = 10


def _draw_moves(
    ax: Axes,
    transitions: Mapping[str, Sequence[Sequence[int]]],
    grades: Sequence[str],
    kinds: Sequence[str],
    ctx: FigureContext,
) -> None:
    """Horizontal bars: the share of each kind that moved from one grade to another."""
    pairs = moved_pairs(transitions, grades, kinds)
    n_kinds = max(len(kinds), 1)
    shares = {}
    for kind in kinds:
        matrix = np.asarray(transitions[kind], dtype=float)
        total = max(matrix.sum(), 1.0)
        shares[kind] = np.array([matrix[r, c] * 100.0 / total for r, c in pairs])
    if len(pairs) > MAX_MOVE_BARS:  # keep the largest moves
        weight = sum(shares.values(), np.zeros(len(pairs)))
        keep = np.sort(np.argsort(-weight, kind="stable")[:MAX_MOVE_BARS])
        pairs = [pairs[i] for i in keep]
        shares = {k: v[keep] for k, v in shares.items()}
    y = np.arange(len(pairs), dtype=float)
    height = 0.8 / n_kinds
    smallest = 100.0
    for i, kind in enumerate(kinds):
        values = shares[kind]
        shown = values > 0
        ax.barh(
            y[shown] + (i - (n_kinds - 1) / 2) * height,
            values[shown],
            height=height,
            color=KIND_COLOR[kind],
            hatch=palette.KIND_HATCH[kind],
            edgecolor="white",
            label=KIND_TITLE[kind].lower(),
        )
        if shown.any():
            smallest = min(smallest, float(values[shown].min()))
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(smallest / 2.0, 150.0)
    ax.set_yticks(y, [f"{grades[r]} → {grades[c]}" for r, c in pairs])
    ax.set_ylim(len(pairs) - 0.5, -0.5 - (0.9 if len(pairs) < 4 else 0.0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title("Changed grade by the end")
    ax.set_xlabel("share of the kind (%, log)")
    ax.grid(True, axis="x", alpha=0.25)
    if not pairs:
        ax.text(
            0.5,
            0.5,
            "nobody changed grade",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.35",
        )
    elif len(kinds) > 1:
        ax.legend(loc="lower right", fontsize=8, frameon=False)


def plot_grade_shares(
    ts: TimeSeries,
    ctx: FigureContext,
    transitions: Mapping[str, Sequence[Sequence[int]]] | None = None,
) -> Figure:
    """How grades move: each grade's share over time, and who changed grade.

    One panel per kind that had actors draws each grade's share of that kind per day on a
    logarithmic axis (percent), so a grade holding 0.1% is as visible as one holding 99%:
    with everyone starting in one grade, a stacked area would be a solid block. Grades are
    coloured from light (best) to dark (worst). With ``transitions`` (grade on day 0 by grade
    at the end, per kind, as in ``summary.json``), a last panel shows the share of each kind
    that moved between each pair of grades.

    Args:
        ts: the run's time series (or bands across seeds).
        ctx: the run's context (``ctx.grade_names`` gives the grades, best first).
        transitions: optional ``{"citizen": matrix, "firm": matrix}``.

    Returns:
        The new figure.
    """
    kinds = present_kinds(ts)
    day = column(ts, "step")
    names = list(ctx.grade_names)
    colors = grade_colors(len(names))
    with_moves = transitions is not None and bool(kinds)
    with default_style():
        fig, axes = new_figure(max(len(kinds), 1) + (1 if with_moves else 0))
        if not kinds:
            note_no_agents(axes[0], "share of agents (%)")
        handles: dict[str, object] = {}
        for ax, kind in zip(axes, kinds, strict=False):
            counts = [column(ts, f"{kind}_n_grade_{name}") for name in names]
            total = sum(counts, np.zeros_like(counts[0]))
            low = 100.0
            for name, color, values in zip(names, colors, counts, strict=True):
                share = np.zeros_like(values)
                np.divide(values * 100.0, total, out=share, where=total > 0)
                if not np.any(share > 0):
                    continue
                draw_series(ax, day, share, color=color, label=name, linewidth=1.6)
                low = min(low, float(np.min(share[share > 0])))
            for line in ax.get_lines():
                handles.setdefault(str(line.get_label()), line)
            ax.set_yscale("log")
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_ylim(max(low / 2.0, 1e-4), 300.0)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            day_limits(ax, day)
            ax.set_title(_panel_title(kind, ctx))
            ax.set_xlabel("day")
            ax.set_ylabel("share of agents (%, log)")
            ax.grid(True, alpha=0.25)
        if handles:
            ordered = [name for name in names if name in handles]
            axes[0].legend(
                [handles[name] for name in ordered],
                ordered,
                title="grade",
                loc="upper center",
                ncols=min(len(ordered), 6),
                fontsize=7.5,
                title_fontsize=8,
                frameon=False,
                columnspacing=1.0,
                handlelength=1.5,
            )
        if with_moves:
            assert transitions is not None
            _draw_moves(axes[-1], transitions, names, kinds, ctx)
        _finish_figure(fig, "Grades over time", ctx, wspace=0.45)
        if with_moves:
            fig.subplots_adjust(left=0.08)
        mark_policy_changes(fig, ctx)
    return fig


FigureJob = tuple[Path, Callable[[], Figure]]
"""A figure to draw: the file to write and the function that draws it."""


def figure_jobs(
    ts: TimeSeries,
    ctx: FigureContext,
    out_dir: Path,
    transitions: Mapping[str, Sequence[Sequence[int]]] | None = None,
) -> list[FigureJob]:
    """The three run figures to draw into ``out_dir``, as (path, drawing function) pairs."""
    out_dir = Path(out_dir)
    makers: tuple[Callable[[], Figure], ...] = (
        lambda: plot_score_fan(ts, ctx),
        lambda: plot_list_sizes(ts, ctx),
        lambda: plot_grade_shares(ts, ctx, transitions),
    )
    return [(out_dir / name, make) for name, make in zip(FIGURE_FILES, makers, strict=True)]


def write_figures(
    ts: TimeSeries,
    ctx: FigureContext,
    out_dir: Path,
    transitions: Mapping[str, Sequence[Sequence[int]]] | None = None,
) -> list[Path]:
    """Render the three figures as PNGs into ``out_dir`` (created if missing).

    Args:
        ts: the run's time series (or bands across seeds).
        ctx: the run's context.
        out_dir: directory to write into.
        transitions: grade transitions per kind (``summary.json``), for the grade figure.

    Returns:
        The paths of ``score_distribution.png``, ``list_sizes.png`` and ``grade_shares.png``,
        in that order.
    """
    return save_figures(figure_jobs(ts, ctx, out_dir, transitions))


DRAW_COST = {
    "trajectories.png": 3.0,
    "pariahs.png": 2.0,
    "grade_shares.png": 2.0,
    "list_sizes.png": 1.5,
    "score_distribution.png": 1.5,
    "cascades.png": 1.5,
}
"""Rough relative cost of drawing each figure (others 1), measured at city scale: the
costliest are drawn first, so that the processes drawing in parallel end close together.
It orders the work only; no file depends on it."""


def default_workers(n_jobs: int) -> int:
    """How many processes draw ``n_jobs`` figures: one per usable core, at most one a figure.

    Drawing is single-threaded, so each usable core (``os.sched_getaffinity``, which
    respects a container's or ``taskset``'s limits) can draw a figure of its own. Only on
    Linux (figures are drawn in forked processes there); never inside a daemonic worker
    process (a sweep's or a pool's: those already fill the cores); and never while other
    threads run (a web app's, say): a forked child could inherit a lock one of them holds,
    which nobody would release.
    """
    if (
        not sys.platform.startswith("linux")
        or multiprocessing.current_process().daemon
        or threading.active_count() > 1
    ):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_jobs))


def _draw_order(jobs: Sequence[FigureJob]) -> list[int]:
    """The jobs' indices, costliest first (ties in the given order)."""
    return sorted(range(len(jobs)), key=lambda i: -DRAW_COST.get(jobs[i][0].name, 1.0))


def _draw_from_queue(jobs: Sequence[FigureJob], order: Sequence[int], counter: Any) -> None:
    """Draw and save jobs, taking the next one from a counter shared by every process."""
    while True:
        with counter.get_lock():
            taken = counter.value
            counter.value = taken + 1
        if taken >= len(order):
            return
        path, make = jobs[order[taken]]
        save_figure(make(), path)


def _fork_drawer(jobs: Sequence[FigureJob], order: Sequence[int], counter: Any) -> tuple[int, int]:
    """Fork a process that draws from the shared queue; return its pid and error pipe.

    The child writes a traceback to the pipe if a figure fails and leaves with
    ``os._exit``, so nothing of the parent (atexit handlers, buffered output) runs twice.
    Objects that exist before the fork are frozen out of the garbage collector's view
    meanwhile: a collection in the child would otherwise touch, and so copy, every page
    of the parent's objects.
    """
    read_end, write_end = os.pipe()
    gc.freeze()
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, measured by the parent's tests
        code = 1
        try:
            os.close(read_end)
            _draw_from_queue(jobs, order, counter)
            code = 0
        except BaseException:
            with suppress(BaseException):
                os.write(write_end, traceback.format_exc().encode("utf-8", "replace"))
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(write_end)
    return pid, read_end


def _wait_drawer(pid: int, read_end: int, *, stop: bool) -> str | None:
    """Wait for a forked drawer (killed first if ``stop``); return its error, if any.

    A drawer is stopped with SIGKILL: it inherits this process's signal handlers, and the
    command line's only note a signal for later.
    """
    try:
        if stop:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with os.fdopen(read_end, "rb") as pipe:
            error = pipe.read().decode("utf-8", "replace")
        _, status = os.waitpid(pid, 0)
    except BaseException:
        with suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    if stop or os.waitstatus_to_exitcode(status) == 0:
        return None
    return error or f"figure process {pid} ended with status {status}"


def save_figures(jobs: Sequence[FigureJob], workers: int | None = None) -> list[Path]:
    """Draw and save figures, here and, on Linux, in forked processes beside this one.

    Drawing a figure is single-threaded Python in matplotlib, nearly all of it a fixed cost
    of axes, ticks and text, so figures are drawn side by side, one process per usable core
    (:func:`default_workers`). This process draws too; the others are forked once the jobs
    are known, so they share the run's arrays without copying them or pickling anything,
    and every process takes the next figure, costliest first (:data:`DRAW_COST`), from a
    shared counter until none is left. Each file is the same, byte for byte, however many
    processes drew it.

    Args:
        jobs: (path, drawing function) pairs; parent folders are created.
        workers: how many processes draw (this one included); default
            :func:`default_workers`. 1 draws everything here, in the order of ``jobs``.

    Returns:
        The paths, in the order of ``jobs``.

    Raises:
        RuntimeError: when a figure failed in a forked process (its traceback included).
    """
    for path, _ in jobs:
        path.parent.mkdir(parents=True, exist_ok=True)
    workers = default_workers(len(jobs)) if workers is None else min(max(workers, 1), len(jobs))
    if workers <= 1 or not sys.platform.startswith("linux"):
        for path, make in jobs:
            save_figure(make(), path)
        return [path for path, _ in jobs]
    order = _draw_order(jobs)
    counter = multiprocessing.get_context("fork").Value("i", 0)
    drawers: list[tuple[int, int]] = []
    failed: list[str] = []
    try:
        for _ in range(workers - 1):
            drawers.append(_fork_drawer(jobs, order, counter))
        _draw_from_queue(jobs, order, counter)
    except BaseException:
        for pid, read_end in drawers:
            _wait_drawer(pid, read_end, stop=True)
        raise
    for pid, read_end in drawers:
        error = _wait_drawer(pid, read_end, stop=False)
        if error is not None:
            failed.append(error)
    if failed:
        raise RuntimeError("drawing a figure failed in a forked process:\n" + failed[0])
    return [path for path, _ in jobs]


def save_figure(fig: Figure, path: Path) -> None:
    """Write a figure as PNG, byte-for-byte the same for the same figure."""
    with default_style():
        fig.savefig(
            path,
            dpi=DPI,
            format="png",
            metadata={"Software": None},
            pil_kwargs={"compress_level": 1},  # fast; files about a third larger
        )
