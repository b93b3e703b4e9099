"""Figures of a run's harms: pariahs, cascades, innocents, trajectories, selection vs feedback.

Like :mod:`score_sim.plots`, every function takes the run's time series as a ``dict`` of
arrays (one row per day, see :mod:`score_sim.metrics`; a 2-D column is a band across seeds,
drawn as its median and 5-95% range) and a :class:`~score_sim.plots.FigureContext`; the
pariah figure also reads ``summary.json``'s data (:func:`score_sim.summary.summarize`), the
cascade figure the cascade table (:data:`score_sim.rules.sanctions.CASCADE_DTYPE` rows) and
the trajectories figure a sample of score histories (:class:`score_sim.history.Trajectories`).
Figures are drawn on the Agg canvas under matplotlib's default style, never with ``pyplot``,
with fixed size, margins and dpi, and saved without a ``Software`` tag, so the same inputs
give byte-identical PNGs. Colours come from :mod:`score_sim.palette`.

:func:`plot_comparison` sets two runs' columns side by side, with their difference below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FormatStrFormatter,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullLocator,
)

from score_sim import palette
from score_sim.history import Trajectories
from score_sim.palette import KIND_COLOR, KIND_LINESTYLE
from score_sim.plots import (
    DPI,
    FIGSIZE,
    KIND_TITLE,
    FigureContext,
    FigureJob,
    caption,
    column,
    compact_number,
    day_limits,
    default_style,
    draw_series,
    mark_changes,
    mark_policy_changes,
    median_of,
    new_figure,
    note_no_agents,
    present_kinds,
    save_figures,
    thousands,
    top_of,
)

__all__ = [
    "HARM_FIGURE_FILES",
    "MAX_COMPARISON_PANELS",
    "ccdf",
    "column_label",
    "nonzero_columns",
    "plot_cascade_ccdf",
    "plot_comparison",
    "plot_innocents",
    "plot_pariahs",
    "plot_selection_feedback",
    "plot_trajectories",
    "write_harm_figures",
]

TimeSeries = Mapping[str, np.ndarray]

HARM_FIGURE_FILES = ("pariahs.png", "cascades.png", "innocents.png")
TRAJECTORIES_FILE = "trajectories.png"
SELECTION_FEEDBACK_FILE = "selection_feedback.png"
MAX_COMPARISON_PANELS = 6
MAX_TRAJECTORY_PANELS = 6

_NO_CASCADES_NOTE = "no sanctions in this run"


def _finish(
    fig: Figure,
    title: str,
    caption_line: str,
    right: float = 0.97,
    wspace: float = 0.35,
    hspace: float | None = None,
    left: float = 0.09,
) -> None:
    """Title, caption and fixed margins, as :mod:`score_sim.plots` lays out its figures."""
    fig.suptitle(title, fontsize=14, y=0.975)
    fig.text(0.5, 0.015, caption_line, ha="center", va="bottom", fontsize=8, color="0.35")
    fig.subplots_adjust(left=left, right=right, bottom=0.16, top=0.84, wspace=wspace)
    if hspace is not None:
        fig.subplots_adjust(hspace=hspace)


def _note(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontsize=10,
        color="0.35",
        wrap=True,
    )


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
    ax.set_ylabel("agents")
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper left", fontsize=8, frameon=False)


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
            note_no_agents(axes[0], "agents")
            note_no_agents(axes[1], "agents")
        if "citizen" in kinds:
            _draw_jobs(axes[2], ts)
        else:
            note_no_agents(axes[2], "citizens")
            axes[2].set_title("Citizens without a job")
        _finish(fig, "Pariah spirals", caption(ctx), wspace=0.4)
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


# --- cascades -------------------------------------------------------------------------------


def ccdf(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Complementary cumulative distribution of sizes: ``P(size >= s)`` at each distinct size.

    Args:
        sizes: one size per cascade (any real numbers; NaN not allowed).

    Returns:
        ``(s, p)``: the distinct sizes in increasing order and, for each, the fraction of
        sizes at least that large. ``p[0]`` is 1, ``p`` never increases, and ``p[-1]`` is the
        share of sizes equal to the largest. Both are empty when ``sizes`` is.
    """
    values = np.asarray(sizes, dtype=float).ravel()
    if values.size == 0:
        return np.empty(0), np.empty(0)
    s, counts = np.unique(values, return_counts=True)
    at_least = np.cumsum(counts[::-1])[::-1]
    return s, at_least / values.size


