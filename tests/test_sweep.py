"""Sweeps: validated sweep files, same results whatever runs them, resumable, sensitivity."""

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
from score_sim.experiments.sensitivity import analyse
from score_sim.experiments.spec import MAX_RUNS_UNCONFIRMED, load_sweep, sweep_schema_text
from score_sim.experiments.sweep import (
    FINISHED_FILE,
    DaskPool,
    SweepProgress,
    run_one,
    run_sweep,
)
from score_sim.experiments.sweep_plan import derive_seeds

REPO = Path(__file__).resolve().parents[1]


def tiny(**sections):
    """A small scenario: a few hundred people for a month."""
    data = small_data(**sections)
    data["population"] = {"citizens": 300, "firms": 15}
    data["run"] = {"steps": 30, "seed": 3}
    return data


@pytest.fixture
def scenario_file(write_scenario) -> Path:
    return write_scenario(tiny())


def write_sweep(folder: Path, name: str = "sweep.yaml", **spec) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def grid_sweep(tmp_path: Path, scenario_file: Path, **extra) -> Path:
    spec = {
        "scenario": scenario_file.name,
        "seeds": 3,
        "grid": {"behaviours.fare_dodging.rate_per_year": [1.0, 6.0]},
        "metrics": ["citizen_mean_score", "citizen_n_blacklisted", "n_cascades"],
    }
    return write_sweep(tmp_path, **(spec | extra))


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "score_sim", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        timeout=300,
        check=False,
        **kwargs,
    )


def problems_of(source) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_sweep(source)
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- the file


def test_seeds_are_derived_reproducibly_and_a_longer_list_extends_a_shorter():
    twelve, twenty = derive_seeds(42, 12), derive_seeds(42, 20)
    assert twenty[:12] == twelve
    assert len(set(twenty)) == 20
    assert derive_seeds(43, 12) != twelve
    assert all(0 <= s < 2**32 for s in twenty)


def test_a_grid_expands_to_every_combination_times_every_seed(tmp_path, scenario_file):
    path = grid_sweep(
        tmp_path,
        scenario_file,
        grid={"effects.enabled": [True, False], "score.half_life_days": [90, 180, 365]},
    )
    plan = load_sweep(path)
    assert plan.parameters == ("effects.enabled", "score.half_life_days")
    assert len(plan.points) == 6
    assert plan.n_runs == 18
    assert plan.points[1] == (True, 180)
    assert plan.task(4).seed == plan.seeds[1] and plan.task(4).point == 1
    # levels give a final value and a mean over the run; a running total its final value
    assert plan.columns == (
        "citizen_mean_score.final",
        "citizen_mean_score.run_mean",
        "citizen_n_blacklisted.final",
        "citizen_n_blacklisted.run_mean",
        "n_cascades.final",
    )


def test_bad_sweep_files_are_refused_with_file_line_and_key(tmp_path, scenario_file):
    path = tmp_path / "bad.yaml"
    path.write_text(
        f"scenario: {scenario_file.name}\n"
        "seeds: 2\n"
        "grid:\n"
        "  effects.bogus: [1, 2]\n"
        "  score.half_life_days: [90, -5]\n",
        encoding="utf-8",
    )
    assert problems_of(path) == [
        f"{path}:4:3 grid.effects.bogus: no such key in a scenario",
        f"{path}:5:30 grid.score.half_life_days[1]: value -5: must be above 0, not -5",
    ]
    path.write_text(
        f"scenario: {scenario_file.name}\n"
        "seedz: 2\n"
        "sample:\n"
        "  method: sobol\n"
        "  n: 100\n"
        "  ranges: {errors.false_finding_rate_per_year: [0.0, 0.2]}\n",
        encoding="utf-8",
    )
    assert problems_of(path) == [
        f"{path}:2:1 seedz: unknown key (did you mean seed or seeds?)",
        f"{path}:5:3 sample.n: sobol needs n to be a power of 2 (Sobol' sequences converge "
        "only then); try 64 or 128",
    ]


