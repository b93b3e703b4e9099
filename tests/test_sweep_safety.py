"""Sweeps survive damage: refused before they build, restartable, nothing left running,
damaged folders named with their line, honest sensitivity, strict files and arguments."""

from __future__ import annotations

import errno
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml
from conftest import small_data

import score_sim
from score_sim.errors import ScenarioError
from score_sim.experiments import spec as spec_module
from score_sim.experiments import sweep_store as sweep_module
from score_sim.experiments.sensitivity import analyse
from score_sim.experiments.spec import load_sweep
from score_sim.experiments.sweep import FINISHED_FILE, SweepStore, run_one, run_sweep
from score_sim.outputs.labels import metric_label

METRICS = ["citizen_mean_score", "citizen_n_blacklisted"]


def tiny(**sections):
    data = small_data(**sections)
    data["population"] = {"citizens": 200, "firms": 10}
    data["run"] = {"steps": 10, "seed": 3}
    return data


@pytest.fixture
def scenario_file(write_scenario) -> Path:
    return write_scenario(tiny())


def write_sweep(folder: Path, name: str = "sweep.yaml", **spec) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def grid(tmp_path: Path, scenario_file: Path, **extra) -> Path:
    spec = {
        "scenario": scenario_file.name,
        "seeds": 2,
        "grid": {"behaviours.fare_dodging.rate_per_year": [1.0, 6.0]},
        "metrics": METRICS,
    }
    return write_sweep(tmp_path, **(spec | extra))


