"""Figures of a run's harms: pariah spirals, sanction cascades and innocents under sanction.

Like :mod:`score_sim.plots`, every function takes the run's time series as a ``dict`` of
equal-length 1-D arrays (one row per day, see :mod:`score_sim.metrics`) and a
:class:`~score_sim.plots.FigureContext`; the pariah figure also reads ``summary.json``'s data
(:func:`score_sim.summary.summarize`) and the cascade figure the cascade table
(:data:`score_sim.rules.sanctions.CASCADE_DTYPE` rows). Figures are drawn on the Agg canvas
under matplotlib's default style, never with ``pyplot``, with fixed size, margins and dpi, and
saved without a ``Software`` tag, so the same inputs give byte-identical PNGs.

:func:`plot_comparison` sets two runs' columns side by side, with their difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

from score_sim.plots import (
    DPI,
    FIGSIZE,
    KIND_COLOR,
    KIND_TITLE,
    FigureContext,
    caption,
    column,
    day_limits,
    default_style,
    new_figure,
    note_no_agents,
    present_kinds,
    save_figure,
)

__all__ = [
    "HARM_FIGURE_FILES",
    "MAX_COMPARISON_PANELS",
    "ccdf",
    "column_label",
    "plot_cascade_ccdf",
    "plot_comparison",
    "plot_innocents",
    "plot_pariahs",
    "row_shares",
    "write_harm_figures",
]

TimeSeries = Mapping[str, np.ndarray]

HARM_FIGURE_FILES = ("pariahs.png", "cascades.png", "innocents.png")
MAX_COMPARISON_PANELS = 6

_NO_CASCADES_NOTE = "no sanctions in this run"
_FALSE_FINDING_COLOR = "#d62728"
_TIE_COLOR = "#ff9f4a"
_B_COLOR = "#d95f02"
_A_COLOR = "#1f77b4"
_DIFF_COLOR = "0.45"
_JOBLESS_COLOR = "0.5"


def _finish(
    fig: Figure,
    title: str,
    caption_line: str,
    right: float = 0.97,
    wspace: float = 0.3,
    hspace: float | None = None,
) -> None:
    """Title, caption and fixed margins, as :mod:`score_sim.plots` lays out its figures."""
    fig.suptitle(title, fontsize=14, y=0.975)
    fig.text(0.5, 0.015, caption_line, ha="center", va="bottom", fontsize=8, color="0.35")
    fig.subplots_adjust(left=0.075, right=right, bottom=0.16, top=0.84, wspace=wspace)
    if hspace is not None:
        fig.subplots_adjust(hspace=hspace)


# --- pariah spirals -------------------------------------------------------------------------


def row_shares(matrix: np.ndarray) -> np.ndarray:
    """Each cell's share of its row, in percent; rows that sum to zero are NaN.

    Args:
        matrix: counts, rows = grade on day 0, columns = grade at the end.

    Returns:
        A float array of the same shape; each non-empty row sums to 100.
    """
    counts = np.asarray(matrix, dtype=float)
    total = counts.sum(axis=1, keepdims=True)
    shares = np.full_like(counts, np.nan)
    np.divide(counts * 100.0, total, out=shares, where=total > 0)
    return shares


def _ratio_text(ratio: Any, kinds: Sequence[str]) -> str:
    """The text box line(s) for the misconduct-rate ratio (a number, None, or one per kind)."""

    def line(value: Any, who: str = "") -> str:
        if value is None or not np.isfinite(float(value)):
            return f"{who}misconduct rate under restriction: n/a"
        return f"{who}misconduct rate under restriction: {float(value):.1f} times the rate without"

    if isinstance(ratio, Mapping):
        lines = [line(ratio.get(k), f"{KIND_TITLE[k]}: ") for k in kinds if k in ratio]
        return "\n".join(lines) if lines else line(None)
    return line(ratio)


def _draw_pariah_counts(ax: Axes, ts: TimeSeries, kinds: Sequence[str]) -> None:
    """Pariahs per kind and citizens under restriction (left axis); jobless (right axis)."""
    day = column(ts, "step")
    top = 0.0
    for kind in kinds:
        values = column(ts, f"{kind}_n_pariah")
        ax.plot(
            day,
            values,
            color=KIND_COLOR[kind],
            linewidth=2.0,
            label=f"{KIND_TITLE[kind].lower()}: pariahs",
        )
        top = max(top, float(np.nanmax(values, initial=0.0)))
    handles, labels = ax.get_legend_handles_labels()
    if "citizen" in kinds:
        restricted = column(ts, "citizen_n_restricted")
        ax.plot(
            day,
            restricted,
            color=KIND_COLOR["citizen"],
            linewidth=0.9,
            linestyle="--",
            label="citizens: under restriction",
        )
        top = max(top, float(np.nanmax(restricted, initial=0.0)))
        # Joblessness is often an order of magnitude larger: its own axis, on the right.
        jobless_ax = ax.twinx()
        jobless = column(ts, "citizen_n_unemployed")
        jobless_ax.plot(
            day,
            jobless,
            color=_JOBLESS_COLOR,
            linewidth=0.9,
            label="citizens: without a job (right)",
        )
        jobless_ax.set_ylim(0.0, max(float(np.nanmax(jobless, initial=0.0)) * 1.3, 1.0))
        jobless_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        jobless_ax.set_ylabel("citizens without a job (agents)", color=_JOBLESS_COLOR)
        jobless_ax.tick_params(axis="y", colors=_JOBLESS_COLOR)
        handles, labels = ax.get_legend_handles_labels()
        more_handles, more_labels = jobless_ax.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.set_ylim(0.0, max(top * 1.3, 1.0))  # headroom for the legend
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    day_limits(ax, day)
    ax.set_title("Pariahs, restricted and jobless")
    ax.set_xlabel("day")
    ax.set_ylabel("pariahs, restricted (agents)")
    ax.grid(True, alpha=0.25)
    ax.legend(handles, labels, loc="upper left", fontsize=8, frameon=False, ncols=2)


def _draw_transitions(
    ax: Axes, matrix: np.ndarray, grades: Sequence[str], kind: str, days: int | None
) -> None:
    shares = row_shares(matrix)
    counts = np.asarray(matrix, dtype=np.int64)
    image = ax.imshow(
        np.ma.masked_invalid(shares),
        cmap=mpl.colormaps["Blues"].with_extremes(bad="0.93"),  # empty rows in grey
        vmin=0.0,
        vmax=100.0,
        aspect="auto",
        interpolation="nearest",
    )
    n = len(grades)
    ticks = np.arange(n)
    row_n = counts.sum(axis=1)
    ax.set_xticks(ticks, list(grades))
    ax.set_yticks(ticks, [f"{g} ({c:,})" for g, c in zip(grades, row_n, strict=True)])
    ax.set_xticks(ticks[:-1] + 0.5, minor=True)
    ax.set_yticks(ticks[:-1] + 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    # One label per non-empty cell (at most grades² of them).
    rows, cols = np.nonzero(counts)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        share = shares[r, c]
        text = f"{share:.0f}" if share >= 9.95 or share == 0 else f"{share:.1f}"
        ax.text(
            c,
            r,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="white" if share > 60 else "0.1",
        )
    end = f"day {days}" if days is not None else "end"
    ax.set_title(f"{KIND_TITLE[kind]}: grade transitions (% of row)")
    ax.set_xlabel(f"grade at the end ({end})")
    ax.set_ylabel("grade on day 0 (agents)")
    colorbar = ax.figure.colorbar(image, ax=ax, fraction=0.06, pad=0.03)
    colorbar.set_label("share of row (%)")


def plot_pariahs(ts: TimeSeries, summary: Mapping[str, Any], ctx: FigureContext) -> Figure:
    """Pariahs over time and where each grade ended up.

    Left: pariahs per kind that had actors (thick lines), and citizens under restriction and
    without a job (thin lines), in agents. Right: the transition matrix from grade on day 0
    (rows) to grade at the end (columns) as a heatmap of each row's shares in percent, for
    citizens (firms when there were no citizens), with a text box giving the misconduct rate
    under restriction relative to the rate without.

    Args:
        ts: the run's time series.
        summary: the run's summary (``summary.json`` data); reads ``days`` and
            ``pariah_spiral.grade_transitions`` / ``misconduct_rate_ratio_restricted``. The
            ratio may be a number, ``None`` or a mapping of kind to number or ``None``.
        ctx: the run's context.

    Returns:
        The new figure.
    """
    kinds = present_kinds(ts)
    spiral = summary.get("pariah_spiral", {})
    transitions = spiral.get("grade_transitions", {})
    grades = list(transitions.get("grades", ctx.grade_names))
    with default_style():
        fig, (left, right) = new_figure(2)
        if kinds:
            _draw_pariah_counts(left, ts, kinds)
        else:
            note_no_agents(left, "agents")
        kind = next((k for k in kinds if np.asarray(transitions.get(k, [])).sum() > 0), None)
        if kind is None:
            note_no_agents(right, "grade on day 0 (agents)")
            right.set_xlabel("grade at the end")
        else:
            days = summary.get("days")
            _draw_transitions(right, np.asarray(transitions[kind]), grades, kind, days)
        _finish(fig, "Pariah spirals", caption(ctx), right=0.95, wspace=0.6)
        fig.subplots_adjust(bottom=0.27)
        fig.text(
            0.5,
            0.075,
            _ratio_text(spiral.get("misconduct_rate_ratio_restricted"), kinds),
            ha="center",
            va="bottom",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "#fff8e1", "edgecolor": "0.6"},
        )
    return fig


# --- cascades -------------------------------------------------------------------------------


def ccdf(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Complementary cumulative distribution of sizes: ``P(size >= s)`` at each distinct size.

    Args:
        sizes: one size per cascade (any real numbers; NaN not allowed).

    Returns:
        ``(s, p)``: the distinct sizes in increasing order and, for each, the fraction of
        sizes at least that large. ``p[0]`` is 1, ``p`` never increases, and ``p[-1]`` is the
        share of sizes equal to the largest. Both are empty when ``sizes`` is.
    """
    values = np.asarray(sizes, dtype=float).ravel()
    if values.size == 0:
        return np.empty(0), np.empty(0)
    s, counts = np.unique(values, return_counts=True)
    at_least = np.cumsum(counts[::-1])[::-1]
    return s, at_least / values.size


