"""Figures of pariah spirals: ``pariahs.png``, ``trajectories.png``, ``selection_feedback.png``.

For the reader asking whether sanctions trap people. The pariah figure shows pariahs,
actors under restriction and jobs lost to sanctions over time, with the misconduct rate
under restriction relative to the rest's; the trajectories figure follows sampled pariahs'
scores from a year before their first listing, beside matched actors never listed; the
selection-or-feedback figure splits that rate ratio into the part due to who is restricted
and the part due to what restriction does. They read the time series (a 2-D column is a
band across seeds), ``summary.json``'s data (:func:`score_sim.outputs.summary.summarize`)
and a sample of score histories (:class:`score_sim.history.Trajectories`); a headline may
be one run's number or a distribution over seeds (:func:`headline`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from score_sim.history import Trajectories
from score_sim.outputs.figures import palette
from score_sim.outputs.figures.base import (
    DPI,
    FIGSIZE,
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
    median_of,
    new_figure,
    note_no_agents,
    panel_note,
    present_kinds,
    thousands,
    top_of,
)
from score_sim.outputs.figures.palette import KIND_COLOR, KIND_LINESTYLE

MAX_TRAJECTORY_PANELS = 6


# --- numbers that may be one run's or a distribution over seeds ------------------------------


def headline(value: Any) -> tuple[float, float, float]:
    """A headline as ``(middle, low, high)``: a number gives itself three times.

    Accepts a number, None (NaN), a list of numbers (one per seed: median and 5-95%
    percentiles) or an ensemble summary's ``{"median": m, "p05": a, "p95": b}``.
    """
    if isinstance(value, Mapping):
        return tuple(  # type: ignore[return-value]
            float("nan") if value.get(k) is None else float(value[k])
            for k in ("median", "p05", "p95")
        )
    if isinstance(value, list | tuple | np.ndarray):
        values = np.array([np.nan if v is None else v for v in value], dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            return (float("nan"),) * 3
        low, mid, high = np.percentile(values, [5.0, 50.0, 95.0])
        return float(mid), float(low), float(high)
    if value is None:
        return (float("nan"),) * 3
    number = float(value)
    return number, number, number


def _times(value: Any) -> str:
    """``"18.7×"``, or ``"18.7× (12.1–25.0)"`` for a distribution over seeds."""
    mid, low, high = headline(value)
    if not np.isfinite(mid):
        return "n/a"

    def number(v: float) -> str:
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 0.095 else f"{v:.2g}"

    if low == high:
        return f"{number(mid)}×"
    return f"{number(mid)}× ({number(low)}–{number(high)})"


# --- pariah spirals -------------------------------------------------------------------------


def ratio_text(ratio: Any, kinds: Sequence[str], decomposition: Any = None) -> str:
    """The text box under the pariah figure: the misconduct rate ratio, split if known.

    Args:
        ratio: a number, None, or a mapping of kind to either (or to a distribution).
        kinds: the kinds that had actors.
        decomposition: ``summary["selection_vs_feedback"]`` or None.
    """

    def line(value: Any, kind: str | None) -> str:
        who = f"{KIND_TITLE[kind]}: " if kind else ""
        if not np.isfinite(headline(value)[0]):
            return f"{who}misconduct rate under restriction: n/a"
        text = f"{who}restricted misbehave {_times(value)} as often as the rest"
        parts = (decomposition or {}).get(kind or "citizen") if decomposition else None
        if isinstance(parts, Mapping):
            selection, feedback = parts.get("selection_ratio"), parts.get("feedback_ratio")
            if np.isfinite(headline(selection)[0]) and np.isfinite(headline(feedback)[0]):
                text += (
                    f" = {_times(selection)} who is restricted"
                    f" × {_times(feedback)} what restriction does"
                )
        return text

    if isinstance(ratio, Mapping) and not {"median", "p05"} <= set(ratio):
        lines = [line(ratio.get(k), k) for k in kinds if k in ratio]
        return "\n".join(lines) if lines else line(None, None)
    return line(ratio, None)


EMPTY_PANEL_NOTES = {
    "n_pariah": "no pariahs in this run: nobody stayed listed, or near the floor, long enough",
    "n_restricted": "nobody was under a restriction in this run: no listing or grade called "
    "for one",
    "job_lost": "nobody lost a job to sanctions in this run",
}
"""What a panel of the pariah figure says in place of a line flat at zero."""


def _all_zero(*series: np.ndarray) -> bool:
    """Whether every value of the series is zero or missing."""
    values = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    return not np.any(np.isfinite(values) & (values != 0))


def _draw_kind_counts(
    ax: Axes, ts: TimeSeries, kinds: Sequence[str], stat: str, title: str
) -> None:
    """One count per kind against day, in the kind's colour and line style."""
    day = column(ts, "step")
    values = []
    for kind in kinds:
        series = column(ts, f"{kind}_{stat}")
        values.append(series)
        end = float(median_of(series)[-1]) if day.size else 0.0
        draw_series(
            ax,
            day,
            series,
            color=KIND_COLOR[kind],
            linestyle=KIND_LINESTYLE[kind],
            label=f"{KIND_TITLE[kind].lower()} ({end:,.0f} at the end)",
        )
    ax.set_ylim(0.0, max(top_of(*values) * 1.3, 1.0))
    thousands(ax)
    day_limits(ax, day)
    ax.set_title(title)
    ax.set_xlabel("day")
    ax.set_ylabel("citizens and firms" if len(kinds) > 1 else KIND_TITLE[kinds[0]].lower())
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if stat in EMPTY_PANEL_NOTES and _all_zero(*values):
        panel_note(ax, EMPTY_PANEL_NOTES[stat])


