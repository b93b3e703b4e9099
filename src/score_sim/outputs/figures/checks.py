"""Checks that a figure is legible: no two pieces of text overlap, none leaves the canvas.

Used by the tests on every figure, at small and at city-scale data ranges. Matplotlib gives
each drawn text its extent in display pixels after the figure is drawn.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def visible_texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text the figure draws: titles, labels, ticks, legends, notes.

    Tick labels count only for the ticks an axis draws (those inside its view); matplotlib
    keeps others around, invisible in effect, at stale positions.
    """
    fig.canvas.draw()
    tick_labels: set[int] = set()
    drawn: list[Text] = []
    for ax in fig.findobj(Axes):
        for axis in ax._axis_map.values():  # x and y, or more for 3-D
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((id(tick.label1), id(tick.label2)))
            if not ax.get_visible() or not axis.get_visible():
                continue
            for tick in axis._update_ticks():  # the ticks a draw draws
                drawn += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    texts = [t for t in drawn if t.get_text().strip()]
    for artist in fig.findobj(Text):
        if id(artist) in tick_labels:
            continue
        if not artist.get_visible() or not artist.get_text().strip():
            continue
        if artist.axes is not None and not artist.axes.get_visible():
            continue
        texts.append(artist)
    return texts


def text_problems(fig: Figure, tolerance_px: float = 0.5) -> list[str]:
    """Texts that overlap one another or stick out of the canvas, described one per line.

    Args:
        fig: a figure (drawn here).
        tolerance_px: overlaps and overhangs up to this many pixels are ignored.

    Returns:
        An empty list for a legible figure.
    """
    texts = visible_texts(fig)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes: list[tuple[str, Bbox]] = []
    for text in texts:
        box = text.get_window_extent(renderer)
        if box.width <= 0 or box.height <= 0:
            continue
        boxes.append((text.get_text(), box))
    width, height = fig.bbox.width, fig.bbox.height
    problems = []
    for label, box in boxes:
        if (
            box.x0 < -tolerance_px
            or box.y0 < -tolerance_px
            or box.x1 > width + tolerance_px
            or box.y1 > height + tolerance_px
        ):
            where = tuple(round(v) for v in box.extents)
            problems.append(f"leaves the canvas: {label!r} at {where}")
    for i, (label_i, a) in enumerate(boxes):
        for label_j, b in boxes[i + 1 :]:
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > tolerance_px and dy > tolerance_px:
                problems.append(f"overlap: {label_i!r} and {label_j!r}")
    return problems
