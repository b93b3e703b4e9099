"""Figures of what happens to a record: data sharing, the escalation ladder, the letters.

For the reader of a run whose scenario turns these mechanisms on (data sharing between
agencies, the corporate registry's escalation ladder, commitment letters); other runs do
not get them:

- ``sharing.png``: left, the restrictions listings call for today that are still on their
  way to their agency and those whose record never arrives (actor-restriction pairs);
  right, the share of the restriction-days called for so far that were spared, by the
  delay and by the missing records.
- ``ladder.png``: left, the firms at each stage of the escalation ladder; right, the firms
  closed, and (with commitment letters) the letters held and the promises broken so far.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from score_sim.outputs.figures import palette
from score_sim.outputs.figures.base import (
    FigureContext,
    TimeSeries,
    column,
    day_limits,
    default_style,
    draw_series,
    finish_figure,
    new_figure,
    thousands,
    top_of,
)
from score_sim.outputs.figures.saving import FigureJob
from score_sim.scenario import LADDER_STAGES

SHARING_FILE = "sharing.png"
LADDER_FILE = "ladder.png"


def _share_percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    out = np.zeros_like(part, dtype=float)
    np.divide(part * 100.0, whole, out=out, where=whole > 0)
    return out


def _counts_panel(ax, day, lines, title: str, ylabel: str) -> None:
    for label, values, color, style in lines:
        draw_series(ax, day, values, color=color, label=label, linestyle=style)
    top = top_of(*(values for _, values, _, _ in lines))
    ax.set_ylim(0.0, max(top * 1.35, 1.0))  # headroom for the legend
    thousands(ax)
    day_limits(ax, day)
    ax.set_title(title)
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper left", fontsize=8, frameon=False)


def plot_sharing(ts: TimeSeries, ctx: FigureContext) -> Figure:
    """Restrictions waiting for their record, and the restriction-days the network spared.

    Args:
        ts: the run's time series (or bands across seeds), with the sharing columns.
        ctx: the run's context.

    Returns:
        The new figure.
    """
    day = column(ts, "step")
    called = column(ts, "restriction_days_called")
    with default_style():
        fig, (left, right) = new_figure(2)
        _counts_panel(
            left,
            day,
            [
                ("on their way", column(ts, "n_restrictions_pending"), palette.ORANGE, "-"),
                ("never arriving", column(ts, "n_restrictions_missing"), palette.BLACK, "--"),
            ],
            "Restrictions called for, not in force",
            "actor-restrictions",
        )
        delayed = _share_percent(column(ts, "restriction_days_delayed"), called)
        missing = _share_percent(column(ts, "restriction_days_missing"), called)
        draw_series(right, day, delayed + missing, color=palette.DARK_GREY, label="spared in all")
        draw_series(right, day, delayed, color=palette.ORANGE, label="by the delay")
        draw_series(
            right, day, missing, color=palette.BLACK, label="by missing records", linestyle="--"
        )
        right.set_ylim(0.0, max(top_of(delayed + missing) * 1.35, 1.0))
        day_limits(right, day)
        right.set_title("Restriction-days spared so far")
        right.set_xlabel("day")
        right.set_ylabel("% of restriction-days called for")
        right.grid(True, alpha=0.25)
        right.legend(loc="upper left", fontsize=8, frameon=False)
        finish_figure(fig, "Listings reach the agencies late, or never", ctx)
    return fig


def plot_ladder(ts: TimeSeries, ctx: FigureContext) -> Figure:
    """Firms at each stage of the escalation ladder; closures and commitment letters.

    Args:
        ts: the run's time series (or bands across seeds), with the ladder's columns.
        ctx: the run's context.

    Returns:
        The new figure.
    """
    day = column(ts, "step")
    colors = palette.grade_colors(len(LADDER_STAGES))
    stages = [
        (name.replace("_", " "), column(ts, f"firm_n_stage_{name}"), color, "-")
        for name, color in zip(LADDER_STAGES, colors, strict=True)
    ]
    outcomes = [("firms closed", column(ts, "firm_n_closed"), palette.BLACK, "-")]
    if "firm_n_commitments" in ts:
        outcomes += [
            ("letters held", column(ts, "firm_n_commitments"), palette.GREEN, "-"),
            ("promises broken", column(ts, "firm_n_commitments_broken"), palette.PURPLE, "--"),
        ]
    with default_style():
        fig, (left, right) = new_figure(2)
        _counts_panel(left, day, stages, f"Firms at each stage (n = {ctx.n_firms:,})", "firms")
        left.set_ylim(0.0, max(top_of(*(v for _, v, _, _ in stages)) * 1.8, 1.0))
        left.legend(loc="upper left", fontsize=7, frameon=False, ncol=2)
        _counts_panel(right, day, outcomes, "Closures and commitment letters", "firms")
        finish_figure(fig, "The escalation ladder of the corporate registry", ctx)
    return fig


def record_figure_jobs(ts: TimeSeries, ctx: FigureContext, out_dir: Path) -> list[FigureJob]:
    """The figures of this module the run's columns call for, as (path, drawing function)."""
    out_dir = Path(out_dir)
    jobs: list[FigureJob] = []
    if "restriction_days_called" in ts:
        jobs.append((out_dir / SHARING_FILE, lambda: plot_sharing(ts, ctx)))
    if f"firm_n_stage_{LADDER_STAGES[0]}" in ts:
        jobs.append((out_dir / LADDER_FILE, lambda: plot_ladder(ts, ctx)))
    return jobs
