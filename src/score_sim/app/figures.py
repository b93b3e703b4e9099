"""The app's figures: the CLI's figures of a run so far, as PNG bytes, and the twin worlds.

Each figure is drawn by the same function ``score-sim run`` uses
(:mod:`score_sim.outputs.figures`), from the model's time series up to today, so the page and the
output folder show the same thing. Their axes are honest already: counts start at zero,
shares span 0..100 %, the score fan holds the lowest and highest score and the baseline.

The twin-world figure is :func:`score_sim.outputs.figures.twins.plot_comparison` over
:data:`score_sim.experiments.twins.KEY_COLUMNS`, with two changes for a classroom: panels
are titled in words instead of column names, and no axis zooms in on a small change.
Counts and shares start at zero, a score axis spans at least a tenth of the score scale,
and the difference (right axis, same unit) is drawn on the same span as its panel,
centred on zero, so a 2-point drift looks like a 2-point drift, not a collapse.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from score_sim.experiments.twins import KEY_COLUMNS
from score_sim.outputs.figures.base import FigureContext, default_style
from score_sim.outputs.figures.cascades import plot_cascade_ccdf
from score_sim.outputs.figures.innocents import plot_innocents
from score_sim.outputs.figures.lists import plot_list_sizes
from score_sim.outputs.figures.pariahs import plot_pariahs
from score_sim.outputs.figures.scores import plot_grade_shares, plot_score_fan
from score_sim.outputs.figures.twins import plot_comparison
from score_sim.outputs.summary import summarize

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

FIGURES = {
    "scores": "Scores",
    "lists": "Lists",
    "grades": "Grades",
    "pariahs": "Pariahs",
    "cascades": "Cascades",
    "innocents": "Innocents",
}
"""The figures of one world, by name, with their tab titles (as the CLI's figure files)."""

DPI = 88
"""Pixels per inch of the page's figures: a 10-inch figure is 880 pixels wide."""

COLUMN_TITLES = {
    "citizen_mean_score": "Citizens' mean score",
    "citizen_median_score": "Citizens' median score",
    "citizen_n_blacklisted": "Citizens on the blacklist",
    "citizen_n_redlisted": "Citizens on the red list",
    "citizen_n_pariah": "Citizens who are pariahs",
    "citizen_n_restricted": "Citizens under a restriction",
    "citizen_n_listed_innocent": "Citizens listed without cause",
    "citizen_n_unemployed": "Citizens without a job",
    "innocent_sanction_share": "Innocent share of sanction-days",
    "n_cascades": "Sanction cascades so far",
    "mean_cascade_size": "Mean cascade size",
    "firm_n_blacklisted": "Firms on the blacklist",
}
"""Human titles of the time-series columns the twin-world view compares."""


def title_of(column: str) -> str:
    """A column's title in words (the column name with spaces when none is known)."""
    return COLUMN_TITLES.get(column, column.replace("_n_", " ").replace("_", " ").capitalize())


MIME_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
"""The image formats a figure can be sent in. The page uses SVG: text as paths (no font
needed in the browser), sharp at any size, and about a third quicker to make than a PNG,
because no glyph is rasterised on the server."""


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    return encode(fig, "png")


def encode(fig: Figure, image_format: str = "png") -> bytes:
    """The figure as PNG or SVG bytes (see :data:`MIME_TYPES`)."""
    if image_format not in MIME_TYPES:
        raise ValueError(f"no image format {image_format!r}; use one of {', '.join(MIME_TYPES)}")
    buffer = io.BytesIO()
    with default_style():
        if image_format == "png":
            fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        else:
            mpl.rcParams["svg.fonttype"] = "path"
            fig.savefig(buffer, format="svg", dpi=DPI, metadata={"Date": None})
    return buffer.getvalue()


@dataclass(frozen=True)
class Snapshot:
    """What one world's figures need, copied from the model so drawing can run unlocked."""

    timeseries: dict[str, np.ndarray]
    context: FigureContext
    summary: dict
    cascades: np.ndarray

    @classmethod
    def of(cls, model: ScoreModel, figure: str = "", firms: bool = True) -> Snapshot:
        """Copy what ``figure`` needs (everything when it is blank) from ``model``.

        Args:
            model: the run.
            figure: the figure it is for.
            firms: keep the firms' columns; without them every figure shows citizens only
                (one panel where the CLI draws one per kind: half the drawing time).
        """
        cascades = model.sanctions.cascades
        series = model.timeseries()
        if not firms:
            series = {k: v for k, v in series.items() if not k.startswith("firm_")}
        return cls(
            timeseries=series,
            context=FigureContext.of_model(model),
            summary=summarize(model) if figure in ("", "pariahs") else {},
            cascades=cascades.copy(),
        )


def draw(snapshot: Snapshot, figure: str) -> Figure:
    """One of :data:`FIGURES` for the run so far.

    Raises:
        KeyError: for a name not in :data:`FIGURES`.
    """
    ts, ctx = snapshot.timeseries, snapshot.context
    if figure == "scores":
        return plot_score_fan(ts, ctx)
    if figure == "lists":
        return plot_list_sizes(ts, ctx)
    if figure == "grades":
        return plot_grade_shares(ts, ctx)
    if figure == "pariahs":
        return plot_pariahs(ts, snapshot.summary, ctx)
    if figure == "cascades":
        return plot_cascade_ccdf(snapshot.cascades, ctx)
    if figure == "innocents":
        return plot_innocents(ts, ctx)
    raise KeyError(f"no figure {figure!r}; the figures are {', '.join(FIGURES)}")


PROJECTOR_SMALLEST_PT = 13.0
"""Smallest text in a projector figure, in points (at :data:`DPI`, about 16 pixels when the
figure is drawn 880 pixels wide)."""
PROJECTOR_CAPTION_PT = 9.0
"""The caption line's size in a projector figure (the run's facts, not read from afar)."""
PROJECTOR_SHRINK = 0.8
"""A projector figure is drawn this much smaller (in inches) and shown as wide: its text is
1/0.8 times larger on the screen again."""
PROJECTOR_GROWTH = 1.35
"""How much larger than on paper every text of a projector figure is, at least."""


def for_projector(fig: Figure) -> Figure:
    """``fig`` with every text (titles, axes, ticks, legends, captions) legible from afar.

    Each text grows by :data:`PROJECTOR_GROWTH` and to at least
    :data:`PROJECTOR_SMALLEST_PT`; the panels are then laid out again around the larger
    text, leaving the figure's title above and its caption below.
    """
    from matplotlib.text import Text

    def grown(size: float) -> float:
        return max(size * PROJECTOR_GROWTH, PROJECTOR_SMALLEST_PT)

    ticks = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            major = axis.get_major_ticks()
            ticks.update(id(t) for tick in major for t in (tick.label1, tick.label2))
            if major:
                axis.set_tick_params(labelsize=grown(float(major[0].label1.get_fontsize())))
    captions = {id(text) for text in fig.texts if text is not fig._suptitle}
    for text in fig.findobj(Text):
        if text.get_text() and id(text) not in ticks and id(text) not in captions:
            text.set_fontsize(grown(float(text.get_fontsize())))
    # the caption line (the run's facts) is read from near: it stays smaller
    for text in (t for t in fig.texts if t is not fig._suptitle):
        text.set_fontsize(max(float(text.get_fontsize()), PROJECTOR_CAPTION_PT))
        text.set_wrap(True)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width * PROJECTOR_SHRINK, height * PROJECTOR_SHRINK)
    top = 0.9 if fig._suptitle is not None else 1.0
    bottom = 0.1 if any(t.get_position()[1] < 0.05 for t in fig.texts) else 0.0
    with default_style():
        fig.tight_layout(rect=(0.0, bottom, 1.0, top), pad=0.6)
    return fig


