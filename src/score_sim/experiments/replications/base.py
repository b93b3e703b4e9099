"""What every replication shares: its definition, its claims, and the folder it writes.

A :class:`Replication` names a published result, the bundled scenario that reproduces it,
how the runs are laid out (:class:`~score_sim.experiments.replications.runner.Job` s over
seeds and arms or parameter values), how the rows are read into :class:`Claim` s (the
published finding beside ours, with a 5-95% interval over seeds, and whether it holds),
the figure, and how our model differs from the original. :func:`replicate` runs one and
writes its folder:

- ``replication.csv``: one row per run (arm or parameter value, and seed) with what it
  measured;
- ``replication.json``: the source, the published finding in words and numbers, ours with
  intervals, which numbers come from the paper and which are ours, and the differences
  from the original model;
- ``<name>.png``: the figure;
- ``manifest.json``: versions, seeds, times and every file's sha256.

The folder is claimed before any run and written all at once, as every score-sim output
is (:mod:`score_sim.outputs.folder`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.errors import ScenarioError, argument
from score_sim.experiments.ensemble import derive_seeds, spread
from score_sim.experiments.replications.runner import Job, run_jobs
from score_sim.outputs.files import versions, write_manifest
from score_sim.outputs.folder import claim_output_folder
from score_sim.outputs.tables import write_csv
from score_sim.runner import RUNS_DIR
from score_sim.scenario import Level, Scenario, load_scenario
from score_sim.scenario.ledger import ledger

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_SEEDS = 1_000
"""Most seeds a replication runs."""


@dataclass(frozen=True)
class Size:
    """How large a version of a replication is: its city, its days and its seeds."""

    citizens: int
    steps: int
    seeds: int
    firms: int = 0


@dataclass(frozen=True)
class Claim:
    """One part of a published finding, beside ours.

    Attributes:
        key: a short name (``amplification``).
        what: what is measured, in words.
        published: the published finding for it, in words with its numbers.
        ours: our value's median, 5th and 95th percentile over seeds (``spread``).
        holds: whether ours reproduces it, by ``criterion``.
        criterion: how that is judged, with the count it rests on.
    """

    key: str
    what: str
    published: str
    ours: dict[str, Any]
    holds: bool
    criterion: str


@dataclass(frozen=True)
class Outcome:
    """What the rows of a replication show: its claims, and numbers for the figure."""

    claims: list[Claim]
    curves: dict[str, Any] = field(default_factory=dict)
    """Numbers behind the figure (per arm or parameter value), also kept in the JSON."""


@dataclass(frozen=True)
class Replication:
    """A published result and how score-sim reproduces it."""

    name: str
    title: str
    citation: str
    scenario: str
    """The bundled scenario it runs."""
    finding: str
    """The published finding, in words."""
    published_numbers: dict[str, Any]
    """The published finding's numbers (parameters and results), by name."""
    differences: tuple[str, ...]
    """How our model differs from the original, one sentence each."""
    quick: Size
    full: Size
    jobs: Callable[[Scenario, Sequence[int], bool], list[Job]]
    """The runs, from the scenario at its size, the seeds, and whether it is the quick
    version."""
    analyse: Callable[[list[dict[str, Any]]], Outcome]
    figure: Callable[[list[dict[str, Any]], Outcome, str], Figure]
    """Draws the figure from the rows and the outcome, under a caption line."""

    @property
    def authors(self) -> str:
        """The citation's authors and year (``Lum, Swarup, Eubank & Hawdon (2014)``)."""
        return self.citation.split("), ")[0] + ")"


@dataclass(frozen=True)
class ReplicationResult:
    """A finished replication: its folder, rows, outcome and files."""

    replication: Replication
    out_dir: Path
    seeds: tuple[int, ...]
    quick: bool
    rows: list[dict[str, Any]]
    outcome: Outcome
    files: tuple[Path, ...]
    wall_time_s: float
    runs_cpu_s: float = 0.0
    """CPU seconds the runs took, in whichever processes ran them."""

    @property
    def figure(self) -> Path:
        """The figure's file."""
        return self.out_dir / f"{self.replication.name}.png"


