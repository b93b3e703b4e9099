"""Figure of two worlds side by side: the ``comparison.png`` of ``score-sim compare``.

For the reader of a comparison, and for the browser app's twin-world tab: each compared
time-series column of run A and run B against day, one small panel per column, with its
difference ``B − A`` below it in the same units. Columns that are zero throughout in both
runs are named in a note rather than drawn as empty panels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from score_sim.outputs.figures import palette
from score_sim.outputs.figures.base import (
    DPI,
    FIGSIZE,
    TimeSeries,
    column,
    day_limits,
    default_style,
    finish_layout,
    mark_changes,
    panel_note,
)
from score_sim.outputs.labels import metric_label

MAX_COMPARISON_PANELS = 6


def column_label(name: str) -> tuple[str, float]:
    """An axis label with units for a time-series column, and the factor to scale it by.

    Args:
        name: a column of :mod:`score_sim.mechanisms.metrics`.

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
    if name.startswith("citizen_n_"):
        return "citizens", 1.0
    if name.startswith("firm_n_"):
        return "firms", 1.0
    return "value", 1.0


def nonzero_columns(ts_a: TimeSeries, ts_b: TimeSeries, columns: Sequence[str]) -> list[str]:
    """The columns that are not zero (or missing values) on every day in both runs."""
    kept = []
    for name in columns:
        values = np.concatenate([column(ts_a, name).ravel(), column(ts_b, name).ravel()])
        if np.any(np.isfinite(values) & (values != 0)):
            kept.append(name)
    return kept


def plot_comparison(
    ts_a: TimeSeries,
    ts_b: TimeSeries,
    label_a: str,
    label_b: str,
    columns: Sequence[str],
    ctx_caption: str,
    title: str | None = None,
    policy_changes: Sequence[tuple[int, str]] = (),
) -> Figure:
    """Two runs' columns over time, one small panel per column, their difference below it.

    Each column that is non-zero in either run gets a panel drawing run A and run B against
    day and, underneath, its own panel with ``B − A`` on the days both runs have, in the
    same units. Columns that are zero throughout in both runs are left out (and named in a
    note) rather than drawn as empty panels.

    Args:
        ts_a: run A's time series.
        ts_b: run B's time series.
        label_a: run A's name for legends.
        label_b: run B's name (say what changed, e.g. ``"B: effects.enabled=false"``).
        columns: the columns to compare, 1 to :data:`MAX_COMPARISON_PANELS`.
        ctx_caption: the caption line printed at the bottom (e.g.
            :func:`~score_sim.outputs.figures.base.caption`).
        title: the figure's title; default ``"<label_a> vs <label_b>"``.
        policy_changes: the policy timelines' entries the runs reached, ``(day, note)``,
            marked as dashed lines with their notes.

    Returns:
        The new figure.

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
    kept = nonzero_columns(ts_a, ts_b, columns)
    dropped = [c for c in columns if c not in kept]
    n_groups = 1 if len(kept) <= 3 else 2
    n_cols = max(min(len(kept), 3), 1) if n_groups == 1 else (len(kept) + 1) // 2
    with default_style():
        fig = Figure(figsize=(FIGSIZE[0], 5.6 if n_groups == 1 else 9.0), dpi=DPI)
        FigureCanvasAgg(fig)
        # per group of panels: values, then the difference; a spacer row between groups
        ratios = [2.2, 1.0] if n_groups == 1 else [2.2, 1.0, 0.75, 2.2, 1.0]
        grid = fig.subplots(
            len(ratios), n_cols, squeeze=False, gridspec_kw={"height_ratios": ratios}
        )
        if n_groups == 2:
            for ax in grid[2]:
                ax.set_visible(False)
        value_rows = [0] if n_groups == 1 else [0, 3]
        values_axes = [grid[r, c] for r in value_rows for c in range(n_cols)]
        diff_axes = [grid[r + 1, c] for r in value_rows for c in range(n_cols)]
        for ax in values_axes[len(kept) :] + diff_axes[len(kept) :]:
            ax.set_visible(False)
        for ax, diff_ax, name in zip(values_axes, diff_axes, kept, strict=False):
            unit, factor = column_label(name)
            a = column(ts_a, name) * factor
            b = column(ts_b, name) * factor
            ax.plot(day_a, a, color=palette.WORLD_A, linewidth=2.2, label=label_a)
            ax.plot(day_b, b, color=palette.WORLD_B, linewidth=1.2, label=label_b)
            diff_ax.plot(
                common,
                b[in_b] - a[in_a],
                color=palette.DIFFERENCE,
                linewidth=1.3,
                label="B − A",
            )
            diff_ax.axhline(0.0, color="0.45", linewidth=0.7)
            for panel in (ax, diff_ax):
                day_limits(panel, np.concatenate([day_a, day_b]))
                panel.tick_params(labelsize=7)
                panel.ticklabel_format(axis="y", useOffset=False, style="plain")
                panel.yaxis.set_major_locator(MaxNLocator(nbins=4))
                panel.grid(True, alpha=0.25)
            ax.set_title(metric_label(name), fontsize=9)
            ax.set_ylabel(unit, fontsize=8)
            ax.tick_params(labelbottom=False)
            diff_ax.set_xlabel("day", fontsize=8)
            diff_ax.set_ylabel("B − A", fontsize=8, color=palette.DIFFERENCE)
        if kept:
            handles, labels = values_axes[0].get_legend_handles_labels()
            diff_handles, diff_labels = diff_axes[0].get_legend_handles_labels()
            fig.legend(
                handles + diff_handles,
                labels + diff_labels,
                loc="upper center",
                bbox_to_anchor=(0.5, 0.935 if n_groups == 1 else 0.955),
                ncols=3,
                fontsize=9,
                frameon=False,
            )
        else:
            values_axes[0].set_visible(True)
            panel_note(values_axes[0], "every compared column is zero in both worlds")
            values_axes[0].set_xticks([])
            values_axes[0].set_yticks([])
        finish_layout(
            fig,
            title or f"{label_a} vs {label_b}",
            ctx_caption,
            right=0.97,
            wspace=0.45,
            hspace=0.12,
            left=0.09,
        )
        if dropped:
            fig.text(
                0.5,
                0.045 if n_groups == 1 else 0.03,
                f"zero in both worlds, not drawn: {', '.join(metric_label(c) for c in dropped)}",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        if n_groups == 1:
            fig.subplots_adjust(top=0.8, bottom=0.17)
        else:
            fig.subplots_adjust(top=0.87, bottom=0.1)
        mark_changes(fig, policy_changes)
    return fig