def _draw_jobs(ax: Axes, ts: TimeSeries) -> None:
    """Citizens without a job: lost to sanctions, apart from those who never had one."""
    day = column(ts, "step")
    jobless = column(ts, "citizen_n_unemployed")
    lost = column(ts, "citizen_n_job_lost")
    other = jobless - lost
    draw_series(
        ax, day, lost, color=palette.SANCTION_JOB_LOSS, label="lost a job to sanctions (so far)"
    )
    draw_series(
        ax,
        day,
        other,
        color=palette.BACKGROUND,
        label="never had one (not a harm)",
        linewidth=1.2,
        linestyle=":",
    )
    ax.set_ylim(0.0, max(top_of(lost, other) * 1.3, 1.0))
    thousands(ax)
    day_limits(ax, day)
    ax.set_title("Citizens without a job")
    ax.set_xlabel("day")
    ax.set_ylabel("citizens")
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if _all_zero(lost):
        panel_note(ax, EMPTY_PANEL_NOTES["job_lost"])


def plot_pariahs(ts: TimeSeries, summary: Mapping[str, Any], ctx: FigureContext) -> Figure:
    """Pariahs over time, who is under restriction, and the jobs sanctions cost.

    Three panels, each on its own scale: pariahs per kind that had actors; actors under
    restriction per kind; and citizens who lost a job to the employment restriction, drawn
    apart from those who never had one (built-in unemployment is not a harm of the regime).
    A text box gives the misconduct rate under restriction relative to the rate without,
    split into selection and feedback when the summary holds that split.

    Args:
        ts: the run's time series (or bands across seeds).
        summary: the run's summary (``summary.json`` data); reads
            ``pariah_spiral.misconduct_rate_ratio_restricted`` (a number, ``None`` or a
            mapping of kind to either) and ``selection_vs_feedback`` if present.
        ctx: the run's context.

    Returns:
        The new figure.
    """
    kinds = present_kinds(ts)
    spiral = summary.get("pariah_spiral", {})
    with default_style():
        fig, axes = new_figure(3)
        if kinds:
            _draw_kind_counts(axes[0], ts, kinds, "n_pariah", "Pariahs")
            _draw_kind_counts(axes[1], ts, kinds, "n_restricted", "Under restriction")
        else:
            note_no_agents(axes[0], "citizens and firms")
            note_no_agents(axes[1], "citizens and firms")
        if "citizen" in kinds:
            _draw_jobs(axes[2], ts)
        else:
            note_no_agents(axes[2], "citizens")
            axes[2].set_title("Citizens without a job")
        finish_layout(fig, "Pariah spirals", caption(ctx), wspace=0.4)
        fig.subplots_adjust(bottom=0.29)
        fig.text(
            0.5,
            0.075,
            ratio_text(
                spiral.get("misconduct_rate_ratio_restricted"),
                kinds,
                summary.get("selection_vs_feedback"),
            ),
            ha="center",
            va="bottom",
            fontsize=8.5,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "#f7f7f7", "edgecolor": "0.6"},
        )
        mark_policy_changes(fig, ctx)
    return fig


