"""A fuzzer of the command line: whatever a user writes, the answer is a result or a message.

Random mutations of every bundled scenario (values replaced by wrong types, non-finite and
extreme numbers, empty or huge lists, deleted or duplicated keys) and random ``--set``
strings go through ``score-sim validate`` and a short, small ``score-sim run``; random
mutations of the example sweep files go through ``score-sim sweep`` (run when small,
checked otherwise); and a finished sweep's folder, damaged at random (files truncated,
bytes changed, lines added or repeated, values replaced, files deleted or replaced by a
folder, a link or nothing), goes through ``score-sim sweep`` again and ``score-sim
sensitivity``. The property: the exit status is 0 or 2, never 1, and no traceback.

Internal errors are raised here as exceptions (``SCORE_SIM_DEBUG=1``), so that hypothesis
shrinks them and shows where they happen. The budget is a few hundred examples in the
test suite; ``SCORE_SIM_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py`` fuzzes longer
(sweeps get a tenth of the budget: each example runs a few tiny simulations).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import os
import re
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from score_sim.cli import main
from score_sim.scenario import bundled_scenarios

EXAMPLES = int(os.environ.get("SCORE_SIM_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CI", "").lower() in ("1", "true"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SMALL_RUN = ("--citizens", "40", "--firms", "4", "--steps", "3", "--no-figures")
SCENARIOS = {name: yaml.safe_load(path.read_text()) for name, path in bundled_scenarios().items()}

WEIRD_VALUES = st.one_of(
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            1e308,
            -1e308,
            1e-308,
            2**63,
            -(2**63),
            2**80,
            0,
            -1,
            0.5,
            1,
            10_000,
            36_501,
            "",
            "10000",
            "1e9",
            ".nan",
            "true",
            "citizen",
            "C",
            None,
            True,
            False,
            [],
            {},
            [None],
            {"a": 1},
            ["travel", "travel"],
            "x" * 300,
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=12),
    st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=5), st.none()), max_size=4),
)
# fmt: on


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``node``."""
    found: list[tuple] = []
    if isinstance(node, dict | list):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    return found


def _parent(data: Any, path: tuple) -> Any:
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


