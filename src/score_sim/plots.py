"""Figures of one run's daily time series: score fan, list sizes and grade shares.

Every function takes the run's time series as a ``dict`` of equal-length 1-D arrays (one row
per day, see :mod:`score_sim.metrics` for the columns) and a :class:`FigureContext` naming the
run. Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, never
with ``pyplot``: nothing opens a window, nothing is kept in a global figure registry, and the
importing program's backend is left alone. Drawing happens under matplotlib's default style
(inside a temporary ``rc_context``), and PNGs are saved without a ``Software`` tag at a fixed
size and dpi, so the same series gives byte-identical files.

A kind (citizens or firms) whose score columns are all NaN had no actors and gets no panel; if
neither kind had actors, each figure holds a single panel with a note saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

__all__ = [
    "FIGURE_FILES",
    "FigureContext",
    "caption",
    "grade_colors",
    "grade_shares",
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
KIND_COLOR = {"citizen": "#1f77b4", "firm": "#d95f02"}
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
    n_assumptions: int | None = None
    n_numbers: int | None = None
    list_names: tuple[str, ...] = ()

    @classmethod
    def of_model(cls, model: ScoreModel) -> FigureContext:
        """The context of a :class:`score_sim.model.ScoreModel` run."""
        from score_sim import __version__
        from score_sim.ledger import ledger, level_counts

        scenario = model.scenario
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
        )

    def n_of(self, kind: str) -> int:
        """Return the number of actors of ``kind`` ("citizen" or "firm") at the start of the run."""
        return self.n_citizens if kind == "citizen" else self.n_firms


def caption(ctx: FigureContext) -> str:
    """Return the one-line caption printed at the bottom of every figure."""
    evidence = (
        f" · {ctx.n_assumptions} of its {ctx.n_numbers} numbers are assumptions"
        if ctx.n_assumptions is not None
        else ""
    )
    return (
        f"scenario: {ctx.scenario_name} · seed {ctx.seed} · {ctx.n_citizens:,} citizens, "
        f"{ctx.n_firms:,} firms{evidence} · score-sim {ctx.version}"
    )


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
    counts = np.vstack([column(ts, f"{kind}_n_grade_{name}") for name in grade_names])
    total = counts.sum(axis=0)
    shares = np.zeros_like(counts)
    np.divide(counts * 100.0, total, out=shares, where=total > 0)
    return shares


def grade_colors(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` RGBA colours from green (best grade) through yellow to red (worst grade)."""
    rgba = mpl.colormaps["RdYlGn"](np.linspace(0.92, 0.08, n)).tolist()
    return [(r, g, b, a) for r, g, b, a in rgba]


@contextmanager
def default_style() -> Iterator[None]:
    """Draw under matplotlib's default style; the caller's rcParams are restored on exit."""
    with mpl.rc_context():
        matplotlib.style.use("default")
        yield


def new_figure(n_panels: int) -> tuple[Figure, list[Axes]]:
    """Make a fixed-size Figure on an Agg canvas with ``n_panels`` side-by-side axes."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    return fig, list(axes)


def _finish_figure(fig: Figure, title: str, ctx: FigureContext, right: float = 0.97) -> None:
    """Add the figure title and caption and fix the margins (no layout engine: deterministic)."""
    fig.suptitle(title, fontsize=14, y=0.975)
    fig.text(0.5, 0.015, caption(ctx), ha="center", va="bottom", fontsize=8, color="0.35")
    fig.subplots_adjust(left=0.075, right=right, bottom=0.16, top=0.84, wspace=0.3)


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
    if day.size and np.isfinite(day).any():
        lo, hi = float(np.nanmin(day)), float(np.nanmax(day))
        ax.set_xlim(lo, hi if hi > lo else lo + 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _draw_fan(ax: Axes, ts: TimeSeries, kind: str, ctx: FigureContext) -> None:
    """One kind's percentile fan, median and mean, with the score bounds and baseline."""
    day = column(ts, "step")
    color = KIND_COLOR[kind]
    ax.fill_between(
        day,
        column(ts, f"{kind}_p05_score"),
        column(ts, f"{kind}_p95_score"),
        color=color,
        alpha=0.18,
        linewidth=0,
        label="5–95th pct.",
    )
    ax.fill_between(
        day,
        column(ts, f"{kind}_p25_score"),
        column(ts, f"{kind}_p75_score"),
        color=color,
        alpha=0.38,
        linewidth=0,
        label="25–75th pct.",
    )
    ax.plot(day, column(ts, f"{kind}_median_score"), color=color, linewidth=1.8, label="median")
    ax.plot(
        day,
        column(ts, f"{kind}_mean_score"),
        color="0.1",
        linewidth=1.2,
        linestyle="--",
        label="mean",
    )
    low_line = column(ts, f"{kind}_min_score")
    high_line = column(ts, f"{kind}_max_score")
    ax.plot(day, low_line, color=color, linewidth=0.8, linestyle=":", label="min / max")
    ax.plot(day, high_line, color=color, linewidth=0.8, linestyle=":")
    # Zoom on where the scores are (most runs use a small part of the scale), keeping the
    # baseline in view; a bound is drawn when the scores come near it.
    low = min(np.nanmin(low_line), ctx.score_baseline)
    high = max(np.nanmax(high_line), ctx.score_baseline)
    pad = max(0.08 * (high - low), 0.01 * (ctx.score_upper - ctx.score_lower), 1.0)
    y_low = max(low - pad, ctx.score_lower - pad)
    y_high = min(high + pad, ctx.score_upper + pad)
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
    ax.set_ylim(y_low, y_high + 0.35 * (y_high - y_low))
    day_limits(ax, day)
    ax.set_title(_panel_title(kind, ctx))
    ax.set_xlabel("day")
    ax.set_ylabel("score (points)")
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper center", ncols=3, fontsize=8, frameon=False)