# --- trajectories ---------------------------------------------------------------------------


def pick_trajectories(
    trajectories: Trajectories, n: int = MAX_TRAJECTORY_PANELS, lead_days: int = 365
) -> list[tuple[int, int]]:
    """Sampled pariahs to show, each with a matched actor who was never listed.

    Pariahs are taken evenly across the order of their first listing (early to late). Each
    is matched with a never-listed actor of the same kind whose score was closest to the
    pariah's on the first day shown (``lead_days`` before the first listing, or day 0); a
    control is used once.

    Returns:
        ``(pariah position, control position or -1)`` pairs, positions in the sample.
    """
    pariahs = trajectories.pariahs()
    first = trajectories.first_listing_day()
    listed_pariahs = pariahs[first[pariahs] >= 0]
    if listed_pariahs.size == 0:
        listed_pariahs = pariahs
    order = listed_pariahs[np.argsort(first[listed_pariahs], kind="stable")]
    if order.size > n:
        order = order[np.linspace(0, order.size - 1, n).round().astype(np.int64)]
    controls = trajectories.never_listed()
    used = np.zeros(trajectories.actors.size, dtype=bool)
    pairs = []
    for position in order.tolist():  # at most n pairs: figure layout, not a model step
        start = max(int(first[position]) - lead_days, 0)
        same_kind = controls[
            (trajectories.is_firm[controls] == trajectories.is_firm[position]) & ~used[controls]
        ]
        if same_kind.size == 0:
            pairs.append((position, -1))
            continue
        gap = np.abs(trajectories.score[same_kind, start] - trajectories.score[position, start])
        control = int(same_kind[np.argmin(gap)])
        used[control] = True
        pairs.append((position, control))
    return pairs