BOUNDARY_NUMBERS = st.sampled_from(
    [0, 0.0, 1, 1.0, 1e-9, 0.999, 20, 100, 600, 1000, 10_000, 36_500, 1e6, -1e6, 1300]
)
"""Numbers at the edges of the valid ranges: runs that stress the arithmetic."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _mutate(data: dict[str, Any], draw: Any) -> dict[str, Any]:
    paths = _paths(data)
    path = draw(st.sampled_from(paths))
    parent, key = _parent(data, path), path[-1]
    action = draw(
        st.sampled_from(["boundary", "boundary", "replace", "replace", "delete", "empty", "huge"])
    )
    if action == "boundary":
        numeric = [p for p in paths if _is_number(_parent(data, p)[p[-1]])]
        if numeric:
            path = draw(st.sampled_from(numeric))
            _parent(data, path)[path[-1]] = draw(BOUNDARY_NUMBERS)
    elif action == "replace":
        parent[key] = draw(WEIRD_VALUES)
    elif action == "delete":
        del parent[key]
    elif action == "empty":
        parent[key] = [] if isinstance(parent[key], list) else {}
    else:
        value = parent[key]
        item = value[0] if isinstance(value, list) and value else draw(WEIRD_VALUES)
        parent[key] = [item] * draw(st.sampled_from([50, 2_000]))
    return data


def _duplicate_a_key(text: str, draw: Any) -> str:
    lines = text.splitlines()
    keyed = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w.]+:", line)]
    if not keyed:
        return text
    i = draw(st.sampled_from(keyed))
    return "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]) + "\n"


def score_sim(*args: str) -> tuple[int, str]:
    """Run the command in this process; internal errors propagate as exceptions."""
    stderr = io.StringIO()
    argv = sys.argv
    sys.argv = ["score-sim", *args]
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv = argv
        for signum, handler in handlers.items():  # main() installs its own
            signal.signal(signum, handler)
    return code, stderr.getvalue()


@pytest.fixture(autouse=True)
def _internal_errors_raise(monkeypatch):
    monkeypatch.setenv("SCORE_SIM_DEBUG", "1")
    monkeypatch.setenv("CI", "true")


_runs = itertools.count()


def _check(args: tuple[str, ...]) -> None:
    code, stderr = score_sim(*args)
    assert code in (0, 2), f"exit {code} for {args}:\n{stderr}"
    assert "Traceback" not in stderr
    if code == 2:
        assert stderr.startswith("error: "), stderr


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(SCENARIOS)))
def test_mutated_bundled_scenarios_give_a_result_or_a_message(data, name):
    scenario = yaml.safe_load(yaml.safe_dump(SCENARIOS[name]))
    for _ in range(data.draw(st.integers(1, 3))):
        scenario = _mutate(scenario, data.draw)
    text = yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True)
    if data.draw(st.integers(0, 4)) == 0:
        text = _duplicate_a_key(text, data.draw)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.yaml"
        path.write_text(text, encoding="utf-8")
        _check(("validate", str(path)))
        _check(("run", str(path), *SMALL_RUN, "--out", str(Path(folder) / "out")))


KEYS = sorted(
    {".".join(map(str, p)) for scenario in SCENARIOS.values() for p in _paths(scenario)}
    | {"nonsense", "score..upper", "behaviours[99].points", "behaviours.nope.points", "=", ""}
)
# fmt: off
SET_VALUES = st.one_of(
    st.sampled_from(
        [
            ".nan",
            ".inf",
            "-.inf",
            "1e999",
            "1e308",
            "-1",
            "0",
            "true",
            "null",
            "",
            "[]",
            "{}",
            "[travel, credit]",
            "[1, 2",
            "{a: b}",
            "'10000'",
            "!!python/object:os.system ls",
            "&a [*a]",
            "citizen",
            "2**63",
            "9223372036854775808",
            "1e-9",
            "1",
            "0.999",
            "10000",
            "36500",
            "1000000",
        ]
    ),
    st.text(max_size=15),
)


@FUZZ
@given(
    sets=st.lists(
        st.tuples(st.sampled_from(KEYS), st.sampled_from(["=", "=", "", "=="]), SET_VALUES),
        min_size=1,
        max_size=3,
    ),
    name=st.sampled_from(sorted(SCENARIOS)),
)
def test_random_set_options_give_a_result_or_a_message(sets, name):
    options = [part for key, eq, value in sets for part in ("--set", f"{key}{eq}{value}")]
    with tempfile.TemporaryDirectory() as folder:
        _check(("run", name, *options, *SMALL_RUN, "--out", str(Path(folder) / "out")))


# --------------------------------------------------------------------------- sweep files

SWEEP_EXAMPLES = max(10, EXAMPLES // 10)
FUZZ_SWEEPS = settings(FUZZ, max_examples=SWEEP_EXAMPLES)
SWEEPS = {
    path.stem: yaml.safe_load(path.read_text())
    for path in sorted((Path(__file__).resolve().parents[1] / "sweeps").glob("*.yaml"))
}
TINY_SWEEP = {"citizens": 60, "firms": 4, "steps": 3}
"""What makes an example sweep small enough to run in a fuzzer."""
MAX_FUZZ_RUNS = 12


def _small_enough(spec: Any) -> bool:
    """Whether a (mutated) sweep is small enough to run: few, tiny runs."""
    from score_sim.experiments.spec import count_points, count_seeds, load_sweep

    try:
        plan = load_sweep(spec, check_metrics=False)
    except Exception:
        return True  # refused: cheap, and the refusal is what is tested
    population = plan.scenario.population
    return (
        count_points(plan.spec) * count_seeds(plan.spec) <= MAX_FUZZ_RUNS
        and population.citizens + population.firms <= 500
        and plan.scenario.run.steps <= 30
    )


def _shrunk(spec: dict[str, Any]) -> dict[str, Any]:
    """An example sweep made tiny: a small city, a few days, a small sample or grid."""
    spec = {**spec, **TINY_SWEEP}
    if isinstance(spec.get("seeds"), int):
        spec["seeds"] = 2
    sample = spec.get("sample")
    if isinstance(sample, dict):
        sample = {**sample, "n": {"sobol": 8, "morris": 2, "latin": 21}[sample["method"]]}
        sample["ranges"] = dict(list(sample["ranges"].items())[:1])
        spec["sample"], spec["seeds"] = sample, 1
    return spec


@FUZZ_SWEEPS
@given(data=st.data(), name=st.sampled_from(sorted(SWEEPS)))
def test_mutated_sweep_files_give_a_result_or_a_message(data, name):
    spec = _shrunk(yaml.safe_load(yaml.safe_dump(SWEEPS[name])))
    for _ in range(data.draw(st.integers(1, 3))):
        spec = _mutate(spec, data.draw)
    text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    if data.draw(st.integers(0, 4)) == 0:
        text = _duplicate_a_key(text, data.draw)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.yaml"
        path.write_text(text, encoding="utf-8")
        if _small_enough(path):
            _check(("sweep", str(path), "--out", str(Path(folder) / "out"), "--workers", "1"))
        else:  # checked, not run: the answer to a large sweep is a plan or a refusal
            from score_sim.errors import ScenarioError
            from score_sim.experiments.spec import load_sweep

            with contextlib.suppress(ScenarioError):
                load_sweep(path)


# --------------------------------------------------------------------------- damaged folders

DAMAGE = st.sampled_from(
    [
        "truncate",
        "byte",
        "line",
        "repeat",
        "value",
        "delete",
        "empty",
        "folder",
        "link",
        "fifo",
    ]
)
SWEEP_FILES = st.sampled_from(
    [
        "finished.jsonl",
        "finished.jsonl",
        "sweep.json",
        "sweep.json",
        "results.csv",
        "results.parquet",
        "summary.csv",
        "sensitivity.csv",
        "written.json",
        "sweep.lock",
        "sensitivity",
    ]
)


@pytest.fixture(scope="module")
def finished_sample_sweep(tmp_path_factory) -> tuple[Path, Path]:
    """A finished Sobol' sweep of a tiny city, with its sensitivity: file and folder."""
    from score_sim.experiments.spec import load_sweep
    from score_sim.experiments.sweep import run_sweep

    folder = tmp_path_factory.mktemp("fuzz-sweep")
    spec = folder / "sweep.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenario": "pariah_spiral",
                **TINY_SWEEP,
                "sample": {
                    "method": "sobol",
                    "n": 8,
                    "ranges": {"effects.restriction_multiplier.credit": [1.0, 4.0]},
                },
                "metrics": ["citizen_mean_score", "citizen_n_blacklisted"],
            }
        )
    )
    run_sweep(load_sweep(spec), folder / "out", workers=1)
    return spec, folder / "out"


