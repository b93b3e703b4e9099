"""Figure of the innocent under sanction: ``innocents.png``.

For the reader asking who pays for the regime's errors. Left, actors on a list without
having done what it is for, per kind of actor that had actors; right, the innocent's share
of all sanction-days so far, and its two parts: days under sanctions resting on false
findings and days of restrictions reached through ties. A band across seeds draws as its
median and 5-95% range.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from score_sim.outputs.figures import palette
from score_sim.outputs.figures.base import (
    KIND_TITLE,
    FigureContext,
    TimeSeries,
    caption,
    column,
    day_limits,
    default_style,
    draw_series,
    finish_layout,
    mark_policy_changes,
    new_figure,
    note_no_agents,
    panel_note,
    present_kinds,
    thousands,
    top_of,
)
from score_sim.outputs.figures.palette import KIND_COLOR, KIND_LINESTYLE


def _share_percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    out = np.zeros_like(part)
    np.divide(part * 100.0, whole, out=out, where=whole > 0)
    return out


def plot_innocents(ts: TimeSeries, ctx: FigureContext) -> Figure:
    """The innocent under sanction.

    Left: actors on a list without having done what it is for, per kind that had actors, in
    agents. Right: the innocent's share of all sanction-days so far, in percent, and its two
    parts: days under sanctions resting on false findings and days of restrictions reached
    through ties.

    Args:
        ts: the run's time series (or bands across seeds).
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
            values = []
            for kind in kinds:
                series = column(ts, f"{kind}_n_listed_innocent")
                values.append(series)
                draw_series(
                    left,
                    day,
                    series,
                    color=KIND_COLOR[kind],
                    linestyle=KIND_LINESTYLE[kind],
                    label=KIND_TITLE[kind].lower(),
                )
            top = top_of(*values)
            left.set_ylim(0.0, max(top * 1.25, 1.0))
            thousands(left)
            day_limits(left, day)
            left.set_title("Listed without having done it")
            left.set_xlabel("day")
            left.set_ylabel("citizens and firms" if len(kinds) > 1 else f"{kinds[0]}s")
            left.grid(True, alpha=0.25)
            left.legend(loc="upper left", fontsize=8, frameon=False)
            if top == 0:
                panel_note(left, "nobody listed without cause in this run")
        else:
            note_no_agents(left, "citizens and firms")

        draw_series(right, day, total_share, color=palette.BLACK, label="all innocent")
        draw_series(
            right,
            day,
            false_share,
            color=palette.FALSE_FINDING,
            label="resting on false findings",
            linewidth=1.4,
        )
        draw_series(
            right, day, tie_share, color=palette.TIE, label="reached through ties", linewidth=1.4
        )
        right.set_ylim(0.0, 100.0)
        day_limits(right, day)
        right.set_title("Innocent share of sanction-days so far")
        right.set_xlabel("day")
        right.set_ylabel("share of sanction-days (%)")
        right.grid(True, alpha=0.25)
        right.legend(loc="upper left", fontsize=8, frameon=False)
        days = np.asarray(sanction_days, dtype=float)
        if not np.any(np.isfinite(days) & (days > 0)):
            panel_note(right, "no sanctions in this run: no sanction-days to share out")
        elif not np.any(np.nan_to_num(np.asarray(total_share, dtype=float)) > 0):
            panel_note(right, "no sanction-day fell on an innocent in this run")
        finish_layout(fig, "Innocents under sanction", caption(ctx))
        mark_policy_changes(fig, ctx)
    return fig
