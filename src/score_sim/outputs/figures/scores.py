"""Figures of scores and grades over a run: ``score_distribution.png``, ``grade_shares.png``.

For the reader of a run's folder, a student or a teacher. The score fan shows how scores
spread over time, one panel per kind of actor that had actors: percentile bands, median and
mean, with the score bounds and the baseline. The grade figure shows each grade's share of
a kind per day on a logarithmic axis, so a grade holding 0.1% is as visible as one holding
99%, and the share of each kind that changed grade by the end. A band across seeds draws as
its median and 5-95% range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullLocator

from score_sim.outputs.figures import palette
from score_sim.outputs.figures.base import (
    KIND_TITLE,
    FigureContext,
    TimeSeries,
    column,
    day_limits,
    default_style,
    draw_series,
    finish_figure,
    mark_policy_changes,
    median_of,
    new_figure,
    note_no_agents,
    panel_title,
    present_kinds,
)
from score_sim.outputs.figures.palette import KIND_COLOR, grade_colors


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
    ax.set_title(panel_title(kind, ctx))
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
        finish_figure(fig, title, ctx)
        mark_policy_changes(fig, ctx)
    return fig


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
            ax.set_title(panel_title(kind, ctx))
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
        finish_figure(fig, "Grades over time", ctx, wspace=0.45)
        if with_moves:
            fig.subplots_adjust(left=0.08)
        mark_policy_changes(fig, ctx)
    return fig
