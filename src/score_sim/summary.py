"""Moved to score_sim.outputs.summary; kept so older imports work.

``summary.json``'s headline numbers are built by :mod:`score_sim.outputs.summary`; this
module re-exports its functions for the notebooks, scripts and benchmarks that import
them from here (``from score_sim.summary import summarize``).
"""

from __future__ import annotations

from score_sim.outputs.summary import (
    cascade_reach,
    closing_lines,
    days_to_clear,
    deterrence_report,
    distribution,
    grade_transitions,
    scores_summary,
    selection_vs_feedback,
    sharing_and_corporate_summary,
    summarize,
    timeline_report,
)

__all__ = [
    "cascade_reach",
    "closing_lines",
    "days_to_clear",
    "deterrence_report",
    "distribution",
    "grade_transitions",
    "scores_summary",
    "selection_vs_feedback",
    "sharing_and_corporate_summary",
    "summarize",
    "timeline_report",
]
