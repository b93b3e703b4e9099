"""Shared fixtures: small scenarios written to temporary files; a checkout left clean.

The suite writes only into temporary folders: hypothesis keeps its files in one too, and
when the whole run ends (on the controller, with pytest-xdist) any file or folder that
appeared in the checkout during the run fails it, named.
"""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import mesa
import pytest
import yaml

from score_sim.scenario import Scenario, scenario_from_data

REPO = Path(__file__).resolve().parents[1]
IGNORED = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv", "_build"}
"""Names never counted as left by the suite: git's, Python's and the tools' own caches,
virtual environments and the docs' build folder."""

# hypothesis keeps its caches in ./.hypothesis unless told otherwise: keep them out
_HYPOTHESIS_DIR = tempfile.mkdtemp(prefix="score-sim-hypothesis-")
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", _HYPOTHESIS_DIR)


def _checkout_entries() -> set[str]:
    """Every file and folder of the checkout (caches and environments left out)."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in IGNORED and not d.startswith(".venv")]
        base = Path(folder).relative_to(REPO)
        found.update(str(base / name) for name in (*dirs, *files))
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, or a run without xdist
        session.config.stash[_BEFORE] = _checkout_entries()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        shutil.rmtree(_HYPOTHESIS_DIR, ignore_errors=True)
        return
    shutil.rmtree(_HYPOTHESIS_DIR, ignore_errors=True)
    before = session.config.stash.get(_BEFORE, None)
    if before is None:
        return
    left = sorted(_checkout_entries() - before)
    # a folder and everything in it: name the folder only
    roots = [p for p in left if not any(p.startswith(q + os.sep) for q in left if q != p)]
    if roots:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "the tests left files in the checkout: " + ", ".join(roots[:10])
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_BEFORE = pytest.StashKey[set[str]]()


def small_data(**sections: Any) -> dict[str, Any]:
    """A small valid scenario as plain data; keyword sections replace the defaults."""
    data: dict[str, Any] = {
        "name": "small",
        "description": "A small test scenario.",
        "population": {"citizens": 2000, "firms": 100},
        "behaviours": [
            {"name": "fare_dodging", "who": "citizen", "rate_per_year": 2.0, "points": -20},
            {"name": "good_deed", "who": "citizen", "rate_per_year": 1.0, "points": 10},
            {
                "name": "fraud",
                "who": "citizen",
                "rate_per_year": 0.2,
                "points": -50,
                "severity": "serious",
            },
            {"name": "late_tax", "who": "firm", "rate_per_year": 1.0, "points": -20},
        ],
        "run": {"steps": 120, "seed": 3},
    }
    data.update(sections)
    return data


def small_scenario(**sections: Any) -> Scenario:
    """A validated small scenario."""
    return scenario_from_data(small_data(**sections))


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write scenario data (or raw text) to a YAML file and return its path."""

    def write(data: dict[str, Any] | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def iterations(n: int) -> dict[str, object]:
    """``n`` runs per parameter set, as this Mesa's ``batch_run`` asks for them."""
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa 3.4+: one seed per run
        return {"rng": [None] * n}
    return {"iterations": n}
