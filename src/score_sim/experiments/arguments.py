"""The Python API's arguments, checked: a wrong type or name is a ScenarioError, not a crash.

:func:`score_sim.sweep` and :func:`score_sim.experiments.sweep.run_one` are called from
notebooks, where a string for a seed or a misspelt metric is as likely as on the command
line. Each is refused with a :class:`~score_sim.errors.ScenarioError` naming the argument
and what it should be, before any work, instead of a ``TypeError`` or ``KeyError`` from
deep inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from score_sim.errors import ScenarioError
from score_sim.text_safety import shown

if TYPE_CHECKING:
    from score_sim.scenario import Scenario


def _refuse(argument: str, message: str) -> ScenarioError:
    return ScenarioError.of(argument, None, None, "", message)


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_whole_number(value: Any, argument: str, minimum: int, below: int) -> None:
    """Refuse anything but a whole number in ``minimum <= value < below`` (not a bool).

    Raises:
        ScenarioError: naming ``argument``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(argument, f"must be a whole number, not {_type_name(value)} {shown(value)}")
    if not minimum <= value < below:
        raise _refuse(argument, f"must be at least {minimum} and below {below}, not {value}")


def check_metrics_argument(metrics: Any, argument: str = "metrics") -> tuple[str, ...]:
    """A sequence of metric names as a tuple (a single string is refused, not spelt out).

    Raises:
        ScenarioError: naming ``argument``.
    """
    if isinstance(metrics, str | bytes) or not isinstance(metrics, list | tuple):
        raise _refuse(
            argument,
            f"must be a list of metric names, not {_type_name(metrics)} {shown(metrics)}",
        )
    if not metrics:
        raise _refuse(argument, "names no metric: give at least one")
    for i, name in enumerate(metrics):
        if not isinstance(name, str) or not name:
            raise _refuse(f"{argument}[{i}]", f"must be a metric's name, not {shown(name)}")
    return tuple(metrics)


def check_run_one(scenario: Any, seed: Any, overrides: Any, metrics: Any, keep_dir: Any) -> None:
    """Check the arguments of :func:`~score_sim.experiments.sweep.run_one` by type.

    Raises:
        ScenarioError: naming the first argument of the wrong type.
    """
    from score_sim.scenario import Scenario

    if not isinstance(scenario, Scenario | str | Path | dict):
        raise _refuse(
            "scenario",
            "must be a Scenario, its data (a dict), a scenario file or a bundled scenario's "
            f"name, not {_type_name(scenario)}",
        )
    check_whole_number(seed, "seed", 0, 2**63)
    if overrides is not None:
        if not isinstance(overrides, Mapping):
            raise _refuse(
                "overrides", f"must be a dict of key paths to values, not {_type_name(overrides)}"
            )
        for key in overrides:
            if not isinstance(key, str):
                raise _refuse("overrides", f"a key path is text, not {shown(key)}")
    if metrics is not None:
        check_metrics_argument(metrics)
    if keep_dir is not None and not isinstance(keep_dir, str | Path):
        raise _refuse("keep_dir", f"must be a folder's path, not {_type_name(keep_dir)}")


def check_metric_names(scenario: Scenario, metrics: tuple[str, ...]) -> None:
    """Refuse metric names that a run of ``scenario`` does not measure.

    Raises:
        ScenarioError: one problem per unknown metric, naming ``metrics[i]``.
    """
    columns, summary = _available(scenario)
    unknown = [
        ScenarioError.of(
            f"metrics[{i}]",
            None,
            None,
            "",
            f"unknown metric {shown(name)}: name a time-series column (see timeseries.csv) "
            "or summary.<path> of summary.json",
        ).problems[0]
        for i, name in enumerate(metrics)
        if name not in columns and name not in summary
    ]
    if unknown:
        raise ScenarioError(unknown)


_AVAILABLE: dict[str, tuple[set[str], set[str]]] = {}
"""The metrics each scenario gives, by the scenario's sha256 without its seed (a few kept)."""


def _available(scenario: Scenario) -> tuple[set[str], set[str]]:
    from score_sim.experiments.spec import available_metrics
    from score_sim.scenario import scenario_from_data

    unseeded = scenario_from_data(scenario.to_data(), overrides={"run.seed": 0}).sha256()
    if unseeded not in _AVAILABLE:
        if len(_AVAILABLE) >= 16:
            _AVAILABLE.clear()
        _AVAILABLE[unseeded] = available_metrics(scenario)
    return _AVAILABLE[unseeded]


def check_sweep(
    spec: Any, out_dir: Any, workers: Any, scheduler: Any, keep_runs: Any, yes: Any
) -> None:
    """Check the arguments of :func:`score_sim.sweep` by type.

    Raises:
        ScenarioError: naming the first argument of the wrong type.
    """
    if not isinstance(spec, str | Path | dict):
        raise _refuse(
            "spec", f"must be a sweep file or its content as a dict, not {_type_name(spec)}"
        )
    if out_dir is not None and not isinstance(out_dir, str | Path):
        raise _refuse("out_dir", f"must be a folder's path, not {_type_name(out_dir)}")
    if workers is not None:
        check_whole_number(workers, "workers", 1, 1025)
    if scheduler is not None and not isinstance(scheduler, str):
        raise _refuse(
            "scheduler", f"must be an address such as tcp://HOST:PORT, not {shown(scheduler)}"
        )
    for name, value in (("keep_runs", keep_runs), ("yes", yes)):
        if not isinstance(value, bool):
            raise _refuse(name, f"must be True or False, not {shown(value)}")
