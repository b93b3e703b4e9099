"""Moved to score_sim.outputs.figures; kept so older imports work.

The figures of a run now live one family to a module under :mod:`score_sim.outputs.figures`
(the shared machinery in :mod:`~score_sim.outputs.figures.base` and
:mod:`~score_sim.outputs.figures.saving`); this module re-exports what it used to offer,
for the notebooks, scripts and benchmarks that import it from here.
"""

from __future__ import annotations

from score_sim.outputs.figures.base import (
    DPI,
    FIGSIZE,
    FigureContext,
    caption,
    default_style,
    draw_series,
    is_band,
    present_kinds,
)
from score_sim.outputs.figures.jobs import FIGURE_FILES, figure_jobs, write_figures
from score_sim.outputs.figures.lists import plot_list_sizes
from score_sim.outputs.figures.palette import grade_colors
from score_sim.outputs.figures.saving import (
    DRAW_COST,
    FigureJob,
    default_workers,
    save_figure,
    save_figures,
)
from score_sim.outputs.figures.scores import grade_shares, plot_grade_shares, plot_score_fan

__all__ = [
    "DPI",
    "DRAW_COST",
    "FIGSIZE",
    "FIGURE_FILES",
    "FigureContext",
    "FigureJob",
    "caption",
    "default_style",
    "default_workers",
    "draw_series",
    "figure_jobs",
    "grade_colors",
    "grade_shares",
    "is_band",
    "plot_grade_shares",
    "plot_list_sizes",
    "plot_score_fan",
    "present_kinds",
    "save_figure",
    "save_figures",
    "write_figures",
]
