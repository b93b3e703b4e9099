"""Twin worlds: run two rule sets on the same people with the same random numbers.

``compare_scenarios(A, B)`` runs both worlds with one seed. Every mechanism draws from its
own stream (:mod:`score_sim.streams`) and behaviour draws do not depend on the state of the
world (:mod:`score_sim.mechanisms.behaviour`), so the two worlds share their city, their ties
and every candidate event: a difference between them is caused by the rule change, not by
noise. Comparing a scenario with itself gives exactly zero difference.

What it writes: both runs in full (``A/`` and ``B/``), ``comparison.csv`` (each metric in
A and B and the difference), ``harmed_only_in_b.csv`` and ``harmed_only_in_a.csv`` (the
actors restricted or blacklisted in one world and not the other), ``comparison.json`` and a
figure.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from score_sim.errors import ScenarioError, argument
from score_sim.memory import activity_bytes, check_population
from score_sim.model import ScoreModel
from score_sim.outputs.files import versions, write_manifest, write_run_outputs
from score_sim.outputs.folder import claim_output_folder, output_bytes
from score_sim.runner import RUNS_DIR, RunResult
from score_sim.scenario import Scenario, resolve_scenario

KEY_COLUMNS = (
    "citizen_mean_score",
    "citizen_n_blacklisted",
    "citizen_n_pariah",
    "citizen_n_restricted",
    "citizen_n_listed_innocent",
    "innocent_sanction_share",
)


@dataclass(frozen=True)
class Comparison:
    """Two runs of twin worlds and what differs between them."""

    out_dir: Path
    a: RunResult
    b: RunResult
    metrics: list[dict[str, Any]]
    """One row per metric: name, A, B, difference (B - A)."""
    harmed_only_in_b: np.ndarray
    """Actor indices restricted or blacklisted in B and never in A."""
    harmed_only_in_a: np.ndarray
    """Actor indices restricted or blacklisted in A and never in B."""

    def __repr__(self) -> str:
        changed = sum(1 for row in self.metrics if row["difference"] != 0)
        return (
            f"<Comparison {self.a.manifest.get('scenario')} vs {self.b.manifest.get('scenario')}:"
            f" {changed} of {len(self.metrics)} metrics differ, harmed only in B: "
            f"{self.harmed_only_in_b.size:,}, only in A: {self.harmed_only_in_a.size:,} "
            f"-> {self.out_dir}/>"
        )

    @property
    def identical(self) -> bool:
        """Whether no metric differs and nobody is harmed in one world only."""
        return (
            all(row["difference"] == 0 for row in self.metrics)
            and self.harmed_only_in_a.size == 0
            and self.harmed_only_in_b.size == 0
        )


def _numbers(data: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Numeric leaves of nested summary data as (dotted key, value)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _numbers(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield prefix, float(data)


def _run_mean(values: np.ndarray) -> float:
    """The mean over the days with a value; NaN, without a warning, when there are none.

    A kind with no actors has no score statistics; nobody may carry a further score.
    """
    known = values[~np.isnan(values)]
    return float(known.mean()) if known.size else float("nan")


def metric_rows(a: RunResult, b: RunResult) -> list[dict[str, Any]]:
    """Each time-series column (final day and mean over the run) and summary number."""
    rows = []
    ts_a, ts_b = a.model.timeseries(), b.model.timeseries()
    for column in ts_a:
        if column == "step" or column not in ts_b:
            continue
        for label, value_a, value_b in (
            ("final", ts_a[column][-1], ts_b[column][-1]),
            ("run_mean", _run_mean(ts_a[column]), _run_mean(ts_b[column])),
        ):
            if np.isnan(value_a) and np.isnan(value_b):
                continue
            rows.append(
                {
                    "metric": f"{column}.{label}",
                    "a": float(value_a),
                    "b": float(value_b),
                    "difference": float(value_b - value_a),
                }
            )
    summary_a = json.loads((a.out_dir / "summary.json").read_text(encoding="utf-8"))
    summary_b = json.loads((b.out_dir / "summary.json").read_text(encoding="utf-8"))
    values_b = dict(_numbers(summary_b))
    for key, value_a in _numbers(summary_a):
        if key in values_b and ".grade_transitions." not in f".{key}.":
            value_b = values_b[key]
            rows.append(
                {
                    "metric": f"summary.{key}",
                    "a": value_a,
                    "b": value_b,
                    "difference": value_b - value_a,
                }
            )
    return rows


def describe_change(overrides: dict[str, Any], max_chars: int = 60) -> str:
    """The overrides as ``key=value, key=value`` for a title (shortened past ``max_chars``)."""
    if not overrides:
        return "no change"
    text = ", ".join(f"{key}={json.dumps(value)}" for key, value in overrides.items())
    text = text.replace('"', "")
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _harmed(result: RunResult) -> np.ndarray:
    model = result.model
    return (model.harms.days_restricted > 0) | (model.world.lists.days_blacklisted(model.steps) > 0)


def _write_harmed(path: Path, actors: np.ndarray, a: RunResult, b: RunResult) -> None:
    world = a.model.world
    listed_a = a.model.world.lists.days_blacklisted(a.model.steps)
    listed_b = b.model.world.lists.days_blacklisted(b.model.steps)
    first_id = a.model.first_agent_id
    lines = ["id,kind,days_restricted_a,days_restricted_b,days_blacklisted_a,days_blacklisted_b"]
    for actor in actors.tolist():  # one line per harmed actor: output formatting, not a step
        kind = "firm" if actor >= world.n_citizens else "citizen"
        lines.append(
            f"{first_id + actor},{kind},"
            f"{a.model.harms.days_restricted[actor]},{b.model.harms.days_restricted[actor]},"
            f"{listed_a[actor]},{listed_b[actor]}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _refuse_a_seed_of_b_alone(overrides_b: dict[str, Any] | None) -> None:
    """Refuse a seed changed in world B only: twin worlds share one seed, so it would be lost.

    Raises:
        ScenarioError: naming ``run.seed`` and how to set the seed of both worlds.
    """
    for key, value in (overrides_b or {}).items():
        if key == "run.seed" or (key == "run" and isinstance(value, dict) and "seed" in value):
            both = argument("seed")
            raise ScenarioError.of(
                argument("overrides_b"),
                None,
                None,
                "run.seed",
                "twin worlds share one seed (common random numbers), so a seed for world B "
                f"alone would be ignored; set the seed of both with {both}"
                + ("" if both.startswith("-") else "=")
                + " (or compare two runs of one world with `score-sim run --seeds`)",
            )


def compare_scenarios(
    scenario_a: Scenario | str | Path,
    scenario_b: Scenario | str | Path | None = None,
    out_dir: Path | str | None = None,
    *,
    overrides_b: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    seed: int | None = None,
    steps: int | None = None,
    citizens: int | None = None,
    firms: int | None = None,
    overwrite: bool = False,
    figures: bool = True,
    progress: Callable[[int, int], None] | None = None,
    command_line: list[str] | None = None,
) -> Comparison:
    """Run world A and world B with common random numbers and compare them.

    Args:
        scenario_a: the first world (a Scenario, a file or a bundled name).
        scenario_b: the second world; default: A again, changed by ``overrides_b``.
        out_dir: output folder; default ``runs/compare-<A>-vs-<B>-<hash>/``.
        overrides_b: changes applied to B only (the rule change under study).
        overrides: changes applied to both worlds.
        seed: the seed of both worlds (default: A's ``run.seed``).
        steps: days to simulate in both worlds.
        citizens: citizens in both worlds.
        firms: firms in both worlds.
        overwrite: replace a non-empty ``out_dir``.
        figures: draw figures.
        progress: optional ``progress(day, total)`` callback, called for each world.
        command_line: recorded in both manifests.

    Raises:
        ScenarioError: bad scenarios or overrides, or worlds of different sizes.
    """
    sizes = {"steps": steps, "citizens": citizens, "firms": firms}
    _refuse_a_seed_of_b_alone(overrides_b)
    both_labels = dict.fromkeys(overrides or {}, argument("overrides", "--set-both"))
    b_labels = dict.fromkeys(overrides_b or {}, argument("overrides_b"))
    a = resolve_scenario(scenario_a, overrides, seed=seed, override_labels=both_labels, **sizes)
    common_seed = a.run.seed
    b = resolve_scenario(
        a if scenario_b is None else scenario_b,
        {**(overrides or {}), **(overrides_b or {})},
        seed=common_seed,
        override_labels={**both_labels, **b_labels},
        **sizes,
    )
    for key, value_a, value_b in (
        ("population.citizens", a.population.citizens, b.population.citizens),
        ("population.firms", a.population.firms, b.population.firms),
        ("run.steps", a.run.steps, b.run.steps),
    ):
        if value_a != value_b:
            option = argument(key.split(".")[1])
            raise ScenarioError.of(
                argument("overrides_b") if scenario_b is None else str(scenario_b),
                None,
                None,
                key,
                f"twin worlds need the same people and days: A has {value_a:,}, B has "
                f"{value_b:,} (pass {option}{'' if option.startswith('-') else '='} to set both)",
            )
    pair = f"{a.name}-vs-{b.name}" if a.name != b.name else a.name
    default = RUNS_DIR / f"compare-{pair}-{a.sha256()[:4]}{b.sha256()[:4]}"
    population = a.population
    check_population(
        population.citizens, population.firms, extra_bytes=max(map(activity_bytes, (a, b)))
    )
    claim = claim_output_folder(
        out_dir,
        default,
        overwrite=overwrite,
        option=argument("out_dir"),
        bytes_needed=2 * output_bytes(population.citizens + population.firms),
    )
    with claim:
        work = claim.work
        worlds = []
        for name, scenario in (("A", a), ("B", b)):
            model = ScoreModel(scenario, rng=common_seed).run(progress=progress)
            folder = work / name
            folder.mkdir()
            files, manifest = write_run_outputs(
                model,
                folder,
                figures=figures,
                manifest={
                    "world": name,
                    "command_line": list(sys.argv if command_line is None else command_line),
                },
            )
            worlds.append(RunResult(folder, model, manifest, tuple(files)))
        run_a, run_b = worlds
        rows = metric_rows(run_a, run_b)
        harmed_a, harmed_b = _harmed(run_a), _harmed(run_b)
        only_b = np.flatnonzero(harmed_b & ~harmed_a)
        only_a = np.flatnonzero(harmed_a & ~harmed_b)
        lines = ["metric,a,b,difference"]
        lines += [f"{r['metric']},{r['a']:.6g},{r['b']:.6g},{r['difference']:.6g}" for r in rows]
        written = [work / "comparison.csv", work / "harmed_only_in_b.csv"]
        written += [work / "harmed_only_in_a.csv", work / "comparison.json"]
        written[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
        _write_harmed(written[1], only_b, run_a, run_b)
        _write_harmed(written[2], only_a, run_a, run_b)
        report = {
            "a": a.name,
            "b": b.name,
            "seed": common_seed,
            "changes_in_b": {k: v for k, v in (overrides_b or {}).items()},
            "scenario_b_source": None if scenario_b is None else str(scenario_b),
            "metrics_that_differ": sum(1 for r in rows if r["difference"] != 0),
            "harmed_only_in_b": int(only_b.size),
            "harmed_only_in_a": int(only_a.size),
        }
        written[3].write_text(json.dumps(report, indent=2) + "\n", "utf-8")
        if figures:
            from score_sim.outputs.figures.saving import save_figure
            from score_sim.outputs.figures.twins import plot_comparison

            (work / "figures").mkdir()
            change = describe_change(overrides_b or {})
            if scenario_b is None:
                label_a, label_b = f"A: {a.name} as written", f"B: {change}"
                title = f"{a.name}: what changes with {change}"
            else:
                label_a, label_b = (
                    f"A: {a.name}",
                    f"B: {b.name}" + (f", {change}" if overrides_b else ""),
                )
                title = f"{a.name} (A) against {b.name}" + (f", {change}" if overrides_b else "")
            figure = plot_comparison(
                run_a.model.timeseries(),
                run_b.model.timeseries(),
                label_a,
                label_b,
                list(KEY_COLUMNS),
                f"twin worlds, seed {common_seed} · "
                f"{a.population.citizens:,} citizens, {a.population.firms:,} firms",
                title=title,
                policy_changes=_policy_changes(run_a.model, run_b.model),
            )
            written.append(work / "figures" / "comparison.png")
            save_figure(figure, written[-1])
        write_manifest(
            work,
            {
                "kind": "comparison",
                "a": a.name,
                "b": b.name,
                "seed": common_seed,
                "versions": versions(),
                "command_line": list(sys.argv if command_line is None else command_line),
            },
            [*written, *run_a.files, *run_b.files],
        )
        target = claim.commit()
    run_a = _moved(run_a, target / "A")
    run_b = _moved(run_b, target / "B")
    return Comparison(target, run_a, run_b, rows, only_b, only_a)


def _policy_changes(a: ScoreModel, b: ScoreModel) -> list[tuple[int, str]]:
    """The timeline entries either world reached, ``(day, note)``, saying which world's."""
    in_a = [(p.day, p.note) for p in a.applied_phases]
    in_b = [(p.day, p.note) for p in b.applied_phases]
    changes = [(day, note if (day, note) in in_b else f"{note} (A only)") for day, note in in_a]
    changes += [(day, f"{note} (B only)") for day, note in in_b if (day, note) not in in_a]
    return sorted(changes, key=lambda change: change[0])


def _moved(result: RunResult, out_dir: Path) -> RunResult:
    files = tuple(out_dir / f.relative_to(result.out_dir) for f in result.files)
    return RunResult(out_dir=out_dir, model=result.model, manifest=result.manifest, files=files)
