"""Every figure stays legible from a town to a city: no text overlaps, none leaves the canvas.

Figures are drawn from a real small run (pariah_spiral with people who differ, and its twin
without feedback) and from the same data scaled to Rongcheng's 670,000 residents and 33,500
firms (counts multiplied, cascades as large as a city's), for one seed and for a band
across seeds. Matplotlib gives each drawn text's extent; two extents must not intersect and
each must lie inside the canvas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

from score_sim.mechanisms.sanctions import CASCADE_DTYPE
from score_sim.model import ScoreModel
from score_sim.outputs.figures.base import FigureContext
from score_sim.outputs.figures.cascades import plot_cascade_ccdf
from score_sim.outputs.figures.checks import text_problems
from score_sim.outputs.figures.innocents import plot_innocents
from score_sim.outputs.figures.lists import plot_list_sizes
from score_sim.outputs.figures.pariahs import (
    plot_pariahs,
    plot_selection_feedback,
    plot_trajectories,
)
from score_sim.outputs.figures.scores import plot_grade_shares, plot_score_fan
from score_sim.outputs.figures.twins import plot_comparison
from score_sim.outputs.summary import summarize

CITY_CITIZENS, CITY_FIRMS = 670_000, 33_500
SETTINGS = {"heterogeneity.enabled": True}


class Data:
    """Everything the figures are drawn from, at one scale."""

    def __init__(
        self,
        ts: dict[str, np.ndarray],
        twin_ts: dict[str, np.ndarray],
        summary: dict[str, Any],
        cascades: np.ndarray,
        trajectories: Any,
        ctx: FigureContext,
    ) -> None:
        self.ts, self.twin_ts, self.summary = ts, twin_ts, summary
        self.cascades, self.trajectories, self.ctx = cascades, trajectories, ctx


def make_small() -> Data:
    """A real small run with people who differ, and its twin without feedback."""
    sizes = {"citizens": 1500, "firms": 80, "steps": 240}
    model = ScoreModel("pariah_spiral", rng=42, **sizes, **SETTINGS).run()
    twin = ScoreModel(
        "pariah_spiral", rng=42, **sizes, **SETTINGS, **{"effects.enabled": False}
    ).run()
    summary = summarize(model, twin)
    # a town this small may have no restricted firm: give firms a split as wide as a city's
    summary["selection_vs_feedback"]["firm"] = {
        "naive_ratio": 131.2,
        "selection_ratio": 0.08,
        "feedback_ratio": 1640.0,
        "selection_share_of_log_ratio": -0.52,
        "selection_ratio_expected": 2.5,
        "feedback_ratio_expected": 52.5,
    }
    return Data(
        model.timeseries(),
        twin.timeseries(),
        summary,
        model.sanctions.cascades.copy(),
        model.trajectories(),
        FigureContext.of_model(model),
    )


def _scaled(ts: dict[str, np.ndarray], factor: float) -> dict[str, np.ndarray]:
    counts = ("_n_", "sanction_days", "n_cascades", "n_true_findings", "n_false_findings")
    return {
        name: values * factor if any(c in name for c in counts) and name != "step" else values
        for name, values in ts.items()
    }


def _city_cascades(rng: np.random.Generator) -> np.ndarray:
    n = 60_000
    rows = np.zeros(n, dtype=CASCADE_DTYPE)
    rows["actor"] = rng.integers(0, CITY_CITIZENS + CITY_FIRMS, n)
    rows["n_staff"] = np.where(rows["actor"] >= CITY_CITIZENS, rng.zipf(1.8, n) % 3000, 0)
    rows["n_family"] = rng.poisson(2.5, n)
    rows["n_legal_representative"] = rows["actor"] >= CITY_CITIZENS
    rows["n_parent_company"] = (rows["actor"] >= CITY_CITIZENS) & (rng.random(n) < 0.2)
    reached = ("n_staff", "n_family", "n_legal_representative", "n_parent_company")
    rows["n_agents"] = 1 + sum(rows[name] for name in reached)
    rows["n_firms"] = (rows["actor"] >= CITY_CITIZENS) + rows["n_parent_company"]
    rows["n_citizens"] = rows["n_agents"] - rows["n_firms"]
    return rows


def make_city(small: Data) -> Data:
    """The small run's data at the scale of Rongcheng."""
    factor = CITY_CITIZENS / small.ctx.n_citizens
    ctx = replace(small.ctx, n_citizens=CITY_CITIZENS, n_firms=CITY_FIRMS, seed=2**62 + 12345)
    summary = dict(small.summary)
    summary["pariah_spiral"] = dict(summary["pariah_spiral"])
    summary["pariah_spiral"]["grade_transitions"] = {
        "grades": list(ctx.grade_names),
        "citizen": (np.asarray(summary["pariah_spiral"]["grade_transitions"]["citizen"]) * 447)
        .astype(int)
        .tolist(),
        "firm": (np.asarray(summary["pariah_spiral"]["grade_transitions"]["firm"]) * 419)
        .astype(int)
        .tolist(),
    }
    return Data(
        _scaled(small.ts, factor),
        _scaled(small.twin_ts, factor),
        summary,
        _city_cascades(np.random.default_rng(5)),
        small.trajectories,
        ctx,
    )


