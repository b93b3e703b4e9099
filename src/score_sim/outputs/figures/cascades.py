"""Figure of sanction cascades: ``cascades.png``.

For the reader asking how far one sanction reaches. Left, the distribution of cascade
sizes (the actors one new sanction restricted) as a CCDF on log-log axes; right, every
actor the cascades restricted, by the tie that reached them (the sanctioned actor itself,
legal representatives, staff, families, parent companies), citizens and firms told apart.
It reads the cascade table, rows of :data:`score_sim.mechanisms.sanctions.CASCADE_DTYPE`
(several seeds' rows pooled for a band across seeds).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FormatStrFormatter,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullLocator,
)

from score_sim.outputs.figures import palette
from score_sim.outputs.figures.base import (
    KIND_TITLE,
    FigureContext,
    caption,
    compact_number,
    default_style,
    finish_layout,
    new_figure,
    panel_note,
)
from score_sim.outputs.figures.palette import KIND_COLOR

_NO_CASCADES_NOTE = "no sanctions in this run"


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
        cascades: rows of :data:`~score_sim.mechanisms.sanctions.CASCADE_DTYPE`.
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
        cascades: rows of :data:`~score_sim.mechanisms.sanctions.CASCADE_DTYPE` (several runs'
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
            panel_note(left, _NO_CASCADES_NOTE)
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
            panel_note(right, _NO_CASCADES_NOTE)
        finish_layout(fig, "Sanction cascades", caption(ctx), wspace=0.55)
    return fig
