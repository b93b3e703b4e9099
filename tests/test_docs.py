"""Every command and Python block of the README and the documentation runs, as written.

The README and the hand-written pages under ``docs/`` are read for fenced blocks:

- each ``sh`` block's ``score-sim`` lines run as a user would type them, in a fresh
  folder holding a copy of ``sweeps/``; a block followed by a ``text`` block must print
  those lines (a line ending in ``...`` stands for its beginning; times may differ). A run
  or a comparison without such a block runs on a small town (``--citizens``, ``--firms``
  and ``--steps`` appended), a sweep with its file made small, as the comment
  ``<!-- docs-test: small ... -->`` before such a block says;
- ``dask scheduler`` and ``dask worker`` lines are started on this machine (HOST is
  127.0.0.1, on a free port) and stopped once the block's other lines have run;
- the set-up lines (venv, pip, pytest, the docs build) are what ``.ci/run`` runs;
- each ``python`` block runs in a fresh interpreter in a fresh folder.

The README's figure of the first run is what that run draws.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
GENERATED = ("docs/scenarios/", "docs/reference/cli.md", "docs/reference/scenario-format.md",
             "docs/tutorials/lessons/", "docs/_build/", "docs/_generated/",
             "docs/reference/_api/")  # fmt: skip
SETUP = ("python3 -m venv", "pip install", "pytest", "sphinx-build")
SMALL_RUN = ("--citizens", "1500", "--firms", "75", "--steps", "60")
SMALL_SWEEP = {"citizens": 300, "firms": 15, "steps": 20}
FENCE = re.compile(r"^```(\w*)\s*$")
COMMENT = re.compile(r"^<!-- docs-test: (\w+)")
SECONDS = re.compile(r"\(\d+(\.\d+)? s\)")


@dataclass
class Block:
    """A fenced block of a page: its language, its text and where it is."""

    page: str
    line: int
    language: str
    text: str
    mode: str | None = None  # from a <!-- docs-test: MODE --> line just before it
    expected: str | None = None  # a ``text`` block right after a one-command sh block

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    """The README and every hand-written page of the documentation."""
    found = [REPO / "README.md"]
    for path in sorted((REPO / "docs").rglob("*.md")):
        relative = path.relative_to(REPO).as_posix()
        if not relative.startswith(GENERATED):
            found.append(path)
    return found


def blocks_of(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    page = path.relative_to(REPO).as_posix()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match or not match.group(1):
            i += 1
            continue
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        mode = None
        if start > 0 and COMMENT.match(lines[start - 1]):
            mode = COMMENT.match(lines[start - 1]).group(1)
        found.append(Block(page, start + 1, match.group(1), "\n".join(body) + "\n", mode))
        i += 1
    for before, after in itertools.pairwise(found):
        if before.language == "sh" and after.language == "text":
            before.expected = after.text
    return found


ALL = [block for path in pages() for block in blocks_of(path)]
PYTHON = [b for b in ALL if b.language == "python"]


def _first_run(blocks: list[Block]) -> Block:
    """The README's first run: the block the README's figure comes from."""
    return next(b for b in blocks if b.page == "README.md" and b.text.startswith("score-sim run "))


def _unique(blocks: list[Block]) -> list[Block]:
    """Blocks with the same commands and the same output shown are run once."""
    seen: dict[tuple[str, str | None], Block] = {}
    for block in blocks:
        seen.setdefault((block.text, block.expected), block)
    return list(seen.values())


SH_ALL = [b for b in ALL if b.language == "sh"]
FIRST_RUN = _first_run(SH_ALL)
# the README's first run is run by the test of its figure, which also checks its output
SH = [b for b in _unique(SH_ALL) if (b.text, b.expected) != (FIRST_RUN.text, FIRST_RUN.expected)]


def commands(block: Block) -> list[str]:
    """A shell block's commands, comments taken off."""
    out = []
    for line in block.text.splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith("#"):
            out.append(command)
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_command(words: list[str], cwd: Path, timeout_s: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": "true", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "score_sim", *words[1:]] if words[0] == "score-sim" else words,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
        check=False,
    )


def small_sweep_file(cwd: Path, name: str) -> None:
    """Make a sweep file of the copied sweeps/ small: a town, 2 seeds, a sample of 8."""
    path = cwd / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(SMALL_SWEEP)
    if isinstance(data.get("seeds"), int):
        data["seeds"] = min(data["seeds"], 2)
    if "sample" in data:
        data["sample"]["n"] = 8  # the fewest a Sobol' sample accepts
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def check_output(block: Block, output: str) -> None:
    """Each line of the block's expected output appears in what the command printed.

    Times may differ, ``<hash>`` stands for a folder's hash (it changes with any new
    scenario field's default), and a line ending in ``...`` for its beginning.
    """
    printed = [SECONDS.sub("(T s)", line.rstrip()) for line in output.splitlines()]
    for line in block.expected.splitlines():
        wanted = SECONDS.sub("(T s)", line.rstrip())
        if not wanted.strip():
            continue
        head = wanted[:-3].rstrip() if wanted.endswith("...") else wanted
        pattern = re.escape(head).replace(re.escape("<hash>"), "[0-9a-f]+")
        pattern += "" if wanted.endswith("...") else "$"
        ok = any(re.match(pattern, p) for p in printed)
        assert ok, f"{block.id}: the page shows\n{wanted}\nbut the command printed\n{output}"


