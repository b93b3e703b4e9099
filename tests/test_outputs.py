"""Output helpers: histogram percentiles, the CSV writer, the memory estimate, lazy agents."""

from __future__ import annotations

import numpy as np
import pytest

from score_sim import tables
from score_sim.memory import BASE_BYTES, estimate_bytes
from score_sim.metrics import EXACT_BELOW, percentiles
from score_sim.model import ScoreModel

Q = (5, 25, 50, 75, 95)


def test_percentiles_are_exact_for_small_kinds():
    rng = np.random.default_rng(3)
    scores = rng.normal(1000, 40, EXACT_BELOW - 1).clip(600, 1300)
    assert np.array_equal(percentiles(scores, 600, 1300, Q), np.percentile(scores, Q))


def test_percentiles_of_large_kinds_are_within_one_hundredth_of_a_point():
    rng = np.random.default_rng(4)
    scores = np.concatenate([np.full(150_000, 1000.0), rng.uniform(600, 1300, 60_000)])
    got = percentiles(scores, 600, 1300, Q)
    want = np.percentile(scores, Q)
    assert np.abs(got - want).max() <= 0.01
    assert got[2] == 1000.0  # a mass of equal scores is reported exactly


def test_csv_writer_formats_every_kind_of_column(tmp_path):
    path = tmp_path / "t.csv"
    tables.write_csv(
        path,
        {
            "i": np.array([3, -1, 200_000_000]),
            "f": np.array([1.5, np.nan, 0.0]),
            "b": np.array([True, False, True]),
            "s": np.array(["a", "", "c"], dtype=object),
        },
    )
    assert path.read_text() == "i,f,b,s\n3,1.500000,1,a\n-1,,0,\n200000000,0.000000,1,c\n"


def test_csv_writer_chunks_give_the_same_bytes_as_one_pass(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    columns = {"x": rng.integers(0, 10, 1000), "y": rng.normal(0, 1, 1000)}
    tables.write_csv(tmp_path / "one.csv", columns)
    monkeypatch.setattr(tables, "CHUNK_ROWS", 7)
    tables.write_csv(tmp_path / "many.csv", columns)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "many.csv").read_bytes()
    lines = (tmp_path / "many.csv").read_text().splitlines()
    assert len(lines) == 1001
    assert lines[1] == f"{columns['x'][0]},{columns['y'][0]:.6f}"


def test_memory_estimate_grows_linearly_and_includes_views_on_request():
    small, large = estimate_bytes(100_000, 5_000), estimate_bytes(1_000_000, 50_000)
    assert (large - BASE_BYTES) == pytest.approx(10 * (small - BASE_BYTES), rel=1e-9)
    assert estimate_bytes(100_000, 5_000, views=True) > small
    # the city run measured 430 MB at 703,500 actors: the estimate must not be below it
    assert 430 * 2**20 <= estimate_bytes(670_000, 33_500) <= 600 * 2**20


def test_agent_views_are_created_only_when_asked_for_and_keep_their_ids():
    model = ScoreModel("baseline", citizens=300, firms=20, steps=3)
    assert model._views is None
    first = model.first_agent_id
    model.run()
    assert model._views is None  # a run needs no agent objects
    agents = list(model.agents)
    assert len(agents) == 320
    assert [a.unique_id for a in agents[:3]] == [first, first + 1, first + 2]
    assert model.firms[0].unique_id == first + 300
    assert model.citizens[10].score == model.world.score[10]
