"""Many seeds of one scenario: every headline as a median and an interval, every curve a band.

One run is one draw of chance: "307 pariahs" could be 250 or 360 with another seed.
``run_seeds`` runs a scenario with ``n`` seeds, the scenario's own seed first and the others
derived from it reproducibly (:func:`derive_seeds`), and writes:

- ``seeds/seed-<S>/``: each run's full outputs (tables, summary, manifest; no figures);
- ``summary.json``: the runs' summaries with every number replaced by its median, 5th and
  95th percentile over the seeds (grade transitions are summed over the seeds);
- ``timeseries_bands.csv``: per day, each column's 5th percentile, median and 95th
  percentile over the seeds;
- ``figures/``: every time-series figure as the median with a shaded 5-95% band across
  seeds; cascades pooled over the seeds; the trajectories of the first seed; selection and
  feedback as medians with 5-95% whiskers;
- ``manifest.json``: the seeds, versions, times and every file's sha256.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from score_sim.errors import ScenarioError, argument
from score_sim.memory import activity_bytes, check_population
from score_sim.outputs.files import versions, write_manifest, write_run_outputs
from score_sim.outputs.folder import claim_output_folder, output_bytes
from score_sim.outputs.headlines import seeds_headlines
from score_sim.outputs.tables import write_csv
from score_sim.runner import RUNS_DIR, simulate
from score_sim.scenario import Scenario, resolve_scenario

MAX_SEEDS = 10_000


def derive_seeds(base_seed: int, n: int) -> list[int]:
    """``n`` seeds: ``base_seed`` itself, then ``n - 1`` derived from it reproducibly.

    The derived seeds are words of ``numpy.random.SeedSequence(base_seed)``'s state, below
    2**63 like every scenario seed, so the same base gives the same seeds on every machine.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    words = np.random.SeedSequence(base_seed).generate_state(max(n - 1, 0), dtype=np.uint64)
    return [base_seed, *[int(w % np.uint64(2**63)) for w in words]]


