"""Calibration files: which scenario, which parameters in which ranges, which targets.

A calibration file is YAML, read as safely as a scenario and laid out like a sweep file
(:mod:`score_sim.experiments.spec`): ``scenario``, ``citizens``/``firms``/``steps``,
``seeds``, ``seed`` and ``set`` mean what they mean there. It adds

- ``parameters``: key path to ``[low, high]`` (or ``{low, high, log: true}`` to search on a
  log scale), the undocumented numbers to fit; a parameter whose scenario value is an
  integer is searched as integers;
- ``targets``: the documented aggregates to fit, by name (the scenario's own ``targets``)
  or inline, in the scenario's own target format [default: every target of the scenario];
- ``trials`` (the budget), ``batch`` (trials asked at once and run in parallel: the search
  depends on it, not on the number of workers), ``sampler`` (``tpe`` or ``random``),
  ``startup_trials`` (TPE's random start) and ``check_seeds`` (fresh seeds the best values
  are run with at the end, for the interval over seeds).

:func:`load_calibration` checks all of it against the scenario's own models before any
run starts: a key path that names nothing, a range end a parameter cannot take, an
unknown target, a target the scenario cannot measure: ``file:line:col key: message``,
exit 2, as a sweep does. Its JSON Schema is committed as
``calibrations/calibration.schema.json`` (``python -m score_sim.experiments.calibration_spec``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from score_sim.errors import Problem, ScenarioError, format_key
from score_sim.experiments.spec import (
    MAX_RUNS_UNCONFIRMED,
    MAX_SEEDS,
    _is_integer,
    _Locator,
    fixed_scenario,
)
from score_sim.experiments.sweep_plan import derive_seeds
from score_sim.scenario import Scenario, Target, _problems_from, scenario_from_data
from score_sim.scenario.overrides import _split_key, known_field
from score_sim.scenario.target_checks import target_problems
from score_sim.scenario.yaml_files import read_yaml

MAX_TRIALS = 100_000
MAX_CORNER_CHECKS = 256
"""Every combination of range ends is checked when there are at most this many."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SamplerName(StrEnum):
    """How Optuna proposes the next parameter values."""

    tpe = "tpe"
    """Tree-structured Parzen estimator (multivariate): after a random start, values near
    the best trials so far are proposed more often."""
    random = "random"
    """Independent uniform draws (or log-uniform): a baseline, and for small budgets."""


class ParameterRange(_Strict):
    """A parameter's range, searched uniformly or on a log scale."""

    low: float = Field(description="Lowest value tried.")
    high: float = Field(description="Highest value tried.")
    log: bool = Field(False, description="Search on a log scale (for rates spanning decades).")

    @model_validator(mode="after")
    def _bounds(self) -> ParameterRange:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("a range needs finite bounds")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.log and self.low <= 0:
            raise ValueError("a log-scale range needs low > 0")
        return self


