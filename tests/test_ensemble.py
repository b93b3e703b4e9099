"""Many seeds: derived seeds, medians and intervals in summary.json, bands in every figure."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from typer.testing import CliRunner

from score_sim.cli import app
from score_sim.experiments.ensemble import derive_seeds, merge_summaries, run_seeds, spread
from score_sim.outputs.figures.base import draw_series

TINY = {"citizens": 400, "firms": 20, "steps": 120}


def test_seeds_are_the_base_then_derived_reproducibly() -> None:
    seeds = derive_seeds(42, 5)
    assert seeds[0] == 42
    assert seeds == derive_seeds(42, 5)
    assert derive_seeds(42, 3) == seeds[:3]  # more seeds extend the list
    assert len(set(seeds)) == 5
    assert all(0 <= s < 2**63 for s in seeds)
    assert derive_seeds(43, 5)[1:] != seeds[1:]
    with pytest.raises(ValueError):
        derive_seeds(42, 0)


def test_spread_gives_median_and_interval_and_skips_undefined() -> None:
    result = spread([1.0, 2.0, 3.0, 4.0, 100.0, None, float("nan")])
    assert result["median"] == 3.0
    assert result["p05"] == pytest.approx(np.percentile([1, 2, 3, 4, 100], 5))
    assert result["p95"] == pytest.approx(np.percentile([1, 2, 3, 4, 100], 95))
    assert (result["min"], result["max"], result["n"]) == (1.0, 100.0, 5)
    assert spread([None, None])["median"] is None


def test_merging_keeps_the_shape_and_sums_grade_transitions() -> None:
    merged = merge_summaries(
        [
            {
                "days": 10,
                "a": {"b": 1, "c": None},
                "grade_transitions": {"grades": ["X"], "citizen": [[2]]},
            },
            {
                "days": 10,
                "a": {"b": 3, "c": None},
                "grade_transitions": {"grades": ["X"], "citizen": [[5]]},
            },
        ]
    )
    assert merged["days"] == 10
    assert merged["a"]["b"]["median"] == 2.0
    assert merged["a"]["c"]["n"] == 0
    assert merged["grade_transitions"] == {"grades": ["X"], "citizen": [[7]]}


def test_a_band_is_drawn_as_median_and_5_to_95_percent() -> None:
    fig = Figure()
    ax = fig.subplots()
    day = np.arange(4.0)
    values = np.array([[0.0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]])
    draw_series(ax, day, values, color="#000000", label="x")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), values[1])
    band = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(band) == 1
    ys = band[0].get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(np.percentile([0, 10, 20], 5))
    assert ys.max() == pytest.approx(np.percentile([3, 13, 23], 95))
    one = Figure().subplots()
    draw_series(one, day, values[0], color="#000000", label="x")
    assert not one.collections  # one run: a line, no band


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("ens") / "three"
    return run_seeds("pariah_spiral", 3, out, **TINY, decompose=False)


def test_every_headline_is_a_median_and_interval_over_the_seeds(ensemble) -> None:
    assert ensemble.seeds == tuple(derive_seeds(42, 3))
    per_seed = [
        json.loads((ensemble.out_dir / "seeds" / f"seed-{s}" / "summary.json").read_text())
        for s in ensemble.seeds
    ]
    summary = json.loads((ensemble.out_dir / "summary.json").read_text())
    assert summary["seeds"] == list(ensemble.seeds)
    blacklistings = [s["erroneous_reports"]["blacklistings"] for s in per_seed]
    merged = summary["erroneous_reports"]["blacklistings"]
    assert merged["median"] == float(np.median(blacklistings))
    assert merged["p05"] <= merged["median"] <= merged["p95"]
    assert (merged["min"], merged["max"]) == (min(blacklistings), max(blacklistings))
    assert len(set(blacklistings)) > 1  # the seeds differ


def test_bands_table_and_figures(ensemble) -> None:
    with (ensemble.out_dir / "timeseries_bands.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == TINY["steps"] + 1
    per_seed = []
    for s in ensemble.seeds:
        with (ensemble.out_dir / "seeds" / f"seed-{s}" / "timeseries.csv").open() as handle:
            per_seed.append([float(r["citizen_n_blacklisted"]) for r in csv.DictReader(handle)])
    last = [series[-1] for series in per_seed]
    assert float(rows[-1]["citizen_n_blacklisted_median"]) == float(np.median(last))
    assert float(rows[-1]["citizen_n_blacklisted_p95"]) == pytest.approx(np.percentile(last, 95))
    names = {p.name for p in (ensemble.out_dir / "figures").iterdir()}
    assert {
        "score_distribution.png",
        "list_sizes.png",
        "grade_shares.png",
        "pariahs.png",
        "cascades.png",
        "innocents.png",
    } <= names
    # per-seed runs keep their tables but draw no figures
    assert not (ensemble.out_dir / "seeds" / f"seed-{ensemble.seeds[0]}" / "figures").exists()


def test_same_seeds_same_bytes(ensemble, tmp_path: Path) -> None:
    again = run_seeds(
        "pariah_spiral", 3, tmp_path / "again", **TINY, decompose=False, figures=False
    )
    for name in ("summary.json", "timeseries_bands.csv"):
        assert (again.out_dir / name).read_bytes() == (ensemble.out_dir / name).read_bytes()


def test_cli_seeds_option(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["run", "baseline", "--citizens", "200", "--firms", "10", "--steps", "20"]
    result = runner.invoke(
        app, [*args, "--seeds", "2", "--no-figures", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 0, result.output
    assert "2 seeds" in result.output
    assert (tmp_path / "x" / "summary.json").exists()
    bad = runner.invoke(app, [*args, "--seeds", "0", "--out", str(tmp_path / "y")])
    assert bad.exit_code == 2
    assert "--seeds" in bad.output
