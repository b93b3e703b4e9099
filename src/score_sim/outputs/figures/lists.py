"""Figure of who is listed over a run: ``list_sizes.png``.

For the reader of a run's folder, a student or a teacher: the blacklist and the red list,
and any further list of the scenario, in actors per day, one panel per kind of actor that
had actors; each legend entry gives the last day's count as a share of the kind's starting
population. A band across seeds draws as its median and 5-95% range.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

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
    thousands,
    top_of,
)

_EXTRA_LIST_STYLES: tuple[tuple[str, Any], ...] = (
    ("0.45", "--"),
    ("0.3", "-."),
    ("0.55", (0, (8, 2, 2, 2, 2, 2))),
    ("0.2", (0, (10, 3))),
)
"""Grey shade and dash of each further list, in turn: told apart from each other, and
from the dotted lines of policy changes."""


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
            note_no_agents(axes[0], "citizens and firms")
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
            ax.set_title(panel_title(kind, ctx))
            ax.set_xlabel("day")
            ax.set_ylabel(KIND_TITLE[kind].lower())
            ax.grid(True, alpha=0.25)
            ax.legend(loc="upper left", fontsize=8, frameon=False)
        finish_figure(fig, "Blacklist and red-list sizes over time", ctx)
        mark_policy_changes(fig, ctx)
    return fig