def render(model: ScoreModel, figure: str, firms: bool = True) -> bytes:
    """One of :data:`FIGURES` for the run so far, as PNG (``firms``: see :class:`Snapshot`)."""
    return to_png(draw(Snapshot.of(model, figure, firms), figure))


PAGE_TWIN_COLUMNS = ("citizen_n_restricted", "citizen_n_blacklisted", "citizen_n_listed_innocent")
"""What the page's twin figure compares unless a lesson says otherwise: one row of panels,
so that the figure fits one screen."""


def draw_twins(
    a: Snapshot,
    b: Snapshot,
    label_a: str,
    label_b: str,
    columns: tuple[str, ...] = KEY_COLUMNS,
    policy_changes: tuple[tuple[int, str], ...] = (),
) -> Figure:
    """The twin worlds side by side with their difference, on honest axes.

    Args:
        a: world A so far.
        b: world B so far (the same people and random numbers, one rule changed).
        label_a: world A's name in the legend.
        label_b: world B's name in the legend.
        columns: the time-series columns compared, one panel each.
        policy_changes: rule changes the runs reached, ``(day, note)``, drawn as dated
            lines.
    """
    ctx = a.context
    fig = plot_comparison(
        a.timeseries,
        b.timeseries,
        label_a,
        label_b,
        list(columns),
        f"twin worlds, seed {ctx.seed} · {ctx.n_citizens:,} citizens, {ctx.n_firms:,} firms",
        title="World A as set, world B with one rule changed",  # the legend names the rule
        policy_changes=list(policy_changes),
    )
    honest_comparison_axes(fig, columns, ctx)
    from score_sim.outputs.figures.base import POLICY_LINE_STYLE

    # the value panels (their x axis unlabelled) get the dated lines too
    for ax in fig.axes:
        if ax.get_visible() and ax.get_xlabel() != "day" and ax.get_title():
            for day, _ in policy_changes:
                ax.axvline(day, **POLICY_LINE_STYLE)
    return fig