def test_a_range_outside_a_parameters_valid_values_is_refused(tmp_path, scenario_file):
    path = tmp_path / "range.yaml"
    path.write_text(
        f"scenario: {scenario_file.name}\n"
        "sample:\n"
        "  method: latin\n"
        "  n: 30\n"
        "  ranges:\n"
        "    errors.false_finding_rate_per_year: [-0.1, 0.2]\n"
        "    effects.job_loss_probability_per_day: [0.0, 1.5]\n"
        "    lists.blacklist.nonsense: [1, 2]\n",
        encoding="utf-8",
    )
    assert problems_of(path) == [
        f"{path}:6:42 sample.ranges.errors.false_finding_rate_per_year[0]: the range's low end "
        "-0.1 is outside this parameter's valid values: must be at least 0, not -0.1",
        f"{path}:7:49 sample.ranges.effects.job_loss_probability_per_day[1]: the range's high "
        "end 1.5 is outside this parameter's valid values: must be at most 1, not 1.5",
        f"{path}:8:5 sample.ranges.lists.blacklist.nonsense: no such key in a scenario",
    ]


def test_every_combination_must_make_a_valid_scenario(tmp_path, scenario_file):
    # each value is valid alone; together the start lies below the floor
    grid = {"score.initial": [1000, 700], "score.lower": [600, 800]}
    path = grid_sweep(tmp_path, scenario_file, grid=grid)
    (found,) = problems_of(path)
    assert found.startswith(f"{path}:4:3 grid.score.initial: parameter set 3 (score.initial=700")
    assert found.endswith("initial (700) must lie within lower..upper (800..1300)")
    path = grid_sweep(tmp_path, scenario_file, grid={"score.lower": [600, 1400]})
    (found,) = problems_of(path)
    assert found == (
        f"{path}:6:5 grid.score.lower[1]: value 1400: lower (1400) must be below upper (1300)"
    )


def test_unknown_metrics_and_scenarios_are_named(tmp_path, scenario_file):
    path = grid_sweep(tmp_path, scenario_file, metrics=["citizen_n_pariah", "n_nonsense"])
    assert problems_of(path) == [
        f"{path}:9:3 metrics[1]: unknown metric 'n_nonsense': name a time-series column "
        "(see timeseries.csv) or summary.<path> of summary.json"
    ]
    found = problems_of({"scenario": "no_such_scenario"})
    assert "no such file, and no bundled scenario of that name" in found[0]


def test_a_sweep_of_more_runs_than_can_be_confirmed_needs_yes(tmp_path, scenario_file):
    seeds = MAX_RUNS_UNCONFIRMED // 2 + 1
    path = grid_sweep(tmp_path, scenario_file, seeds=seeds)
    (found,) = problems_of(path)
    assert f"this sweep is {2 * seeds:,} runs (2 parameter sets x {seeds:,} seeds)" in found
    assert "pass yes=True to confirm" in found
    assert load_sweep(path, yes=True).n_runs == 2 * seeds