def _spells(listed: np.ndarray) -> list[tuple[int, int]]:
    """Runs of listed days as ``(first day, day after the last)``."""
    edges = np.diff(np.concatenate([[0], listed.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True)
    )


def plot_trajectories(trajectories: Trajectories, ctx: FigureContext) -> Figure:
    """The scores of actors who became pariahs, against matched actors never listed.

    Small multiples, one per pariah from a fixed random sample of actors (up to
    :data:`MAX_TRAJECTORY_PANELS`): its score from a year before its first listing (or day 0)
    to the end, in its kind's colour, with its blacklist spells shaded, and the score of a
    never-listed actor of the same kind whose score was closest on the first day shown, in
    grey. All panels share the score axis.

    Args:
        trajectories: the run's sampled score histories.
        ctx: the run's context.

    Returns:
        The new figure.
    """
    pairs = pick_trajectories(trajectories)
    n_days = trajectories.score.shape[1]
    first = trajectories.first_listing_day()
    n_cols = min(max(len(pairs), 1), 3)
    n_rows = 1 if len(pairs) <= 3 else 2
    with default_style():
        fig = Figure(figsize=(FIGSIZE[0], 5.6), dpi=DPI)
        FigureCanvasAgg(fig)
        axes = list(fig.subplots(n_rows, n_cols, squeeze=False, sharey=True).ravel())
        for ax in axes[len(pairs) :]:
            ax.set_visible(False)
        if pairs:
            shown = [p for pair in pairs for p in pair if p >= 0]
            low = float(trajectories.score[shown].min())
            high = float(trajectories.score[shown].max())
            # the floor is drawn when some score comes near it, else the scores fill the panel
            near_floor = low <= trajectories.floor + 100.0
            low = min(low, trajectories.floor) if near_floor else low
            pad = max(0.06 * (high - low), 5.0)
        for i, (ax, (position, control)) in enumerate(zip(axes, pairs, strict=False)):
            kind = "firm" if trajectories.is_firm[position] else "citizen"
            start = max(int(first[position]) - 365, 0) if first[position] >= 0 else 0
            day = np.arange(start, n_days)
            for a, b in _spells(trajectories.listed[position, start:]):
                ax.axvspan(
                    start + a,
                    start + b - 1,
                    color=palette.BLACKLIST,
                    alpha=0.12,
                    linewidth=0,
                    label="on the blacklist" if i == 0 else "_nolegend_",
                )
            if control >= 0:
                ax.plot(
                    day,
                    trajectories.score[control, start:],
                    color=palette.BACKGROUND,
                    linewidth=1.2,
                    label="matched, never listed" if i == 0 else "_nolegend_",
                )
            ax.plot(
                day,
                trajectories.score[position, start:],
                color=KIND_COLOR[kind],
                linestyle=KIND_LINESTYLE[kind],
                linewidth=1.6,
                label=f"{kind} who became a pariah",
            )
            if near_floor:
                ax.axhline(trajectories.floor, color="0.45", linewidth=0.8, linestyle=(0, (5, 3)))
            ax.set_ylim(low - pad, high + pad)
            ax.set_xlim(start, max(n_days - 1, start + 1))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
            ax.tick_params(labelsize=7)
            listed_on = int(first[position])
            ax.set_title(
                f"{kind}, listed day {listed_on}" if listed_on >= 0 else f"{kind}, never listed",
                fontsize=8.5,
            )
            ax.grid(True, alpha=0.25)
            if i % n_cols == 0:
                ax.set_ylabel("score (points)", fontsize=8)
            if i >= len(pairs) - n_cols:
                ax.set_xlabel("day", fontsize=8)
        if pairs:
            handles, labels = {}, {}
            for ax in axes[: len(pairs)]:
                for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                    if label not in labels:
                        handles[label] = handle
                        labels[label] = label
            fig.legend(
                list(handles.values()),
                list(labels),
                loc="upper center",
                bbox_to_anchor=(0.5, 0.925),
                ncols=len(labels),
                fontsize=8,
                frameon=False,
            )
        else:
            axes[0].set_visible(True)
            panel_note(
                axes[0],
                f"none of the {trajectories.actors.size:,} sampled actors became a pariah",
            )
            axes[0].set_xticks([])
            axes[0].set_yticks([])
        finish_layout(
            fig,
            "Pariahs' scores, a year before their first listing to the end",
            caption(ctx),
            wspace=0.12,
            hspace=0.45 if n_rows == 2 else None,
            left=0.08,
        )
        fig.text(
            0.5,
            0.045,
            f"{len(pairs)} pariahs from a random sample of {trajectories.actors.size:,} actors, "
            "each beside the never-listed actor of its kind whose score was closest on the "
            "first day shown",
            ha="center",
            va="bottom",
            fontsize=8,
        )
        fig.subplots_adjust(top=0.8, bottom=0.16)
    return fig


# --- selection vs feedback ------------------------------------------------------------------


DECOMPOSITION_ROWS = (
    ("naive_ratio", "naive ratio", palette.NAIVE),
    ("selection_ratio", "selection", palette.SELECTION),
    ("feedback_ratio", "feedback", palette.FEEDBACK),
)


def plot_selection_feedback(decomposition: Mapping[str, Any], ctx: FigureContext) -> Figure:
    """How much of "the restricted misbehave N times as often" is selection, how much feedback.

    One panel per kind with a defined ratio: three bars on a logarithmic axis starting at 1
    (no difference): the naive ratio, the part due to who is restricted (the same ratio in
    the twin world without feedback: same people, same draws), and the part due to
    restriction itself (naive ÷ selection); the naive bar is the other two multiplied. A
    diamond marks the selection the actors' own propensities predict. With values over
    seeds, bars show medians and whiskers the 5-95% range.

    Args:
        decomposition: ``summary["selection_vs_feedback"]``: per kind, ``naive_ratio``,
            ``selection_ratio``, ``feedback_ratio`` and ``selection_ratio_expected``, each
            a number, None, a list over seeds or ``{"median", "p05", "p95"}``.
        ctx: the run's context.

    Returns:
        The new figure.
    """
    kinds = [
        kind
        for kind in ("citizen", "firm")
        if isinstance(decomposition.get(kind), Mapping)
        and all(
            np.isfinite(headline(decomposition[kind].get(key))[0])
            for key, _, _ in DECOMPOSITION_ROWS
        )
    ]
    with default_style():
        fig, axes = new_figure(max(len(kinds), 1))
        if not kinds:
            panel_note(axes[0], "no ratio to split: nobody was restricted, or nobody misbehaved")
            axes[0].set_xticks([])
            axes[0].set_yticks([])
        for ax, kind in zip(axes, kinds, strict=False):
            parts = decomposition[kind]
            y = np.arange(len(DECOMPOSITION_ROWS), dtype=float)
            values = []
            for row, (key, _, color) in zip(y.tolist(), DECOMPOSITION_ROWS, strict=True):
                mid, low, high = headline(parts.get(key))
                values += [mid, low, high]
                ax.barh(row, mid - 1.0, left=1.0, height=0.6, color=color)
                if low != high:
                    ax.errorbar(
                        mid,
                        row,
                        xerr=[[mid - low], [high - mid]],
                        color=palette.BLACK,
                        capsize=3,
                        linewidth=1.0,
                    )
            expected = headline(parts.get("selection_ratio_expected"))[0]
            if np.isfinite(expected):
                ax.plot(
                    expected,
                    y[1] + 0.42,
                    "D",
                    color=palette.BLACK,
                    markersize=5,
                    label="selection from the actors' own propensities",
                )
                values.append(expected)
            finite = [v for v in values if np.isfinite(v) and v > 0]
            ax.set_xscale("log")
            ax.set_xlim(min(min(finite) / 1.5, 0.5), max(finite) * 2.5)
            ax.axvline(1.0, color=palette.BLACK, linewidth=0.8)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_yticks(
                y,
                [f"{label}\n{_times(parts.get(key))}" for key, label, _ in DECOMPOSITION_ROWS],
            )
            ax.set_ylim(len(DECOMPOSITION_ROWS) - 0.4, -1.2)
            ax.set_title(KIND_TITLE[kind])
            ax.set_xlabel("rate ratio (log; 1 = no difference)")
            ax.grid(True, axis="x", alpha=0.25)
            if np.isfinite(expected):
                ax.legend(loc="upper right", fontsize=7.5, frameon=False)
        finish_layout(
            fig,
            "Selection or feedback? Misconduct rate of the restricted over the rest's",
            caption(ctx),
            wspace=0.6 if len(kinds) > 1 else 0.3,
            left=0.17,
        )
        fig.subplots_adjust(bottom=0.25)
        fig.text(
            0.5,
            0.075,
            "naive = selection × feedback. Selection, due to who is restricted: the same ratio "
            "in a twin world\nwithout feedback (same people, same draws). Feedback, due to "
            "what restriction does: naive ÷ selection.",
            ha="center",
            va="bottom",
            fontsize=8.5,
        )
    return fig
