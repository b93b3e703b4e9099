"""Figures of the further scores and of the perks: drawn only when a scenario has them.

For the reader of a run with several scores on the same people (``scores:``) or with
rewards (``perks:``):

- ``scores.png``: for each further system of ``scores:`` (Sesame, Tencent, a tax grade),
  each band's share of its carriers over time, one panel per system and kind of actor.
- ``perks.png``: each perk's uses so far, and how many actors qualify for it, over time.

Both read the time-series columns of :mod:`score_sim.mechanisms.systems` and
:mod:`score_sim.mechanisms.perks`, so a band across seeds draws as a median and 5-95% band.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from score_sim.outputs.figures.base import (
    FigureContext,
    TimeSeries,
    column,
    day_limits,
    default_style,
    draw_series,
    finish_figure,
    is_band,
    new_figure,
    thousands,
)
from score_sim.outputs.figures.palette import grade_colors
from score_sim.outputs.figures.saving import FigureJob
from score_sim.scenario import Scenario, Who

SCORES_FILE = "scores.png"
PERKS_FILE = "perks.png"
_PERK_STYLES = ("-", "--", ":", "-.")
_PERK_COLORS = ("#1b6ca8", "#d1495b", "#66a182", "#edae49", "#8e6c8a", "#00798c", "#6c757d")


def plot_scores(ts: TimeSeries, ctx: FigureContext, scenario: Scenario) -> Figure:
    """Each further system's band shares over time, one panel per system and kind.

    Args:
        ts: the run's time series (or bands across seeds).
        ctx: the run's context (caption).
        scenario: the scenario (its systems, their bands and who carries them).
    """
    panels = [
        (name, kind.value, [band.name for band in system.grades], system)
        for name, system in scenario.scores.items()
        for kind in (Who.citizen, Who.firm)
        if kind in system.who
    ][:4]
    day = column(ts, "step")
    with default_style():
        fig, axes = new_figure(len(panels))
        for ax, (name, kind, grades, system) in zip(axes, panels, strict=True):
            colors = grade_colors(len(grades))
            for grade, color in zip(grades, colors, strict=True):
                share = 100.0 * np.asarray(column(ts, f"{kind}_{name}_share_grade_{grade}"))
                draw_series(ax, day, share, color=color, label=grade, linewidth=1.6)
            ax.set_ylim(0, 100)
            day_limits(ax, day)
            label = system.label or name
            ax.set_title(f"{label[:40]}: {kind}s", fontsize=10)
            ax.set_xlabel("day")
            ax.set_ylabel(f"share of carriers in each band (%), {system.lower:g}..{system.upper:g}")
            ax.grid(True, alpha=0.25)
            ax.legend(title="band", fontsize=8, title_fontsize=8, loc="upper right")
        finish_figure(fig, "Further scores: who holds each band", ctx)
    return fig


def plot_perks(
    ts: TimeSeries,
    ctx: FigureContext,
    perk_names: list[str],
    perk_labels: Mapping[str, str] | None = None,
) -> Figure:
    """Each perk's uses so far (left) and how many actors qualify for it (right).

    Args:
        ts: the run's time series (or bands across seeds).
        ctx: the run's context (caption).
        perk_names: the perks, in the scenario's order.
        perk_labels: each perk's words for readers (its ``label``), where it has some;
            the legend shows them, else the perk's name with spaces.
    """
    words = {name: (perk_labels or {}).get(name) or name.replace("_", " ") for name in perk_names}
    day = column(ts, "step")
    with default_style():
        fig, (used, qualified) = new_figure(2)
        for i, name in enumerate(perk_names):
            color = _PERK_COLORS[i % len(_PERK_COLORS)]
            style = _PERK_STYLES[i % len(_PERK_STYLES)]  # perks of one trigger overlap
            uses = np.asarray(column(ts, f"perk_{name}_n_uses"), dtype=float)
            so_far = np.cumsum(uses, axis=1 if is_band(uses) else 0)
            draw_series(used, day, so_far, color=color, label=words[name], linestyle=style)
            draw_series(
                qualified,
                day,
                column(ts, f"perk_{name}_n_qualified"),
                color=color,
                label=words[name],
                linestyle=style,
            )
        for ax, ylabel, title in (
            (used, "uses so far", "Uses received"),
            (qualified, "actors who qualify", "Who qualifies (red list or band)"),
        ):
            day_limits(ax, day)
            thousands(ax)
            ax.set_title(title)
            ax.set_xlabel("day")
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.25)
        used.legend(title="perk", fontsize=8, title_fontsize=8, loc="upper left")
        finish_figure(fig, "Perks: rewards received", ctx)
    return fig


def system_figure_jobs(
    ts: TimeSeries, ctx: FigureContext, out_dir: Path, scenario: Scenario
) -> list[FigureJob]:
    """The figures of further scores and perks to draw, none when the scenario has neither."""
    out_dir = Path(out_dir)
    jobs: list[FigureJob] = []
    if scenario.scores:
        jobs.append((out_dir / SCORES_FILE, lambda: plot_scores(ts, ctx, scenario)))
    if scenario.perks:
        names = list(scenario.perks)
        labels = {name: perk.label for name, perk in scenario.perks.items()}
        jobs.append((out_dir / PERKS_FILE, lambda: plot_perks(ts, ctx, names, labels)))
    return jobs
