"""Calibration: known parameters fitted back, the same result however it runs, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import small_data

from score_sim.errors import ScenarioError
from score_sim.experiments.calibration import (
    RUNS_FILE,
    CalibrationProgress,
    run_calibration,
)
from score_sim.experiments.calibration_spec import (
    calibration_schema_text,
    derive_seeds,
    load_calibration,
)
from score_sim.explain import explain_scenario
from score_sim.model import ScoreModel
from score_sim.outputs.targets import measure
from score_sim.scenario import Level, Target, load_scenario, scenario_from_data

REPO = Path(__file__).resolve().parents[1]
TRUE_RATE = 0.2
TRUE_REMOVAL = 0.01
SEED = 5


def fraud_city(rate: float, removal: float) -> dict:
    """2,000 citizens for half a year; fraud lists them, removal on request ends entries."""
    data = small_data(
        population={"citizens": 2000, "firms": 0},
        lists={
            "blacklist": {
                "enter": {"behaviours": ["fraud"]},
                "min_days": 30,
                "max_days": 365,
                "removal_probability_per_day": removal,
            },
            "redlist": {"enabled": False},
        },
        run={"steps": 180, "seed": SEED},
    )
    data["behaviours"][2]["rate_per_year"] = rate
    return data


TARGETS = (
    {"name": "inflow", "metric": "new_listings_per_year_share", "list": "blacklist"},
    {"name": "stock", "metric": "listed_share_at_end", "list": "blacklist"},
)


def known_targets(seeds: tuple[int, ...], tolerance: float = 0.06) -> list[dict]:
    """The targets as a run with the true values measures them, within +-tolerance."""
    values: dict[str, list[float]] = {t["name"]: [] for t in TARGETS}
    for seed in seeds:
        scenario = scenario_from_data(
            fraud_city(TRUE_RATE, TRUE_REMOVAL), overrides={"run.seed": seed}
        )
        model = ScoreModel(scenario, rng=seed).run()
        for t in TARGETS:
            target = Target.model_validate({**t, "source": "a known run", "low": 0, "high": 1})
            values[t["name"]].append(measure(model, target))
    return [
        {
            **t,
            "source": "a run with known values",
            "low": float(np.median(values[t["name"]])) * (1 - tolerance),
            "high": float(np.median(values[t["name"]])) * (1 + tolerance),
        }
        for t in TARGETS
    ]


def write_spec(folder: Path, name: str = "calibration.yaml", **changes) -> Path:
    scenario = folder / "fraud_city.yaml"
    scenario.write_text(yaml.safe_dump(fraud_city(0.1, 0.002), sort_keys=False))
    spec = {
        "scenario": scenario.name,
        "seeds": 1,
        "seed": SEED,
        "parameters": {
            "behaviours.fraud.rate_per_year": {"low": 0.05, "high": 0.8, "log": True},
            "lists.blacklist.removal_probability_per_day": {
                "low": 0.001,
                "high": 0.05,
                "log": True,
            },
        },
        "targets": known_targets(derive_seeds(SEED, 1)),
        "trials": 24,
        "batch": 4,
        "startup_trials": 8,
    } | changes
    path = folder / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    spec = write_spec(folder)
    return spec, run_calibration(load_calibration(spec), folder / "out", workers=2)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "score_sim", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CI": "true"},
    )


# --------------------------------------------------------------------------- recovery


def test_known_parameters_are_fitted_back_within_a_stated_tolerance(fitted):
    """Targets measured on a run with a fraud rate of 0.2 a year and a removal chance of 1%
    a day are fitted back: the rate within 15%, the removal chance within a factor of 1.6
    (the stock depends on it only weakly), both targets met."""
    _, result = fitted
    rate = result.values["behaviours.fraud.rate_per_year"]
    removal = result.values["lists.blacklist.removal_probability_per_day"]
    assert abs(rate / TRUE_RATE - 1) < 0.15, rate
    assert 1 / 1.6 < removal / TRUE_REMOVAL < 1.6, removal
    assert result.best["targets_met"] == 2
    # the search narrowed in: the best loss is far below the first random trials'
    frame = result.dataframe()
    assert frame["loss"].min() < 0.2 * frame["loss"].head(8).median()


def test_outputs_name_values_targets_and_intervals(fitted):
    _, result = fitted
    out = result.out_dir
    frame = result.dataframe()
    assert list(frame["trial"]) == list(range(24))
    assert set(frame.columns) >= {
        "state",
        "behaviours.fraud.rate_per_year",
        "loss",
        "inflow",
        "stock",
        "targets_met",
    }
    best = json.loads((out / "best.json").read_text())
    assert best["trial"] == int(frame["loss"].idxmin())
    for row in best["targets"]:
        assert row["p05"] <= row["median"] <= row["p95"]
        assert row["low"] <= row["median"] <= row["high"]
    for name in ("inflow", "stock", "search"):
        png = (out / "figures" / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_the_calibrated_file_labels_its_values_calibrated_and_names_their_targets(fitted):
    _, result = fitted
    path = result.out_dir / "calibrated.yaml"
    scenario = load_scenario(path)
    for key in result.values:
        evidence = scenario.evidence_of(key)
        assert evidence.level is Level.calibrated
        assert evidence.targets == ("inflow", "stock")
        assert "score-sim calibrate" in evidence.source
    assert scenario.behaviours[2].rate_per_year == result.values["behaviours.fraud.rate_per_year"]
    assert [t.name for t in scenario.targets] == ["inflow", "stock"]
    text = explain_scenario(scenario)
    assert "CALIBRATED: to target inflow, stock" in text
    # the author's comments survive; the header says what was fitted and what is met
    assert path.read_text().startswith("# small, calibrated by `score-sim calibrate")


# --------------------------------------------------------------------------- same result


def test_the_same_result_with_one_worker_after_sigkill_and_a_larger_budget(fitted, tmp_path):
    spec, reference = fitted
    out = tmp_path / "killed"
    child = subprocess.Popen(
        [sys.executable, "-m", "score_sim", "calibrate", str(spec), "--out", str(out),
         "--workers", "1", "--no-figures"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CI": "true"},
        start_new_session=True,
    )  # fmt: skip
    runs = out / RUNS_FILE
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if runs.exists() and len(runs.read_bytes().splitlines()) >= 6:
            break
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    stored = len(runs.read_bytes().splitlines())
    assert 6 <= stored < 24, "the calibration ended before it could be killed"
    with open(runs, "ab") as handle:  # a line cut short by the kill
        handle.write(b'{"key": "trial-23-0", "values": {"inf')
    result = cli("calibrate", str(spec), "--out", str(out), "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert f"{24 - stored} runs now, {stored} stored before" in result.stdout
    for name in ("trials.csv", "best.json", "calibrated.yaml", "figures/stock.png"):
        assert (out / name).read_bytes() == (reference.out_dir / name).read_bytes(), name
    # a larger budget continues in the same folder: the first 24 trials stay as they were
    more = run_calibration(load_calibration(spec, trials=28), out, workers=1, figures=False)
    assert more.n_run_now == 4
    rows = (out / "trials.csv").read_text().splitlines()
    assert rows[:25] == (reference.out_dir / "trials.csv").read_text().splitlines()
    assert len(rows) == 29


def test_a_dask_cluster_gives_the_local_result(fitted, tmp_path):
    from distributed import LocalCluster

    spec, reference = fitted
    plan = load_calibration(spec, trials=8)
    local = run_calibration(plan, tmp_path / "local", workers=2, figures=False)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dask = run_calibration(
            plan, tmp_path / "dask", scheduler=cluster.scheduler_address, figures=False
        )
    for name in ("trials.csv", "best.json", "calibrated.yaml"):
        assert (dask.out_dir / name).read_bytes() == (local.out_dir / name).read_bytes()
    # the first 8 trials of the longer calibration are these
    assert (local.out_dir / "trials.csv").read_text().splitlines() == (
        reference.out_dir / "trials.csv"
    ).read_text().splitlines()[:9]


def test_a_changed_calibration_or_a_foreign_folder_is_refused(fitted, tmp_path):
    spec, reference = fitted
    changed = write_spec(tmp_path, seeds=2)
    with pytest.raises(ScenarioError, match="holds a different calibration"):
        run_calibration(load_calibration(changed), reference.out_dir)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(ScenarioError, match="holds no calibration"):
        run_calibration(load_calibration(spec), tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"


def test_a_link_where_the_lock_goes_is_refused_and_what_it_points_to_is_kept(fitted, tmp_path):
    import shutil

    spec, reference = fitted
    out = tmp_path / "out"
    shutil.copytree(reference.out_dir, out)
    precious = tmp_path / "precious.txt"
    precious.write_text("mine")
    (out / "calibration.lock").unlink(missing_ok=True)
    (out / "calibration.lock").symlink_to(precious)
    with pytest.raises(ScenarioError, match="is not the lock file score-sim makes"):
        run_calibration(load_calibration(spec), out)
    assert precious.read_text() == "mine"  # opened for writing, it would have been emptied


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ({"trials": 0}, "trials", "must be at least 1"),
        ({"parameters": {"behaviours.nothing.rate_per_year": [0, 1]}}, "parameters.behaviours",
         "no such item"),
        ({"parameters": {"score.nonsense": [1, 2]}}, "parameters.score.nonsense",
         "no such key in a scenario"),
        ({"parameters": {"lists.blacklist.removal_probability_per_day": [0, 2]}},
         "parameters.lists.blacklist.removal_probability_per_day[1]", "must be at most 1"),
        ({"parameters": {"behaviours.fraud.rate_per_year": [0.5, 0.1]}}, "parameters",
         "must be below high"),
        ({"parameters": {"behaviours.fraud.rate_per_year": {"low": 0, "high": 1, "log": True}}},
         "parameters.behaviours.fraud.rate_per_year", "log-scale range needs low > 0"),
        ({"targets": ["no_such_target"]}, "targets[0]", "'no_such_target' is not a target"),
        ({"targets": [{"name": "x", "source": "s", "metric": "listed_share_at_end",
                       "list": "nolist", "low": 0, "high": 1}]},
         "targets[0].list", "'nolist' is not a list"),
        ({"targets": [{"name": "x", "source": "s", "metric": "listed_share_at_end",
                       "denominator": "adults", "low": 0, "high": 1}]},
         "targets[0].denominator", "needs population.adult_share"),
        ({"citizens": 500, "parameters": {"population.citizens": [1, 2]}},
         "parameters.population.citizens", "is fixed by the calibration"),
        ({"scenario": "nowhere.yaml"}, "", "nowhere.yaml"),
    ],
)  # fmt: skip
def test_bad_calibration_files_are_refused_with_file_line_and_key(tmp_path, change, where, message):
    spec = write_spec(tmp_path, **change)
    with pytest.raises(ScenarioError) as caught:
        load_calibration(spec)
    text = [str(p) for p in caught.value.problems]
    line = next((x for x in text if message in x), None)
    assert line is not None, text
    if where:
        assert line.startswith(f"{spec}:") and f" {where}" in line, line


def test_the_cli_exits_2_on_a_bad_file_with_no_traceback_and_no_folder(tmp_path):
    spec = write_spec(tmp_path, parameters={"score.nonsense": [1, 2]})
    result = cli("calibrate", str(spec), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: {spec}:" in result.stderr and "parameters.score.nonsense" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unknown_target_on_a_scenario_without_targets_says_what_to_do(tmp_path):
    spec = write_spec(tmp_path)
    data = yaml.safe_load(spec.read_text())
    del data["targets"]
    spec.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="small has no targets: give the targets to fit"):
        load_calibration(spec)


# --------------------------------------------------------------------------- the rest


def test_committed_schema_matches_the_models():
    committed = (REPO / "calibrations" / "calibration.schema.json").read_text()
    assert committed == calibration_schema_text()


@pytest.mark.parametrize("path", sorted((REPO / "calibrations").glob("*.yaml")), ids=str)
def test_the_repository_calibrations_are_valid(path):
    plan = load_calibration(path)
    assert plan.parameters and plan.targets
    # every fitted number of the calibrated scenario is labelled calibrated by this file
    scenario = plan.scenario
    for p in plan.parameters:
        evidence = scenario.evidence_of(p.key)
        assert evidence.level is Level.calibrated, p.key
        assert set(evidence.targets) <= {t.name for t in plan.targets}


def test_progress_shows_trials_best_loss_and_time_left_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)  # under CI the bar is off whatever the stream

    class Terminal:
        def __init__(self, tty: bool) -> None:
            self.tty, self.text = tty, ""

        def isatty(self) -> bool:
            return self.tty

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    state = {"trials": 10, "trials_done": 3, "runs_total": 20, "runs_done": 0,
             "best_loss": None, "best_met": None, "targets": ["a", "b"]}  # fmt: skip
    shown, hidden = Terminal(True), Terminal(False)
    for stream in (shown, hidden):
        bar = CalibrationProgress(stream)
        bar(state)
        bar(state | {"runs_done": 6, "trials_done": 3, "best_loss": 0.42, "best_met": 1})
    assert "trial 3/10" in shown.text and "best loss   0.42 (1 of 2 targets met)" in shown.text
    assert "s left" in shown.text
    assert hidden.text == ""
