"""The figures of data sharing and of the escalation ladder: drawn only when the mechanism is
on, legible from a town to a city (no text overlaps, none leaves the canvas)."""

from __future__ import annotations

import numpy as np
import pytest

from score_sim.model import ScoreModel
from score_sim.outputs.figures.base import FigureContext
from score_sim.outputs.figures.checks import text_problems
from score_sim.outputs.figures.records import (
    LADDER_FILE,
    SHARING_FILE,
    plot_ladder,
    plot_sharing,
    record_figure_jobs,
)

SMALL = {"citizens": 1500, "firms": 300, "steps": 120}


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[dict[str, np.ndarray], FigureContext]]:
    out = {}
    for name in ("data_sharing", "corporate_scs"):
        model = ScoreModel(name, rng=3, **SMALL).run()
        out[name] = (model.timeseries(), FigureContext.of_model(model))
    return out


def _scaled(ts: dict[str, np.ndarray], factor: float, seeds: int) -> dict[str, np.ndarray]:
    """Counts times ``factor``; with ``seeds`` > 1 a band of jittered runs."""
    rng = np.random.default_rng(1)
    out = {}
    for name, values in ts.items():
        if name == "step":
            out[name] = values
            continue
        scaled = values * (factor if "_n_" in name or name.startswith(("n_", "restr")) else 1)
        out[name] = scaled if seeds == 1 else scaled[None, :] * rng.uniform(0.8, 1.2, (seeds, 1))
    return out


@pytest.mark.parametrize(("factor", "seeds"), [(1, 1), (450, 5)])
@pytest.mark.parametrize(
    ("name", "draw"), [("data_sharing", plot_sharing), ("corporate_scs", plot_ladder)]
)
def test_record_figures_stay_legible(runs, name, draw, factor, seeds):
    ts, ctx = runs[name]
    fig = draw(_scaled(ts, factor, seeds), ctx)
    assert text_problems(fig) == []


def test_record_figures_only_for_the_mechanisms_that_are_on(runs, tmp_path):
    sharing = [path.name for path, _ in record_figure_jobs(*runs["data_sharing"], tmp_path)]
    corporate = [path.name for path, _ in record_figure_jobs(*runs["corporate_scs"], tmp_path)]
    assert sharing == [SHARING_FILE] and corporate == [LADDER_FILE]
    baseline = ScoreModel("baseline", rng=1, citizens=200, firms=10, steps=5).run()
    ctx = FigureContext.of_model(baseline)
    assert record_figure_jobs(baseline.timeseries(), ctx, tmp_path) == []
