"""Sweep files: which scenario, which seeds, which parameter sets, which metrics.

A sweep file is YAML, read as safely as a scenario
(:func:`score_sim.scenario.yaml_files.read_yaml`) and validated by :class:`SweepSpec` (unknown
keys refused; its JSON Schema is committed as ``sweeps/sweep.schema.json``).
:func:`load_sweep` then turns it into a :class:`SweepPlan`:
every parameter set is checked against the scenario's own models *before any run starts*,
so a key path that names nothing, a value a parameter cannot take, or a range reaching
outside a parameter's valid values is refused with ``file:line:col key: message``.

Parameter sets come from a ``grid`` (every combination, in file order) or a ``sample``
drawn by SALib (``sobol``: Saltelli/Sobol' sequence for first-order and total indices;
``morris``: trajectories for elementary effects; ``latin``: a Latin hypercube, analysed
with RBD-FAST). Each parameter set runs with every seed. A seed count is derived from one
base seed with numpy's ``SeedSequence``, so the first 12 seeds of a 20-seed sweep are the
seeds of a 12-seed sweep, and every parameter set shares them (common random numbers).

Regenerate the committed schema with ``python -m score_sim.experiments.spec``.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from score_sim.errors import Problem, ScenarioError, argument, format_key
from score_sim.experiments.sweep_plan import SweepPlan, derive_seeds
from score_sim.mechanisms.metrics import CUMULATIVE_COLUMNS
from score_sim.scenario import (
    Scenario,
    _kind_of,
    _problems_from,
    bundled_scenarios,
    load_scenario,
    scenario_from_data,
)
from score_sim.scenario.overrides import _split_key, known_field, unknown_key_message
from score_sim.scenario.yaml_files import LocationMap, check_path_length, read_yaml

MAX_RUNS_UNCONFIRMED = 5_000
"""A sweep of more runs than this needs confirming (``--yes``)."""
MAX_RUNS = 1_000_000
"""Most runs one sweep may have, confirmed or not: split a larger one into several."""
MAX_SEEDS = 100_000
MAX_SAMPLE_N = 1_000_000


DEFAULT_METRICS = (
    "citizen_n_pariah",
    "citizen_n_blacklisted",
    "citizen_n_listed_innocent",
    "innocent_sanction_share",
    "summary.pariah_spiral.misconduct_rate_ratio_restricted.citizen",
    "summary.cascades.agents_restricted.mean",
    "summary.cascades.agents_restricted.p90",
    "summary.erroneous_reports.innocent_blacklistings",
)
"""The headline of each harm: pariahs, listings, innocents listed, the innocent share of
sanction-days, the misconduct rate ratio under restriction, cascade sizes, innocent
blacklistings."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Whole = Annotated[int, Strict()]
"""A whole number, as strict as a scenario's: not ``true``, ``"50"`` or ``5.0``."""
Number = Annotated[float, Strict()]
"""A number (a whole one too): not ``true`` or ``"0.5"``."""
Text = Annotated[str, Strict()]
"""Text, not a number or a switch."""


class SampleMethod(StrEnum):
    """How parameter sets are sampled for a sensitivity analysis (all through SALib)."""

    sobol = "sobol"
    """Saltelli's scheme on a scrambled Sobol' sequence: n x (parameters + 2) sets;
    Sobol' first-order (S1) and total (ST) indices."""
    morris = "morris"
    """Morris trajectories: n x (parameters + 1) sets; mu* and sigma of elementary effects."""
    latin = "latin"
    """A Latin hypercube of n sets; first-order indices by RBD-FAST."""


