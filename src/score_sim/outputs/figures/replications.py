"""Figures of the replications: the published finding's shape, as our runs give it.

For the reader of a ``score-sim replicate`` folder. Each figure takes the numbers a
replication computed from its runs (medians and 5-95% intervals over seeds, per arm or
parameter value, and the per-seed values) and a caption line; none reads a model.

- :func:`contagion_figure`: the listed share over the years in the lenient and harsh
  worlds, with ties and with ties cut; the harsh/lenient ratio of each seed beside
  17/14.
- :func:`lending_figure`: each group's mean score change against the share approved (the
  outcome curve), and the lender's utility against the threshold.
- :func:`outcasts_figure`: the share of outcasts among the falsely listed, with and
  without the errors, and the bad-luck ratio of each seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from score_sim.outputs.figures import palette
from score_sim.outputs.figures.base import DPI, FIGSIZE, default_style

CAPTION_Y = 0.015


def _figure(n_panels: int, title: str, caption: str) -> tuple[Figure, list[Any]]:
    """A figure of ``n_panels`` side by side, with its title and caption."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(1, n_panels, i + 1) for i in range(n_panels)]
    fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.2, wspace=0.3)
    fig.suptitle(title, fontsize=12)
    fig.text(0.5, CAPTION_Y, caption, ha="center", fontsize=8, color=palette.DARK_GREY)
    return fig, axes