def spread(values: Sequence[float | None]) -> dict[str, float | int | None]:
    """Median, 5th and 95th percentile, minimum and maximum of one headline over seeds.

    Seeds where the headline is undefined (None or NaN) are left out and counted in ``n``.
    """
    finite = np.array([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if finite.size == 0:
        return {"median": None, "p05": None, "p95": None, "min": None, "max": None, "n": 0}
    p05, median, p95 = np.percentile(finite, [5.0, 50.0, 95.0])
    return {
        "median": round(float(median), 4),
        "p05": round(float(p05), 4),
        "p95": round(float(p95), 4),
        "min": round(float(finite.min()), 4),
        "max": round(float(finite.max()), 4),
        "n": int(finite.size),
    }


def merge_summaries(summaries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The seeds' summaries as one: each number becomes its :func:`spread` over seeds.

    Nested sections keep their shape; a string, and ``days``, keep the first seed's value;
    grade transition matrices are summed over the seeds.
    """
    first = summaries[0]
    out: dict[str, Any] = {}
    for key, value in first.items():
        others = [s.get(key) for s in summaries]
        if key == "grade_transitions" and isinstance(value, dict):
            out[key] = {
                k: (
                    np.sum([np.asarray(o[k]) for o in others], axis=0).tolist()
                    if k != "grades"
                    else v
                )
                for k, v in value.items()
            }
        elif isinstance(value, dict):
            out[key] = merge_summaries([o if isinstance(o, dict) else {} for o in others])
        elif isinstance(value, bool | str) or key == "days":
            out[key] = value  # the same in every seed
        elif value is None or isinstance(value, int | float):
            numbers = [o if isinstance(o, int | float) else None for o in others]
            out[key] = spread(numbers)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class EnsembleResult:
    """What a many-seed run produced."""

    out_dir: Path
    seeds: tuple[int, ...]
    summary: dict[str, Any]
    manifest: dict[str, Any]
    files: tuple[Path, ...]

    def __repr__(self) -> str:
        return (
            f"<EnsembleResult {self.manifest.get('scenario')}, {len(self.seeds)} seeds "
            f"-> {self.out_dir}/ ({len(self.files)} files)>"
        )


def _bands(series: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Each column as a 2-D array, one row per seed (``step`` stays one row)."""
    out = {"step": series[0]["step"]}
    for name in series[0]:
        if name != "step":
            out[name] = np.vstack([ts[name] for ts in series])
    return out


def write_band_table(path: Path, bands: dict[str, np.ndarray]) -> None:
    """Per day, each column's 5th percentile, median and 95th percentile over seeds."""
    columns: dict[str, np.ndarray] = {"step": bands["step"].astype(np.int64)}
    for name, values in bands.items():
        if name == "step":
            continue
        finite = np.isfinite(values).any(axis=0)
        low, mid, high = np.full((3, values.shape[1]), np.nan)
        if finite.any():
            low[finite], mid[finite], high[finite] = np.nanpercentile(
                values[:, finite], [5.0, 50.0, 95.0], axis=0
            )
        columns |= {f"{name}_p05": low, f"{name}_median": mid, f"{name}_p95": high}
    write_csv(path, columns)


def run_seeds(
    scenario: Scenario | str | Path,
    n_seeds: int,
    out_dir: Path | str | None = None,
    *,
    seed: int | None = None,
    steps: int | None = None,
    citizens: int | None = None,
    firms: int | None = None,
    overrides: dict[str, Any] | None = None,
    overwrite: bool = False,
    figures: bool = True,
    progress: Callable[[int, int], None] | None = None,
    command_line: Sequence[str] | None = None,
    decompose: bool | None = None,
) -> EnsembleResult:
    """Run a scenario with ``n_seeds`` seeds and write medians and bands across them.

    Args:
        scenario: a Scenario, a path to a YAML file or a bundled scenario's name.
        n_seeds: how many seeds (at least 1); the first is the scenario's seed.
        out_dir: output folder; default ``runs/<name>-<short hash>-seeds<N>/``.
        seed: the base seed (overrides ``run.seed``).
        steps: shorthand for ``run.steps``.
        citizens: shorthand for ``population.citizens``.
        firms: shorthand for ``population.firms``.
        overrides: further ``{"key.path": value}`` changes to the scenario.
        overwrite: replace a non-empty ``out_dir`` instead of refusing.
        figures: whether to draw the band figures.
        progress: optional ``progress(day, total)`` callback, called for each seed.
        command_line: recorded in the manifests (default ``sys.argv``).
        decompose: as for :func:`score_sim.runner.run_scenario`, for each seed.

    Raises:
        ScenarioError: bad scenario, override, output folder or number of seeds.
    """
    started = time.perf_counter()
    start_time = datetime.now(UTC).isoformat(timespec="seconds")
    if not 1 <= n_seeds <= MAX_SEEDS:
        name = argument("n_seeds", "--seeds")
        raise ScenarioError.of(name, None, None, name, f"must be 1 to {MAX_SEEDS:,}")
    base = resolve_scenario(
        scenario, overrides, seed=seed, steps=steps, citizens=citizens, firms=firms
    )
    seeds = derive_seeds(base.run.seed, n_seeds)
    population = base.population
    check_population(population.citizens, population.firms, extra_bytes=activity_bytes(base))
    claim = claim_output_folder(
        out_dir,
        RUNS_DIR / f"{base.name}-{base.sha256()[:8]}-seeds{n_seeds}",
        overwrite=overwrite,
        option=argument("out_dir"),
        bytes_needed=n_seeds * output_bytes(population.citizens + population.firms),
    )
    with claim:
        work = claim.work
        series, summaries, cascades, seed_files = [], [], [], []
        trajectories = context = None
        for run_seed in seeds:
            model, twin = simulate(
                resolve_scenario(base, seed=run_seed), progress=progress, decompose=decompose
            )
            folder = work / "seeds" / f"seed-{run_seed}"
            folder.mkdir(parents=True)
            files, _ = write_run_outputs(
                model,
                folder,
                figures=False,
                twin=twin,
                manifest={"command_line": list(sys.argv if command_line is None else command_line)},
            )
            seed_files += files
            series.append(model.timeseries())
            summaries.append(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
            cascades.append(model.sanctions.cascades.copy())
            if trajectories is None:
                from score_sim.outputs.figures.base import FigureContext

                trajectories = model.trajectories()
                context = replace(FigureContext.of_model(model), seeds=tuple(seeds))
            del model, twin
        summary = {
            "seeds": seeds,
            "interval": "each number: median, 5th and 95th percentile (p05, p95), min and max "
            "over the seeds; n: seeds where it is defined",
            **merge_summaries(summaries),
            # each headline's median and interval over the seeds, not the first seed's
            "headlines": seeds_headlines(base, summaries, spread),
        }
        files = [work / "summary.json", work / "timeseries_bands.csv"]
        files[0].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        bands = _bands(series)
        write_band_table(files[1], bands)
        if figures:
            from score_sim.outputs.figures.jobs import figure_jobs, harm_figure_jobs
            from score_sim.outputs.figures.saving import save_figures
            from score_sim.outputs.figures.systems import system_figure_jobs

            assert context is not None
            jobs = figure_jobs(
                bands,
                context,
                work / "figures",
                summary["pariah_spiral"]["grade_transitions"],
            )
            figure_summary = dict(summary)
            if "selection_vs_feedback" in summaries[0]:
                # whiskers from every seed's value, not from the summarised spread
                figure_summary["selection_vs_feedback"] = {
                    kind: {
                        key: [s["selection_vs_feedback"][kind][key] for s in summaries]
                        for key in parts
                    }
                    for kind, parts in summaries[0]["selection_vs_feedback"].items()
                    if isinstance(parts, dict)
                }
            jobs += harm_figure_jobs(
                bands,
                np.concatenate(cascades),
                figure_summary,
                context,
                work / "figures",
                trajectories,
            )
            from score_sim.outputs.figures.records import record_figure_jobs

            jobs += record_figure_jobs(bands, context, work / "figures")
            jobs += system_figure_jobs(bands, context, work / "figures", base)
            files += save_figures(jobs)
        manifest_path = write_manifest(
            work,
            {
                "kind": "seeds",
                "scenario": base.name,
                "scenario_source": None if isinstance(scenario, Scenario) else str(scenario),
                "scenario_sha256": base.sha256(),
                "seeds": seeds,
                "steps": base.run.steps,
                "versions": versions(),
                "command_line": list(sys.argv if command_line is None else command_line),
                "start_time": start_time,
                "wall_time_s": round(time.perf_counter() - started, 3),
                "resolved_scenario": base.to_data(),
            },
            [*files, *seed_files],
        )
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        target = claim.commit()
    written = tuple(target / f.relative_to(work) for f in [*files, manifest_path])
    return EnsembleResult(target, tuple(seeds), summary, manifest, written)