def test_cli_refuses_bad_input_with_exit_2_and_no_traceback(tmp_path, scenario_file):
    path = grid_sweep(tmp_path, scenario_file, grid={"score.half_life_days": [0]})
    result = cli("sweep", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "grid.score.half_life_days[0]: value 0: must be above 0, not 0" in result.stderr
    assert not (tmp_path / "out").exists()  # refused before anything ran


def test_committed_sweep_schema_matches_the_models():
    committed = (REPO / "sweeps" / "sweep.schema.json").read_text(encoding="utf-8")
    assert committed == sweep_schema_text(), (
        "run: python -m score_sim.experiments.spec > sweeps/sweep.schema.json"
    )


@pytest.mark.parametrize("path", sorted((REPO / "sweeps").glob("*.yaml")), ids=lambda p: p.stem)
def test_example_sweeps_are_valid(path: Path):
    assert path.read_text().startswith("# yaml-language-server: $schema=sweep.schema.json")
    plan = load_sweep(path)
    assert plan.n_runs >= 20


# --------------------------------------------------------------------------- running


def test_results_are_the_same_bytes_with_one_or_two_workers(tmp_path, scenario_file):
    plan = load_sweep(grid_sweep(tmp_path, scenario_file))
    one = run_sweep(plan, tmp_path / "one", workers=1)
    two = run_sweep(plan, tmp_path / "two", workers=2)
    for name in ("results.csv", "results.parquet"):
        assert (one.out_dir / name).read_bytes() == (two.out_dir / name).read_bytes()
    frame = one.dataframe()
    assert list(frame["run"]) == list(range(6))
    assert list(frame["seed"]) == list(plan.seeds) * 2
    # a sweep's run is the same as running that scenario, seed and change directly
    direct = run_one(
        scenario_file, plan.seeds[1], {"behaviours.fare_dodging.rate_per_year": 6.0}, plan.metrics
    )
    row = frame.iloc[4].to_dict()
    assert {c: row[c] for c in direct} == direct
    # more misconduct, lower scores: the parameter reaches the runs
    means = frame.groupby("behaviours.fare_dodging.rate_per_year")["citizen_mean_score.final"]
    assert means.mean()[6.0] < means.mean()[1.0] - 5


def test_a_worker_keeps_no_finished_model(scenario_file):
    import gc

    from score_sim.model import ScoreModel

    def live_models() -> int:
        gc.collect()
        return sum(isinstance(o, ScoreModel) for o in gc.get_objects())

    before = live_models()
    for seed in range(3):
        run_one(scenario_file, seed, metrics=("citizen_n_blacklisted",))
    assert live_models() == before  # so memory does not grow with runs


def test_a_dead_local_worker_is_replaced_and_its_runs_done_again(tmp_path, scenario_file):
    plan = load_sweep(grid_sweep(tmp_path, scenario_file, seeds=4))
    expected = run_sweep(plan, tmp_path / "expected", workers=1)
    killed: list[int] = []

    def kill_a_worker(done: int) -> None:
        if done == 1 and not killed:
            killed.append(_worker_pids()[0])
            os.kill(killed[0], signal.SIGKILL)

    hit = run_sweep(plan, tmp_path / "hit", workers=2, progress=kill_a_worker)
    assert killed
    assert hit.n_run_now == plan.n_runs
    assert (hit.out_dir / "results.csv").read_bytes() == (
        expected.out_dir / "results.csv"
    ).read_bytes()


def _worker_pids() -> list[int]:
    import psutil

    me = psutil.Process()
    children = me.children(recursive=True)
    # workers are forked by the fork server, the fork server by us
    return [p.pid for p in children if p.ppid() != me.pid] or [p.pid for p in children]


def test_a_sweep_killed_with_sigkill_resumes_with_only_the_missing_runs(tmp_path, scenario_file):
    spec = grid_sweep(tmp_path, scenario_file, seeds=6)
    plan = load_sweep(spec)
    reference = run_sweep(plan, tmp_path / "reference", workers=1)
    out = tmp_path / "killed"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "score_sim",
            "sweep",
            str(spec),
            "--out",
            str(out),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CI": "true"},
        start_new_session=True,
    )
    finished = out / FINISHED_FILE
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if finished.exists() and len(finished.read_bytes().splitlines()) >= 3:
            break
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    stored = len(finished.read_bytes().splitlines())
    assert 3 <= stored < plan.n_runs, "the sweep ended before it could be killed"
    with open(finished, "ab") as handle:  # a line cut short by the kill
        handle.write(b'{"run": 11, "values": {"citizen_mean')
    result = cli("sweep", str(spec), "--out", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert f"{plan.n_runs - stored} run now, {stored} stored before" in result.stdout
    for name in ("results.csv", "results.parquet"):
        assert (out / name).read_bytes() == (reference.out_dir / name).read_bytes()
    # a finished sweep run again runs nothing and writes the same bytes
    again = run_sweep(plan, out, workers=2)
    assert again.n_run_now == 0
    assert (out / "results.csv").read_bytes() == (reference.out_dir / "results.csv").read_bytes()


def test_a_changed_sweep_or_a_foreign_folder_is_refused(tmp_path, scenario_file):
    spec = grid_sweep(tmp_path, scenario_file, seeds=1)
    out = tmp_path / "out"
    run_sweep(load_sweep(spec), out, workers=1)
    changed = grid_sweep(tmp_path, scenario_file, seeds=2)
    with pytest.raises(ScenarioError) as caught:
        run_sweep(load_sweep(changed), out, workers=1)
    assert "holds a different sweep (the sweep file changed: seeds)" in str(caught.value)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ScenarioError, match="holds no sweep"):
        run_sweep(load_sweep(spec), foreign, workers=1)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_keep_runs_writes_each_runs_outputs(tmp_path, scenario_file):
    plan = load_sweep(grid_sweep(tmp_path, scenario_file, seeds=1))
    result = run_sweep(plan, tmp_path / "out", workers=1, keep_runs=True)
    runs = sorted(p.name for p in (result.out_dir / "runs").iterdir())
    assert runs == ["run-000000", "run-000001"]
    summary = json.loads((result.out_dir / "runs" / "run-000001" / "summary.json").read_text())
    frame = result.dataframe()
    assert summary["days"] == 30
    series = (result.out_dir / "runs" / "run-000001" / "timeseries.csv").read_text().splitlines()
    last = dict(zip(series[0].split(","), series[-1].split(","), strict=True))
    assert float(last["citizen_n_blacklisted"]) == frame["citizen_n_blacklisted.final"][1]