class Sample(_Strict):
    """A sample of parameter sets over ranges, for a sensitivity analysis."""

    method: SampleMethod = Field(description="sobol, morris or latin.")
    n: Whole = Field(
        ge=2,
        le=MAX_SAMPLE_N,
        description="sobol: base sample (a power of 2; runs n x (parameters + 2) sets); "
        "morris: trajectories (n x (parameters + 1) sets); latin: sets.",
    )
    ranges: dict[Text, tuple[Number, Number]] = Field(
        min_length=1,
        description="Key path to [low, high]; a parameter whose scenario value is an "
        "integer is sampled as integers.",
    )
    levels: Whole = Field(4, ge=2, le=64, description="morris: grid levels of each parameter.")
    seed: Whole | None = Field(
        None, ge=0, lt=2**32, description="Seed of the sampler [default: the sweep's seed]."
    )

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, n: int, info: ValidationInfo) -> int:
        from score_sim.experiments.sensitivity import sample_size_problem

        method = info.data.get("method")
        too_small = sample_size_problem(method.value, n) if method is not None else None
        if too_small:
            raise ValueError(too_small)
        if method is SampleMethod.sobol and n & (n - 1):
            low = 1 << (n.bit_length() - 1)
            raise ValueError(
                f"sobol needs n to be a power of 2 (Sobol' sequences converge only then); "
                f"try {low} or {2 * low}"
            )
        return n

    @field_validator("ranges")
    @classmethod
    def _ranges(cls, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        problems = []
        for key, (low, high) in ranges.items():
            if not (math.isfinite(low) and math.isfinite(high)):
                problems.append(f"{key}: a range needs finite bounds")
            elif not low < high:
                problems.append(f"{key}: low ({low:g}) must be below high ({high:g})")
        if problems:
            raise ValueError("; ".join(problems))
        return ranges


class SweepSpec(_Strict):
    """A sweep: one scenario, run with many seeds and parameter sets."""

    scenario: Text = Field(
        min_length=1,
        description="A bundled scenario's name or a scenario file (relative to this file).",
    )
    seeds: Whole | list[Whole] = Field(
        1,
        description="A count of seeds derived from `seed`, or a list of seeds.",
    )
    seed: Whole | None = Field(
        None,
        ge=0,
        lt=2**63,
        description="Base seed the seeds are derived from [default: the scenario's run.seed].",
    )
    citizens: Whole | None = Field(None, ge=0, description="population.citizens of every run.")
    firms: Whole | None = Field(None, ge=0, description="population.firms of every run.")
    steps: Whole | None = Field(None, ge=0, description="run.steps (days) of every run.")
    set_: dict[Text, Any] = Field(
        default_factory=dict,
        alias="set",
        description="Key path to a value, changed in every run (as `--set`).",
    )
    grid: dict[Text, list[Any]] | None = Field(
        None, description="Key path to a list of values: every combination is run."
    )
    sample: Sample | None = Field(None, description="A sample of parameter sets over ranges.")
    metrics: list[Text] | None = Field(
        None,
        min_length=1,
        description="Time-series columns (final value, and mean over the run for levels) "
        "or summary.json numbers as `summary.<dotted.path>` [default: the headlines].",
    )

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds_shape(cls, seeds: Any) -> Any:
        def whole(value: Any) -> bool:
            return isinstance(value, int) and not isinstance(value, bool)

        if isinstance(seeds, list):
            wrong = [i for i, seed in enumerate(seeds) if not whole(seed)]
            if wrong:
                raise ValueError(
                    f"seeds[{wrong[0]}]: a seed must be a whole number, not "
                    f"{_kind_of(seeds[wrong[0]])}"
                )
        elif not whole(seeds):
            raise ValueError(
                "must be a count of seeds (a whole number) or a list of seeds, not "
                f"{_kind_of(seeds)}"
            )
        return seeds

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        problems = []
        if self.grid is not None and self.sample is not None:
            problems.append("give either `grid` or `sample`, not both")
        if isinstance(self.seeds, int) and not 1 <= self.seeds <= MAX_SEEDS:
            problems.append(f"seeds: a count must be 1..{MAX_SEEDS}")
        if isinstance(self.seeds, list):
            if not self.seeds:
                problems.append("seeds: the list is empty")
            if len(set(self.seeds)) != len(self.seeds):
                problems.append("seeds: the list repeats a seed")
            if any(not 0 <= s < 2**63 for s in self.seeds):
                problems.append("seeds: each seed must be 0 <= seed < 2**63")
            if self.seed is not None:
                problems.append("`seed` derives a count of seeds; with a list it is not used")
        for key, values in (self.grid or {}).items():
            if not values:
                problems.append(f"grid.{key}: give at least one value")
        if self.metrics is not None and len(set(self.metrics)) != len(self.metrics):
            problems.append("metrics: a metric is named twice")
        if problems:
            raise ValueError("; ".join(problems))
        return self


# --------------------------------------------------------------------------- loading


class _Locator:
    """Turns problems with overrides (``--set``) into problems located in the sweep file."""

    def __init__(self, file: str, locations: LocationMap | None) -> None:
        self.file = file
        self.locations = locations

    def at(self, loc: tuple[str | int, ...], key: str, message: str) -> Problem:
        line, col = self.locations.locate(loc) if self.locations is not None else (None, None)
        return Problem(self.file, line, col, key, message)

    def relocate(
        self, error: ScenarioError, where: dict[str, tuple[str | int, ...]], label: str
    ) -> list[Problem]:
        """Problems of overridden values, moved to the sweep file key that set them."""
        problems = []
        for problem in error.problems:
            if problem.file != argument("overrides"):
                problems.append(problem)
                continue
            loc = where.get(problem.key)
            if loc is None:  # a deeper key of an overridden value (a list, a mapping)
                loc = next(
                    (v for k, v in where.items() if problem.key.startswith((k + ".", k + "["))),
                    None,
                )
            if loc is None:
                loc = next(iter(where.values()))
            problems.append(self.at(loc, format_key(loc), f"{label}{problem.message}"))
        return problems


def _scenario_path(name: str, sweep_file: Path | None) -> str | Path:
    """A scenario file relative to the sweep file, else as given (a bundled name or a path)."""
    check_path_length(name)
    if sweep_file is not None and name not in bundled_scenarios():
        check_path_length(sweep_file.parent / name)
        candidate = sweep_file.parent / name
        if candidate.exists():
            return candidate
    return name


def fixed_scenario(
    spec: Any, spec_path: Path | None, locator: _Locator
) -> tuple[Scenario, str | Path, dict[str, Any]]:
    """The scenario a sweep or calibration file names, with its fixed changes applied.

    The fixed changes are ``set`` and the ``citizens``, ``firms`` and ``steps`` shortcuts;
    a value the scenario refuses is located at its key in the file.

    Returns:
        The scenario, where it was read from, and the fixed changes by key path.
    """
    source = _scenario_path(spec.scenario, spec_path)
    base = load_scenario(source)
    fixed: dict[str, Any] = dict(spec.set_)
    where: dict[str, tuple[str | int, ...]] = {k: ("set", k) for k in spec.set_}
    for key, option in (
        ("population.citizens", "citizens"),
        ("population.firms", "firms"),
        ("run.steps", "steps"),
    ):
        value = getattr(spec, option)
        if value is not None:
            fixed[key] = value
            where[key] = (option,)
    try:
        scenario = scenario_from_data(base.to_data(), str(source), None, fixed)
    except ScenarioError as error:
        raise ScenarioError(locator.relocate(error, where, "")) from None
    return scenario, source, fixed


def _is_integer(data: dict[str, Any], key: str) -> bool | None:
    """Whether the scenario's value at ``key`` is an integer (None: not a number or absent)."""
    node: Any = data
    for part in _split_key(key):
        if isinstance(node, list) and isinstance(part, str):
            node = next((i for i in node if isinstance(i, dict) and i.get("name") == part), None)
        elif (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node)
        ):
            node = node[part]
        else:
            return None
        if node is None:
            return None
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return isinstance(node, int)


