"""The Python API as Mesa users expect it: fresh seeds, recorded seeds, argument names in
errors, pandas frames in one call, and agent views that show the harms."""

from __future__ import annotations

import json

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import iterations

import score_sim
from score_sim import ScoreModel, compare_scenarios, explain_scenario, run_scenario
from score_sim.errors import ScenarioError, command_line_names

SMALL = {"citizens": 600, "firms": 30}


# --------------------------------------------------------------------------- seeds


def test_without_rng_each_model_draws_a_fresh_seed_and_records_it():
    models = [ScoreModel("baseline", steps=0, **SMALL) for _ in range(5)]
    seeds = {m.seed for m in models}
    assert len(seeds) == 5  # 32-bit draws: a repeat among five is a 1-in-400-million event
    for model in models:
        assert model.score_scenario.run.seed == model.seed
        assert 0 <= model.seed < 2**32


def test_a_recorded_fresh_seed_reproduces_the_run():
    first = ScoreModel("baseline", steps=60, **SMALL).run()
    again = ScoreModel("baseline", rng=first.seed, steps=60, **SMALL).run()
    assert np.array_equal(first.world.score, again.world.score)
    # ... and so does the model's own scenario, which holds the seed
    rerun = ScoreModel(first.score_scenario, rng=first.score_scenario.run.seed).run()
    assert np.array_equal(first.world.score, rerun.world.score)


def test_batch_run_iterations_differ_and_each_row_names_its_seed():
    results = mesa.batch_run(
        ScoreModel,
        parameters={"scenario": "baseline", "steps": 60, **SMALL},
        **iterations(3),
        display_progress=False,
    )
    assert len(results) == 3
    seeds = [row["seed"] for row in results]
    assert len(set(seeds)) == 3
    scores = {row["citizen_mean_score"] for row in results}
    assert len(scores) == 3  # three different cities, not one run three times
    # the seed in a row reproduces that row
    row = results[1]
    again = ScoreModel("baseline", rng=row["seed"], steps=60, **SMALL).run()
    day = row["Step"]  # batch_run reports the row of its last Step
    assert again.timeseries()["citizen_mean_score"][day] == row["citizen_mean_score"]


def test_seed_is_accepted_as_mesas_older_name_for_rng():
    by_seed = ScoreModel("baseline", seed=9, steps=30, **SMALL).run()
    by_rng = ScoreModel("baseline", rng=9, steps=30, **SMALL).run()
    assert by_seed.seed == by_rng.seed == 9
    assert np.array_equal(by_seed.world.score, by_rng.world.score)


def test_a_numpy_generator_as_rng_gives_a_reproducible_seed():
    a = ScoreModel("baseline", rng=np.random.default_rng(5), steps=0, **SMALL)
    b = ScoreModel("baseline", rng=np.random.default_rng(5), steps=0, **SMALL)
    assert a.seed == b.seed


@pytest.mark.parametrize(
    ("kwargs", "needles"),
    [
        ({"rng": 1, "seed": 2}, ("rng", "not both")),
        ({"rng": "abc"}, ("rng", "'abc'", "whole number")),
        ({"rng": -1}, ("rng", "-1")),
        ({"seed": 2.5}, ("seed", "2.5")),
    ],
)
def test_bad_seeds_are_named_after_their_argument(kwargs, needles):
    with pytest.raises(ScenarioError) as caught:
        ScoreModel("baseline", steps=0, **SMALL, **kwargs)
    for needle in needles:
        assert needle in str(caught.value)


def test_run_scenario_uses_the_scenarios_seed_and_records_it(tmp_path):
    result = run_scenario("baseline", tmp_path / "a", steps=20, figures=False, **SMALL)
    assert result.model.seed == 42 == result.manifest["seed"]
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["seed"] == 42


# --------------------------------------------------------------------------- errors


def test_model_errors_speak_of_arguments_not_options():
    with pytest.raises(ScenarioError) as caught:
        ScoreModel("baseline", steps=0, **SMALL, score__half_lfe_days=3)
    text = str(caught.value)
    assert text.startswith("overrides: score.half_lfe_days: no such key")
    assert "--" not in text
    with pytest.raises(ScenarioError) as caught:
        ScoreModel("baseline", steps=-4, **SMALL)
    assert str(caught.value).startswith("steps: run.steps:")