def _plain_log_ticks(axis: Axis) -> None:
    """Plain-number labels on a log axis: at 1, 2, 5 per decade over short spans, else 1."""
    lo, hi = sorted(axis.get_view_interval())
    short = np.log10(hi / lo) <= 2.5
    axis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0) if short else (1.0,)))
    axis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_minor_formatter(NullFormatter())


def _note_no_cascades(ax: Axes) -> None:
    ax.text(
        0.5,
        0.5,
        _NO_CASCADES_NOTE,
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontsize=11,
        color="0.35",
    )


def plot_cascade_ccdf(
    cascade_sizes: np.ndarray, n_sectors: np.ndarray, ctx: FigureContext
) -> Figure:
    """How far sanctions reach: cascade sizes and sectors restricted per cascade.

    Left: the CCDF ``P(size >= s)`` of cascade size (distinct agents restricted by one new
    sanction) on log-log axes, as a step plot. Cascades of size 0 cannot be drawn on a log
    axis and are counted in the legend instead. Right: number of cascades by the number of
    sectors they restricted. With no cascades both panels carry a note saying so.

    Args:
        cascade_sizes: agents restricted, one per cascade (``cascades["n_agents"]``).
        n_sectors: sectors restricted, one per cascade (``cascades["n_sectors"]``).
        ctx: the run's context.

    Returns:
        The new figure.
    """
    sizes = np.asarray(cascade_sizes, dtype=float).ravel()
    sectors = np.asarray(n_sectors, dtype=np.int64).ravel()
    with default_style():
        fig, (left, right) = new_figure(2)
        left.set_xscale("log")
        left.set_yscale("log")
        s, p = ccdf(sizes)
        shown = s > 0
        if shown.any():
            n_hidden = int(np.count_nonzero(sizes <= 0))
            label = "P(size ≥ s)"
            if n_hidden:
                label += f"\n({n_hidden:,} of size 0 not shown)"
            # P(size >= x) for x in (s[i-1], s[i]] is p[i]: steps drawn "pre".
            left.step(s[shown], p[shown], where="pre", color="0.1", linewidth=1.6, label=label)
            left.plot(s[shown], p[shown], "o", color="0.1", markersize=3.5)
            lo, hi = float(s[shown][0]), float(s[shown][-1])
            left.set_xlim(lo / 1.3, max(hi * 1.3, lo * 2.0))
            left.set_ylim(float(p[shown][-1]) / 2.0, 1.6)
            left.legend(loc="lower left", fontsize=8, frameon=False)
        else:
            left.set_xlim(1.0, 10.0)
            left.set_ylim(0.01, 1.6)
            _note_no_cascades(left)
        for axis in (left.xaxis, left.yaxis):
            _plain_log_ticks(axis)
        left.set_title(f"Cascade size (n = {sizes.size:,} cascades)")
        left.set_xlabel("cascade size s (agents restricted)")
        left.set_ylabel("P(size ≥ s) (share of cascades)")
        left.grid(True, which="both", alpha=0.25)

        if sectors.size:
            counts = np.bincount(np.maximum(sectors, 0))
            right.bar(
                np.arange(counts.size),
                counts,
                width=0.8,
                color="#7570b3",
                label="cascades",
            )
            right.set_ylim(0.0, max(float(counts.max()) * 1.25, 1.0))
            right.set_xlim(-0.6, counts.size - 0.4)
            right.legend(loc="upper left", fontsize=8, frameon=False)
        else:
            right.set_xlim(-0.6, 3.6)
            right.set_ylim(0.0, 1.0)
            _note_no_cascades(right)
        right.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_title("Sectors restricted per cascade")
        right.set_xlabel("sectors restricted (sectors)")
        right.set_ylabel("cascades")
        right.grid(True, axis="y", alpha=0.25)
        _finish(fig, "Sanction cascades", caption(ctx))
    return fig