class CalibrationSpec(_Strict):
    """A calibration: a scenario's undocumented numbers fitted to documented targets."""

    scenario: str = Field(
        min_length=1,
        description="A bundled scenario's name or a scenario file (relative to this file).",
    )
    seeds: int | list[int] = Field(
        1, description="Seeds each trial runs with: a count derived from `seed`, or a list."
    )
    seed: int | None = Field(
        None,
        ge=0,
        lt=2**63,
        description="Base seed the seeds and the sampler's draws are derived from "
        "[default: the scenario's run.seed].",
    )
    citizens: int | None = Field(None, ge=0, description="population.citizens of every run.")
    firms: int | None = Field(None, ge=0, description="population.firms of every run.")
    steps: int | None = Field(None, ge=0, description="run.steps (days) of every run.")
    set_: dict[str, Any] = Field(
        default_factory=dict,
        alias="set",
        description="Key path to a value, changed in every run (as `--set`).",
    )
    parameters: dict[str, tuple[float, float] | ParameterRange] = Field(
        min_length=1,
        description="Key path to [low, high] or {low, high, log}: the numbers to fit.",
    )
    targets: list[str | Target] | None = Field(
        None,
        min_length=1,
        description="Targets to fit: names of the scenario's targets, or targets in the "
        "scenario's own format [default: every target of the scenario].",
    )
    trials: int = Field(32, ge=1, le=MAX_TRIALS, description="Trials in all (the budget).")
    batch: int = Field(
        4,
        ge=1,
        le=1_000,
        description="Trials asked at once and run in parallel; the search depends on it, "
        "never on the number of workers.",
    )
    sampler: SamplerName = Field(SamplerName.tpe, description="tpe or random.")
    startup_trials: int = Field(
        8, ge=1, le=MAX_TRIALS, description="tpe: trials drawn at random before it models."
    )
    check_seeds: int = Field(
        0,
        ge=0,
        le=MAX_SEEDS,
        description="After the search, run the best values with this many fresh seeds and "
        "report the targets' intervals over them [default 0: over the trial's own seeds].",
    )

    @model_validator(mode="after")
    def _check(self) -> CalibrationSpec:
        problems = []
        if isinstance(self.seeds, int) and not 1 <= self.seeds <= MAX_SEEDS:
            problems.append(f"seeds: a count must be 1..{MAX_SEEDS}")
        if isinstance(self.seeds, list):
            if not self.seeds:
                problems.append("seeds: the list is empty")
            if len(set(self.seeds)) != len(self.seeds):
                problems.append("seeds: the list repeats a seed")
            if any(not 0 <= s < 2**63 for s in self.seeds):
                problems.append("seeds: each seed must be 0 <= seed < 2**63")
        for key, bounds in self.parameters.items():
            if isinstance(bounds, tuple):
                low, high = bounds
                if not (math.isfinite(low) and math.isfinite(high)):
                    problems.append(f"parameters.{key}: a range needs finite bounds")
                elif not low < high:
                    problems.append(
                        f"parameters.{key}: low ({low:g}) must be below high ({high:g})"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def range_of(self, key: str) -> ParameterRange:
        """The range of parameter ``key``, as a :class:`ParameterRange`."""
        bounds = self.parameters[key]
        if isinstance(bounds, ParameterRange):
            return bounds
        return ParameterRange(low=bounds[0], high=bounds[1])


@dataclass(frozen=True)
class Parameter:
    """One parameter searched: its key path, range, scale and whether it is an integer."""

    key: str
    low: float
    high: float
    log: bool
    integer: bool


@dataclass(frozen=True)
class CalibrationPlan:
    """A validated calibration: the base scenario, parameters, targets, seeds, budget."""

    file: str
    spec: CalibrationSpec
    scenario: Scenario
    """The scenario with the calibration's fixed changes (set, citizens, firms, steps)."""
    source: str | Path
    """Where the scenario came from (a bundled name or a file): calibrated.yaml edits it."""
    parameters: tuple[Parameter, ...]
    targets: tuple[Target, ...]
    seeds: tuple[int, ...]
    """The seeds every trial runs with."""
    check_seeds: tuple[int, ...]
    """Fresh seeds the best values run with at the end (none: the trial's seeds serve)."""
    base_seed: int
    fixed: dict[str, Any]
    """The fixed changes, by key path (``set``, then citizens, firms, steps)."""

    @property
    def trials(self) -> int:
        """The budget."""
        return self.spec.trials

    def record(self) -> dict[str, Any]:
        """What identifies this calibration (stored in ``calibration.json``, compared on resume).

        The budget (``trials``) and ``check_seeds`` are left out: the same folder may
        continue a calibration with more trials, or check its best values with more seeds.
        """
        spec = self.spec.model_dump(mode="json", by_alias=True, exclude={"trials", "check_seeds"})
        return {
            "spec": spec,
            "scenario_sha256": self.scenario.sha256(),
            "parameters": [p.__dict__ for p in self.parameters],
            "targets": [t.model_dump(mode="json") for t in self.targets],
            "seeds": list(self.seeds),
            "base_seed": self.base_seed,
        }

    def sha256(self) -> str:
        """A hash of :meth:`record`: two calibrations that would run the same trials share it."""
        text = json.dumps(self.record(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def sampler_seed(self, slot: int) -> int:
        """The seed of the sampler that proposes trial ``slot``: from the base seed and slot."""
        state = np.random.SeedSequence(self.base_seed, spawn_key=(0x0CA1, slot))
        return int(state.generate_state(1)[0])


def load_calibration(
    source: str | Path | dict[str, Any], *, yes: bool = False, trials: int | None = None
) -> CalibrationPlan:
    """Read and check a calibration file (or the same as a dict) into a plan.

    Args:
        source: a calibration file, or its content as a dict (errors then name
            ``<calibration>``).
        yes: confirm a calibration of more than :data:`MAX_RUNS_UNCONFIRMED` runs.
        trials: a budget replacing the file's ``trials`` (``--trials``).

    Raises:
        ScenarioError: every problem found, located in the file (or the scenario).
    """
    if isinstance(source, dict):
        file, data, locations, spec_path = "<calibration>", source, None, None
    else:
        file = str(source)
        data, locations = read_yaml(source)
        spec_path = Path(source)
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        found = _problems_from(exc, file, locations, [])
        raise ScenarioError(sorted(found, key=lambda p: (p.line or 0, p.col or 0))) from None
    if trials is not None:
        if not 1 <= trials <= MAX_TRIALS:
            raise ScenarioError.of("--trials", None, None, "", f"must be 1..{MAX_TRIALS:,}")
        spec = spec.model_copy(update={"trials": trials})
    locator = _Locator(file, locations)

    scenario, scenario_source, fixed = fixed_scenario(spec, spec_path, locator)
    base_data = scenario.to_data()

    parameters, problems = _parameters(spec, base_data, fixed, locator)
    targets = _targets(spec, scenario, locator, problems)
    if problems:
        raise ScenarioError(problems)
    _check_corners(parameters, base_data, locator)

    base_seed = spec.seed if spec.seed is not None else scenario.run.seed
    seeds = (
        derive_seeds(base_seed, spec.seeds) if isinstance(spec.seeds, int) else tuple(spec.seeds)
    )
    check_seeds: tuple[int, ...] = ()
    if spec.check_seeds:
        # fresh seeds: derived from another base, so none repeats a trial's seed
        pool = derive_seeds(base_seed + 1, spec.check_seeds + len(seeds))
        check_seeds = tuple(s for s in pool if s not in seeds)[: spec.check_seeds]
    n_runs = spec.trials * len(seeds) + len(check_seeds)
    if n_runs > MAX_RUNS_UNCONFIRMED and not yes:
        raise ScenarioError(
            [
                locator.at(
                    ("trials",),
                    "trials",
                    f"this calibration is {n_runs:,} runs ({spec.trials:,} trials x "
                    f"{len(seeds):,} seeds, and {len(check_seeds):,} checks), more than "
                    f"{MAX_RUNS_UNCONFIRMED:,}: pass --yes to confirm",
                )
            ]
        )
    return CalibrationPlan(
        file=file,
        spec=spec,
        scenario=scenario,
        source=scenario_source,
        parameters=tuple(parameters),
        targets=tuple(targets),
        seeds=seeds,
        check_seeds=check_seeds,
        base_seed=base_seed,
        fixed=fixed,
    )


def _valid(
    base_data: dict[str, Any],
    changes: dict[str, Any],
    where: dict[str, tuple[str | int, ...]],
    label: str,
    locator: _Locator,
) -> list[Problem]:
    """Problems of the scenario with ``changes``, located where the file set them."""
    from score_sim.errors import argument

    try:
        scenario_from_data(base_data, argument("overrides"), None, changes)
    except ScenarioError as error:
        return locator.relocate(error, where, label)
    return []


def _parameters(
    spec: CalibrationSpec,
    base_data: dict[str, Any],
    fixed: dict[str, Any],
    locator: _Locator,
) -> tuple[list[Parameter], list[Problem]]:
    """The searched parameters, each checked: a known key, not fixed, valid range ends."""
    parameters: list[Parameter] = []
    problems: list[Problem] = []
    for key in spec.parameters:
        loc = ("parameters", key)
        if key in fixed or key == "run.seed":
            problems.append(
                locator.at(
                    loc,
                    f"parameters.{key}",
                    "is fixed by the calibration (set, citizens, firms, steps or seeds); fit "
                    "it here or fix it there, not both",
                )
            )
            continue
        if not known_field(Scenario, _split_key(key)):
            problems.append(locator.at(loc, f"parameters.{key}", "no such key in a scenario"))
            continue
        kind = _is_integer(base_data, key)  # None: no number there yet (searched as a float)
        bounds = spec.range_of(key)
        integer = bool(kind)
        ends = (round(bounds.low), round(bounds.high)) if integer else (bounds.low, bounds.high)
        if integer and ends[0] >= ends[1]:
            problems.append(
                locator.at(
                    loc, f"parameters.{key}", "an integer parameter needs two distinct integers"
                )
            )
            continue
        for i, value in enumerate(ends):
            problems += _valid(
                base_data,
                {key: value},
                {
                    key: (
                        *loc,
                        ("low", "high")[i]
                        if isinstance(spec.parameters[key], ParameterRange)
                        else i,
                    )
                },
                f"the range's {'low' if i == 0 else 'high'} end {value:g} is outside this "
                "parameter's valid values: ",
                locator,
            )
        parameters.append(Parameter(key, float(ends[0]), float(ends[1]), bounds.log, integer))
    return parameters, problems


def _check_corners(parameters: list[Parameter], base_data: dict[str, Any], locator: _Locator):
    """Every combination of range ends must make a valid scenario (when few enough)."""
    if len(parameters) < 2 or 2 ** len(parameters) > MAX_CORNER_CHECKS:
        return
    for ends in itertools.product(*[(p.low, p.high) for p in parameters]):
        changes = {p.key: int(v) if p.integer else v for p, v in zip(parameters, ends, strict=True)}
        described = ", ".join(f"{k}={v:g}" for k, v in changes.items())
        found = _valid(
            base_data,
            changes,
            {k: ("parameters", k) for k in changes},
            f"the range ends ({described}) together make no valid scenario: ",
            locator,
        )
        if found:
            raise ScenarioError(found[:10])


def _targets(
    spec: CalibrationSpec, scenario: Scenario, locator: _Locator, problems: list[Problem]
) -> list[Target]:
    """The targets to fit: named ones from the scenario, inline ones checked against it."""
    own = {t.name: t for t in scenario.targets}
    if spec.targets is None:
        if not own:
            problems.append(
                locator.at(
                    ("scenario",),
                    "scenario",
                    f"{scenario.name} has no targets: give the targets to fit in `targets` "
                    "(inline, in the scenario's target format)",
                )
            )
        return list(own.values())
    targets: list[Target] = []
    inline: list[tuple[int, Target]] = []
    for i, item in enumerate(spec.targets):
        if isinstance(item, str):
            if item not in own:
                known = ", ".join(sorted(own)) or "none"
                problems.append(
                    locator.at(
                        ("targets", i),
                        f"targets[{i}]",
                        f"{item!r} is not a target of {scenario.name} (its targets: {known}); "
                        "give an unknown target inline",
                    )
                )
                continue
            targets.append(own[item])
        else:
            targets.append(item)
            inline.append((i, item))
    names = [t.name for t in targets]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(
                locator.at(("targets", i), f"targets[{i}]", f"target {name!r} is named twice")
            )
    if inline:
        checked = scenario.model_copy(update={"targets": tuple(t for _, t in inline)})
        for loc, message in target_problems(checked):
            index = inline[int(loc[1])][0]
            where = ("targets", index, *loc[2:])
            problems.append(locator.at(where, format_key(where), message))
    return targets


def calibration_schema() -> dict[str, Any]:
    """The JSON Schema of calibration files, generated from :class:`CalibrationSpec`."""
    schema = CalibrationSpec.model_json_schema(mode="validation", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "score-sim calibration"
    return schema


def calibration_schema_text() -> str:
    """The JSON Schema as committed in ``calibrations/calibration.schema.json``."""
    return json.dumps(calibration_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(calibration_schema_text(), end="")