def _remove(path: Path) -> None:
    """Remove whatever is at ``path`` (a file, a link, a folder, a pipe)."""
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _damage(path: Path, how: str, draw: Any) -> None:
    """Damage one file of a sweep's folder as a crash, a disk or a hand might."""
    regular = path.is_file() and not path.is_symlink()
    if how in ("truncate", "byte", "line", "repeat", "value", "empty") and not regular:
        return  # what is there is damaged already
    data = path.read_bytes() if regular else b""
    if how == "truncate":
        path.write_bytes(data[: draw(st.integers(0, max(0, len(data) - 1)))])
    elif how == "byte" and data:
        at = draw(st.integers(0, len(data) - 1))
        path.write_bytes(data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :])
    elif how == "line":
        extra = draw(st.text(max_size=40)).encode("utf-8", "surrogatepass")
        path.write_bytes(data + extra + b"\n")
    elif how == "repeat" and data:
        lines = data.splitlines(keepends=True)
        at = draw(st.integers(0, len(lines) - 1))
        path.write_bytes(b"".join([*lines[: at + 1], lines[at], *lines[at + 1 :]]))
    elif how == "value" and data:
        weird = draw(
            st.sampled_from(
                [b"NaN", b"Infinity", b"-Infinity", b"1e999", b'"x"', b"null", b"true", b"[]"]
            )
        )
        numbers = [m.span() for m in re.finditer(rb"-?\d+(\.\d+)?(e-?\d+)?", data)]
        if numbers:
            start, end = draw(st.sampled_from(numbers))
            path.write_bytes(data[:start] + weird + data[end:])
    elif how == "delete":
        _remove(path)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "folder":
        _remove(path)
        path.mkdir()
    elif how == "link":
        _remove(path)
        path.symlink_to(path.parent / "nowhere")
    elif how == "fifo":
        _remove(path)
        os.mkfifo(path)


@FUZZ_SWEEPS
@given(data=st.data(), damages=st.lists(st.tuples(SWEEP_FILES, DAMAGE), min_size=1, max_size=3))
def test_damaged_sweep_folders_give_a_result_or_a_message(
    finished_sample_sweep, data, damages
):
    import shutil

    spec, finished = finished_sample_sweep
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        shutil.copytree(finished, out)
        for name, how in damages:
            _damage(out / name, how, data.draw)
        _check(("sweep", str(spec), "--out", str(out), "--workers", "1"))
        _check(("sensitivity", str(out), "--no-figures"))
