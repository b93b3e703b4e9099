"""Nothing lost: output folders are claimed first, replaced only when score-sim's own.

Covers never deleting what score-sim did not write; claiming atomically and checking the
place before simulating (with the user's umask); and signals and the leftovers of a kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import small_data
from test_cli import assert_bad_input, cli

from score_sim.errors import ScenarioError
from score_sim.experiments.twins import compare_scenarios
from score_sim.outputs.folder import claim_output_folder, clean_stale, foreign_files
from score_sim.runner import run_scenario

TINY = ("--citizens", "300", "--firms", "15", "--steps", "5", "--no-figures")


@pytest.fixture
def small_file(write_scenario) -> Path:
    return write_scenario(small_data(run={"steps": 5, "seed": 5}))


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ----------------------------------------------------------------- 1: only our own


def test_overwrite_of_the_current_folder_is_refused_and_deletes_nothing(tmp_path, small_file):
    home = tmp_path / "work"
    home.mkdir()
    (home / "essay.txt").write_text("three weeks of work")
    (home / "data").mkdir()
    (home / "data" / "survey.csv").write_text("a,b\n1,2\n")
    before = _tree(home)
    result = cli("run", str(small_file), "--out", ".", "--overwrite", *TINY, cwd=home)
    assert_bad_input(result, "--out", "current folder")
    assert _tree(home) == before


def test_overwrite_of_the_parent_folder_spares_the_siblings(tmp_path, small_file):
    home = tmp_path / "work"
    (home / "me").mkdir(parents=True)
    (home / "sibling").mkdir()
    (home / "sibling" / "thesis.tex").write_text("\\chapter{One}")
    before = _tree(home)
    result = cli("run", str(small_file), "--out", "..", "--overwrite", *TINY, cwd=home / "me")
    assert_bad_input(result, "--out")
    assert _tree(home) == before


def test_overwrite_replaces_an_earlier_run_but_not_a_folder_with_a_users_file(tmp_path, small_file):
    out = tmp_path / "run"
    first = run_scenario(small_file, out, figures=False)
    assert (out / "manifest.json").exists() and foreign_files(out) == []
    second = run_scenario(small_file, out, figures=False, seed=9, overwrite=True)
    assert second.out_dir == out and json.loads((out / "manifest.json").read_text())["seed"] == 9
    assert first.manifest["seed"] == 5
    (out / "figures-notes.txt").write_text("my notes on this run")
    with pytest.raises(ScenarioError, match=r"figures-notes\.txt"):
        run_scenario(small_file, out, figures=False, overwrite=True)
    assert (out / "figures-notes.txt").read_text() == "my notes on this run"
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9


def test_compare_overwrite_follows_the_same_rules(tmp_path, small_file):
    out = tmp_path / "twins"
    change = {"effects.enabled": False}
    compare_scenarios(small_file, out_dir=out, overrides_b=change, figures=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "comparison" and "A/agents.csv" in manifest["files"]
    assert foreign_files(out) == []
    compare_scenarios(small_file, out_dir=out, overrides_b=change, figures=False, overwrite=True)
    (out / "A" / "mine.txt").write_text("x")
    with pytest.raises(ScenarioError, match=r"A/mine\.txt"):
        compare_scenarios(small_file, out_dir=out, figures=False, overwrite=True)
    assert (out / "A" / "mine.txt").exists()
    user = tmp_path / "user"
    user.mkdir()
    (user / "paper.md").write_text("draft")
    result = cli("compare", str(small_file), "--out", str(user), "--overwrite", *TINY)
    assert_bad_input(result, "not a score-sim output")
    assert (user / "paper.md").read_text() == "draft"


# ------------------------------------------------------- 2: claimed, checked, umask


def test_a_claimed_folder_is_refused_to_a_second_claim_and_a_default_moves_on(tmp_path):
    out = tmp_path / "out"
    with claim_output_folder(out, tmp_path / "unused") as first:
        with pytest.raises(ScenarioError, match="another score-sim command is writing"):
            claim_output_folder(out, tmp_path / "unused")
        default = tmp_path / "runs" / "baseline-abc"
        with (
            claim_output_folder(None, default) as a,
            claim_output_folder(None, default) as b,
        ):
            assert (a.target.name, b.target.name) == ("baseline-abc", "baseline-abc-2")
            (a.work / "x.txt").write_text("a")
            a.commit()
            b.abandon()
        assert first.target == out
    # released: the folder can be claimed again
    with claim_output_folder(out, tmp_path / "unused") as again:
        assert again.target == out


def test_two_runs_started_at_once_never_share_a_folder(tmp_path, small_file):
    command = [sys.executable, "-m", "score_sim", "run", str(small_file), *TINY]
    env = {**os.environ, "CI": "true"}
    same_out = [*command, "--out", str(tmp_path / "shared")]
    children = [
        subprocess.Popen(same_out, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    codes = sorted(child.wait(timeout=120) for child in children)
    # the first claims it; the other finds it claimed, or already full
    assert codes == [0, 2], codes
    defaults = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    assert [child.wait(timeout=120) for child in defaults] == [0, 0]
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert folders == [folders[0], f"{folders[0]}-2"], folders
    assert not list(tmp_path.rglob(".*partial*")) and not list(tmp_path.rglob("*-lock"))


def test_an_unwritable_out_is_refused_before_the_first_day(tmp_path, write_scenario):
    # a run that would take many minutes: refused at once, or the subprocess times out
    big = write_scenario(small_data(population={"citizens": 200_000, "firms": 100}))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    started = time.monotonic()
    result = cli("run", str(big), "--steps", "36500", "--out", str(blocker / "sub"))
    assert_bad_input(result, "--out", "under a file")
    result = cli("run", str(big), "--steps", "36500", "--out", "/proc/score-sim-out")
    assert_bad_input(result, "--out")
    assert time.monotonic() - started < 120  # refused before simulating a century


def test_a_full_disk_is_refused_before_the_first_day(tmp_path, small_file, monkeypatch):
    import shutil

    from score_sim.outputs import folder as output_folder

    class Usage:
        total, used, free = 10 * 2**30, 10 * 2**30 - 2**20, 2**20

    monkeypatch.setattr(output_folder.shutil, "disk_usage", lambda path: Usage)
    with pytest.raises(ScenarioError, match=r"1\.0 MiB free"):
        run_scenario(small_file, tmp_path / "out", figures=False)
    monkeypatch.setattr(output_folder.shutil, "disk_usage", shutil.disk_usage)
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == [small_file]


@pytest.mark.parametrize(
    ("umask", "folder_mode", "file_mode"), [(0o002, 0o775, 0o664), (0o027, 0o750, 0o640)]
)
def test_outputs_respect_the_users_umask(tmp_path, small_file, umask, folder_mode, file_mode):
    out = tmp_path / "shared"
    result = subprocess.run(
        [sys.executable, "-m", "score_sim", "run", str(small_file), "--out", str(out), *TINY],
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(umask),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == folder_mode
    assert (out / "agents.csv").stat().st_mode & 0o777 == file_mode


# ----------------------------------------------------------------------- 3: signals


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_a_run_like_ctrl_c(tmp_path, signum, code):
    out = tmp_path / "long"
    command = [sys.executable, "-m", "score_sim", "run", "baseline", "--citizens", "50000",
               "--steps", "36500", "--out", str(out)]  # fmt: skip
    child = subprocess.Popen(
        command,
        cwd=tmp_path,
        env={**os.environ, "CI": "true"},
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a test run under nohup would pass its ignored SIGHUP on
        preexec_fn=lambda: signal.signal(signum, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".long.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.1)  # wait until it has claimed its folder and is simulating
    time.sleep(1.0)
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == code, stderr
    assert signal.Signals(signum).name in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_a_killed_run_are_cleaned_and_a_live_ones_kept(tmp_path, small_file):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead_owner = json.dumps({"pid": int(dead.stdout), "host": os.uname().nodename})
    stale = tmp_path / ".old.partial-0badf00d"
    stale.mkdir()
    (stale / "agents.csv").write_text("half a file")
    (stale / ".score-sim-owner").write_text(dead_owner)
    (tmp_path / ".old.score-sim-lock").write_text(dead_owner)
    live = tmp_path / ".busy.partial-12345678"
    live.mkdir()
    (live / ".score-sim-owner").write_text(
        json.dumps({"pid": os.getpid(), "host": os.uname().nodename})
    )
    users = tmp_path / ".notes.partial-backup"  # a user's folder that merely looks alike
    users.mkdir()
    (users / "keep.txt").write_text("mine")

    result = run_scenario(small_file, tmp_path / "new", figures=False)
    assert result.out_dir.is_dir()
    assert not stale.exists() and not (tmp_path / ".old.score-sim-lock").exists()
    assert live.is_dir() and (users / "keep.txt").read_text() == "mine"
    assert clean_stale(tmp_path) == []


def test_a_sigkilled_run_leaves_a_partial_that_the_next_run_removes(tmp_path):
    command = [sys.executable, "-m", "score_sim", "run", "baseline", "--citizens", "50000",
               "--steps", "36500", "--out", str(tmp_path / "long")]  # fmt: skip
    child = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "CI": "true"})
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".long.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    child.kill()
    child.wait(timeout=30)
    assert list(tmp_path.glob(".long.partial-*")) and list(tmp_path.glob(".long*lock"))
    result = cli("run", "baseline", "--out", str(tmp_path / "long"), *TINY)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long"]


def test_overwrite_refuses_a_folder_whose_files_were_edited_and_names_them(tmp_path, small_file):
    out = tmp_path / "run"
    run_scenario(small_file, out, figures=False)
    written = {p.name: p.read_bytes() for p in out.iterdir()}
    summary = out / "summary.json"
    summary.write_text(summary.read_text() + "\n")  # one byte more: an edit
    timeseries = out / "timeseries.csv"
    timeseries.write_bytes(timeseries.read_bytes().replace(b",", b";", 1))  # same size
    (out / "notes.md").write_text("what I saw")
    with pytest.raises(ScenarioError) as caught:
        run_scenario(small_file, out, figures=False, seed=9, overwrite=True)
    message = str(caught.value)
    assert "notes.md (added), summary.json (changed), timeseries.csv (changed)" in message
    assert foreign_files(out) == [
        "notes.md (added)",
        "summary.json (changed)",
        "timeseries.csv (changed)",
    ]
    assert summary.read_bytes() == written["summary.json"] + b"\n"
    assert (out / "notes.md").read_text() == "what I saw"
    result = cli("run", str(small_file), "--out", str(out), "--overwrite", *TINY)
    assert_bad_input(result, "summary.json (changed)")
    # put back as written, the folder is score-sim's again and may be replaced
    summary.write_bytes(written["summary.json"])
    timeseries.write_bytes(written["timeseries.csv"])
    (out / "notes.md").unlink()
    run_scenario(small_file, out, figures=False, seed=9, overwrite=True)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9


def test_overwrite_refuses_a_folder_whose_manifest_itself_was_edited(tmp_path, small_file):
    out = tmp_path / "run"
    run_scenario(small_file, out, figures=False)
    manifest = out / "manifest.json"
    written = manifest.read_text()
    assert foreign_files(out) == []
    # a note typed into the manifest: valid JSON, every other file untouched
    manifest.write_text(written.replace('"tool": ', '"my note": "keep this",\n  "tool": ', 1))
    assert foreign_files(out) == ["manifest.json (changed)"]
    result = cli("run", str(small_file), "--out", str(out), "--overwrite", *TINY)
    assert_bad_input(result, "manifest.json (changed)")
    assert "keep this" in manifest.read_text()
    manifest.write_text(written.replace("\n", "\r\n"))  # even its line ends
    assert foreign_files(out) == ["manifest.json (changed)"]
    manifest.write_text(written)
    run_scenario(small_file, out, figures=False, seed=9, overwrite=True)
    assert json.loads(manifest.read_text())["seed"] == 9


def test_overwrite_refuses_a_link_or_a_file_the_manifest_has_no_sha256_of(tmp_path, small_file):
    out = tmp_path / "run"
    run_scenario(small_file, out, figures=False)
    (out / "events.csv").unlink()
    (out / "events.csv").symlink_to(tmp_path / "elsewhere.csv")
    assert foreign_files(out) == ["events.csv (a link score-sim does not make)"]
    (out / "events.csv").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"] = sorted(manifest["files"])  # names only, as a list
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "agents.csv (its sha256 is not in the manifest to check)" in foreign_files(out)
    with pytest.raises(ScenarioError, match="not what score-sim wrote"):
        run_scenario(small_file, out, figures=False, overwrite=True)
