"""The command line as a user meets it: runs, outputs, and every kind of bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import small_data

from score_sim.scenario import json_schema_text

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``score-sim`` as a user would, in a separate process."""
    env = {**os.environ, "CI": "true"}
    return subprocess.run(
        [sys.executable, "-m", "score_sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def assert_bad_input(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in result.stderr, f"{needle!r} not in: {result.stderr}"


@pytest.fixture
def small_file(write_scenario) -> Path:
    return write_scenario(small_data(run={"steps": 30, "seed": 5}))


def test_run_writes_every_output(small_file, tmp_path):
    out = tmp_path / "out"
    result = cli("run", str(small_file), "--out", str(out))
    assert result.returncode == 0, result.stderr
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [
        "agents.csv",
        "cascades.csv",
        "events.csv",
        "figures/cascades.png",
        "figures/grade_shares.png",
        "figures/innocents.png",
        "figures/list_sizes.png",
        "figures/pariahs.png",
        "figures/score_distribution.png",
        "manifest.json",
        "summary.json",
        "timeseries.csv",
    ]
    header, *rows = (out / "timeseries.csv").read_text().splitlines()
    columns = header.split(",")
    assert len(rows) == 31  # day 0 to day 30
    for kind in ("citizen", "firm"):
        for stat in (
            "mean_score",
            "median_score",
            "min_score",
            "max_score",
            "n_blacklisted",
            "n_redlisted",
            "n_grade_AAA",
            "n_grade_C",
        ):
            assert f"{kind}_{stat}" in columns
    assert rows[0].split(",")[0] == "0"
    first = dict(zip(columns, rows[0].split(","), strict=True))
    assert float(first["citizen_mean_score"]) == 1000.0
    agents = (out / "agents.csv").read_text().splitlines()
    assert agents[0].split(",")[:8] == [
        "id",
        "kind",
        "score",
        "grade",
        "blacklisted",
        "redlisted",
        "days_blacklisted",
        "days_redlisted",
    ]
    assert len(agents) == 1 + 2100
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert manifest["scenario"] == "small"
    assert set(manifest["versions"]) == {"python", "score_sim", "mesa", "numpy"}
    assert manifest["resolved_scenario"]["population"]["citizens"] == 2000
    assert len(manifest["scenario_sha256"]) == 64
    assert manifest["wall_time_s"] > 0
    # writing the tables and figures is timed too, and the phases add up to the whole
    phases = manifest["phase_times_s"]
    assert set(phases) >= {"load", "build", "steps", "outputs"}
    assert phases["outputs"] > 0
    assert sum(phases.values()) <= manifest["wall_time_s"] + 0.01
    assert manifest["command_line"][:2] == ["score-sim", "run"]


def test_same_seed_same_bytes_different_seed_different_bytes(small_file, tmp_path):
    outs = {}
    for label, seed in (("a", "9"), ("b", "9"), ("c", "10")):
        outs[label] = tmp_path / label
        assert (
            cli("run", str(small_file), "--seed", seed, "--out", str(outs[label])).returncode == 0
        )

    def read(label: str, name: str) -> bytes:
        return (outs[label] / name).read_bytes()

    for name in (
        "timeseries.csv",
        "agents.csv",
        "events.csv",
        "figures/score_distribution.png",
        "figures/grade_shares.png",
    ):
        assert read("a", name) == read("b", name), name
    assert read("a", "timeseries.csv") != read("c", "timeseries.csv")


def test_bundled_scenario_runs_from_any_directory_into_runs(tmp_path):
    result = cli(
        "run", "baseline", "--citizens", "500", "--firms", "20", "--steps", "10", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("baseline-")
    # a second identical run never overwrites the first
    assert (
        cli(
            "run", "baseline", "--citizens", "500", "--firms", "20", "--steps", "10", cwd=tmp_path
        ).returncode
        == 0
    )
    assert len(list((tmp_path / "runs").iterdir())) == 2


def test_existing_out_folder_is_not_overwritten(small_file, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert_bad_input(cli("run", str(small_file), "--out", str(out)), "--out", "not empty")
    assert (out / "notes.txt").read_text() == "mine"
    # --overwrite replaces only score-sim's own outputs: this folder is the user's
    assert_bad_input(
        cli("run", str(small_file), "--out", str(out), "--overwrite"), "--out", "not a score-sim"
    )
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_set_overrides_reach_the_run(small_file, tmp_path):
    out = tmp_path / "o"
    result = cli(
        "run",
        str(small_file),
        "--out",
        str(out),
        "--set",
        "score.half_life_days=30",
        "--set",
        "behaviours.fraud.points=-80",
        "--no-figures",
    )
    assert result.returncode == 0, result.stderr
    resolved = json.loads((out / "manifest.json").read_text())["resolved_scenario"]
    assert resolved["score"]["half_life_days"] == 30
    assert resolved["behaviours"][2]["points"] == -80
    assert not (out / "figures").exists()


def test_list_shows_bundled_scenarios():
    result = cli("list")
    assert result.returncode == 0
    assert result.stdout.startswith("baseline")
    assert "Rongcheng" in result.stdout


def test_committed_schema_matches_the_models():
    committed = (REPO / "scenarios" / "scenario.schema.json").read_text()
    assert committed == json_schema_text(), (
        "run: score-sim schema --out scenarios/scenario.schema.json"
    )


def test_bundled_scenarios_validate_and_carry_the_schema_comment():
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    assert files
    result = cli("validate", *map(str, files))
    assert result.returncode == 0, result.stderr
    for file in files:
        assert file.read_text().startswith("# yaml-language-server: $schema=scenario.schema.json")


def test_explain_labels_sourced_numbers_and_assumptions():
    result = cli("explain", "baseline")
    assert result.returncode == 0
    assert "score.initial = 1000" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "score.half_life_days =" in x)
    assert line.rstrip().endswith("ASSUMPTION")
    assert "inspections." not in result.stdout  # a section switched off plays no part
    head = result.stdout.split("NUMBERS: ")[1].splitlines()[0]
    total, rest = head.split(": ", 1)
    counts = {part.split()[1]: int(part.split()[0]) for part in rest.split(" (")[0].split(", ")}
    listed = [x for x in result.stdout.splitlines() if x.startswith("  ") and " = " in x]
    assert sum(counts.values()) == int(total) == len(listed)
    assert counts["documented"] == sum(1 for x in listed if "  DOCUMENTED: " in x) > 10


# ----------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    assert_bad_input(cli("run", str(tmp_path / "nope.yaml")), "nope.yaml")


def test_unknown_bundled_name():
    assert_bad_input(cli("run", "no_such_scenario"), "no_such_scenario", "baseline")


def test_yaml_syntax_error(write_scenario):
    path = write_scenario("name: x\npopulation:\n  citizens: [1, 2\n  firms: 3\n")
    result = cli("validate", str(path))
    assert_bad_input(result, str(path))
    # the unclosed flow sequence is reported where the parser notices it, on line 3 or 4
    assert f"{path}:3:" in result.stderr or f"{path}:4:" in result.stderr


def test_unknown_key_names_file_line_and_key(write_scenario):
    text = "name: x\npopulation:\n  citizens: 10\n  citzens: 5\n"
    path = write_scenario(text)
    assert_bad_input(cli("run", str(path)), f"{path}:4:3 population.citzens: unknown key")


def test_wrong_type_and_out_of_range_all_reported_at_once(write_scenario):
    data = small_data()
    data["population"]["citizens"] = "many"
    data["population"]["employment_rate"] = 1.5
    data["behaviours"][1]["rate_per_year"] = -2
    path = write_scenario(data)
    result = cli("validate", str(path))
    assert_bad_input(
        result,
        "population.citizens:",
        "population.employment_rate:",
        "behaviours[1].rate_per_year:",
    )
    assert result.stderr.count("error:") == 3


def test_bounds_with_lower_not_below_upper(write_scenario):
    path = write_scenario(small_data(score={"lower": 1300, "upper": 600}))
    assert_bad_input(cli("validate", str(path)), "score:", "lower (1300) must be below upper")


def test_other_scales_are_expressible(write_scenario):
    sesame = small_data(
        score={
            "initial": 600,
            "lower": 350,
            "upper": 950,
            "grades": [
                {"name": "excellent", "min": 700},
                {"name": "very_good", "min": 650},
                {"name": "good", "min": 600},
                {"name": "fair", "min": 550},
                {"name": "poor", "min": None},
            ],
        },
        lists={
            "blacklist": {"enter": {"score_below": 550}, "min_days": 30, "max_days": 90},
            "redlist": {"enter": {"score_at_least": 700}, "min_days": 30, "max_days": 90},
        },
    )
    assert cli("validate", str(write_scenario(sesame))).returncode == 0


def test_override_naming_no_key(small_file):
    assert_bad_input(
        cli("run", str(small_file), "--set", "score.half_lif=3"), "--set", "score.half_lif"
    )


def test_override_with_bad_value(small_file):
    assert_bad_input(cli("run", str(small_file), "--set", "run.steps=-4"), "--set", "run.steps")


def test_population_too_large_is_refused_with_an_estimate(small_file):
    result = cli("run", str(small_file), "--citizens", "100000000")
    assert_bad_input(result, "population.citizens", "GiB")


def test_billion_laughs_is_refused_quickly(write_scenario):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, prev in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{i}: &{i} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("name: *i")
    path = write_scenario("\n".join(lines) + "\n")
    started = time.perf_counter()
    result = cli("validate", str(path))
    assert_bad_input(result, str(path))
    assert time.perf_counter() - started < 60  # a hang would be caught; not a benchmark


def test_python_tags_are_refused(write_scenario):
    path = write_scenario("name: !!python/object/apply:os.system ['echo hi']\n")
    assert_bad_input(cli("validate", str(path)), str(path))


def test_a_directory_is_refused(tmp_path):
    assert_bad_input(cli("validate", str(tmp_path)), str(tmp_path))


def test_non_mapping_document(write_scenario):
    assert_bad_input(cli("validate", str(write_scenario("- 1\n- 2\n"))), "mapping")


def test_steps_override_must_be_an_integer(small_file):
    result = cli("run", str(small_file), "--steps", "ten")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_sources_must_name_real_keys(write_scenario):
    path = write_scenario(small_data(sources={"score.inital": "a typo"}))
    assert_bad_input(cli("validate", str(path)), "score.inital")


def test_scenario_file_survives_a_failed_run(write_scenario):
    data = small_data()
    data["run"]["steps"] = "x"
    path = write_scenario(data)
    before = path.read_bytes()
    assert cli("run", str(path)).returncode == 2
    assert path.read_bytes() == before
    assert yaml.safe_load(before)["run"]["steps"] == "x"


def test_a_shorthand_option_is_named_in_its_error(small_file):
    assert_bad_input(cli("run", str(small_file), "--citizens", "-5"), "--citizens")


def test_compare_refuses_worlds_of_different_sizes(small_file):
    result = cli("compare", str(small_file), "--set", "population.citizens=100", "--no-figures")
    assert_bad_input(result, "--set", "population.citizens", "--citizens")


def test_an_interrupted_run_leaves_nothing_half_written(tmp_path):
    import signal

    out = tmp_path / "runs"
    command = [sys.executable, "-m", "score_sim", "run", "baseline", "--citizens", "50000",
               "--steps", "36500", "--out", str(out / "long")]  # fmt: skip
    child = subprocess.Popen(
        command,
        cwd=tmp_path,
        env={**os.environ, "CI": "true"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a test run in the background would pass its ignored SIGINT on
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(".long.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.1)  # until it has claimed its folder: past start-up, simulating
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not (out / "long").exists()
    assert not list(tmp_path.rglob("*.partial-*"))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # on purpose
def test_a_signal_whose_exception_was_swallowed_still_stops_the_run_the_next_day(monkeypatch):
    """The handler's exception can land in a finalizer ("Exception ignored"); the next
    simulated day raises it again, so the run stops instead of running on with the
    signal ignored."""
    import signal

    from score_sim import cli_common as cli_module

    class Swallower:
        def __del__(self):
            cli_module._on_signal(signal.SIGTERM, None)

    previous = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli_module, "_pending_signal", None)
    progress = cli_module.Progress("running", stream=io.StringIO())
    try:
        progress(1, 10)  # nothing pending: the day passes
        Swallower()  # the handler runs inside __del__: its exception is lost
        with pytest.raises(cli_module.Interrupted) as caught:
            progress(2, 10)
        assert caught.value.signum == signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)