# --- innocents ------------------------------------------------------------------------------


def _share_percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    out = np.zeros_like(part)
    np.divide(part * 100.0, whole, out=out, where=whole > 0)
    return out


def plot_innocents(ts: TimeSeries, ctx: FigureContext) -> Figure:
    """The innocent under sanction.

    Left: actors on a list without having done what it is for, per kind that had actors, in
    agents. Right: the innocent's share of all sanction-days so far, in percent, stacked into
    days under sanctions resting on false findings and days of restrictions reached through
    ties, with the total share as a line.

    Args:
        ts: the run's time series.
        ctx: the run's context.

    Returns:
        The new figure.
    """
    kinds = present_kinds(ts)
    day = column(ts, "step")
    sanction_days = column(ts, "sanction_days")
    false_share = _share_percent(column(ts, "false_finding_sanction_days"), sanction_days)
    tie_share = _share_percent(column(ts, "tie_sanction_days"), sanction_days)
    total_share = column(ts, "innocent_sanction_share") * 100.0
    with default_style():
        fig, (left, right) = new_figure(2)
        if kinds:
            top = 0.0
            for kind in kinds:
                values = column(ts, f"{kind}_n_listed_innocent")
                left.plot(
                    day,
                    values,
                    color=KIND_COLOR[kind],
                    linewidth=1.8,
                    label=KIND_TITLE[kind].lower(),
                )
                top = max(top, float(np.nanmax(values, initial=0.0)))
            left.set_ylim(0.0, max(top * 1.25, 1.0))
            left.yaxis.set_major_locator(MaxNLocator(integer=True))
            day_limits(left, day)
            left.set_title("Listed without having done it")
            left.set_xlabel("day")
            left.set_ylabel("agents")
            left.grid(True, alpha=0.25)
            left.legend(loc="upper left", fontsize=8, frameon=False)
            if top == 0:
                left.text(
                    0.5,
                    0.5,
                    "nobody listed without cause in this run",
                    ha="center",
                    va="center",
                    transform=left.transAxes,
                    fontsize=10,
                    color="0.35",
                )
        else:
            note_no_agents(left, "agents")

        right.stackplot(
            day,
            false_share,
            tie_share,
            colors=[_FALSE_FINDING_COLOR, _TIE_COLOR],
            alpha=0.55,
            linewidth=0,
            labels=["resting on false findings", "reached through ties"],
        )
        right.plot(day, total_share, color="0.1", linewidth=1.6, label="all innocent")
        right.set_ylim(0.0, 100.0)
        day_limits(right, day)
        right.set_title("Innocent share of sanction-days so far")
        right.set_xlabel("day")
        right.set_ylabel("share of sanction-days (%)")
        right.grid(True, alpha=0.25)
        right.legend(loc="upper left", fontsize=8, frameon=False)
        _finish(fig, "Innocents under sanction", caption(ctx))
    return fig