def _plain_log_ticks(axis: Axis) -> None:
    """Plain-number labels on a log axis: at 1, 2, 5 per decade over short spans, else 1."""
    lo, hi = sorted(axis.get_view_interval())
    short = np.log10(hi / lo) <= 2.5
    axis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0) if short else (1.0,)))
    axis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_minor_locator(NullLocator())  # minor ticks cost time and say little here


REACH_ROWS = (
    ("sanctioned actor", None, None),
    ("legal representatives", "n_legal_representative", "citizen"),
    ("staff", "n_staff", "citizen"),
    ("families", "n_family", "citizen"),
    ("parent companies", "n_parent_company", "firm"),
)
"""The rows of the reach panel: who a cascade restricts, the cascade column, their kind."""


def reach_counts(cascades: np.ndarray, n_citizens: int) -> dict[str, dict[str, int]]:
    """Actors restricted by all cascades, by the tie that reached them and by kind.

    Args:
        cascades: rows of :data:`~score_sim.rules.sanctions.CASCADE_DTYPE`.
        n_citizens: citizens in the run (actor indices below it are citizens).

    Returns:
        ``{row label: {"citizen": n, "firm": n}}`` in :data:`REACH_ROWS` order.
    """
    firm_source = int(np.count_nonzero(cascades["actor"] >= n_citizens))
    out = {}
    for label, name, kind in REACH_ROWS:
        if name is None:
            out[label] = {"citizen": int(cascades.size) - firm_source, "firm": firm_source}
        else:
            total = int(cascades[name].sum())
            out[label] = {"citizen": total if kind == "citizen" else 0}
            out[label]["firm"] = total if kind == "firm" else 0
    return out


def _draw_reach(ax: Axes, cascades: np.ndarray, ctx: FigureContext) -> None:
    counts = reach_counts(cascades, ctx.n_citizens)
    labels = list(counts)
    y = np.arange(len(labels), dtype=float)
    left = np.zeros(len(labels))
    total = sum(c["citizen"] + c["firm"] for c in counts.values())
    for kind in ("citizen", "firm"):
        widths = np.array([counts[label][kind] for label in labels], dtype=float)
        ax.barh(
            y,
            widths,
            left=left,
            height=0.7,
            color=KIND_COLOR[kind],
            hatch=palette.KIND_HATCH[kind],
            edgecolor="white",
            label=f"{KIND_TITLE[kind].lower()}",
        )
        left += widths
    top = float(left.max()) if left.size else 0.0
    for row, width in zip(y.tolist(), left.tolist(), strict=True):
        share = width * 100.0 / total if total else 0.0
        ax.text(width + top * 0.02, row, f"{share:.0f}%", va="center", fontsize=8)
    ax.set_xlim(0.0, max(top * 1.3, 1.0))
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.xaxis.set_major_formatter(FuncFormatter(compact_number))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title("Who the cascades restricted")
    ax.set_xlabel("actors restricted, all cascades (share of all)")
    ax.grid(True, axis="x", alpha=0.25)
    ax.legend(loc="lower right", fontsize=8, frameon=False)


