"""Tests for the run figures and their machinery (score_sim.outputs.figures: base, scores,
lists, saving): files, determinism, labels, empty kinds and grade shares."""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from score_sim.outputs.figures.base import FigureContext, present_kinds
from score_sim.outputs.figures.jobs import FIGURE_FILES, figure_jobs, write_figures
from score_sim.outputs.figures.lists import plot_list_sizes
from score_sim.outputs.figures.palette import grade_colors
from score_sim.outputs.figures.saving import save_figures
from score_sim.outputs.figures.scores import grade_shares, plot_grade_shares, plot_score_fan

GRADES = ("AAA", "AA", "A", "B", "C", "D")
N_DAYS = 366
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_ctx(n_citizens: int = 2000, n_firms: int = 150) -> FigureContext:
    return FigureContext(
        scenario_name="synthetic",
        seed=7,
        n_citizens=n_citizens,
        n_firms=n_firms,
        score_lower=600.0,
        score_upper=1300.0,
        score_baseline=1000.0,
        grade_names=GRADES,
        version="0.1.0",
    )


def make_series(n_citizens: int = 2000, n_firms: int = 150, seed: int = 3) -> dict[str, np.ndarray]:
    """A plausible 366-day series: scores drift and spread, lists grow, grades shift down."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_DAYS, dtype=float)
    ts: dict[str, np.ndarray] = {"step": t.copy()}
    for kind, n in (("citizen", n_citizens), ("firm", n_firms)):
        if n == 0:
            for stat in plots_score_stats():
                ts[f"{kind}_{stat}"] = np.full(N_DAYS, np.nan)
            for col in ("n_blacklisted", "n_redlisted", "n_findings"):
                ts[f"{kind}_{col}"] = np.zeros(N_DAYS)
            for g in GRADES:
                ts[f"{kind}_n_grade_{g}"] = np.zeros(N_DAYS)
            continue
        centre = 1000.0 - 60.0 * t / N_DAYS + rng.normal(0.0, 2.0, N_DAYS)
        spread = 5.0 + 120.0 * np.sqrt(t / N_DAYS)
        ts[f"{kind}_median_score"] = centre
        ts[f"{kind}_mean_score"] = centre - 0.15 * spread
        for name, z in (("p05", -1.64), ("p25", -0.67), ("p75", 0.67), ("p95", 1.64)):
            ts[f"{kind}_{name}_score"] = np.clip(centre + z * spread, 600.0, 1300.0)
        ts[f"{kind}_min_score"] = np.clip(centre - 3 * spread, 600.0, 1300.0)
        ts[f"{kind}_max_score"] = np.clip(centre + 3 * spread, 600.0, 1300.0)
        ts[f"{kind}_n_blacklisted"] = np.floor(0.08 * n * t / N_DAYS)
        ts[f"{kind}_n_redlisted"] = np.floor(0.03 * n * np.sqrt(t / N_DAYS))
        ts[f"{kind}_n_findings"] = rng.poisson(0.01 * n, N_DAYS).astype(float)
        # Grade weights move from the good end towards the bad end over the year.
        base = np.array([0.05, 0.15, 0.6, 0.15, 0.04, 0.01])
        late = np.array([0.04, 0.1, 0.4, 0.25, 0.13, 0.08])
        w = np.outer(1 - t / N_DAYS, base) + np.outer(t / N_DAYS, late)  # (days, grades)
        counts = np.floor(w * n)
        counts[:, 2] += n - counts.sum(axis=1)  # make each day sum to n
        for j, g in enumerate(GRADES):
            ts[f"{kind}_n_grade_{g}"] = counts[:, j]
    ts["some_extra_column"] = np.ones(N_DAYS)
    return ts


def plots_score_stats() -> tuple[str, ...]:
    return (
        "mean_score",
        "median_score",
        "min_score",
        "max_score",
        "p05_score",
        "p25_score",
        "p75_score",
        "p95_score",
    )


@pytest.fixture(scope="module")
def series() -> dict[str, np.ndarray]:
    return make_series()


def test_write_figures_writes_three_pngs(tmp_path: Path, series: dict[str, np.ndarray]) -> None:
    paths = write_figures(series, make_ctx(), tmp_path / "figs")
    assert [p.name for p in paths] == [
        "score_distribution.png",
        "list_sizes.png",
        "grade_shares.png",
    ]
    for p in paths:
        assert p.is_file()
        data = p.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert len(data) > 10_000


def test_write_figures_is_byte_deterministic(tmp_path: Path, series: dict[str, np.ndarray]) -> None:
    first = write_figures(series, make_ctx(), tmp_path / "a")
    second = write_figures(series, make_ctx(), tmp_path / "b")
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_png_has_no_software_tag_and_fixed_size(
    tmp_path: Path, series: dict[str, np.ndarray]
) -> None:
    path = write_figures(series, make_ctx(), tmp_path)[0]
    data = path.read_bytes()
    assert b"Software" not in data
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 500)


def caption_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.texts]


def test_score_fan_labels(series: dict[str, np.ndarray]) -> None:
    ctx = make_ctx()
    fig = plot_score_fan(series, ctx)
    axes = fig.axes
    assert len(axes) == 2
    assert axes[0].get_title() == "Citizens (n = 2,000)"
    assert axes[1].get_title() == "Firms (n = 150)"
    for ax in axes:
        assert ax.get_xlabel() == "day"
        assert ax.get_ylabel() == "score (points)"
        legend = ax.get_legend()
        assert legend is not None
        labels = [t.get_text() for t in legend.get_texts()]
        assert "median" in labels and "mean" in labels
        # the bounds and baseline are drawn as horizontal lines
        ys = {float(line.get_ydata()[0]) for line in ax.get_lines() if len(line.get_ydata()) == 2}
        assert {600.0, 1000.0, 1300.0} <= ys
    assert fig.get_suptitle() == "Score distribution over time (both panels on the same scale)"
    assert axes[0].get_ylim() == axes[1].get_ylim()
    expected = "scenario: synthetic · seed 7 · 2,000 citizens, 150 firms · score-sim 0.1.0"
    assert expected in caption_texts(fig)


def test_list_sizes_labels(series: dict[str, np.ndarray]) -> None:
    fig = plot_list_sizes(series, make_ctx())
    main = [ax for ax in fig.axes if ax.get_xlabel() == "day"]
    assert len(main) == 2
    assert [ax.get_ylabel() for ax in main] == ["citizens", "firms"]
    for ax in main:
        assert ax.get_legend() is not None
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert [label.split(",")[0] for label in labels] == ["blacklisted", "red-listed"]
    assert fig.get_suptitle() == "Blacklist and red-list sizes over time"
    # the last day's count as a share of the kind, in the legend
    last = series["citizen_n_blacklisted"][-1] * 100.0 / 2000
    labels = [t.get_text() for t in main[0].get_legend().get_texts()]
    assert labels[0] == f"blacklisted, {last:.2g}% at the end"


def test_grade_shares_labels(series: dict[str, np.ndarray]) -> None:
    fig = plot_grade_shares(series, make_ctx())
    assert [ax.get_title() for ax in fig.axes] == ["Citizens (n = 2,000)", "Firms (n = 150)"]
    for ax in fig.axes:
        assert ax.get_xlabel() == "day"
        assert ax.get_ylabel() == "share of agents (%, log)"
        assert ax.get_yscale() == "log"
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(GRADES)
    assert fig.get_suptitle() == "Grades over time"


def test_grade_movement_panel_shows_who_moved(series: dict[str, np.ndarray]) -> None:
    n = len(GRADES)
    citizens = np.zeros((n, n), dtype=int)
    citizens[2, 2], citizens[2, 3], citizens[2, 4] = 900, 80, 20  # A stays, some fall
    firms = np.zeros((n, n), dtype=int)
    firms[2, 2], firms[2, 1] = 140, 10  # firms rise to AA
    fig = plot_grade_shares(series, make_ctx(), {"citizen": citizens, "firm": firms})
    moves = fig.axes[-1]
    assert moves.get_title() == "Changed grade by the end"
    assert [t.get_text() for t in moves.get_yticklabels()] == ["A → AA", "A → B", "A → C"]
    widths = sorted(round(bar.get_width(), 6) for bar in moves.patches)
    assert widths == sorted([8.0, 2.0, round(10 * 100 / 150, 6)])


def test_empty_kind_gives_one_panel(tmp_path: Path) -> None:
    ts = make_series(n_firms=0)
    ctx = make_ctx(n_firms=0)
    assert present_kinds(ts) == ("citizen",)
    for make in (plot_score_fan, plot_list_sizes, plot_grade_shares):
        fig = make(ts, ctx)
        main = [ax for ax in fig.axes if ax.get_xlabel() == "day"]
        assert len(main) == 1, make.__name__
        assert main[0].get_title().startswith("Citizens")
    assert len(write_figures(ts, ctx, tmp_path)) == 3


def test_both_kinds_empty_still_draws_with_note(tmp_path: Path) -> None:
    ts = make_series(n_citizens=0, n_firms=0)
    ctx = make_ctx(n_citizens=0, n_firms=0)
    assert present_kinds(ts) == ()
    for make in (plot_score_fan, plot_list_sizes, plot_grade_shares):
        fig = make(ts, ctx)
        assert len(fig.axes) == 1
        notes = [t.get_text() for t in fig.axes[0].texts]
        assert any("No citizens or firms" in n for n in notes)
    for p in write_figures(ts, ctx, tmp_path):
        assert p.read_bytes().startswith(PNG_SIGNATURE)


def test_grade_shares_sum_to_100(series: dict[str, np.ndarray]) -> None:
    for kind in ("citizen", "firm"):
        shares = grade_shares(series, kind, GRADES)
        assert shares.shape == (len(GRADES), N_DAYS)
        assert np.all(shares >= 0)
        np.testing.assert_allclose(shares.sum(axis=0), 100.0, rtol=0, atol=1e-9)
    # exact value on a tiny hand-made case, including a day with nobody graded
    ts = {
        "citizen_n_grade_X": np.array([1.0, 0.0, 3.0]),
        "citizen_n_grade_Y": np.array([3.0, 0.0, 1.0]),
    }
    np.testing.assert_allclose(
        grade_shares(ts, "citizen", ("X", "Y")), [[25.0, 0.0, 75.0], [75.0, 0.0, 25.0]]
    )


def test_grade_lines_are_each_grades_share(series: dict[str, np.ndarray]) -> None:
    fig = plot_grade_shares(series, make_ctx())
    lines = {line.get_label(): line.get_ydata() for line in fig.axes[0].get_lines()}
    shares = grade_shares(series, "citizen", GRADES)
    for j, grade in enumerate(GRADES):
        np.testing.assert_allclose(lines[grade], shares[j])


def test_grade_colors_are_colour_blind_safe_and_ordered() -> None:
    colors = grade_colors(len(GRADES))
    assert len(colors) == len(GRADES)
    # cividis: lightness falls steadily from the best grade to the worst
    lightness = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b, _ in colors]
    assert all(a > b for a, b in itertools.pairwise(lightness))


def test_passing_axes(series: dict[str, np.ndarray]) -> None:
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot_score_fan(series, make_ctx(), list(axes)) is fig
    assert axes[1].get_ylabel() == "score (points)"
    with pytest.raises(ValueError):
        plot_score_fan(series, make_ctx(), axes[0])


def test_no_pyplot_figures_leaked(series: dict[str, np.ndarray], tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    write_figures(series, make_ctx(), tmp_path)
    assert plt.get_fignums() == before


def test_figures_drawn_by_workers_are_the_same_bytes(
    series: dict[str, np.ndarray], tmp_path: Path
) -> None:
    ctx = make_ctx()
    here = save_figures(figure_jobs(series, ctx, tmp_path / "here"), workers=1)
    for workers in (None, 2, 3):
        forked = save_figures(figure_jobs(series, ctx, tmp_path / f"w{workers}"), workers)
        assert [p.name for p in here] == [p.name for p in forked] == list(FIGURE_FILES)
        for a, b in zip(here, forked, strict=True):
            assert a.read_bytes() == b.read_bytes(), (workers, a.name)


def test_default_workers_follow_the_usable_cores() -> None:
    from score_sim.outputs.figures.saving import default_workers

    assert default_workers(0) == 1
    assert default_workers(1) == 1
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        assert default_workers(8) == min(len(os.sched_getaffinity(0)), 8)


def failing_in(
    jobs: list, *, child: bool, sleep_s: float
) -> list[tuple[Path, Callable[[], Figure]]]:
    """The jobs, each failing in a forked process (``child``) or here, and sleeping elsewhere."""
    parent = os.getpid()

    def wrap(make: Callable[[], Figure]) -> Callable[[], Figure]:
        def drawn() -> Figure:
            if (os.getpid() != parent) == child:
                raise ValueError("this figure cannot be drawn here")
            time.sleep(sleep_s)
            return make()

        return drawn

    return [(path, wrap(make)) for path, make in jobs]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="figures fork on Linux only")
def test_a_figure_failing_in_a_forked_process_is_reported(
    series: dict[str, np.ndarray], tmp_path: Path
) -> None:
    jobs = figure_jobs(series, make_ctx(), tmp_path)
    # the parent sleeps a second per figure: the child has time to take a job
    with pytest.raises(RuntimeError, match="cannot be drawn here"):
        save_figures(failing_in(jobs, child=True, sleep_s=1.0), workers=2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="figures fork on Linux only")
def test_a_figure_failing_here_stops_the_forked_processes(
    series: dict[str, np.ndarray], tmp_path: Path
) -> None:
    jobs = figure_jobs(series, make_ctx(), tmp_path)
    # the child is still drawing (asleep) when it is stopped
    with pytest.raises(ValueError, match="cannot be drawn here"):
        save_figures(failing_in(jobs, child=False, sleep_s=5.0), workers=2)
    assert not any(path.exists() for path, _ in jobs)  # the drawer was stopped first


def test_figures_are_drawn_here_while_other_threads_run() -> None:
    from score_sim.outputs.figures.saving import default_workers

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert default_workers(8) == 1
    finally:
        stop.set()
        other.join()