def _strip(ax: Any, position: float, values: Sequence[float | None], color: str) -> None:
    """The values of each seed as dots around ``position``, with their median as a bar."""
    finite = np.array([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if finite.size == 0:
        return
    offsets = np.linspace(-0.15, 0.15, finite.size) if finite.size > 1 else np.zeros(1)
    ax.scatter(position + offsets, finite, s=14, color=color, alpha=0.8, linewidths=0)
    ax.plot([position - 0.25, position + 0.25], [np.median(finite)] * 2, color=color, linewidth=2.5)


def contagion_figure(curves: Mapping[str, Any], term_ratio: float, caption: str) -> Figure:
    """Listed share by year per world, and the harsh/lenient ratio per seed.

    Args:
        curves: per world (``"lenient, ties on"``...), ``year`` and the median, p05 and
            p95 of the listed share; ``ratio_per_seed`` with the ratios with ties on and cut.
        term_ratio: 17/14, what longer terms alone give.
        caption: the line under the figure.
    """
    with default_style():
        fig, (left, right) = _figure(
            2,
            "Sentence length and contagion (Lum et al. 2014): a small difference, amplified",
            caption,
        )
        styles = {
            "lenient, ties on": (palette.BLUE, "-"),
            "harsh, ties on": (palette.VERMILLION, "-"),
            "lenient, ties cut": (palette.BLUE, ":"),
            "harsh, ties cut": (palette.VERMILLION, ":"),
        }
        for name, (color, style) in styles.items():
            curve = curves[name]
            years = np.array(curve["year"], dtype=float)
            median = 100 * np.array(curve["median"], dtype=float)
            low = 100 * np.array(curve["p05"], dtype=float)
            high = 100 * np.array(curve["p95"], dtype=float)
            left.fill_between(years, low, high, color=color, alpha=palette.BAND_ALPHA, linewidth=0)
            label = name.replace("lenient", "terms of 14 months").replace(
                "harsh", "terms of 17 months"
            )
            left.plot(years, median, color=color, linestyle=style, linewidth=1.8, label=label)
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        left.set_xlabel("year")
        left.set_ylabel("citizens on the list (%)")
        left.set_title("on the list, median and 5-95% over seeds", fontsize=10)
        left.set_ylim(bottom=0)
        left.legend(fontsize=8, frameon=False, loc="upper left")
        ratios = curves["ratio_per_seed"]
        _strip(right, 0, ratios["ties on"], palette.VERMILLION)
        _strip(right, 1, ratios["ties cut"], palette.GREY)
        right.axhline(term_ratio, color=palette.BLACK, linestyle="--", linewidth=1)
        right.text(
            -0.55,
            term_ratio,
            f" 17/14 = {term_ratio:.2f}: longer terms alone",
            va="bottom",
            fontsize=8,
        )
        right.set_xticks([0, 1], ["contagion over ties", "ties cut"])
        right.set_xlim(-0.6, 1.6)
        right.set_ylim(bottom=min(0.9, right.get_ylim()[0]))
        right.set_ylabel("listed-months per citizen: harsh / lenient")
        right.set_title("each seed (dots) and the median (bar)", fontsize=10)
    return fig


def lending_figure(
    curves: Mapping[str, Any],
    groups: Sequence[str],
    nobody: float,
    everybody: float,
    caption: str,
) -> Figure:
    """Each group's mean score change against its share approved, and the lender's utility.

    Args:
        curves: ``threshold``; per group its median ``approval_share`` and the median, p05
            and p95 of its mean score change per threshold, and its best threshold;
            ``lender_utility`` (median, p05, p95) and ``lender_best_threshold_median``.
        groups: the two groups, advantaged first.
        nobody: the threshold at which nobody is approved (shown as "nobody").
        everybody: the threshold at which everybody is approved (shown as "everybody").
        caption: the line under the figure.
    """
    colors = {groups[0]: palette.BLUE, groups[1]: palette.VERMILLION}
    thresholds = np.array(curves["threshold"], dtype=float)
    lender_best = curves["lender_best_threshold_median"]
    at_lender = int(np.argmin(np.abs(thresholds - lender_best)))
    with default_style():
        fig, (left, right) = _figure(
            2, "Lending by score (Liu et al. 2018): the delayed impact on each group", caption
        )
        for name in groups:
            curve = curves[name]
            share = 100 * np.array(curve["approval_share"], dtype=float)
            median = np.array(curve["median"], dtype=float)
            left.fill_between(
                share,
                np.array(curve["p05"], dtype=float),
                np.array(curve["p95"], dtype=float),
                color=colors[name],
                alpha=palette.BAND_ALPHA,
                linewidth=0,
            )
            left.plot(share, median, color=colors[name], marker="o", markersize=3, label=name)
            left.plot(
                share[at_lender],
                median[at_lender],
                marker="*",
                markersize=12,
                color=colors[name],
                markeredgecolor=palette.BLACK,
                linestyle="none",
            )
        left.axhline(0, color=palette.BLACK, linewidth=0.8)
        left.set_xlabel("share of the group's applications approved (%)")
        left.set_ylabel("mean score change of the group (points)")
        left.set_title("median and 5-95% over seeds; star: the lender's best", fontsize=10)
        left.legend(fontsize=8, frameon=False, loc="lower left")
        utility = curves["lender_utility"]
        inside = (thresholds != nobody) & (thresholds != everybody)
        x = thresholds[inside]
        right.fill_between(
            x,
            np.array(utility["p05"], dtype=float)[inside],
            np.array(utility["p95"], dtype=float)[inside],
            color=palette.DARK_GREY,
            alpha=palette.BAND_ALPHA,
            linewidth=0,
        )
        right.plot(x, np.array(utility["median"], dtype=float)[inside], color=palette.DARK_GREY)
        right.axvline(lender_best, color=palette.DARK_GREY, linestyle="--", linewidth=1)
        best_group = curves[groups[1]]["best_threshold_median"]
        right.axvline(best_group, color=colors[groups[1]], linestyle=":", linewidth=1.5)
        right.axhline(0, color=palette.BLACK, linewidth=0.8)
        right.text(lender_best, right.get_ylim()[1], " lender's best", fontsize=8, va="top")
        right.text(
            best_group,
            right.get_ylim()[0],
            f" best for the\n {groups[1]}",
            fontsize=8,
            va="bottom",
            color=colors[groups[1]],
        )
        right.invert_xaxis()
        right.set_xlabel("lender's threshold (points; stricter to the left)")
        right.set_ylabel("lender's utility (+1 repaid, -4 defaulted)")
        right.set_title("what the round earns the lender", fontsize=10)
    return fig


def outcasts_figure(curves: Mapping[str, Any], worlds: Sequence[str], caption: str) -> Figure:
    """The hit's outcast share in both worlds, and the bad-luck ratio of each seed.

    Args:
        curves: ``outcast_share_hit`` per world (one value per seed),
            ``outcast_share_everyone_without_errors`` (per seed), ``ratio_per_seed`` and
            ``pooled`` (``ratio``, ``p05``, ``p95``, ``hit``).
        worlds: the world with errors, then the twin without.
        caption: the line under the figure.
    """
    colors = (palette.FALSE_FINDING, palette.GREY)
    with default_style():
        fig, (left, right) = _figure(
            2, "Outcasts from bad luck alone (Lindström & Tobler 2018; Kim 2014)", caption
        )
        for position, (world, color) in enumerate(zip(worlds, colors, strict=True)):
            values = 100 * np.array(
                [v for v in curves["outcast_share_hit"][world] if v is not None], dtype=float
            )
            if values.size:
                left.bar(position, np.mean(values), color=color, alpha=0.5, width=0.6)
                _strip(left, position, values.tolist(), color)
        everyone = 100 * np.array(curves["outcast_share_everyone_without_errors"], dtype=float)
        left.bar(2, np.mean(everyone), color=palette.BACKGROUND, alpha=0.3, width=0.6)
        _strip(left, 2, everyone.tolist(), palette.BACKGROUND)
        left.set_xticks(
            [0, 1, 2],
            [
                "falsely listed early,\nwith the errors",
                "the same people,\nwithout errors",
                "everyone,\nwithout errors",
            ],
            fontsize=8,
        )
        left.set_ylabel("outcasts at the end (%)")
        left.set_title(
            "blacklisted or pariahs on the last day (bar: mean, line: median)", fontsize=10
        )
        pooled = curves["pooled"]
        _strip(right, 0, curves["ratio_per_seed"], palette.FALSE_FINDING)
        right.errorbar(
            1,
            pooled["ratio"],
            yerr=[[pooled["ratio"] - pooled["p05"]], [pooled["p95"] - pooled["ratio"]]],
            fmt="o",
            color=palette.BLACK,
            capsize=6,
        )
        right.axhline(1, color=palette.BLACK, linestyle="--", linewidth=1)
        right.text(1.5, 1, " 1: bad luck\n fades", va="center", fontsize=8)
        right.set_xticks(
            [0, 1], ["each seed", f"pooled ({pooled['hit']:,} hit)\n5-95% interval"], fontsize=8
        )
        right.set_xlim(-0.6, 2.1)
        right.set_ylim(bottom=0)
        right.set_ylabel("bad-luck ratio (outcasts with / without errors)")
        right.set_title("how much more often the hit end as outcasts", fontsize=10)
    return fig