def plot_cascade_ccdf(cascades: np.ndarray, ctx: FigureContext) -> Figure:
    """How far sanctions reach: cascade sizes, and who the cascades restricted.

    Left: the CCDF ``P(size >= s)`` of cascade size (distinct agents restricted by one new
    sanction) on log-log axes, as a step plot. Cascades of size 0 cannot be drawn on a log
    axis and are counted in the legend instead. Right: the actors all cascades restricted,
    by the tie that reached them (the sanctioned actor itself, legal representatives,
    staff, families, parent companies), citizens and firms told apart, with each row's
    share. With no cascades both panels carry a note saying so.

    Args:
        cascades: rows of :data:`~score_sim.rules.sanctions.CASCADE_DTYPE` (several runs'
            rows may be pooled).
        ctx: the run's context.

    Returns:
        The new figure.
    """
    sizes = np.asarray(cascades["n_agents"], dtype=float).ravel()
    with default_style():
        fig, (left, right) = new_figure(2)
        left.set_xscale("log")
        left.set_yscale("log")
        s, p = ccdf(sizes)
        shown = s > 0
        if shown.any():
            n_hidden = int(np.count_nonzero(sizes <= 0))
            label = "P(size ≥ s)"
            if n_hidden:
                label += f"\n({n_hidden:,} of size 0 not shown)"
            # P(size >= x) for x in (s[i-1], s[i]] is p[i]: steps drawn "pre".
            left.step(
                s[shown], p[shown], where="pre", color=palette.BLACK, linewidth=1.6, label=label
            )
            left.plot(s[shown], p[shown], "o", color=palette.BLACK, markersize=3.5)
            lo, hi = float(s[shown][0]), float(s[shown][-1])
            left.set_xlim(lo / 1.3, max(hi * 1.3, lo * 2.0))
            left.set_ylim(float(p[shown][-1]) / 2.0, 1.6)
            left.legend(loc="lower left", fontsize=8, frameon=False)
        else:
            left.set_xlim(1.0, 10.0)
            left.set_ylim(0.01, 1.6)
            _note(left, _NO_CASCADES_NOTE)
        for axis in (left.xaxis, left.yaxis):
            _plain_log_ticks(axis)
        pooled = f", {len(ctx.seeds)} seeds" if len(ctx.seeds) > 1 else ""
        left.set_title(f"Cascade size (n = {sizes.size:,} cascades{pooled})")
        left.set_xlabel("cascade size s (agents restricted)")
        left.set_ylabel("P(size ≥ s) (share of cascades)")
        left.grid(True, alpha=0.25)
        if sizes.size:
            _draw_reach(right, cascades, ctx)
        else:
            right.set_xlim(0.0, 1.0)
            right.set_yticks([])
            right.set_title("Who the cascades restricted")
            right.set_xlabel("actors restricted, all cascades (share of all)")
            _note(right, _NO_CASCADES_NOTE)
        _finish(fig, "Sanction cascades", caption(ctx), wspace=0.55)
    return fig


# --- innocents ------------------------------------------------------------------------------


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
            left.set_ylabel("agents")
            left.grid(True, alpha=0.25)
            left.legend(loc="upper left", fontsize=8, frameon=False)
            if top == 0:
                _note(left, "nobody listed without cause in this run")
        else:
            note_no_agents(left, "agents")

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
        _finish(fig, "Innocents under sanction", caption(ctx))
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
            _note(
                axes[0],
                f"none of the {trajectories.actors.size:,} sampled actors became a pariah",
            )
            axes[0].set_xticks([])
            axes[0].set_yticks([])
        _finish(
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
            _note(axes[0], "no ratio to split: nobody was restricted, or nobody misbehaved")
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
        _finish(
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


# --- files ----------------------------------------------------------------------------------


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
        cascades: the run's cascades, rows of :data:`~score_sim.rules.sanctions.CASCADE_DTYPE`.
        summary: the run's summary (``summary.json`` data).
        ctx: the run's context.
        out_dir: directory to write into.
        trajectories: the run's sampled score histories, or None.

    Returns:
        The paths written, in the order above.
    """
    return save_figures(harm_figure_jobs(ts, cascades, summary, ctx, out_dir, trajectories))


# --- comparison -----------------------------------------------------------------------------


def column_label(name: str) -> tuple[str, float]:
    """An axis label with units for a time-series column, and the factor to scale it by.

    Args:
        name: a column of :mod:`score_sim.metrics`.

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
    if name.startswith(("citizen_n_", "firm_n_")):
        return "agents", 1.0
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
        ctx_caption: the caption line printed at the bottom (e.g. :func:`plots.caption`).
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
            ax.set_title(name, fontsize=9)
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
            _note(values_axes[0], "every compared column is zero in both worlds")
            values_axes[0].set_xticks([])
            values_axes[0].set_yticks([])
        _finish(
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
                f"zero in both worlds, not drawn: {', '.join(dropped)}",
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