def problems_of(source, **kwargs) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_sweep(source, **kwargs)
    return [str(p) for p in caught.value.problems]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line, run in this process (as a user would, minus Python's start-up)."""
    import contextlib
    import io

    from score_sim.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["score-sim", *args]
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv = argv
        for signum, handler in handlers.items():  # main() installs its own
            signal.signal(signum, handler)
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


def cli_process(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "score_sim", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> tuple[Path, Path]:
    """A finished grid sweep (2 parameter sets x 2 seeds): its file and its folder."""
    folder = tmp_path_factory.mktemp("finished")
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(tiny(), sort_keys=False), encoding="utf-8")
    path = grid(folder, scenario)
    run_sweep(load_sweep(path), folder / "out", workers=1)
    return path, folder / "out"


def copy_of(finished_sweep, tmp_path) -> tuple[Path, Path]:
    import shutil

    path, out = finished_sweep
    shutil.copytree(out, tmp_path / "out")
    shutil.copy(path, tmp_path / path.name)
    shutil.copy(path.parent / "scenario.yaml", tmp_path / "scenario.yaml")
    return tmp_path / path.name, tmp_path / "out"


# --------------------------------------------------------------------------- size first


@pytest.fixture
def nothing_built(monkeypatch):
    """Fail the test if a sweep's parameter sets are built or its scenario read."""

    def built(*args, **kwargs):
        raise AssertionError("the sweep was built before its size was checked")

    monkeypatch.setattr(spec_module.itertools, "product", built)
    monkeypatch.setattr(spec_module, "_sample_points", built)
    monkeypatch.setattr(spec_module, "load_scenario", built)


def test_a_grid_too_large_is_refused_from_its_size_alone(tmp_path, nothing_built):
    keys = {f"behaviours.b{i}.rate_per_year": list(range(10)) for i in range(30)}
    path = write_sweep(tmp_path, scenario="baseline", grid=keys)
    from score_sim.experiments.spec import MAX_RUNS

    for yes in (False, True):
        (found,) = problems_of(path, yes=yes)
        assert found == (
            f"{path}:2:1 grid: this sweep is 1{',000' * 10} runs (1{',000' * 10} parameter "
            f"sets x 1 seeds), more than the {MAX_RUNS:,} one sweep may have: split it into "
            "several sweeps"
        )


def test_a_sweep_over_the_confirmation_limit_allocates_nothing_without_yes(tmp_path, nothing_built):
    path = write_sweep(
        tmp_path, scenario="baseline", seeds=100, grid={"score.initial": list(range(800, 900))}
    )
    (found,) = problems_of(path)
    assert found == (
        f"{path}:3:1 grid: this sweep is 10,000 runs (100 parameter sets x 100 seeds), more "
        "than 5,000: pass yes=True to confirm"
    )


def test_a_sample_too_large_is_refused_before_it_is_drawn(tmp_path, nothing_built):
    ranges = {f"behaviours.b{i}.rate_per_year": [0.0, 1.0] for i in range(10)}
    path = write_sweep(
        tmp_path, scenario="baseline", sample={"method": "sobol", "n": 2**19, "ranges": ranges}
    )
    (found,) = problems_of(path, yes=True)
    assert "this sweep is 6,291,456 runs (6,291,456 parameter sets x 1 seeds)" in found
    assert found.startswith(f"{path}:4:3 sample.n:")


# --------------------------------------------------------------------------- restart, kill -9


def test_a_sweep_whose_start_failed_on_a_full_disk_starts_again(
    tmp_path, scenario_file, monkeypatch
):
    plan = load_sweep(grid(tmp_path, scenario_file))
    out = tmp_path / "out"
    original = sweep_module._write_atomic

    def full(path, text):
        with open(path.with_name(f".{path.name}.partial"), "w") as handle:
            handle.write(text[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sweep_module, "_write_atomic", full)
    with pytest.raises(ScenarioError) as caught:
        run_sweep(plan, out, workers=1)
    assert str(caught.value) == f"{out}: --out: cannot be written: No space left on device"
    assert sorted(p.name for p in out.iterdir()) == [".sweep.json.partial", "sweep.lock"]
    monkeypatch.setattr(sweep_module, "_write_atomic", original)
    result = run_sweep(plan, out, workers=1)
    assert result.n_run_now == plan.n_runs
    assert not (out / ".sweep.json.partial").exists()


def test_a_folder_holding_more_than_a_failed_start_is_still_refused(tmp_path, scenario_file):
    plan = load_sweep(grid(tmp_path, scenario_file))
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.lock").write_text("")
    (out / FINISHED_FILE).write_text('{"run": 0}\n')  # not an empty start: somebody's data
    with pytest.raises(ScenarioError, match="holds no sweep"):
        run_sweep(plan, out, workers=1)
    assert (out / FINISHED_FILE).read_text() == '{"run": 0}\n'


def _group(pgid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        return process.cpu_times().user
    except psutil.Error:
        return 0.0


def test_kill_9_of_the_sweep_leaves_no_worker_fork_server_or_tracker(tmp_path, write_scenario):
    # runs of a minute or more: the workers are in the middle of one when the sweep is
    # killed, and would go on for long after it without watching it
    slow_data = tiny()
    slow_data["population"] = {"citizens": 20_000, "firms": 10}
    slow_data["run"] = {"steps": 36_500, "seed": 1}
    slow = write_scenario(slow_data, name="slow.yaml")
    spec = write_sweep(tmp_path, scenario=slow.name, seeds=4, metrics=METRICS)
    command = ["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "2"]
    child = subprocess.Popen(
        [sys.executable, "-m", "score_sim", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CI": "true"},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            # the sweep, its resource tracker, its fork server and two workers
            if len(_group(child.pid)) >= 5:
                break
            time.sleep(0.1)
        assert len(_group(child.pid)) >= 5, "the workers did not start"
        while time.monotonic() < deadline:  # until both workers are busy with a run
            # forked by the fork server, which the sweep started
            group = _group(child.pid)
            workers = [p for p in group if p.pid != child.pid and p.ppid() != child.pid]
            if len(workers) >= 2 and all(_cpu_seconds(p) > 0.5 for p in workers):
                break
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + 30
        while _group(child.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [" ".join(p.cmdline()[-3:]) for p in _group(child.pid)]
        assert left == []
    finally:
        for process in _group(child.pid):
            process.kill()


# --------------------------------------------------------------------------- a full disk


def test_a_sweep_on_a_full_disk_or_an_empty_mount_point_is_refused_before_any_run(
    tmp_path, scenario_file, monkeypatch
):
    import shutil
    from collections import namedtuple

    plan = load_sweep(grid(tmp_path, scenario_file))
    usage = namedtuple("usage", "total used free")
    for disk, message in (
        (usage(10**9, 10**9, 1000), "the disk holding it has 0.0 MiB free; this command needs"),
        (usage(0, 0, 0), "lies on a file system of no size (an empty mount point"),
    ):
        monkeypatch.setattr(shutil, "disk_usage", lambda path, disk=disk: disk)
        with pytest.raises(ScenarioError, match=message.replace("(", r"\(")):
            run_sweep(plan, tmp_path / "out", workers=1)
        assert not (tmp_path / "out").exists()


def test_a_run_into_an_empty_mount_point_is_refused_before_simulating(
    tmp_path, scenario_file, monkeypatch
):
    import shutil
    from collections import namedtuple

    from score_sim.runner import run_scenario

    monkeypatch.setattr(
        shutil, "disk_usage", lambda path: namedtuple("u", "total used free")(0, 0, 0)
    )
    with pytest.raises(ScenarioError, match="lies on a file system of no size"):
        run_scenario(scenario_file, tmp_path / "run", figures=False)
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------------- damaged folders


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"run": 1, "values": {"citizen_mean', ":2: is not a JSON object (Unterminated string"),
        ("[1, 2]", "holds a list, not a finished run (an object)"),
        ('{"run": 99, "values": {}}', "run: 99 is not a run of this sweep (0 to 3)"),
        ('{"run": true, "values": {}}', "run: True is not a run of this sweep (0 to 3)"),
        (
            '{"run": 1, "values": {"citizen_mean_score.final": "high"}}',
            "values: lacks citizen_mean_score.run_mean, citizen_n_blacklisted.final, "
            "citizen_n_blacklisted.run_mean: edited, or from another sweep?",
        ),
    ],
)
def test_a_damaged_line_of_finished_jsonl_is_named(finished_sweep, tmp_path, line, message):
    path, out = copy_of(finished_sweep, tmp_path)
    lines = (out / FINISHED_FILE).read_text().splitlines()
    lines[1] = line
    (out / FINISHED_FILE).write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError) as caught:
        run_sweep(load_sweep(path), out, workers=1)
    first = str(caught.value.problems[0])
    assert first.startswith(f"{out / FINISHED_FILE}:2")
    assert message in first
    assert "fix or delete the lines named" in str(caught.value.problems[-1])


@pytest.mark.parametrize("bad", ["Infinity", "-Infinity", '"12"', "true"])
def test_a_value_in_finished_jsonl_that_is_not_a_finite_number_is_named(
    finished_sweep, tmp_path, bad
):
    path, out = copy_of(finished_sweep, tmp_path)
    lines = (out / FINISHED_FILE).read_text().splitlines()
    row = json.loads(lines[2])
    row["values"]["citizen_n_blacklisted.final"] = "PLACEHOLDER"
    lines[2] = json.dumps(row).replace('"PLACEHOLDER"', bad)
    (out / FINISHED_FILE).write_text("\n".join(lines) + "\n")
    result = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {out / FINISHED_FILE}:3 values.citizen_n_blacklisted.final: ")
    assert "not a finite number" in first or "is not a number" in first


def test_a_run_stored_twice_with_different_values_is_named(finished_sweep, tmp_path):
    path, out = copy_of(finished_sweep, tmp_path)
    lines = (out / FINISHED_FILE).read_text().splitlines()
    row = json.loads(lines[0])
    row["values"]["citizen_mean_score.final"] += 1
    (out / FINISHED_FILE).write_text("\n".join([*lines, json.dumps(row)]) + "\n")
    with pytest.raises(ScenarioError, match=r"finished.jsonl:5 run: run \d is stored twice"):
        run_sweep(load_sweep(path), out, workers=1)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text[: len(text) // 2], "is not valid JSON (Expecting"),
        (lambda text: "[1, 2, 3]\n", ":1:1: holds a list, not a sweep record (an object)"),
        (lambda text: text.replace('"n_runs": 4', '"n_runs": "4"'), "n_runs: is a text"),
        (
            lambda text: text.replace('"n_runs": 4', '"n_runs": 3'),
            "sha256: the record was changed after score-sim wrote it",
        ),
    ],
)
def test_a_damaged_or_edited_sweep_json_is_named(finished_sweep, tmp_path, edit, message):
    path, out = copy_of(finished_sweep, tmp_path)
    record = out / "sweep.json"
    record.write_text(edit(record.read_text()))
    with pytest.raises(ScenarioError) as caught:
        run_sweep(load_sweep(path), out, workers=1)
    assert str(caught.value).startswith(str(record))
    assert message in str(caught.value)
    result = cli("sensitivity", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message in result.stderr


def test_an_edited_results_csv_is_not_written_over(finished_sweep, tmp_path):
    path, out = copy_of(finished_sweep, tmp_path)
    lines = (out / "results.csv").read_text().splitlines()
    lines[2] = lines[2][:-1] + "9"  # one digit changed in the second run's row
    (out / "results.csv").write_text("\n".join(lines) + "\n")
    edited = (out / "results.csv").read_bytes()
    result = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"error: {out / 'results.csv'}:3: was changed after score-sim wrote it (line 3 differs "
        "from the run it holds); it is not written over: move it away (or delete it) and run "
        "the same command again"
    ]
    assert (out / "results.csv").read_bytes() == edited
    (out / "results.csv").unlink()
    assert cli("sweep", str(path), "--out", str(out), "--workers", "1").returncode == 0


def test_a_folder_or_link_where_a_result_file_goes_is_named_not_written_over(
    finished_sweep, tmp_path
):
    path, out = copy_of(finished_sweep, tmp_path)
    (out / "results.csv").unlink()
    (out / "results.csv").mkdir()
    (out / "results.csv" / "mine.txt").write_text("kept")
    result = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {out / 'results.csv'}: is a folder, not the file score-sim writes there; it "
        "is not written over: move it away and run the same command again"
    ]
    assert (out / "results.csv" / "mine.txt").read_text() == "kept"


def test_result_files_without_a_record_of_writing_them_are_not_written_over(
    finished_sweep, tmp_path
):
    path, out = copy_of(finished_sweep, tmp_path)
    (out / "written.json").unlink()  # the record gone: the files may be anyone's
    before = {name: (out / name).read_bytes() for name in ("results.csv", "summary.csv")}
    result = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 3  # results.csv, results.parquet, summary.csv
    assert lines[0] == (
        f"error: {out / 'results.csv'}: is not a file score-sim has a record of writing "
        "(written.json does not name it); it is not written over: move it away (or delete "
        "it) and run the same command again"
    )
    assert {name: (out / name).read_bytes() for name in before} == before
    for name in ("results.csv", "results.parquet", "summary.csv"):
        (out / name).unlink()
    assert cli("sweep", str(path), "--out", str(out), "--workers", "1").returncode == 0
    assert (out / "results.csv").read_bytes() == before["results.csv"]


@pytest.mark.parametrize("damage", ["not json", "[]", '{"results.csv": 3}', "folder"])
def test_a_damaged_record_of_written_files_is_named_and_nothing_is_written_over(
    finished_sweep, tmp_path, damage
):
    path, out = copy_of(finished_sweep, tmp_path)
    record = out / "written.json"
    record.unlink()
    if damage == "folder":
        record.mkdir()
    else:
        record.write_text(damage)
    before = (out / "results.csv").read_bytes()
    result = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {record}: ")
    assert "cannot tell which result files are its own" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "results.csv").read_bytes() == before


def test_a_sweep_killed_while_replacing_its_results_still_knows_them(finished_sweep, tmp_path):
    from score_sim.experiments.folder import _write_record, file_sha256, read_written

    path, out = copy_of(finished_sweep, tmp_path)
    # as replace_recorded leaves it when killed after noting the new sha256s, before moving
    old = read_written(out)
    pending = {name: [*values, "0" * 64] for name, values in old.items()}
    _write_record(out, pending)
    assert read_written(out)["results.csv"] == (old["results.csv"][0], "0" * 64)
    result = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert result.returncode == 0, result.stderr
    after = read_written(out)
    assert after["results.csv"] == (file_sha256(out / "results.csv"),)  # one sha256 again


@pytest.fixture(scope="module")
def sample_sweep(tmp_path_factory) -> Path:
    """A finished Sobol' sweep of the smallest sample allowed."""
    folder = tmp_path_factory.mktemp("sample")
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(tiny(), sort_keys=False), encoding="utf-8")
    path = write_sweep(
        folder,
        scenario=scenario.name,
        sample={
            "method": "sobol",
            "n": 8,
            "ranges": {
                "behaviours.fare_dodging.rate_per_year": [0.5, 12.0],
                "behaviours.good_deed.rate_per_year": [0.0, 2.0],
            },
        },
        metrics=["citizen_mean_score", "citizen_n_blacklisted"],
    )
    run_sweep(load_sweep(path), folder / "out", workers=2, sensitivity=False)
    return folder / "out"


def test_a_truncated_results_parquet_is_named(sample_sweep, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sample_sweep, out)
    data = (out / "results.parquet").read_bytes()
    (out / "results.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(ScenarioError) as caught:
        analyse(out, figures=False)
    assert str(caught.value).startswith(f"{out / 'results.parquet'}: is not a readable Parquet")
    assert "truncated or replaced?" in str(caught.value)


def test_a_results_parquet_with_a_byte_changed_is_named(sample_sweep, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sample_sweep, out)
    data = bytearray((out / "results.parquet").read_bytes())
    data[len(data) // 2] ^= 0x80  # a byte the Parquet format may or may not notice
    (out / "results.parquet").write_bytes(bytes(data))
    with pytest.raises(ScenarioError) as caught:
        analyse(out, figures=False)
    message = str(caught.value)
    assert message.startswith(f"{out / 'results.parquet'}: ")
    # the format noticed, or the sha256 score-sim recorded did
    assert "is not a readable Parquet file" in message or (
        "was changed after score-sim wrote it; its numbers cannot be trusted" in message
    )
    (out / "written.json").unlink()  # without a record, reading it must still be safe
    for position in range(0, len(data), max(1, len(data) // 40)):
        damaged = bytearray(data)
        damaged[position] ^= 0x80
        (out / "results.parquet").write_bytes(bytes(damaged))
        try:
            analyse(out, figures=False)
        except ScenarioError as error:
            assert str(error).startswith(str(out / "results.parquet")) or "sensitivity" in str(
                error
            ), str(error)


def test_a_results_parquet_holding_infinity_is_named(sample_sweep, tmp_path):
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    shutil.copytree(sample_sweep, out)
    table = pq.read_table(out / "results.parquet").to_pydict()
    table["citizen_mean_score.final"][3] = math.inf
    pq.write_table(pa.table(table), out / "results.parquet")
    with pytest.raises(ScenarioError) as caught:
        analyse(out, figures=False)
    assert str(caught.value) == (
        f"{out / 'results.parquet'}: row 3.citizen_mean_score.final: inf is not a finite number"
    )


def test_inf_and_nan_never_reach_the_csv_files(tmp_path, scenario_file):
    plan = load_sweep(grid(tmp_path, scenario_file))
    store = SweepStore(tmp_path / "out", plan).open()
    try:
        for run in range(plan.n_runs):
            values = dict.fromkeys(plan.columns, 1.5)
            values["citizen_mean_score.final"] = [math.inf, -math.inf, math.nan, 2.0][run]
            store.add({"run": run, "values": values, "wall_s": 0.1})
        store.write_results()
    finally:
        store.close()
    out = tmp_path / "out"
    stored = [json.loads(line) for line in (out / FINISHED_FILE).read_text().splitlines()]
    assert [r["values"]["citizen_mean_score.final"] for r in stored] == [None, None, None, 2.0]
    for name in ("results.csv", "summary.csv"):
        text = (out / name).read_text().lower()
        assert "inf" not in text and "nan" not in text, name
    results = (out / "results.csv").read_text().splitlines()
    header = results[0].split(",")
    cells = [row.split(",")[header.index("citizen_mean_score.final")] for row in results[1:]]
    assert cells == ["", "", "", "2.0000000000"]


def test_a_metric_a_parameter_set_switches_off_is_an_empty_cell_with_a_note(
    tmp_path, write_scenario
):
    scenario = write_scenario(tiny(sharing={"enabled": True}), name="sharing.yaml")
    path = write_sweep(
        tmp_path,
        scenario=scenario.name,
        seeds=2,
        grid={"sharing.enabled": [True, False]},
        metrics=["n_restrictions_missing", "citizen_mean_score"],
    )
    result = cli("sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert (
        "note: n_restrictions_missing.final is not measured in parameter set 1, which switch "
        "it off: its cells there are empty"
    ) in result.stdout
    rows = [line.split(",") for line in (tmp_path / "out" / "results.csv").read_text().splitlines()]
    column = rows[0].index("n_restrictions_missing.final")
    assert [row[column] != "" for row in rows[1:]] == [True, True, False, False]
    summary = (tmp_path / "out" / "summary.csv").read_text().splitlines()
    assert summary[0].endswith(",note")
    off = [line for line in summary if line.startswith("1,false,n_restrictions_missing")]
    assert off == [
        "1,false,n_restrictions_missing.final,0,,,,,not measured: switched off in this "
        "parameter set",
        "1,false,n_restrictions_missing.run_mean,0,,,,,not measured: switched off in this "
        "parameter set",
    ]


# --------------------------------------------------------------------------- sensitivity


@pytest.mark.parametrize(
    ("method", "n", "message"),
    [
        ("latin", 10, "latin needs n of at least 21 (RBD-FAST needs more than twice its 10 "
         "harmonics); 100 or more gives useful confidence intervals"),
        ("sobol", 4, "sobol needs n of at least 8 (Sobol' indices from fewer base samples are "
         "far outside [0, 1]); 64 or more gives useful confidence intervals"),
    ],
)  # fmt: skip
def test_a_sample_too_small_for_its_method_is_refused_with_the_minimum(
    tmp_path, scenario_file, method, n, message
):
    path = write_sweep(
        tmp_path,
        scenario=scenario_file.name,
        sample={"method": method, "n": n, "ranges": {"score.initial": [900, 1100]}},
    )
    assert problems_of(path) == [f"{path}:4:3 sample.n: {message}"]


def test_a_small_sample_is_analysed_with_a_warning_its_intervals_and_flags(sample_sweep, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sample_sweep, out)
    result = cli("sensitivity", str(out), "--no-figures")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "warning: a small sample (sobol, n = 8; 64 or more is advised): read each index with "
        "its 95% confidence interval"
    )
    label = metric_label("citizen_mean_score.final")
    line = next(x for x in result.stdout.splitlines() if x.startswith(f"what drives {label}:"))
    assert " ± " in line
    table = (out / "sensitivity.csv").read_text()
    assert table.splitlines()[0] == "metric,parameter,index,value,conf_95,flag"
    assert "inf" not in table.lower() and "nan" not in table.lower()


def test_an_index_outside_0_1_beyond_its_interval_is_flagged():
    from score_sim.experiments.sensitivity import flag_of

    assert flag_of("S1", 1.4, 0.1) == (
        "outside 0..1 beyond its interval: the sample is too small or too noisy"
    )
    assert flag_of("ST", -0.3, 0.2) != ""
    assert flag_of("S1", 1.05, 0.1) == ""  # within its interval of 1
    assert flag_of("mu_star", 40.0, 1.0) == ""  # not a share
    assert flag_of("S1", math.nan, 0.1) == "not finite: this sample cannot estimate it"


# --------------------------------------------------------------------------- strict input


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"seeds": True},
            "seeds: must be a count of seeds (a whole number) or a list of seeds, not true/false",
        ),
        ({"seeds": [1, "2"]}, "seeds: seeds[1]: a seed must be a whole number, not text '2'"),
        ({"citizens": "50"}, "citizens: must be a whole number, not text '50'"),
        ({"steps": 5.0}, "steps: must be a whole number, not 5.0"),
        ({"seed": "1"}, "seed: must be a whole number, not text '1'"),
    ],
)
def test_sweep_files_are_as_strict_as_scenarios(tmp_path, scenario_file, extra, message):
    path = grid(tmp_path, scenario_file, **extra)
    found = problems_of(path)
    assert len(found) == 1 and found[0].startswith(str(path)), found
    assert found[0].endswith(message), found


def test_control_characters_in_a_sweep_file_are_refused(tmp_path, scenario_file):
    path = tmp_path / "sweep.yaml"
    path.write_text(
        f'scenario: {scenario_file.name}\nmetrics: ["citizen_mean_score\\e[2J"]\n',
        encoding="utf-8",
    )
    (found,) = problems_of(path)
    assert found.startswith(f"{path}:2:11 metrics[0]: holds control or escape characters (\\x1b)")


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_fifo_a_device_or_a_directory_as_sweep_file_is_refused_without_hanging(tmp_path, kind):
    path = {"fifo": tmp_path / "s.yaml", "device": Path("/dev/zero"), "directory": tmp_path}[kind]
    command = ("sweep", str(path), "--out", str(tmp_path / "out"))
    if kind == "fifo":
        os.mkfifo(path)
        result = cli_process(*command, timeout=60)  # in a process of its own: it might hang
    else:
        result = cli(*command)
    assert result.returncode == 2, result.stderr
    what = {"fifo": "a named pipe (FIFO)", "device": "a device", "directory": "a directory"}
    assert result.stderr.splitlines() == [f"error: {path}: is {what[kind]}, not a" + (
        " regular file" if kind != "directory" else " file")]  # fmt: skip


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("inproc://x", "'inproc://x': score-sim reaches a Dask scheduler over tcp:// only"),
        ("foo://h:1", "over tcp:// only, not 'foo://'"),
        ("tls://127.0.0.1:9", "over tcp:// only, not 'tls://'"),
        ("tcp://127.0.0.1", "is not an address of the form tcp://HOST:PORT"),
        ("127.0.0.1:99999", "is not an address of the form tcp://HOST:PORT"),
        ("tcp://no-such-host.invalid:9", "unknown host 'no-such-host.invalid'"),
        ("tcp://127.0.0.1:9", "cannot reach the Dask scheduler at tcp://127.0.0.1:9 (Connection "
         "refused)"),
        ("", "needs an address such as tcp://HOST:PORT, not ''"),
    ],
)  # fmt: skip
def test_any_unreachable_scheduler_is_answered_promptly_as_bad_input(address, message):
    from score_sim.experiments.sweep import check_scheduler

    with pytest.raises(ScenarioError) as caught:
        check_scheduler(address, timeout_s=2)
    assert message in str(caught.value)