def test_the_pages_hold_commands_and_python_blocks():
    assert len(pages()) >= 15
    assert sum(len(commands(b)) for b in SH_ALL) >= 20
    assert len(PYTHON) >= 2


def test_set_up_commands_are_what_ci_runs():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    setup = [c for b in SH_ALL for c in commands(b) if c.startswith(SETUP)]
    assert 'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[dev]"' in setup
    for command in setup:
        if command == "pytest":
            assert "\npytest\n" in ci
        else:
            assert command in ci, command


def small_calibration_file(cwd: Path, name: str) -> None:
    """Make a calibration file of the copied calibrations/ small: a town, 4 trials, 1 seed."""
    path = cwd / name
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec.update(citizens=2000, firms=100, steps=120, seeds=1, trials=4, batch=2)
    spec["startup_trials"] = 2
    spec["check_seeds"] = 2
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("block", SH, ids=[b.id for b in SH])
def test_shell_block_runs(block, tmp_path):
    shutil.copytree(REPO / "sweeps", tmp_path / "sweeps")
    shutil.copytree(REPO / "calibrations", tmp_path / "calibrations")
    servers: list[subprocess.Popen] = []
    port = None
    try:
        for command in commands(block):
            if command.startswith(SETUP):
                continue  # run by .ci/run: test_set_up_commands_are_what_ci_runs
            if port is not None:
                command = command.replace("HOST:8786", f"127.0.0.1:{port}")
            words = command.split()
            if words[:2] in (["dask", "scheduler"], ["dask", "worker"]):
                if words[1] == "scheduler":
                    port = free_port()
                    words = ["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                             "--no-dashboard"]  # fmt: skip
                else:
                    words = ["dask", "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "1",
                             "--nthreads", "1", "--no-dashboard"]  # fmt: skip
                dask = shutil.which("dask", path=str(Path(sys.executable).parent))
                servers.append(
                    subprocess.Popen(
                        [dask or "dask", *words[1:]],
                        cwd=tmp_path,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                if words[1] == "scheduler":
                    _wait_for_port(port)
                continue
            assert words[0] == "score-sim", f"{block.id}: no way to test {command!r}"
            words = [w.strip("'\"") for w in _split(command)]
            if block.expected is None and words[1] in ("run", "compare"):
                words += SMALL_RUN
            if words[1] == "sweep":
                small_sweep_file(tmp_path, words[2])
            if words[1] == "calibrate":
                small_calibration_file(tmp_path, words[2])
            result = run_command(words, tmp_path)
            # a page showing an error shows a refusal: exit status 2
            wanted = 2 if (block.expected or "").lstrip().startswith("error:") else 0
            assert result.returncode == wanted, f"{block.id}: {command}\n{result.stderr}"
            if block.expected is not None:
                check_output(block, result.stdout + result.stderr)
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=15)


def _wait_for_port(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the Dask scheduler did not listen on port {port}")


def _split(command: str) -> list[str]:
    import shlex

    return shlex.split(command)


@pytest.mark.parametrize("block", PYTHON, ids=[b.id for b in PYTHON])
def test_python_block_runs(block, tmp_path):
    script = tmp_path / "block.py"
    script.write_text("import matplotlib\nmatplotlib.use('Agg')\n" + block.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{block.id}:\n{result.stderr[-3000:]}"


def test_the_readmes_first_run_prints_and_draws_what_the_readme_shows(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (first,) = commands(FIRST_RUN)
    image = re.search(r"!\[[^\]]*\]\((docs/images/first_run_(\w+)\.png)\)", readme)
    assert image, "the README shows the first run's figure"
    assert FIRST_RUN.expected, "the README shows what the first run prints"
    result = run_command(first.split(), tmp_path)
    assert result.returncode == 0, result.stderr
    check_output(FIRST_RUN, result.stdout)
    drawn = next((tmp_path / "runs").glob("*/figures")) / f"{image.group(2)}.png"
    from matplotlib.image import imread

    shown, fresh = imread(REPO / image.group(1)), imread(drawn)
    assert shown.shape == fresh.shape
    # the same pixels, up to font rendering across matplotlib and freetype versions
    assert float(np.abs(shown - fresh).mean()) < 0.01
