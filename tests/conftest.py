"""Shared fixtures: small scenarios written to temporary files."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import mesa
import pytest
import yaml

from score_sim.scenario import Scenario, scenario_from_data


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