def test_cli_with_a_scheduler_of_another_scheme_exits_2_without_a_traceback(
    tmp_path, scenario_file
):
    result = cli("sweep", str(grid(tmp_path, scenario_file)), "--scheduler", "inproc://x")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: --scheduler: 'inproc://x': score-sim reaches a Dask scheduler over tcp:// "
        "only, not 'inproc://'; give tcp://HOST:PORT"
    ]
    assert not (tmp_path / "runs").exists()


def test_a_sweep_folder_name_too_long_is_refused_before_any_run(tmp_path, scenario_file):
    plan = load_sweep(grid(tmp_path, scenario_file))
    with pytest.raises(ScenarioError, match="its name is 300 bytes long; a name may have at most"):
        run_sweep(plan, tmp_path / ("x" * 300), workers=1)


def test_a_run_folder_name_too_long_to_write_beside_is_refused(tmp_path, scenario_file):
    result = cli("run", str(scenario_file), "--out", str(tmp_path / ("r" * 240)), "--no-figures")
    assert result.returncode == 2
    assert "its name is 240 bytes long; a name may have at most 214 bytes here" in result.stderr


# --------------------------------------------------------------------------- Python API


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: score_sim.sweep(123), "spec: must be a sweep file or its content as a dict"),
        (lambda f: score_sim.sweep({"scenario": f}, workers="2"), "workers: must be a whole "
         "number, not str '2'"),
        (lambda f: score_sim.sweep({"scenario": f}, yes="yes"), "yes: must be True or False"),
        (lambda f: run_one(f, "1"), "seed: must be a whole number, not str '1'"),
        (lambda f: run_one(f, True), "seed: must be a whole number, not bool True"),
        (lambda f: run_one(f, 1, metrics=["nope"]), "metrics[0]: unknown metric 'nope'"),
        (lambda f: run_one(f, 1, metrics="citizen_mean_score"), "metrics: must be a list of "
         "metric names, not str"),
        (lambda f: run_one(f, 1, overrides=[("a", 1)]), "overrides: must be a dict of key paths"),
        (lambda f: run_one(42, 1), "scenario: must be a Scenario, its data"),
    ],
)  # fmt: skip
def test_the_python_api_refuses_wrong_types_and_unknown_metrics(scenario_file, call, message):
    with pytest.raises(ScenarioError) as caught:
        call(str(scenario_file))
    assert message in str(caught.value)


def test_compare_refuses_a_seed_for_world_b_alone(tmp_path, scenario_file):
    result = cli("compare", str(scenario_file), "--set", "run.seed=7", "--out", str(tmp_path / "c"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: --set: run.seed: twin worlds share one seed (common random numbers), so a seed "
        "for world B alone would be ignored; set the seed of both with --seed (or compare two "
        "runs of one world with `score-sim run --seeds`)"
    ]
    assert not (tmp_path / "c").exists()