def available_metrics(scenario: Scenario) -> tuple[set[str], set[str]]:
    """The time-series columns and ``summary.*`` numbers a run of this scenario gives.

    Found by running the scenario's rules on a tiny city for one day.
    """
    from score_sim.model import ScoreModel
    from score_sim.outputs.summary import summarize

    tiny = scenario_from_data(
        scenario.to_data(),
        overrides={"population.citizens": 20, "population.firms": 2, "run.steps": 1},
    )
    from score_sim.agents import release_agent_ids

    model = ScoreModel(tiny, rng=tiny.run.seed).run()
    try:
        columns = {c for c in model.columns if c != "step"}
        summary = {f"summary.{key}" for key in _numeric_paths(summarize(model))}
    finally:
        release_agent_ids(model)
    return columns, summary


def _numeric_paths(data: Any, prefix: str = "") -> list[str]:
    if isinstance(data, dict):
        return [
            path
            for key, value in data.items()
            for path in _numeric_paths(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    if data is None or (isinstance(data, int | float) and not isinstance(data, bool)):
        return [prefix]
    return []


def metric_columns(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The result columns of some metrics.

    A level gives its final value and its mean over the run, a running total its final
    value, a summary number itself.
    """
    columns: list[str] = []
    for name in metrics:
        if name.startswith("summary."):
            columns.append(name)
        elif name in CUMULATIVE_COLUMNS:
            columns.append(f"{name}.final")
        else:
            columns += [f"{name}.final", f"{name}.run_mean"]
    return tuple(columns)


def count_points(spec: SweepSpec) -> int:
    """How many parameter sets a sweep has, computed from its file alone (nothing is built)."""
    if spec.grid is not None:
        return math.prod(len(values) for values in spec.grid.values())
    if spec.sample is not None:
        k = len(spec.sample.ranges)
        extra = {SampleMethod.sobol: k + 2, SampleMethod.morris: k + 1}
        return spec.sample.n * extra.get(spec.sample.method, 1)
    return 1


def count_seeds(spec: SweepSpec) -> int:
    """How many seeds every parameter set of a sweep runs with."""
    return spec.seeds if isinstance(spec.seeds, int) else len(spec.seeds)


def _refuse_size(spec: SweepSpec, locator: _Locator, yes: bool) -> None:
    """Refuse a sweep of too many runs from its counts alone, before anything is built.

    Raises:
        ScenarioError: more than :data:`MAX_RUNS` runs, or more than
            :data:`MAX_RUNS_UNCONFIRMED` without ``yes``.
    """
    n_points, n_seeds = count_points(spec), count_seeds(spec)
    n_runs = n_points * n_seeds
    loc = ("grid",) if spec.grid else ("sample", "n") if spec.sample else ("seeds",)
    size = f"{n_runs:,} runs ({n_points:,} parameter sets x {n_seeds:,} seeds)"
    if n_runs > MAX_RUNS:
        raise ScenarioError(
            [
                locator.at(
                    loc,
                    format_key(loc),
                    f"this sweep is {size}, more than the {MAX_RUNS:,} one sweep may have: "
                    "split it into several sweeps",
                )
            ]
        )
    if n_runs > MAX_RUNS_UNCONFIRMED and not yes:
        raise ScenarioError(
            [
                locator.at(
                    loc,
                    format_key(loc),
                    f"this sweep is {size}, more than {MAX_RUNS_UNCONFIRMED:,}: pass "
                    f"{argument('yes=True', '--yes')} to confirm",
                )
            ]
        )


def _sample_points(spec: Sample, names: list[str], seed: int) -> np.ndarray:
    from SALib.sample import latin, morris, sobol

    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(spec.ranges[k]) for k in names],
    }
    if spec.method is SampleMethod.sobol:
        return sobol.sample(problem, spec.n, calc_second_order=False, seed=seed)
    if spec.method is SampleMethod.morris:
        return morris.sample(problem, spec.n, num_levels=spec.levels, seed=seed)
    return latin.sample(problem, spec.n, seed=seed)


def load_sweep(
    source: str | Path | dict[str, Any],
    *,
    yes: bool = False,
    check_metrics: bool = True,
) -> SweepPlan:
    """Read, validate and expand a sweep file (or the same as a dict) into a plan.

    Every parameter set is validated against the scenario before anything runs.

    Args:
        source: a sweep file, or its content as a dict (errors then name ``<sweep>``).
        yes: confirm a sweep of more than :data:`MAX_RUNS_UNCONFIRMED` runs.
        check_metrics: check the metric names by running the scenario on a tiny city.

    Raises:
        ScenarioError: every problem found, located in the sweep file (or the scenario).
    """
    if isinstance(source, dict):
        file, data, locations, sweep_path = "<sweep>", source, None, None
    else:
        file = str(source)
        data, locations = read_yaml(source)
        sweep_path = Path(source)
    from score_sim.text_safety import control_problems

    if unsafe := control_problems(data):
        where = _Locator(file, locations)
        raise ScenarioError([where.at(loc, format_key(loc), message) for loc, message in unsafe])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        found = _problems_from(exc, file, locations, [], SweepSpec)
        raise ScenarioError(sorted(found, key=lambda p: (p.line or 0, p.col or 0))) from None
    locator = _Locator(file, locations)
    _refuse_size(spec, locator, yes)

    # the base scenario, with the sweep's fixed changes
    scenario, _, fixed = fixed_scenario(spec, sweep_path, locator)
    base_data = scenario.to_data()

    problems: list[Problem] = []
    parameters: list[str] = []
    points: list[tuple[Any, ...]] = []
    raw: np.ndarray | None = None
    sample_seed: int | None = None

    from score_sim.memory import run_bytes

    largest = [run_bytes(scenario)]

    def check(changes: dict[str, Any], where: dict[str, tuple[str | int, ...]], label: str):
        try:
            checked = scenario_from_data(base_data, argument("overrides"), None, changes)
        except ScenarioError as error:
            problems.extend(locator.relocate(error, where, label))
            return False
        largest[0] = max(largest[0], run_bytes(checked))
        return True

    for key in (spec.grid or {}) | (spec.sample.ranges if spec.sample else {}):
        if key in fixed or key in ("run.seed",):
            section = "grid" if spec.grid else "sample.ranges"
            problems.append(
                locator.at(
                    (*section.split("."), key),
                    f"{section}.{key}",
                    "is fixed by the sweep (set, citizens, firms, steps or seeds); vary it here "
                    "or fix it there, not both",
                )
            )
    if spec.grid is not None:
        parameters = list(spec.grid)
        for key, values in spec.grid.items():
            if not known_field(Scenario, _split_key(key)):
                problems.append(
                    locator.at(("grid", key), f"grid.{key}", unknown_key_message(Scenario, key))
                )
                continue
            for i, value in enumerate(values):
                check({key: value}, {key: ("grid", key, i)}, f"value {value!r}: ")
        if not problems:
            points = list(itertools.product(*spec.grid.values()))
    elif spec.sample is not None:
        parameters = list(spec.sample.ranges)
        integer: list[bool] = []
        for key, bounds in spec.sample.ranges.items():
            parts = _split_key(key)
            if not known_field(Scenario, parts):
                problems.append(
                    locator.at(
                        ("sample", "ranges", key),
                        f"sample.ranges.{key}",
                        unknown_key_message(Scenario, key),
                    )
                )
                integer.append(False)
                continue
            kind = _is_integer(base_data, key)
            integer.append(bool(kind))
            for i, bound in enumerate(bounds):
                value = round(bound) if kind else bound
                check(
                    {key: value},
                    {key: ("sample", "ranges", key, i)},
                    f"the range's {'low' if i == 0 else 'high'} end {bound:g} is outside this "
                    "parameter's valid values: ",
                )
        if not problems:
            base_seed = spec.seed if spec.seed is not None else scenario.run.seed
            sample_seed = base_seed % 2**32 if spec.sample.seed is None else spec.sample.seed
            raw = _sample_points(spec.sample, parameters, sample_seed)
            columns = [
                np.rint(raw[:, j]).astype(np.int64).tolist() if integer[j] else raw[:, j].tolist()
                for j in range(len(parameters))
            ]
            points = list(zip(*columns, strict=True))
    else:
        points = [()]
    if problems:
        raise ScenarioError(problems)

    if isinstance(spec.seeds, int):
        base_seed = spec.seed if spec.seed is not None else scenario.run.seed
        seeds = derive_seeds(base_seed, spec.seeds)
    else:
        seeds = tuple(spec.seeds)

    # every combination, not only every value, must make a valid scenario
    for index, point in enumerate(points if parameters else ()):
        loc = ("grid",) if spec.grid else ("sample", "ranges")
        changes = dict(zip(parameters, point, strict=True))
        described = ", ".join(f"{k}={v!r}" for k, v in changes.items())
        if not check(
            changes, {k: (*loc, k) for k in parameters}, f"parameter set {index} ({described}): "
        ):
            raise ScenarioError(problems[:10])

    metrics = tuple(spec.metrics or DEFAULT_METRICS)
    if check_metrics:
        columns, summary = available_metrics(scenario)
        unknown = []
        for i, name in enumerate(metrics):
            if name not in columns and name not in summary:
                known = (
                    "a time-series column (see timeseries.csv) or summary.<path> of summary.json"
                )
                close = difflib.get_close_matches(name, sorted(columns | summary), n=1)
                if close:
                    known += f" (did you mean {close[0]}?)"
                unknown.append(
                    locator.at(
                        ("metrics", i), f"metrics[{i}]", f"unknown metric {name!r}: name {known}"
                    )
                )
        if unknown and spec.metrics is not None:
            raise ScenarioError(unknown)
    return SweepPlan(
        file=file,
        spec=spec,
        scenario=scenario,
        parameters=tuple(parameters),
        points=tuple(points),
        seeds=seeds,
        metrics=metrics,
        columns=metric_columns(metrics),
        raw_sample=() if raw is None else tuple(map(tuple, raw.tolist())),
        sample_seed=sample_seed,
        largest_run_bytes=largest[0],
    )


def sweep_schema() -> dict[str, Any]:
    """The JSON Schema of sweep files, generated from :class:`SweepSpec`."""
    schema = SweepSpec.model_json_schema(mode="validation", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "score-sim sweep"
    return schema


def sweep_schema_text() -> str:
    """The JSON Schema as committed in ``sweeps/sweep.schema.json``."""
    return json.dumps(sweep_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(sweep_schema_text(), end="")