def test_run_scenario_errors_speak_of_arguments_not_options(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("mine")
    with pytest.raises(ScenarioError) as caught:
        run_scenario("baseline", tmp_path / "full", steps=1, **SMALL)
    text = str(caught.value)
    assert "out_dir" in text and "overwrite=True" in text
    assert "--" not in text
    with pytest.raises(ScenarioError) as caught:
        run_scenario("baseline", tmp_path / "b", overrides={"run.steps": -1})
    assert str(caught.value).startswith("overrides: run.steps:")
    with pytest.raises(ScenarioError) as caught:
        run_scenario("baseline", tmp_path / "b", seed=-1)
    assert str(caught.value).startswith("seed: run.seed:")


def test_compare_errors_speak_of_arguments_not_options(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        compare_scenarios(
            "baseline", out_dir=tmp_path / "c", overrides_b={"population.citizens": 100}
        )
    text = str(caught.value)
    assert text.startswith("overrides_b: population.citizens:")
    assert "pass citizens= to set both" in text
    assert "--" not in text


def test_the_command_line_still_names_its_options(tmp_path):
    with command_line_names(), pytest.raises(ScenarioError) as caught:
        compare_scenarios(
            "baseline", out_dir=tmp_path / "c", overrides_b={"population.citizens": 100}
        )
    assert str(caught.value).startswith("--set: population.citizens:")
    assert "pass --citizens to set both" in str(caught.value)
    # and outside the block the library speaks of arguments again
    with pytest.raises(ScenarioError, match=r"^overrides: "):
        ScoreModel("baseline", steps=0, **SMALL, score__nope=1)


# --------------------------------------------------------------------------- frames


@pytest.fixture(scope="module")
def city_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("city") / "run"
    return run_scenario("rongcheng_city", out, citizens=3000, firms=150, steps=120, figures=False)


def test_timeseries_frame_is_timeseries_csv_in_one_call(city_run):
    frame = city_run.model.timeseries_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.name == "step"
    assert list(frame.index) == list(range(121))
    csv = pd.read_csv(city_run.out_dir / "timeseries.csv", index_col="step")
    assert list(frame.columns) == list(csv.columns)
    pd.testing.assert_frame_equal(frame, csv, check_dtype=False, rtol=1e-6)  # CSV: 7 digits
    assert frame["citizen_n_blacklisted"].dtype == np.int64


def test_agents_frame_has_the_columns_and_values_of_agents_csv(city_run):
    frame = city_run.model.agents_frame()
    csv = pd.read_csv(city_run.out_dir / "agents.csv", index_col="id", keep_default_na=False)
    assert list(frame.columns) == list(csv.columns)
    assert len(frame) == 3150
    for column in ("blacklisted", "redlisted", "listed_innocent", "pariah"):
        assert frame[column].dtype == bool
        assert np.array_equal(frame[column].to_numpy(), csv[column].to_numpy().astype(bool))
    assert np.array_equal(frame["days_restricted"], csv["days_restricted"])
    assert np.array_equal(frame["restrictions"].to_numpy(), csv["restrictions"].to_numpy())
    assert frame["restrictions"].ne("").sum() > 50  # the run did restrict people
    unemployed = frame["employer_id"].isna() & (frame["kind"] == "citizen")
    assert unemployed.sum() == (csv.loc[csv["kind"] == "citizen", "employer_id"] == -1).sum()


def test_events_and_cascades_frames_match_their_csv_files(city_run):
    events = city_run.model.events_frame()
    csv = pd.read_csv(city_run.out_dir / "events.csv")
    assert len(events) == len(csv) > 100
    assert events["true"].dtype == "boolean"
    findings = events[events["event"] == "finding"]
    assert (~findings["true"]).sum() == (csv[csv["event"] == "finding"]["true"] == 0).sum() > 0
    assert events["source_id"].notna().sum() == csv["source_id"].notna().sum()
    cascades = city_run.model.cascades_frame()
    assert len(cascades) == len(pd.read_csv(city_run.out_dir / "cascades.csv")) > 10
    assert cascades["cascade_size"].min() >= 1


# --------------------------------------------------------------------------- agent views


def test_agent_views_show_the_harm_attributes_of_agents_csv(city_run):
    model = city_run.model
    frame = model.agents_frame()
    agents = {agent.unique_id: agent for agent in model.agents}
    restricted_ids = frame.index[frame["restrictions"] != ""]
    assert len(restricted_ids) > 50
    for uid in list(restricted_ids[:40]) + list(frame.index[:40]):
        agent, row = agents[uid], frame.loc[uid]
        assert agent.restricted == (row["restrictions"] != "")
        assert "+".join(agent.restrictions) == row["restrictions"]
        assert agent.days_restricted == row["days_restricted"]
        assert agent.pariah == row["pariah"]
        assert agent.listed_innocent == row["listed_innocent"]
        assert agent.false_points == pytest.approx(row["false_points"])
        assert agent.lists == tuple(
            name for name in ("blacklist", "redlist") if row[f"{name[:-4]}listed"]
        )
    # counts over every view agree with the frame and the time series
    last = model.metrics
    citizens = model.citizens
    assert sum(c.restricted for c in citizens) == last["citizen_n_restricted"]
    assert sum(c.pariah for c in citizens) == last["citizen_n_pariah"]
    assert sum(c.listed_innocent for c in citizens) == last["citizen_n_listed_innocent"]
    assert sum("blacklist" in c.lists for c in citizens) == last["citizen_n_blacklisted"]
    employed = next(c for c in citizens if c.employer is not None)
    assert employed.employer_id == frame.loc[employed.unique_id, "employer_id"]
    assert agents[employed.employer_id].kind == "firm"


def test_public_names_are_importable_from_the_package():
    for name in ("ScoreModel", "load_scenario", "run_scenario", "compare_scenarios"):
        assert callable(getattr(score_sim, name))
    assert "baseline" in score_sim.bundled_scenarios()
    text = explain_scenario("baseline")
    assert "ASSUMPTION" in text and "score.initial = 1000" in text


def test_summary_is_summary_json_in_one_call(city_run):
    written = json.loads((city_run.out_dir / "summary.json").read_text())
    summary = city_run.model.summary()
    assert json.loads(json.dumps(summary)) == written
    assert summary["cascades"]["count"] == len(city_run.model.cascades_frame()) > 10
