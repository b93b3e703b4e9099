"""score-sim: an educational agent-based simulation of a points-based social-credit regime.

Public API::

    from score_sim import load_scenario, ScoreModel, run_scenario, compare_scenarios, sweep

    scenario = load_scenario("baseline")          # a bundled name or a path to a YAML file
    model = ScoreModel(scenario, rng=7).run()     # a mesa.Model; state in model.world
    model.timeseries_frame()                      # the time series as a pandas DataFrame
    result = run_scenario("baseline", out_dir="runs/demo")   # the CLI's `score-sim run`
    twins = compare_scenarios("pariah_spiral", overrides_b={"effects.enabled": False})
    print(explain_scenario("baseline"))           # every number: its source or ASSUMPTION
    frame = sweep("sweeps/pariah_spiral_seeds.yaml")   # the CLI's `score-sim sweep`: a DataFrame
    fit = calibrate("calibrations/rongcheng_city.yaml")  # `score-sim calibrate`: fit to targets
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from score_sim import moved

__version__ = "0.1.0"

_LAZY = {
    "Scenario": "score_sim.scenario",
    "load_scenario": "score_sim.scenario",
    "bundled_scenarios": "score_sim.scenario",
    "explain_scenario": "score_sim.explain",
    "compare_scenarios": "score_sim.experiments.twins",
    "Comparison": "score_sim.experiments.twins",
    "ScenarioError": "score_sim.errors",
    "Problem": "score_sim.errors",
    "ScoreModel": "score_sim.model",
    "Citizen": "score_sim.agents",
    "Firm": "score_sim.agents",
    "run_scenario": "score_sim.runner",
    "RunResult": "score_sim.runner",
    "sweep": "score_sim.experiments.sweep",
    "load_sweep": "score_sim.experiments.spec",
    "calibrate": "score_sim.experiments.calibration",
    "load_calibration": "score_sim.experiments.calibration_spec",
}

__all__ = ["__version__", *_LAZY]

moved.install()  # old module paths (score_sim.compare, ...) still import


def __getattr__(name: str) -> Any:
    # Mesa and matplotlib take a while to import; load them only when asked for.
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'score_sim' has no attribute {name!r}")
