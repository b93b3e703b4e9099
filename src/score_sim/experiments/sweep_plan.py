"""A validated sweep as runs: the seeds, the parameter sets and one task per run.

:func:`score_sim.experiments.spec.load_sweep` reads a sweep file into a :class:`SweepPlan`;
the plan hands each worker a :class:`RunTask`, small and pure, so that any process can do
it. Seeds come from one base seed by numpy's ``SeedSequence`` (:func:`derive_seeds`), so a
longer list extends a shorter one and every parameter set shares them (common random
numbers).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from score_sim.experiments.spec import SweepSpec
    from score_sim.scenario import Scenario


def derive_seeds(base_seed: int, count: int) -> tuple[int, ...]:
    """``count`` distinct seeds derived reproducibly from ``base_seed``.

    Seed ``i`` depends only on ``base_seed`` and ``i``, so a longer list extends a shorter
    one. Seeds fit in 32 bits to stay readable.
    """
    seeds: list[int] = []
    seen: set[int] = set()
    index = 0
    while len(seeds) < count:
        state = np.random.SeedSequence(base_seed, spawn_key=(index,)).generate_state(1)
        value = int(state[0])
        index += 1
        if value not in seen:  # a collision of 32-bit seeds: skip to the next index
            seen.add(value)
            seeds.append(value)
    return tuple(seeds)


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep: small and pure, so any worker process can do it."""

    run: int
    """Stable id: ``point * len(seeds) + seed_index``."""
    point: int
    """Index of the parameter set."""
    seed: int
    scenario: dict[str, Any]
    """The base scenario, resolved, as plain data (every run's common part)."""
    changes: tuple[tuple[str, Any], ...]
    """The parameter set: key path and value."""
    metrics: tuple[str, ...]
    keep_dir: str | None = None
    """Where to write the run's full outputs (``--keep-runs``), or None."""


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the base scenario, the parameter sets, the seeds, the metrics."""

    file: str
    spec: SweepSpec
    scenario: Scenario
    parameters: tuple[str, ...]
    """The varied key paths, in file order."""
    points: tuple[tuple[Any, ...], ...]
    """One tuple of values (in ``parameters`` order) per parameter set."""
    seeds: tuple[int, ...]
    metrics: tuple[str, ...]
    """What the sweep measures, as named in the sweep file."""
    columns: tuple[str, ...]
    """The result columns the metrics give (``name.final``, ``name.run_mean``, ``summary.*``)."""
    raw_sample: tuple[tuple[float, ...], ...] = field(default=())
    """For a sample: the sampler's values before integer parameters were rounded."""
    sample_seed: int | None = None
    """For a sample: the seed of SALib's sampler (and of its analyser's bootstrap)."""
    largest_run_bytes: int = 0
    """The memory guard's estimate of the largest run's peak, in bytes (0: not known)."""

    @property
    def n_runs(self) -> int:
        """Parameter sets times seeds."""
        return len(self.points) * len(self.seeds)

    def task(self, run: int, keep_root: Path | None = None) -> RunTask:
        """The task of run ``run``."""
        point, seed_index = divmod(run, len(self.seeds))
        return RunTask(
            run=run,
            point=point,
            seed=self.seeds[seed_index],
            scenario=self.scenario.to_data(),
            changes=tuple(zip(self.parameters, self.points[point], strict=True)),
            metrics=self.metrics,
            keep_dir=None if keep_root is None else str(keep_root / f"run-{run:06d}"),
        )

    def problem(self) -> dict[str, Any]:
        """The SALib problem of a sample (names and bounds)."""
        if self.spec.sample is None:
            raise ValueError("only a sample sweep has a SALib problem")
        ranges = self.spec.sample.ranges
        return {
            "num_vars": len(self.parameters),
            "names": list(self.parameters),
            "bounds": [list(ranges[k]) for k in self.parameters],
        }

    def record(self) -> dict[str, Any]:
        """What identifies this sweep: stored in ``sweep.json``, compared on resume."""
        return {
            "spec": self.spec.model_dump(mode="json", by_alias=True),
            "scenario_sha256": self.scenario.sha256(),
            "parameters": list(self.parameters),
            "seeds": list(self.seeds),
            "metrics": list(self.metrics),
            "columns": list(self.columns),
            "n_points": len(self.points),
            "n_runs": self.n_runs,
            **(
                {"sample_seed": self.sample_seed, "sample": [list(r) for r in self.raw_sample]}
                if self.spec.sample is not None
                else {}
            ),
        }

    def sha256(self) -> str:
        """A hash of :meth:`record`: two sweeps that would run the same runs share it."""
        text = json.dumps(self.record(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
