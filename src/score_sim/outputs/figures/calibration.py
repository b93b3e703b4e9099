"""Figures of a calibration: each target's fit against its documented range, and the search.

For ``score-sim calibrate``: one figure per target (``figures/<target>.png``) shows, on the
left, the target's model value in every trial (one dot per seed, a bar at the median) over
the documented range (shaded), the best trial marked; on the right, the best values'
interval over seeds against the same range. ``figures/search.png`` shows the loss of each
trial with the best so far, and where each parameter's values were tried within its range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from score_sim.outputs.figures.base import default_style, finish_layout, new_figure, panel_note

RANGE_COLOUR = "#2a9d8f"
BEST_COLOUR = "#e76f51"


@dataclass(frozen=True)
class TrialPoint:
    """One trial as a figure sees it: its number, values per seed, and median."""

    trial: int
    values: tuple[float | None, ...]
    median: float | None


def parameter_words(key: str) -> str:
    """A parameter's key path in words, on two short lines: whose number, and which."""
    parts = key.split(".")
    if parts[0] in ("behaviours", "lists", "perks", "scores") and len(parts) > 2:
        owner, what = parts[1], " ".join(parts[2:])
    else:
        owner, what = parts[0], " ".join(parts[1:])
    return f"{owner.replace('_', ' ')}:\n{_wrapped(what.replace('_', ' '), 30)}"


def _wrapped(text: str, width: int = 150) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def target_figure(
    row: dict[str, Any], points: Sequence[TrialPoint], best_trial: int, interval_label: str
) -> Figure:
    """A target's model value in every trial and at the best values, against its range.

    Args:
        row: the best values' result for this target (``name``, ``source``, ``low``,
            ``high``, ``median``, ``p05``, ``p95``, ``values``, ``met``, and ``what`` it
            measures, in words).
        points: every trial's values for this target.
        best_trial: the best trial's number.
        interval_label: over which seeds the right panel's interval is (in words).
    """
    with default_style():
        fig, (left, right) = new_figure(2)
        low, high = row["low"], row["high"]
        for ax in (left, right):
            ax.axhspan(low, high, color=RANGE_COLOUR, alpha=0.18, lw=0, label="documented range")
            ax.axhline(low, color=RANGE_COLOUR, lw=0.8)
            ax.axhline(high, color=RANGE_COLOUR, lw=0.8)
        shown = [p for p in points if p.median is not None]
        if shown:
            for p in shown:
                seeds = [v for v in p.values if v is not None]
                colour = BEST_COLOUR if p.trial == best_trial else "0.35"
                left.scatter([p.trial] * len(seeds), seeds, s=9, color=colour, alpha=0.6, lw=0)
                left.plot([p.trial - 0.35, p.trial + 0.35], [p.median] * 2, color=colour, lw=1.6)
            left.set_xlim(-1, max(p.trial for p in points) + 1)
        else:
            panel_note(left, "No trial gave this target a value.")
        left.set_xlabel("trial (dots: seeds, bars: their median)")
        left.set_ylabel(_wrapped(row.get("what", "model value"), 60), fontsize=9)
        left.set_title("Every trial")
        left.legend(loc="best", fontsize=8, frameon=False)

        values = [v for v in row["values"] if v is not None]
        if values:
            right.scatter(np.zeros(len(values)), values, s=14, color=BEST_COLOUR, alpha=0.7, lw=0)
            right.errorbar(
                [0.35],
                [row["median"]],
                yerr=[[row["median"] - row["p05"]], [row["p95"] - row["median"]]],
                fmt="o",
                color=BEST_COLOUR,
                capsize=6,
                lw=1.6,
            )
            verdict = "met" if row["met"] else "missed"
            right.set_title(f"Best values: {verdict}")
        else:
            panel_note(right, "The best values give this target no value.")
            right.set_title("Best values")
        right.set_xlim(-1, 1.35)
        right.set_xticks([])
        right.set_xlabel(interval_label)
        ax_low = min([low, *values, *(p.median for p in shown)])
        ax_high = max([high, *values, *(p.median for p in shown)])
        pad = 0.08 * (ax_high - ax_low or abs(ax_high) or 1.0)
        for ax in (left, right):
            ax.set_ylim(ax_low - pad, ax_high + pad)
        finish_layout(
            fig,
            f"{row['name'].replace('_', ' ')}: the fit against its documented range",
            _wrapped(f"Documented: {row['source']}"),
        )
    return fig


def search_figure(
    trials: Sequence[int],
    losses: Sequence[float | None],
    parameters: Sequence[tuple[str, float, float, bool]],
    values: Sequence[Sequence[float | None]],
    best_trial: int,
) -> Figure:
    """The loss of every trial with the best so far, and where each parameter was tried.

    Args:
        trials: the trials' numbers.
        losses: each trial's loss (None: not run, its values made no valid scenario).
        parameters: each parameter's key, low, high and whether on a log scale.
        values: per parameter, each trial's value.
        best_trial: the best trial's number.
    """
    with default_style():
        fig, (left, right) = new_figure(2)
        done = [(t, x) for t, x in zip(trials, losses, strict=True) if x is not None]
        if done:
            ts = np.array([t for t, _ in done])
            xs = np.array([x for _, x in done])
            left.scatter(ts, xs, s=12, color="0.35", lw=0, label="a trial")
            left.step(ts, np.minimum.accumulate(xs), where="post", color=BEST_COLOUR,
                      label="best so far")  # fmt: skip
            left.set_yscale("symlog", linthresh=1.0)
            left.axhline(1.0, color=RANGE_COLOUR, lw=0.8, ls="--")
            left.legend(loc="best", fontsize=8, frameon=False)
        else:
            panel_note(left, "No trial has finished.")
        left.set_xlabel("trial")
        left.set_ylabel("loss (mean squared distance from the ranges' middles)")
        left.set_title("The search")
        for j, (_key, low, high, log) in enumerate(parameters):
            xs, ys, best = [], [], None
            for t, v in zip(trials, values[j], strict=True):
                if v is None:
                    continue
                share = (
                    (np.log(v) - np.log(low)) / (np.log(high) - np.log(low))
                    if log
                    else (v - low) / (high - low)
                )
                xs.append(t)
                ys.append(j + 0.8 * share - 0.4)
                if t == best_trial:
                    best = ys[-1]
            right.scatter(xs, ys, s=8, color="0.45", lw=0)
            if best is not None:
                right.scatter([best_trial], [best], s=40, color=BEST_COLOUR, zorder=3)
        right.set_yticks(range(len(parameters)))
        right.set_yticklabels([parameter_words(key) for key, *_ in parameters], fontsize=7)
        right.set_ylim(-0.6, len(parameters) - 0.4)
        right.set_xlabel("trial")
        right.set_title("Values tried, each row low to high (best in colour)", fontsize=10)
        finish_layout(
            fig,
            "Calibration: the search",
            "Loss: the mean over targets of ((median - middle of its range) / half the range)"
            " squared; at 1 or less the targets are, on average, within their ranges",
            left=0.08,
            right=0.98,
            wspace=0.62,
        )
    return fig
