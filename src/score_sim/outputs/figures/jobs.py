"""Which figures a run draws, into which files, in file order.

For the commands that write a run's folder (``score-sim run``, ``--seeds``) and for the
benchmarks that time them: each family's figures as jobs (a file and the function that
draws it, :data:`~score_sim.outputs.figures.saving.FigureJob`), and :func:`run_figure_jobs`,
every figure of one finished run. Every run gets the score, list and grade figures and the
harm figures (pariahs, cascades, innocents; trajectories when it had pariahs; selection or
feedback when it ran its twin without feedback); the record and system figures come when
its scenario turns their mechanisms on (:mod:`~score_sim.outputs.figures.records`,
:mod:`~score_sim.outputs.figures.systems`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from score_sim.history import Trajectories
from score_sim.outputs.figures.base import FigureContext, TimeSeries, column
from score_sim.outputs.figures.cascades import plot_cascade_ccdf
from score_sim.outputs.figures.innocents import plot_innocents
from score_sim.outputs.figures.lists import plot_list_sizes
from score_sim.outputs.figures.pariahs import (
    plot_pariahs,
    plot_selection_feedback,
    plot_trajectories,
)
from score_sim.outputs.figures.records import record_figure_jobs
from score_sim.outputs.figures.saving import FigureJob, save_figures
from score_sim.outputs.figures.scores import plot_grade_shares, plot_score_fan
from score_sim.outputs.figures.systems import system_figure_jobs

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

FIGURE_FILES = ("score_distribution.png", "list_sizes.png", "grade_shares.png")
HARM_FIGURE_FILES = ("pariahs.png", "cascades.png", "innocents.png")
TRAJECTORIES_FILE = "trajectories.png"
SELECTION_FEEDBACK_FILE = "selection_feedback.png"


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


def has_pariahs(ts: TimeSeries) -> bool:
    """Whether any actor was a pariah on any day of the run."""
    return any(
        name in ts and float(np.nanmax(column(ts, name), initial=0.0)) > 0
        for name in ("citizen_n_pariah", "firm_n_pariah")
    )


def harm_figure_jobs(
    ts: TimeSeries,
    cascades: np.ndarray,
    summary: Mapping[str, Any],
    ctx: FigureContext,
    out_dir: Path,
    trajectories: Trajectories | None = None,
) -> list[FigureJob]:
    """The harm figures to draw into ``out_dir``, as (path, drawing function) pairs.

    See :func:`write_harm_figures` for which figures a run gets.
    """
    out_dir = Path(out_dir)
    jobs: list[FigureJob] = [
        (out_dir / HARM_FIGURE_FILES[0], lambda: plot_pariahs(ts, summary, ctx)),
        (out_dir / HARM_FIGURE_FILES[1], lambda: plot_cascade_ccdf(cascades, ctx)),
        (out_dir / HARM_FIGURE_FILES[2], lambda: plot_innocents(ts, ctx)),
    ]
    if trajectories is not None and has_pariahs(ts):
        jobs.append((out_dir / TRAJECTORIES_FILE, lambda: plot_trajectories(trajectories, ctx)))
    decomposition = summary.get("selection_vs_feedback")
    if decomposition is not None:
        jobs.append(
            (
                out_dir / SELECTION_FEEDBACK_FILE,
                lambda: plot_selection_feedback(decomposition, ctx),
            )
        )
    return jobs


def write_harm_figures(
    ts: TimeSeries,
    cascades: np.ndarray,
    summary: Mapping[str, Any],
    ctx: FigureContext,
    out_dir: Path,
    trajectories: Trajectories | None = None,
) -> list[Path]:
    """Render the harm figures as PNGs into ``out_dir`` (created if missing).

    Always ``pariahs.png``, ``cascades.png`` and ``innocents.png``; ``trajectories.png``
    when ``trajectories`` are given and the run had pariahs; ``selection_feedback.png``
    when the summary holds ``selection_vs_feedback``.

    Args:
        ts: the run's time series (or bands across seeds).
        cascades: the run's cascades, rows of :data:`~score_sim.mechanisms.sanctions.CASCADE_DTYPE`.
        summary: the run's summary (``summary.json`` data).
        ctx: the run's context.
        out_dir: directory to write into.
        trajectories: the run's sampled score histories, or None.

    Returns:
        The paths written, in the order above.
    """
    return save_figures(harm_figure_jobs(ts, cascades, summary, ctx, out_dir, trajectories))


def run_figure_jobs(model: ScoreModel, summary: dict[str, Any], out_dir: Path) -> list[FigureJob]:
    """Every figure of a finished run, as (path, drawing function) pairs, in file order.

    The run's own figures, its harm figures, and the record and system figures its scenario
    calls for; ``summary`` is the run's :func:`~score_sim.outputs.summary.summarize` data.
    ``benchmarks/figures.py`` times exactly these.
    """
    timeseries = model.timeseries()
    context = FigureContext.of_model(model)
    return (
        figure_jobs(timeseries, context, out_dir, summary["pariah_spiral"]["grade_transitions"])
        + harm_figure_jobs(
            timeseries,
            model.sanctions.cascades,
            summary,
            context,
            out_dir,
            model.trajectories(),
        )
        + record_figure_jobs(timeseries, context, out_dir)
        + system_figure_jobs(timeseries, context, out_dir, model.score_scenario)
    )
