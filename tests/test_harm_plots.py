"""Tests for score_sim.harm_plots: CCDF, transition shares, files, determinism and labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure

from score_sim.harm_plots import (
    ccdf,
    column_label,
    plot_cascade_ccdf,
    plot_comparison,
    plot_innocents,
    plot_pariahs,
    row_shares,
    write_harm_figures,
)
from score_sim.model import ScoreModel
from score_sim.plots import FigureContext, caption
from score_sim.rules.sanctions import CASCADE_DTYPE
from score_sim.summary import summarize

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OVERRIDES = {
    "sanctions.blacklist": ["travel", "credit"],
    "ties.household_size_mean": 3,
    "sanctions.reach.family": ["school_access"],
}


class Run:
    """A realistic small run: its series, cascades, summary and figure context."""

    def __init__(self, **overrides: Any) -> None:
        model = ScoreModel(
            "baseline", rng=42, citizens=2000, firms=100, steps=60, **overrides
        ).run()
        scenario = model.scenario
        self.ts = model.timeseries()
        self.cascades = model.sanctions.cascades.copy()
        self.summary = summarize(model)
        self.ctx = FigureContext.of_model(model)
        assert self.ctx.scenario_name == scenario.name and self.ctx.n_citizens == 2000


@pytest.fixture(scope="module")
def run() -> Run:
    return Run(**OVERRIDES)


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.texts]


def legend_labels(legend: Any) -> list[str]:
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


# --- ccdf and row shares --------------------------------------------------------------------


def test_ccdf_on_a_small_example() -> None:
    sizes = np.array([3, 1, 7, 3, 2, 1, 3])
    s, p = ccdf(sizes)
    np.testing.assert_array_equal(s, [1, 2, 3, 7])
    np.testing.assert_allclose(p, [7 / 7, 5 / 7, 4 / 7, 1 / 7])
    assert p[0] == 1.0  # P(size >= min) = 1
    assert np.all(np.diff(p) <= 0)  # never increases
    assert p[-1] == np.count_nonzero(sizes == sizes.max()) / sizes.size


def test_ccdf_matches_brute_force_on_random_sizes() -> None:
    sizes = np.random.default_rng(1).zipf(2.0, 500)
    s, p = ccdf(sizes)
    assert np.all(np.diff(s) > 0)
    np.testing.assert_allclose(p, [(sizes >= v).mean() for v in s])


def test_ccdf_of_nothing_is_empty() -> None:
    s, p = ccdf(np.empty(0, dtype=np.int32))
    assert s.size == 0 and p.size == 0


def test_row_shares() -> None:
    shares = row_shares(np.array([[1, 3], [0, 0], [2, 0]]))
    np.testing.assert_allclose(shares[0], [25.0, 75.0])
    assert np.isnan(shares[1]).all()  # an empty row has no shares
    np.testing.assert_allclose(shares[2], [100.0, 0.0])


def test_column_label_units() -> None:
    assert column_label("innocent_sanction_share") == ("share (%)", 100.0)
    assert column_label("citizen_mean_score") == ("score (points)", 1.0)
    assert column_label("firm_n_pariah") == ("agents", 1.0)
    assert column_label("tie_sanction_days")[0] == "sanction-days so far (agent-days)"


# --- files ----------------------------------------------------------------------------------


def test_write_harm_figures_writes_three_deterministic_pngs(tmp_path: Path, run: Run) -> None:
    first = write_harm_figures(run.ts, run.cascades, run.summary, run.ctx, tmp_path / "a" / "b")
    assert [p.name for p in first] == ["pariahs.png", "cascades.png", "innocents.png"]
    assert all(p.parent == tmp_path / "a" / "b" for p in first)
    second = write_harm_figures(run.ts, run.cascades, run.summary, run.ctx, tmp_path / "c")
    for p, q in zip(first, second, strict=True):
        data = p.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert b"Software" not in data
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (1000, 500)
        assert data == q.read_bytes(), p.name


def test_drawing_leaves_rcparams_and_pyplot_alone(tmp_path: Path, run: Run) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    with mpl.rc_context({"lines.linewidth": 7.0}):
        write_harm_figures(run.ts, run.cascades, run.summary, run.ctx, tmp_path)
        assert mpl.rcParams["lines.linewidth"] == 7.0
    assert plt.get_fignums() == before


# --- pariahs --------------------------------------------------------------------------------


def test_pariahs_labels_and_transition_shares(run: Run) -> None:
    fig = plot_pariahs(run.ts, run.summary, run.ctx)
    assert fig.get_suptitle() == "Pariah spirals"
    assert caption(run.ctx) in texts(fig)
    counts, heat = fig.axes[0], fig.axes[1]
    assert counts.get_xlabel() == "day"
    assert counts.get_ylabel() == "pariahs, restricted (agents)"
    assert legend_labels(counts.get_legend()) == [
        "citizens: pariahs",
        "firms: pariahs",
        "citizens: under restriction",
        "citizens: without a job (right)",
    ]
    np.testing.assert_array_equal(counts.get_lines()[0].get_ydata(), run.ts["citizen_n_pariah"])
    jobless = [ax for ax in fig.axes if ax.get_ylabel() == "citizens without a job (agents)"]
    assert len(jobless) == 1
    assert heat.get_title() == "Citizens: grade transitions (% of row)"
    assert heat.get_xlabel() == "grade at the end (day 60)"
    assert heat.get_ylabel() == "grade on day 0 (agents)"
    assert [t.get_text() for t in heat.get_xticklabels()] == list(run.ctx.grade_names)
    matrix = np.array(run.summary["pariah_spiral"]["grade_transitions"]["citizen"])
    image = heat.get_images()[0].get_array()
    np.testing.assert_allclose(image.filled(np.nan), row_shares(matrix))
    # one annotation per non-empty cell
    assert len(heat.texts) == np.count_nonzero(matrix)
    assert any(ax.get_ylabel() == "share of row (%)" for ax in fig.axes)  # the colour bar


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (None, "misconduct rate under restriction: n/a"),
        (2.345, "misconduct rate under restriction: 2.3 times the rate without"),
        (
            {"citizen": 1.96, "firm": None},
            "Citizens: misconduct rate under restriction: 2.0 times the rate without\n"
            "Firms: misconduct rate under restriction: n/a",
        ),
    ],
)
def test_pariahs_ratio_text_box(run: Run, ratio: Any, expected: str) -> None:
    summary = {**run.summary, "pariah_spiral": dict(run.summary["pariah_spiral"])}
    summary["pariah_spiral"]["misconduct_rate_ratio_restricted"] = ratio
    assert expected in texts(plot_pariahs(run.ts, summary, run.ctx))


def test_pariahs_without_agents_draws_notes(run: Run) -> None:
    ts = dict(run.ts)
    for kind in ("citizen", "firm"):
        ts[f"{kind}_mean_score"] = np.full_like(ts["step"], np.nan)
    transitions = run.summary["pariah_spiral"]["grade_transitions"]
    empty = {
        "days": 60,
        "pariah_spiral": {
            "misconduct_rate_ratio_restricted": {"citizen": None, "firm": None},
            "grade_transitions": {
                "grades": transitions["grades"],
                "citizen": np.zeros((6, 6), int).tolist(),
                "firm": np.zeros((6, 6), int).tolist(),
            },
        },
    }
    fig = plot_pariahs(ts, empty, run.ctx)
    for ax in fig.axes:
        assert any("No citizens or firms" in t.get_text() for t in ax.texts)
    assert "misconduct rate under restriction: n/a" in texts(fig)


# --- cascades -------------------------------------------------------------------------------


def test_cascade_figure_draws_the_ccdf_and_sector_counts(run: Run) -> None:
    sizes, sectors = run.cascades["n_agents"], run.cascades["n_sectors"]
    assert sizes.size > 0, "the realistic run should have cascades"
    fig = plot_cascade_ccdf(sizes, sectors, run.ctx)
    assert fig.get_suptitle() == "Sanction cascades"
    assert caption(run.ctx) in texts(fig)
    left, right = fig.axes
    assert left.get_xscale() == "log" and left.get_yscale() == "log"
    assert left.get_title() == f"Cascade size (n = {sizes.size:,} cascades)"
    assert left.get_xlabel() == "cascade size s (agents restricted)"
    assert left.get_ylabel() == "P(size ≥ s) (share of cascades)"
    assert legend_labels(left.get_legend()) == ["P(size ≥ s)"]
    s, p = ccdf(sizes)
    markers = left.get_lines()[1]
    np.testing.assert_allclose(markers.get_xdata(), s)
    np.testing.assert_allclose(markers.get_ydata(), p)
    assert right.get_xlabel() == "sectors restricted (sectors)"
    assert right.get_ylabel() == "cascades"
    heights = [bar.get_height() for bar in right.patches]
    np.testing.assert_array_equal(heights, np.bincount(sectors))


def test_empty_cascades_draw_a_note(tmp_path: Path, run: Run) -> None:
    none = np.empty(0, dtype=CASCADE_DTYPE)
    fig = plot_cascade_ccdf(none["n_agents"], none["n_sectors"], run.ctx)
    for ax in fig.axes:
        assert [t.get_text() for t in ax.texts] == ["no sanctions in this run"]
        assert ax.get_xlabel() and ax.get_ylabel()
    assert fig.axes[0].get_title() == "Cascade size (n = 0 cascades)"
    paths = write_harm_figures(run.ts, none, run.summary, run.ctx, tmp_path)
    assert paths[1].read_bytes().startswith(PNG_SIGNATURE)


def test_cascades_of_size_zero_are_counted_not_drawn(run: Run) -> None:
    fig = plot_cascade_ccdf(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2]), run.ctx)
    left = fig.axes[0]
    assert legend_labels(left.get_legend()) == ["P(size ≥ s)\n(1 of size 0 not shown)"]
    np.testing.assert_allclose(left.get_lines()[1].get_xdata(), [1, 2])
    np.testing.assert_allclose(left.get_lines()[1].get_ydata(), [0.75, 0.5])


# --- innocents ------------------------------------------------------------------------------


def test_innocents_labels_and_shares(run: Run) -> None:
    fig = plot_innocents(run.ts, run.ctx)
    assert fig.get_suptitle() == "Innocents under sanction"
    assert caption(run.ctx) in texts(fig)
    left, right = fig.axes
    assert left.get_ylabel() == "agents" and left.get_xlabel() == "day"
    assert legend_labels(left.get_legend()) == ["citizens", "firms"]
    assert right.get_ylabel() == "share of sanction-days (%)"
    assert right.get_ylim() == (0.0, 100.0)
    assert legend_labels(right.get_legend()) == [
        "resting on false findings",
        "reached through ties",
        "all innocent",
    ]
    total = right.get_lines()[0].get_ydata()
    np.testing.assert_allclose(total, run.ts["innocent_sanction_share"] * 100.0)
    # the two stacked bands add up to the total share
    top = right.collections[-1].get_paths()[0].vertices[:, 1]
    assert np.isclose(top.max(), total.max())


# --- comparison -----------------------------------------------------------------------------


def test_comparison_panels_and_difference(run: Run) -> None:
    other = Run()  # the same run without ties
    columns = ["citizen_mean_score", "citizen_n_restricted", "innocent_sanction_share", "step"]
    fig = plot_comparison(other.ts, run.ts, "plain", "ties", columns, "a caption")
    assert fig.get_suptitle() == "plain vs ties"
    assert "a caption" in texts(fig)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_xlabel() == "day"]
    assert [ax.get_title() for ax in panels] == columns
    assert panels[2].get_ylabel() == "share (%)"
    assert legend_labels(fig.legends[0]) == ["plain", "ties", "ties − plain (right)"]
    twins = [ax for ax in fig.axes if ax.get_ylabel().startswith("difference")]
    assert len(twins) == len(columns)
    diff = twins[1].get_lines()[0].get_ydata()
    expected = run.ts["citizen_n_restricted"] - other.ts["citizen_n_restricted"]
    np.testing.assert_allclose(diff, expected)
    np.testing.assert_allclose(
        panels[2].get_lines()[1].get_ydata(), run.ts["innocent_sanction_share"] * 100
    )


def test_comparison_of_different_lengths_uses_common_days(run: Run) -> None:
    short = {name: values[:10] for name, values in run.ts.items()}
    fig = plot_comparison(short, run.ts, "A", "B", ["citizen_n_restricted"], "c")
    twin = next(ax for ax in fig.axes if ax.get_ylabel().startswith("difference"))
    np.testing.assert_array_equal(twin.get_lines()[0].get_xdata(), np.arange(10))


def test_comparison_rejects_too_many_or_no_columns(run: Run) -> None:
    with pytest.raises(ValueError):
        plot_comparison(run.ts, run.ts, "A", "B", ["step"] * 7, "c")
    with pytest.raises(ValueError):
        plot_comparison(run.ts, run.ts, "A", "B", [], "c")
    with pytest.raises(KeyError, match="no_such_column"):
        plot_comparison(run.ts, run.ts, "A", "B", ["no_such_column"], "c")