def test_python_api_returns_a_dataframe(scenario_file):
    import score_sim

    frame = score_sim.sweep(
        {"scenario": str(scenario_file), "seeds": [1, 2], "metrics": ["citizen_n_findings"]},
        workers=1,
    )
    assert list(frame.columns) == [
        "run",
        "point",
        "seed",
        "citizen_n_findings.final",
        "citizen_n_findings.run_mean",
    ]
    assert list(frame["seed"]) == [1, 2]
    assert (frame["citizen_n_findings.run_mean"] > 0).all()


def test_progress_bar_shows_runs_rate_and_time_left_only_on_a_terminal(monkeypatch):
    class Terminal:
        def __init__(self, tty: bool) -> None:
            self.text, self.tty = "", tty

        def isatty(self) -> bool:
            return self.tty

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    monkeypatch.delenv("CI", raising=False)
    screen = Terminal(True)
    bar = SweepProgress(10, 0, stream=screen)
    bar(2)  # a resumed sweep: two runs were stored before
    bar.started -= 2.0  # two runs took two seconds
    bar(4)
    assert "4/10 runs" in screen.text and "1.0 runs/s" in screen.text
    assert "6 s left" in screen.text
    piped = Terminal(False)
    SweepProgress(10, 0, stream=piped)(5)
    monkeypatch.setenv("CI", "true")
    ci = Terminal(True)
    SweepProgress(10, 0, stream=ci)(5)
    assert piped.text == "" and ci.text == ""


def test_an_unreachable_scheduler_is_bad_input():
    with pytest.raises(ScenarioError) as caught:
        DaskPool("tcp://127.0.0.1:9", timeout_s=0.5)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in str(caught.value)


def test_a_dask_cluster_gives_the_local_results_even_when_a_worker_is_lost(tmp_path, scenario_file):
    from distributed import LocalCluster

    plan = load_sweep(grid_sweep(tmp_path, scenario_file, seeds=4))
    local = run_sweep(plan, tmp_path / "local", workers=2)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        lost: list[int] = []

        def lose_a_worker(done: int) -> None:
            if done == 2 and not lost:
                nanny = next(iter(cluster.workers.values()))
                lost.append(nanny.process.process.pid)
                os.kill(lost[0], signal.SIGKILL)

        dask = run_sweep(
            plan, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=lose_a_worker
        )
    assert lost
    assert dask.n_run_now == plan.n_runs
    for name in ("results.csv", "results.parquet"):
        assert (dask.out_dir / name).read_bytes() == (local.out_dir / name).read_bytes()


# --------------------------------------------------------------------------- sensitivity