def plot_score_fan(
    ts: TimeSeries, ctx: FigureContext, ax_or_none: Axes | Sequence[Axes] | None = None
) -> Figure:
    """Percentile fan of scores over time, one panel per kind that had actors.

    Each panel shows the 5th–95th and 25th–75th percentile bands, the median (solid) and the
    mean (dashed), with the score bounds (dashed grey) and baseline (dotted grey).

    Args:
        ts: the run's time series.
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
                _draw_fan(ax, ts, kind, ctx)
            fig = axes[0].figure
            root = getattr(fig, "figure", fig)  # a SubFigure's root Figure
            assert isinstance(root, Figure)
            return root
        fig, axes = new_figure(max(len(kinds), 1))
        if not kinds:
            note_no_agents(axes[0], "score (points)")
        for ax, kind in zip(axes, kinds, strict=False):
            _draw_fan(ax, ts, kind, ctx)
        _finish_figure(fig, "Score distribution over time", ctx)
    return fig


def plot_list_sizes(ts: TimeSeries, ctx: FigureContext) -> Figure:
    """Blacklist and red-list sizes over time, one panel per kind that had actors.

    The left axis counts agents; the right axis gives the same as a percentage of the kind's
    starting population (``ctx.n_citizens`` / ``ctx.n_firms``) when that is positive.

    Args:
        ts: the run's time series.
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
            black = column(ts, f"{kind}_n_blacklisted")
            red = column(ts, f"{kind}_n_redlisted")
            ax.plot(day, black, color="0.1", linewidth=1.8, label="blacklisted")
            ax.plot(day, red, color="#d62728", linewidth=1.8, label="red-listed")
            each = [column(ts, f"{kind}_n_on_{name}") for name in ctx.list_names]
            for name, values in zip(ctx.list_names, each, strict=True):
                ax.plot(day, values, linewidth=1.0, linestyle="--", label=f"on {name}")
            top = float(np.nanmax(np.concatenate([black, red, *each]))) if day.size else 0.0
            ax.set_ylim(0.0, max(top * 1.25, 1.0))  # headroom for the legend
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            day_limits(ax, day)
            ax.set_title(_panel_title(kind, ctx))
            ax.set_xlabel("day")
            ax.set_ylabel("agents")
            ax.grid(True, alpha=0.25)
            ax.legend(loc="upper left", fontsize=8, frameon=False)
            n = ctx.n_of(kind)
            if n > 0:
                pct = ax.secondary_yaxis(
                    "right", functions=(lambda c, n=n: c * 100.0 / n, lambda p, n=n: p * n / 100.0)
                )
                pct.set_ylabel(f"% of {KIND_TITLE[kind].lower()}")
        _finish_figure(
            fig, "Blacklist and red-list sizes over time", ctx, right=0.93 if kinds else 0.97
        )
    return fig


def plot_grade_shares(ts: TimeSeries, ctx: FigureContext) -> Figure:
    """Stacked areas of each grade's share of agents per day, one panel per kind.

    The best grade is drawn on top and the worst at the bottom, coloured green to red.

    Args:
        ts: the run's time series.
        ctx: the run's context (``ctx.grade_names`` gives the grades, best first).

    Returns:
        The new figure.
    """
    kinds = present_kinds(ts)
    day = column(ts, "step")
    names = list(ctx.grade_names)
    colors = grade_colors(len(names))
    with default_style():
        fig, axes = new_figure(max(len(kinds), 1))
        if not kinds:
            note_no_agents(axes[0], "share of agents (%)")
        for ax, kind in zip(axes, kinds, strict=False):
            shares = grade_shares(ts, kind, names)
            # Stack worst first (bottom) so the legend, best first, reads top to bottom.
            ax.stackplot(
                day,
                shares[::-1],
                colors=colors[::-1],
                labels=names[::-1],
                edgecolor="white",
                linewidth=0.3,
            )
            ax.set_ylim(0.0, 100.0)
            day_limits(ax, day)
            ax.set_title(_panel_title(kind, ctx))
            ax.set_xlabel("day")
            ax.set_ylabel("share of agents (%)")
        if kinds:
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(
                handles[::-1],
                labels[::-1],
                title="grade",
                loc="center right",
                fontsize=9,
                frameon=False,
            )
        _finish_figure(fig, "Grade shares over time", ctx, right=0.88 if kinds else 0.97)
    return fig


def write_figures(ts: TimeSeries, ctx: FigureContext, out_dir: Path) -> list[Path]:
    """Render the three figures as PNGs into ``out_dir`` (created if missing).

    Args:
        ts: the run's time series.
        ctx: the run's context.
        out_dir: directory to write into.

    Returns:
        The paths of ``score_distribution.png``, ``list_sizes.png`` and ``grade_shares.png``,
        in that order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    makers: tuple[Callable[[TimeSeries, FigureContext], Figure], ...] = (
        plot_score_fan,
        plot_list_sizes,
        plot_grade_shares,
    )
    paths = []
    for name, make in zip(FIGURE_FILES, makers, strict=True):
        path = out_dir / name
        save_figure(make(ts, ctx), path)
        paths.append(path)
    return paths


def save_figure(fig: Figure, path: Path) -> None:
    """Write a figure as PNG, byte-for-byte the same for the same figure."""
    with default_style():
        fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None})
