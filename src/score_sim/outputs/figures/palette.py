"""One palette for every figure, safe for colour-blind readers.

The colours are Okabe and Ito's eight ("Color Universal Design", 2002), which stay distinct
under the common forms of colour blindness, and each stands for one thing in every figure:
citizens are always blue with solid lines, firms always vermillion with dashed lines, the
blacklist black, the red list green, and so on. Grades use ``cividis``, a sequential map
built to read the same with and without colour vision deficiency.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#8C8C8C"
DARK_GREY = "#4D4D4D"

KIND_COLOR = {"citizen": BLUE, "firm": VERMILLION}
"""Citizens and firms: told apart by colour and by line style, everywhere."""
KIND_LINESTYLE = {"citizen": "-", "firm": "--"}
KIND_HATCH = {"citizen": "", "firm": "//"}

BLACKLIST = BLACK
REDLIST = GREEN
FALSE_FINDING = PURPLE
"""Anything resting on false findings."""
TIE = ORANGE
"""Anything that reached an actor only through a tie."""
SANCTION_JOB_LOSS = ORANGE
"""Jobs lost to the employment restriction (a harm that spreads from a sanction)."""
BACKGROUND = GREY
"""What was there anyway: built-in unemployment, actors never listed, world A."""
SELECTION = SKY_BLUE
"""The part of a ratio due to who is restricted."""
FEEDBACK = VERMILLION
"""The part of a ratio due to restriction itself."""
NAIVE = DARK_GREY
"""A raw, undecomposed ratio."""
WORLD_A = GREY
WORLD_B = BLACK
DIFFERENCE = PURPLE

BAND_ALPHA = 0.25
"""Opacity of a 5-95% band across seeds."""


def grade_colors(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` RGBA colours for grades, best first: khaki (best) to dark blue (worst)."""
    rgba = mpl.colormaps["cividis"](np.linspace(0.85, 0.0, n)).tolist()
    return [(r, g, b, a) for r, g, b, a in rgba]