@pytest.fixture(scope="module")
def small() -> Data:
    return make_small()


@pytest.fixture(scope="module")
def city(small: Data) -> Data:
    return make_city(small)


def _banded(data: Data, n_seeds: int = 5) -> Data:
    """The same data as a band across seeds: each seed's series jittered around the run's."""
    rng = np.random.default_rng(1)

    def band(ts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {"step": ts["step"]}
        for name, values in ts.items():
            if name != "step":
                width = 0.005 if name.endswith("_score") else 0.2  # scores vary little
                noise = rng.uniform(1 - width, 1 + width, (n_seeds, 1))
                out[name] = values[None, :] * noise
        return out

    summary = dict(data.summary)
    summary["selection_vs_feedback"] = {
        kind: {
            key: [None if v is None else v * (1 + 0.6 * i) for i in range(n_seeds)]
            for key, v in parts.items()
        }
        for kind, parts in data.summary["selection_vs_feedback"].items()
        if isinstance(parts, dict)
    }
    ctx = replace(data.ctx, seeds=tuple(range(data.ctx.seed, data.ctx.seed + n_seeds)))
    return Data(band(data.ts), band(data.twin_ts), summary, data.cascades, data.trajectories, ctx)


POLICY_CHANGES = (
    (24, "epidemic: deliveries and payments delayed (x3, assumed)"),
    (35, "suspension of blacklisting for delayed deliveries, payments, contracts"),
    (183, "suspension lifted, rates back to normal (assumed)"),
)
"""shandong_2020's timeline: three dated changes whose notes fill a line."""


def _with_timeline(data: Data) -> Data:
    """The same data with a policy timeline marked on the figures over days."""
    ctx = replace(data.ctx, policy_changes=POLICY_CHANGES)
    return Data(data.ts, data.twin_ts, data.summary, data.cascades, data.trajectories, ctx)


FIGURES: dict[str, Callable[[Data], Figure]] = {
    "score_distribution": lambda d: plot_score_fan(d.ts, d.ctx),
    "list_sizes": lambda d: plot_list_sizes(d.ts, d.ctx),
    "grade_shares": lambda d: plot_grade_shares(
        d.ts, d.ctx, d.summary["pariah_spiral"]["grade_transitions"]
    ),
    "pariahs": lambda d: plot_pariahs(d.ts, d.summary, d.ctx),
    "cascades": lambda d: plot_cascade_ccdf(d.cascades, d.ctx),
    "innocents": lambda d: plot_innocents(d.ts, d.ctx),
    "trajectories": lambda d: plot_trajectories(d.trajectories, d.ctx),
    "selection_feedback": lambda d: plot_selection_feedback(
        d.summary["selection_vs_feedback"], d.ctx
    ),
    "comparison": lambda d: plot_comparison(
        d.ts,
        d.twin_ts,
        "A: pariah_spiral as written",
        "B: effects.enabled=false",
        [
            "citizen_mean_score",
            "citizen_n_blacklisted",
            "citizen_n_pariah",
            "citizen_n_restricted",
            "citizen_n_listed_innocent",
            "innocent_sanction_share",
        ],
        "twin worlds, seed 42 · 670,000 citizens, 33,500 firms",
        title="pariah_spiral: what changes with effects.enabled=false",
        policy_changes=d.ctx.policy_changes,
    ),
}


@pytest.mark.parametrize(
    "scale", ["small", "city", "small band", "city band", "small timeline", "city band timeline"]
)
@pytest.mark.parametrize("name", list(FIGURES))
def test_no_text_overlaps_or_leaves_the_canvas(
    name: str, scale: str, small: Data, city: Data
) -> None:
    data = small if scale.startswith("small") else city
    if "band" in scale:
        if name == "comparison":
            pytest.skip("the comparison figure sets two single runs side by side")
        data = _banded(data)
    if scale.endswith("timeline"):
        data = _with_timeline(data)
    fig = FIGURES[name](data)
    assert text_problems(fig) == []


def test_the_check_finds_overlaps_and_overhangs() -> None:
    fig = Figure(figsize=(4, 3), dpi=100)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, "one label", ha="center")
    fig.text(0.52, 0.5, "another label", ha="center")
    fig.text(0.99, 0.1, "runs off the right edge")
    problems = text_problems(fig)
    assert any(p.startswith("overlap: 'one label' and 'another label'") for p in problems)
    assert any(p.startswith("leaves the canvas: 'runs off the right edge'") for p in problems)
    assert len(problems) == 2