def honest_comparison_axes(fig: Figure, columns: tuple[str, ...], ctx: FigureContext) -> None:
    """Retitle a comparison figure's panels in words and set axes that do not exaggerate.

    :func:`~score_sim.outputs.figures.twins.plot_comparison` titles each value panel with
    its column in words (:func:`~score_sim.outputs.labels.metric_label`) and draws
    ``B − A`` in a panel of its own below it, in the same order.
    """
    from score_sim.outputs.labels import metric_label

    by_title = {metric_label(column): column for column in columns}
    for text in fig.texts:  # the note of columns left out, in words
        words = text.get_text()
        for name in columns:
            words = words.replace(name, title_of(name).lower())
        text.set_text(words)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    mains = [ax for ax in visible if ax.get_title() in by_title]
    differences = [ax for ax in visible if ax.get_ylabel() == "B − A"]
    scale = ctx.score_upper - ctx.score_lower
    for ax, difference in zip(mains, differences, strict=False):
        name = by_title[ax.get_title()]
        ax.set_title(title_of(name), fontsize=10)
        low, high = ax.get_ylim()
        if name.endswith("_score"):
            middle = (low + high) / 2.0
            half = max(high - low, 0.1 * scale) / 2.0
            low, high = middle - half, middle + half
        else:
            low, high = 0.0, max(high, 1.0 if not name.endswith("_share") else 5.0)
        ax.set_ylim(low, high)
        span = high - low
        lines = [line.get_ydata() for line in difference.get_lines()]
        values = np.concatenate([np.asarray(v, dtype=float) for v in lines]) if lines else []
        finite = np.abs(values[np.isfinite(values)]) if len(values) else np.zeros(0)
        reach = max(span / 2.0, float(finite.max()) * 1.1 if finite.size else 0.0)
        difference.set_ylim(-reach, reach)


def render_twins(model_a: ScoreModel, model_b: ScoreModel, label_a: str, label_b: str) -> bytes:
    """The twin-world figure for the run so far, as PNG bytes."""
    return to_png(
        draw_twins(Snapshot.of(model_a, "twins"), Snapshot.of(model_b, "twins"), label_a, label_b)
    )
