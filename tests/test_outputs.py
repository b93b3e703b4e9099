"""Output helpers: percentiles, grade counts, CSV writing, the memory estimate, lazy agents."""

from __future__ import annotations

import numpy as np
import pytest

from score_sim.mechanisms.grades import Grading
from score_sim.mechanisms.metrics import percentiles
from score_sim.memory import BASE_BYTES, estimate_bytes
from score_sim.model import ScoreModel
from score_sim.outputs import tables
from score_sim.scenario import RONGCHENG_GRADES

Q = (5, 25, 50, 75, 95)


@pytest.mark.parametrize("n", [1, 2, 7, 10_001, 250_000])
def test_percentiles_and_grade_counts_are_exact(n):
    rng = np.random.default_rng(n)
    scores = rng.normal(1000, 40, n).clip(600, 1300)
    scores[: n // 3] = 1000.0  # a mass of equal scores, as on the first days
    ordered = np.sort(scores)
    assert np.array_equal(percentiles(ordered, Q), np.percentile(scores, Q))
    grading = Grading(RONGCHENG_GRADES)
    expected = np.bincount(grading.grade_index(scores), minlength=len(RONGCHENG_GRADES))
    assert grading.counts(scores).tolist() == expected.tolist()


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
    model = ScoreModel("baseline", rng=42, citizens=300, firms=20, steps=3)
    assert model._views is None
    first = model.first_agent_id
    model.run()
    assert model._views is None  # a run needs no agent objects
    agents = list(model.agents)
    assert len(agents) == 320
    assert [a.unique_id for a in agents[:3]] == [first, first + 1, first + 2]
    assert model.firms[0].unique_id == first + 300
    assert model.citizens[10].score == model.world.score[10]


@pytest.mark.parametrize("n_old, n_new", [(0, 0), (0, 5), (7, 0), (1000, 37), (3, 3000)])
def test_sorted_members_merge_like_a_union(n_old, n_new):
    from score_sim.arraytools import merge_disjoint, union, unique

    rng = np.random.default_rng(n_old * 7 + n_new)
    drawn = rng.choice(20_000, n_old + n_new, replace=False).astype(np.int64)
    old, new = np.sort(drawn[:n_old]), np.sort(drawn[n_old:])
    merged = merge_disjoint(old, new)
    assert merged.dtype == np.int64
    assert merged.tolist() == np.union1d(old, new).tolist()
    assert union(old, new).tolist() == merged.tolist()
    assert unique(np.concatenate([new, new])).tolist() == new.tolist()