# --- files ----------------------------------------------------------------------------------


def write_harm_figures(
    ts: TimeSeries,
    cascades: np.ndarray,
    summary: Mapping[str, Any],
    ctx: FigureContext,
    out_dir: Path,
) -> list[Path]:
    """Render the three harm figures as PNGs into ``out_dir`` (created if missing).

    Args:
        ts: the run's time series.
        cascades: the run's cascades, rows of :data:`~score_sim.rules.sanctions.CASCADE_DTYPE`.
        summary: the run's summary (``summary.json`` data).
        ctx: the run's context.
        out_dir: directory to write into.

    Returns:
        The paths of ``pariahs.png``, ``cascades.png`` and ``innocents.png``, in that order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = (
        plot_pariahs(ts, summary, ctx),
        plot_cascade_ccdf(cascades["n_agents"], cascades["n_sectors"], ctx),
        plot_innocents(ts, ctx),
    )
    paths = []
    for name, fig in zip(HARM_FIGURE_FILES, figures, strict=True):
        path = out_dir / name
        save_figure(fig, path)
        paths.append(path)
    return paths


# --- comparison -----------------------------------------------------------------------------


def column_label(name: str) -> tuple[str, float]:
    """An axis label with units for a time-series column, and the factor to scale it by.

    Args:
        name: a column of :mod:`score_sim.metrics`.

    Returns:
        ``(label, factor)``; shares (0..1) are shown in percent (factor 100), the rest as is.
    """
    if name.endswith("_share"):
        return "share (%)", 100.0
    if name.endswith("_score"):
        return "score (points)", 1.0
    if name.endswith("sanction_days"):
        return "sanction-days so far (agent-days)", 1.0
    if name == "mean_cascade_size":
        return "agents per cascade", 1.0
    if name == "n_cascades":
        return "cascades so far", 1.0
    if name.endswith("_findings"):
        return "findings per day", 1.0
    if name == "n_inspections":
        return "inspections per day", 1.0
    if name == "n_appeals_pending":
        return "appeals pending", 1.0
    if name == "step":
        return "day", 1.0
    if name.startswith(("citizen_n_", "firm_n_")):
        return "agents", 1.0
    return "value", 1.0


def _grid_shape(n: int) -> tuple[int, int]:
    return (1, n) if n <= 3 else (2, (n + 1) // 2)


def plot_comparison(
    ts_a: TimeSeries,
    ts_b: TimeSeries,
    label_a: str,
    label_b: str,
    columns: Sequence[str],
    ctx_caption: str,
) -> Figure:
    """Two runs' columns over time, one small panel per column, with their difference.

    Each panel draws run A and run B against day on the left axis and ``B − A`` (on the days
    both runs have) as a thin grey line on a twin right axis, in the same units.

    Args:
        ts_a: run A's time series.
        ts_b: run B's time series.
        label_a: run A's name for legends and the title.
        label_b: run B's name.
        columns: the columns to compare, 1 to :data:`MAX_COMPARISON_PANELS`.
        ctx_caption: the caption line printed at the bottom (e.g. :func:`plots.caption`).

    Returns:
        The new figure, titled ``"<label_a> vs <label_b>"``.

    Raises:
        ValueError: when ``columns`` is empty or has more than six names.
        KeyError: when a run's series lacks a column.
    """
    columns = list(columns)
    if not 1 <= len(columns) <= MAX_COMPARISON_PANELS:
        raise ValueError(
            f"got {len(columns)} columns; compare between 1 and {MAX_COMPARISON_PANELS}"
        )
    day_a, day_b = column(ts_a, "step"), column(ts_b, "step")
    common, in_a, in_b = np.intersect1d(day_a, day_b, assume_unique=True, return_indices=True)
    n_rows, n_cols = _grid_shape(len(columns))
    with default_style():
        fig = Figure(figsize=(FIGSIZE[0], FIGSIZE[1] * (1.0 if n_rows == 1 else 1.6)), dpi=DPI)
        FigureCanvasAgg(fig)
        grid = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
        for ax in grid[len(columns) :]:
            ax.set_visible(False)
        twins: list[Axes] = []
        for ax, name in zip(grid, columns, strict=False):
            unit, factor = column_label(name)
            a = column(ts_a, name) * factor
            b = column(ts_b, name) * factor
            ax.plot(day_a, a, color=_A_COLOR, linewidth=1.5, label=label_a)
            ax.plot(day_b, b, color=_B_COLOR, linewidth=1.5, label=label_b)
            twin = ax.twinx()
            twins.append(twin)
            twin.plot(
                common,
                b[in_b] - a[in_a],
                color=_DIFF_COLOR,
                linewidth=0.8,
                linestyle="--",
                label=f"{label_b} − {label_a} (right)",
            )
            twin.tick_params(labelsize=7)
            twin.set_ylabel(f"difference ({_unit_only(unit)})", fontsize=8, color=_DIFF_COLOR)
            day_limits(ax, np.concatenate([day_a, day_b]))
            ax.set_title(name, fontsize=10)
            ax.set_xlabel("day", fontsize=8)
            ax.set_ylabel(unit, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.ticklabel_format(axis="y", useOffset=False)
            twin.ticklabel_format(axis="y", useOffset=False)
            ax.grid(True, alpha=0.25)
        # Every panel draws the same three lines: one legend for the figure, under the title.
        handles, labels = grid[0].get_legend_handles_labels()
        twin_handles, twin_labels = twins[0].get_legend_handles_labels()
        fig.legend(
            handles + twin_handles,
            labels + twin_labels,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.935),
            ncols=3,
            fontsize=9,
            frameon=False,
        )
        _finish(
            fig,
            f"{label_a} vs {label_b}",
            ctx_caption,
            right=0.93,
            wspace=0.55,
            hspace=None if n_rows == 1 else 0.45,
        )
        fig.subplots_adjust(top=0.8 if n_rows == 1 else 0.86, bottom=0.16 if n_rows == 1 else 0.11)
    return fig


def _unit_only(label: str) -> str:
    """The unit of an axis label: what is in its parentheses, or the label itself."""
    start, end = label.rfind("("), label.rfind(")")
    return label[start + 1 : end] if 0 <= start < end else label
