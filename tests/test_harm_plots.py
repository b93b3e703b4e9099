"""Tests for the harm and comparison figures (score_sim.outputs.figures: pariahs, cascades,
innocents, twins): CCDF, transition shares, files, determinism and labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure

from score_sim.mechanisms.sanctions import CASCADE_DTYPE
from score_sim.model import ScoreModel
from score_sim.outputs.figures.base import FigureContext, caption
from score_sim.outputs.figures.cascades import ccdf, plot_cascade_ccdf, reach_counts
from score_sim.outputs.figures.innocents import plot_innocents
from score_sim.outputs.figures.jobs import write_harm_figures
from score_sim.outputs.figures.pariahs import (
    plot_pariahs,
    plot_selection_feedback,
    plot_trajectories,
)
from score_sim.outputs.figures.twins import column_label, nonzero_columns, plot_comparison
from score_sim.outputs.labels import metric_label
from score_sim.outputs.summary import summarize

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
        scenario = model.score_scenario
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


def test_column_label_units() -> None:
    assert column_label("innocent_sanction_share") == ("share (%)", 100.0)
    assert column_label("citizen_mean_score") == ("score (points)", 1.0)
    assert column_label("firm_n_pariah") == ("firms", 1.0)
    assert column_label("citizen_n_restricted") == ("citizens", 1.0)
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


def test_pariahs_draws_each_count_on_its_own_scale(run: Run) -> None:
    fig = plot_pariahs(run.ts, run.summary, run.ctx)
    assert fig.get_suptitle() == "Pariah spirals"
    assert caption(run.ctx) in texts(fig)
    pariahs, restricted, jobs = fig.axes
    assert [ax.get_title() for ax in fig.axes] == [
        "Pariahs",
        "Under restriction",
        "Citizens without a job",
    ]
    end = run.ts["citizen_n_pariah"][-1]
    assert legend_labels(pariahs.get_legend())[0] == f"citizens ({end:,.0f} at the end)"
    np.testing.assert_array_equal(pariahs.get_lines()[0].get_ydata(), run.ts["citizen_n_pariah"])
    np.testing.assert_array_equal(
        restricted.get_lines()[1].get_ydata(), run.ts["firm_n_restricted"]
    )
    # each panel's scale fits its own counts: the pariahs are not flattened by the restricted
    assert pariahs.get_ylim()[1] == pytest.approx(max(run.ts["citizen_n_pariah"].max() * 1.3, 1.0))
    assert restricted.get_ylim()[1] == pytest.approx(
        max(run.ts["citizen_n_restricted"].max(), run.ts["firm_n_restricted"].max()) * 1.3
    )
    # jobs lost to sanctions apart from built-in unemployment
    lost, never = jobs.get_lines()
    np.testing.assert_array_equal(lost.get_ydata(), run.ts["citizen_n_job_lost"])
    np.testing.assert_array_equal(
        never.get_ydata(), run.ts["citizen_n_unemployed"] - run.ts["citizen_n_job_lost"]
    )
    assert legend_labels(jobs.get_legend()) == [
        "lost a job to sanctions (so far)",
        "never had one (not a harm)",
    ]


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (None, "misconduct rate under restriction: n/a"),
        (2.345, "restricted misbehave 2.3× as often as the rest"),
        (
            {"citizen": 1.96, "firm": None},
            "Citizens: restricted misbehave 2.0× as often as the rest\n"
            "Firms: misconduct rate under restriction: n/a",
        ),
        (
            {"citizen": {"median": 18.7, "p05": 12.05, "p95": 25.0}},
            "Citizens: restricted misbehave 18.7× (12.1–25.0) as often as the rest",
        ),
    ],
)
def test_pariahs_ratio_text_box(run: Run, ratio: Any, expected: str) -> None:
    summary = {**run.summary, "pariah_spiral": dict(run.summary["pariah_spiral"])}
    summary["pariah_spiral"]["misconduct_rate_ratio_restricted"] = ratio
    assert expected in texts(plot_pariahs(run.ts, summary, run.ctx))


def test_pariahs_ratio_is_split_into_selection_and_feedback(run: Run) -> None:
    summary = {
        **run.summary,
        "pariah_spiral": {"misconduct_rate_ratio_restricted": {"citizen": 20.0}},
        "selection_vs_feedback": {
            "citizen": {"naive_ratio": 20.0, "selection_ratio": 2.5, "feedback_ratio": 8.0}
        },
    }
    line = (
        "Citizens: restricted misbehave 20.0× as often as the rest = 2.5× who is restricted"
        " × 8.0× what restriction does"
    )
    assert line in texts(plot_pariahs(run.ts, summary, run.ctx))


def test_pariahs_without_agents_draws_notes(run: Run) -> None:
    ts = dict(run.ts)
    for kind in ("citizen", "firm"):
        ts[f"{kind}_mean_score"] = np.full_like(ts["step"], np.nan)
    empty = {"days": 60, "pariah_spiral": {"misconduct_rate_ratio_restricted": None}}
    fig = plot_pariahs(ts, empty, run.ctx)
    for ax in fig.axes:
        assert any("No citizens or firms" in t.get_text() for t in ax.texts)
    assert "misconduct rate under restriction: n/a" in texts(fig)


# --- trajectories and selection vs feedback --------------------------------------------------


@pytest.fixture(scope="module")
def spiral() -> tuple[Any, Any]:
    sizes = {"citizens": 2000, "firms": 100, "steps": 400, "heterogeneity.enabled": True}
    model = ScoreModel("pariah_spiral", rng=42, **sizes).run()
    twin = ScoreModel("pariah_spiral", rng=42, **sizes, **{"effects.enabled": False}).run()
    return model, twin


def test_trajectories_show_pariahs_beside_never_listed_matches(spiral: Any) -> None:
    model, _ = spiral
    trajectories = model.trajectories()
    pariahs = trajectories.pariahs()
    assert pariahs.size >= 6
    fig = plot_trajectories(trajectories, FigureContext.of_model(model))
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 6
    for ax in panels:
        pariah_line = next(
            line for line in ax.get_lines() if line.get_color() in ("#0072B2", "#D55E00")
        )
        match_line = ax.get_lines()[0]
        position = int(np.flatnonzero(trajectories.score[:, -1] == pariah_line.get_ydata()[-1])[0])
        # the pariah was listed (shaded) and its match never was
        assert ax.patches or ax.collections
        assert trajectories.listed.any(axis=1)[position]
        assert match_line.get_color() == "#8C8C8C"
        start = int(pariah_line.get_xdata()[0])
        first = int(trajectories.first_listing_day()[position])
        assert start == max(first - 365, 0)


def test_selection_feedback_figure_draws_the_three_factors(spiral: Any) -> None:
    model, twin = spiral
    summary = summarize(model, twin)
    parts = summary["selection_vs_feedback"]["citizen"]
    assert parts["naive_ratio"] == pytest.approx(
        parts["selection_ratio"] * parts["feedback_ratio"], rel=1e-3
    )
    fig = plot_selection_feedback(summary["selection_vs_feedback"], FigureContext.of_model(model))
    citizens = fig.axes[0]
    assert citizens.get_title() == "Citizens"
    assert citizens.get_xscale() == "log"
    widths = [bar.get_width() + 1.0 for bar in citizens.patches[:3]]
    np.testing.assert_allclose(
        widths,
        [parts["naive_ratio"], parts["selection_ratio"], parts["feedback_ratio"]],
        rtol=1e-9,
    )
    labels = [t.get_text() for t in citizens.get_yticklabels()]
    assert labels[0] == f"naive ratio\n{parts['naive_ratio']:.1f}×"


# --- cascades -------------------------------------------------------------------------------


def test_cascade_figure_draws_the_ccdf_and_who_was_reached(run: Run) -> None:
    sizes = run.cascades["n_agents"]
    assert sizes.size > 0, "the realistic run should have cascades"
    fig = plot_cascade_ccdf(run.cascades, run.ctx)
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
    assert right.get_title() == "Who the cascades restricted"
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert labels == [
        "sanctioned actor",
        "legal representatives",
        "staff",
        "families",
        "parent companies",
    ]
    counts = reach_counts(run.cascades, run.ctx.n_citizens)
    # every actor a cascade restricted is in exactly one row
    total = sum(c["citizen"] + c["firm"] for c in counts.values())
    assert total == int(sizes.sum())
    assert counts["families"]["citizen"] == int(run.cascades["n_family"].sum()) > 0
    bars = sorted(right.patches, key=lambda bar: (bar.get_y(), bar.get_x()))
    citizens_bars = [bar.get_width() for bar in right.patches[:5]]
    assert citizens_bars == [counts[label]["citizen"] for label in labels]
    assert len(bars) == 10


def test_cascade_reach_adds_up_per_cascade(run: Run) -> None:
    rows = run.cascades
    by_tie = sum(
        rows[name] for name in ("n_legal_representative", "n_staff", "n_family", "n_parent_company")
    )
    np.testing.assert_array_equal(rows["n_agents"], 1 + by_tie)
    np.testing.assert_array_equal(rows["n_agents"], rows["n_citizens"] + rows["n_firms"])


def test_empty_cascades_draw_a_note(tmp_path: Path, run: Run) -> None:
    none = np.empty(0, dtype=CASCADE_DTYPE)
    fig = plot_cascade_ccdf(none, run.ctx)
    for ax in fig.axes:
        assert [t.get_text() for t in ax.texts] == ["no sanctions in this run"]
        assert ax.get_xlabel()
    assert fig.axes[0].get_title() == "Cascade size (n = 0 cascades)"
    paths = write_harm_figures(run.ts, none, run.summary, run.ctx, tmp_path)
    assert paths[1].read_bytes().startswith(PNG_SIGNATURE)


def test_cascades_of_size_zero_are_counted_not_drawn(run: Run) -> None:
    rows = np.zeros(4, dtype=CASCADE_DTYPE)
    rows["n_agents"] = [0, 1, 2, 2]
    fig = plot_cascade_ccdf(rows, run.ctx)
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
    assert left.get_ylabel() in ("citizens", "citizens and firms") and left.get_xlabel() == "day"
    assert legend_labels(left.get_legend()) == ["citizens", "firms"]
    assert right.get_ylabel() == "share of sanction-days (%)"
    assert right.get_ylim() == (0.0, 100.0)
    assert legend_labels(right.get_legend()) == [
        "all innocent",
        "resting on false findings",
        "reached through ties",
    ]
    total, false, tie = (line.get_ydata() for line in right.get_lines())
    np.testing.assert_allclose(total, run.ts["innocent_sanction_share"] * 100.0)
    # the two parts add up to the total share
    np.testing.assert_allclose(false + tie, total, atol=1e-9)


# --- comparison -----------------------------------------------------------------------------


def test_comparison_panels_and_difference(run: Run) -> None:
    other = Run()  # the same run without ties
    columns = ["citizen_mean_score", "citizen_n_restricted", "innocent_sanction_share", "step"]
    fig = plot_comparison(
        other.ts, run.ts, "A: plain", "B: ties", columns, "a caption", title="what ties do"
    )
    assert fig.get_suptitle() == "what ties do"
    assert "a caption" in texts(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    values = [ax for ax in visible if ax.get_title()]
    diffs = [ax for ax in visible if ax.get_ylabel() == "B − A"]
    # each panel titled in words, never with its column name
    assert [ax.get_title() for ax in values] == [metric_label(c) for c in columns]
    assert not any("_" in ax.get_title() for ax in values)
    assert len(diffs) == len(columns)
    assert values[2].get_ylabel() == "share (%)"
    assert legend_labels(fig.legends[0]) == ["A: plain", "B: ties", "B − A"]
    # the difference has its own panel, under its column's panel, not a twin axis over B
    for value_ax, diff_ax in zip(values, diffs, strict=True):
        assert diff_ax.get_position().y1 < value_ax.get_position().y0
        assert diff_ax.get_position().x0 == pytest.approx(value_ax.get_position().x0)
    diff = diffs[1].get_lines()[0].get_ydata()
    expected = run.ts["citizen_n_restricted"] - other.ts["citizen_n_restricted"]
    np.testing.assert_allclose(diff, expected)
    np.testing.assert_allclose(
        values[2].get_lines()[1].get_ydata(), run.ts["innocent_sanction_share"] * 100
    )


def test_comparison_drops_columns_that_are_zero_in_both_worlds(run: Run) -> None:
    ts = dict(run.ts)
    ts["firm_n_pariah"] = np.zeros_like(ts["step"])
    columns = ["citizen_mean_score", "firm_n_pariah"]
    assert nonzero_columns(ts, ts, columns) == ["citizen_mean_score"]
    fig = plot_comparison(ts, ts, "A", "B", columns, "c")
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert titles == ["citizens' mean score"]
    assert "zero in both worlds, not drawn: firms that are pariahs" in texts(fig)


def test_comparison_of_different_lengths_uses_common_days(run: Run) -> None:
    short = {name: values[:10] for name, values in run.ts.items()}
    fig = plot_comparison(short, run.ts, "A", "B", ["citizen_n_restricted"], "c")
    diff = next(ax for ax in fig.axes if ax.get_ylabel() == "B − A")
    np.testing.assert_array_equal(diff.get_lines()[0].get_xdata(), np.arange(10))


def test_comparison_rejects_too_many_or_no_columns(run: Run) -> None:
    with pytest.raises(ValueError):
        plot_comparison(run.ts, run.ts, "A", "B", ["step"] * 7, "c")
    with pytest.raises(ValueError):
        plot_comparison(run.ts, run.ts, "A", "B", [], "c")
    with pytest.raises(KeyError, match="no_such_column"):
        plot_comparison(run.ts, run.ts, "A", "B", ["no_such_column"], "c")