def interval(values: Sequence[float | None]) -> dict[str, Any]:
    """Median, 5th and 95th percentile (and min, max, n) of a measure over seeds."""
    return spread(list(values))


def share_holding(flags: Sequence[bool]) -> tuple[int, int]:
    """How many of the seeds' flags hold, and how many there are."""
    return int(sum(bool(f) for f in flags)), len(flags)


def resolve(replication: Replication, quick: bool) -> tuple[Scenario, Size]:
    """The replication's scenario at the size of its quick or full version."""
    size = replication.quick if quick else replication.full
    scenario = load_scenario(
        replication.scenario,
        {
            "population.citizens": size.citizens,
            "population.firms": size.firms,
            "run.steps": size.steps,
        },
    )
    return scenario, size


def _columns(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Rows as columns for ``replication.csv`` (the first row's keys, in order)."""
    columns: dict[str, np.ndarray] = {}
    for key in rows[0]:
        values = [row.get(key) for row in rows]
        if all(isinstance(v, bool) for v in values):
            columns[key] = np.array(["true" if v else "false" for v in values], dtype=object)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            columns[key] = np.array(values, dtype=np.int64)
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            columns[key] = np.array(values, dtype=np.float64)
        else:
            columns[key] = np.array(["" if v is None else str(v) for v in values], dtype=object)
    return columns


def evidence(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """The scenario's numbers split by who stands behind them: a source, or ours.

    Returns:
        ``documented`` (cited from the paper or another source, with the citation) and
        ``ours`` (assumptions, derived and calibrated numbers of this scenario; those at
        zero, which switch their part of the regime off, are left out).
    """
    out: dict[str, list[dict[str, Any]]] = {"documented": [], "ours": []}
    for row in ledger(scenario):
        entry = {"key": row.key, "value": row.value, "level": row.level.value}
        if row.level is Level.documented:
            out["documented"].append({**entry, "source": row.source})
        elif row.value != 0:
            out["ours"].append({**entry, **({"why": row.source} if row.source else {})})
    return out


def report(
    replication: Replication,
    scenario: Scenario,
    outcome: Outcome,
    seeds: Sequence[int],
    quick: bool,
) -> dict[str, Any]:
    """The content of ``replication.json``."""
    held = sum(claim.holds for claim in outcome.claims)
    return {
        "replication": replication.name,
        "title": replication.title,
        "source": replication.citation,
        "scenario": scenario.name,
        "version": "quick" if quick else "full",
        "citizens": scenario.population.citizens,
        "days": scenario.run.steps,
        "seeds": list(seeds),
        "interval": "ours: median, 5th and 95th percentile (p05, p95), min and max over the "
        "seeds; n: seeds where it is defined",
        "published_finding": {
            "words": replication.finding,
            "numbers": replication.published_numbers,
        },
        "ours": [asdict(claim) for claim in outcome.claims],
        "reproduced": f"{held} of {len(outcome.claims)} parts of the finding hold",
        "curves": outcome.curves,
        "differences_from_the_original": list(replication.differences),
        "numbers": evidence(scenario),
    }


def replicate(
    replication: Replication,
    *,
    seeds: int | None = None,
    quick: bool = False,
    out_dir: Path | str | None = None,
    workers: int | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
    command_line: Sequence[str] | None = None,
) -> ReplicationResult:
    """Run a replication and write its folder.

    Args:
        replication: which one (see :data:`score_sim.experiments.replications.REPLICATIONS`).
        seeds: how many seeds [default: the version's own].
        quick: the small version (a smaller city, fewer days and seeds), for a first look
            and for tests.
        out_dir: the folder [default: ``runs/replicate-<name>[-quick]``, or ``-2``...].
        workers: worker processes [default: the usable cores]; 1 runs everything here.
        overwrite: replace an earlier score-sim output in ``out_dir``.
        progress: called as ``progress(done, total)`` as runs finish.
        command_line: recorded in the manifest (default ``sys.argv``).

    Raises:
        ScenarioError: a bad number of seeds or workers, or an unusable folder.
    """
    started = time.perf_counter()
    start_time = datetime.now(UTC).isoformat(timespec="seconds")
    scenario, size = resolve(replication, quick)
    n_seeds = size.seeds if seeds is None else seeds
    if not 1 <= n_seeds <= MAX_SEEDS:
        name = argument("seeds", "--seeds")
        raise ScenarioError.of(name, None, None, "", f"must be 1 to {MAX_SEEDS:,}")
    if workers is not None and workers < 1:
        name = argument("workers", "--workers")
        raise ScenarioError.of(name, None, None, "", "needs at least 1 worker")
    seed_list = derive_seeds(scenario.run.seed, n_seeds)
    default = RUNS_DIR / f"replicate-{replication.name}{'-quick' if quick else ''}"
    claim = claim_output_folder(
        out_dir, default, overwrite=overwrite, option=argument("out_dir"), bytes_needed=2**20
    )
    with claim:
        work = claim.work
        cpu: list[float] = []
        rows = run_jobs(replication.jobs(scenario, seed_list, quick), workers, progress, cpu)
        outcome = replication.analyse(rows)
        files = [
            work / "replication.csv",
            work / "replication.json",
            work / f"{replication.name}.png",
        ]
        write_csv(files[0], _columns(rows))
        data = report(replication, scenario, outcome, seed_list, quick)
        files[1].write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        from score_sim.outputs.figures.saving import save_figure

        caption = (
            f"{scenario.name} · {scenario.population.citizens:,} citizens, "
            f"{scenario.run.steps:,} days · {n_seeds} seeds · "
            f"{'quick' if quick else 'full'} version"
        )
        save_figure(replication.figure(rows, outcome, caption), files[2])
        wall = round(time.perf_counter() - started, 3)
        write_manifest(
            work,
            {
                "kind": "replication",
                "replication": replication.name,
                "scenario": scenario.name,
                "scenario_sha256": scenario.sha256(),
                "seeds": seed_list,
                "version": "quick" if quick else "full",
                "versions": versions(),
                "command_line": list(sys.argv if command_line is None else command_line),
                "start_time": start_time,
                "wall_time_s": wall,
                "runs_cpu_s": round(sum(cpu), 3),
                "runs": len(cpu),
                "resolved_scenario": scenario.to_data(),
            },
            files,
        )
        target = claim.commit()
    written = tuple(target / f.relative_to(work) for f in files)
    return ReplicationResult(
        replication, target, tuple(seed_list), quick, rows, outcome, written, wall, sum(cpu)
    )


def number(value: Any) -> str:
    """A number as a reader wants it: 3 significant figures, or a dash when undefined."""
    if value is None:
        return "-"
    return f"{value:.3g}"


def side_by_side(result: ReplicationResult) -> list[str]:
    """The published finding and ours, line by line, for the terminal."""
    rep = result.replication
    lines = [
        f"{rep.title}: {rep.citation}",
        f"published: {rep.finding}",
        f"ours: {len(result.seeds)} seeds, median [5%, 95%] over seeds"
        f" ({'quick' if result.quick else 'full'} version)",
    ]
    width = max(len(claim.what) for claim in result.outcome.claims)
    for claim in result.outcome.claims:
        ours = claim.ours
        value = f"{number(ours['median'])} [{number(ours['p05'])}, {number(ours['p95'])}]"
        mark = "holds" if claim.holds else "does not hold"
        lines.append(f"  {claim.what:<{width}}  published: {claim.published}")
        lines.append(f"  {'':<{width}}  ours:      {value} - {mark}: {claim.criterion}")
    held = sum(claim.holds for claim in result.outcome.claims)
    lines.append(f"reproduced: {held} of {len(result.outcome.claims)} parts of the finding hold")
    lines.append("differs from the original:")
    lines += [f"  - {difference}" for difference in rep.differences]
    return lines