@pytest.mark.parametrize(
    ("method", "n", "index"), [("sobol", 16, "ST"), ("morris", 6, "mu_star"), ("latin", 80, "S1")]
)
def test_sensitivity_finds_the_parameter_that_drives_a_metric(
    tmp_path, scenario_file, method, n, index
):
    spec = write_sweep(
        tmp_path,
        scenario=scenario_file.name,
        sample={
            "method": method,
            "n": n,
            "ranges": {
                "behaviours.fare_dodging.rate_per_year": [0.5, 12.0],
                # credit repair is off in this scenario: its timing cannot matter
                "remedies.credit_repair.after_days": [10, 200],
            },
        },
        metrics=["citizen_mean_score", "n_cascades"],
    )
    plan = load_sweep(spec)
    assert all(isinstance(p[1], int) for p in plan.points)  # an integer parameter
    result = run_sweep(plan, tmp_path / "out", workers=2)
    names = {p.name for p in result.files}
    assert {"sensitivity.csv", "citizen_mean_score.final.png"} <= names
    again = analyse(tmp_path / "out", figures=False)
    rows = {
        (r["parameter"], r["index"]): r
        for r in again.rows
        if r["metric"] == "citizen_mean_score.final"
    }
    rate = rows[("behaviours.fare_dodging.rate_per_year", index)]
    idle = rows[("remedies.credit_repair.after_days", index)]
    assert again.top("citizen_mean_score.final", index, 1)[0][0] == rate["parameter"]
    # Sobol' and Morris see exactly no effect (common random numbers); RBD-FAST is biased
    # upward in small samples
    tolerance = 0.15 if method == "latin" else 0.05
    assert idle["value"] == pytest.approx(0.0, abs=tolerance * abs(rate["value"]) + 1e-9)
    if method == "sobol":
        assert rate["value"] > 0.8
        assert np.isfinite(rate["conf_95"]) and rate["conf_95"] >= 0
    table = (tmp_path / "out" / "sensitivity.csv").read_text().splitlines()
    assert table[0] == "metric,parameter,index,value,conf_95,flag"


def test_sensitivity_of_a_grid_sweep_is_refused(tmp_path, scenario_file):
    plan = load_sweep(grid_sweep(tmp_path, scenario_file, seeds=1))
    run_sweep(plan, tmp_path / "out", workers=1)
    with pytest.raises(ScenarioError, match="not of a sample: no sensitivity"):
        analyse(tmp_path / "out")
    with pytest.raises(ScenarioError, match="holds no sweep"):
        analyse(tmp_path)


def test_cli_prints_each_headlines_median_and_interval_over_seeds(tmp_path, scenario_file):
    spec = write_sweep(tmp_path, scenario=scenario_file.name, seeds=[1, 2, 3])
    result = cli("sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1")
    assert result.returncode == 0, result.stderr
    summary = (tmp_path / "out" / "summary.csv").read_text().splitlines()
    assert summary[0] == "point,metric,n,median,p05,p95,mean,note"
    rows = {line.split(",")[1]: line.split(",") for line in summary[1:]}
    frame = (tmp_path / "out" / "results.csv").read_text().splitlines()
    header = frame[0].split(",")
    blacklisted = sorted(
        float(line.split(",")[header.index("citizen_n_blacklisted.final")]) for line in frame[1:]
    )
    assert float(rows["citizen_n_blacklisted.final"][3]) == blacklisted[1]  # the median
    assert float(rows["citizen_n_blacklisted.final"][4]) >= blacklisted[0]
    # no cascades in this scenario: undefined, shown as "-"
    assert rows["summary.cascades.agents_restricted.mean"][3] == ""
    # each metric in words, not its key path, with its median and 5-95% interval
    assert "summary.cascades" not in result.stdout
    line = next(x for x in result.stdout.splitlines() if x.startswith("mean cascade size"))
    assert line.split()[-4:] == ["-", "(-", "to", "-)"]
    line = next(x for x in result.stdout.splitlines() if x.startswith("citizens on a blacklist"))
    assert "(last day)" in line and line.split()[-4] == f"{blacklisted[1]:,.0f}"
