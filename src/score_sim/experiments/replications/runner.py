"""Many runs of (scenario, seed, overrides), each measured, in local worker processes.

A replication is a set of :class:`Job` s: one scenario, run with one seed and one set of
changes (an arm of the experiment, a point of a sweep), then measured by a function that
turns the finished model into a row of numbers. :func:`run_jobs` runs them in worker
processes on this machine (each imports score-sim once: the fork server of
:mod:`score_sim.experiments.workers`), or here, one after the other, with one worker.
Each row is the job's labels, its seed and its measures; rows come back in the jobs'
order, whatever the order in which they finished, so the same jobs give the same rows.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from score_sim.experiments.workers import worker_context

if TYPE_CHECKING:
    from score_sim.model import ScoreModel
    from score_sim.scenario import Scenario

Measure = Callable[["ScoreModel"], dict[str, Any] | list[dict[str, Any]]]
"""Turns a finished run into its measures (names to numbers): one row, or several (the
arms a run measures, such as a world and its twin)."""


@dataclass(frozen=True)
class Job:
    """One run of a replication: a scenario, a seed, changes, and what to measure."""

    scenario: Scenario
    seed: int
    measure: Measure
    """A module-level function (it is sent to a worker process by name)."""
    overrides: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    """What the run is (its arm, its parameter value), copied into its row first."""


def run_job(job: Job) -> tuple[list[dict[str, Any]], float]:
    """Run one job: its rows (each its labels, its seed, then its measures) and CPU seconds."""
    from score_sim.agents import release_agent_ids
    from score_sim.model import ScoreModel

    started = time.process_time()
    model = ScoreModel(job.scenario, rng=job.seed, **job.overrides).run()
    try:
        measured = job.measure(model)
    finally:
        release_agent_ids(model)  # a worker runs many models: let each go
    parts = measured if isinstance(measured, list) else [measured]
    rows = [{**job.labels, "seed": job.seed, **part} for part in parts]
    return rows, time.process_time() - started


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C to the parent, which stops the replication."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def usable_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def run_jobs(
    jobs: Sequence[Job],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cpu_seconds: list[float] | None = None,
) -> list[dict[str, Any]]:
    """Run every job and return their rows in the jobs' order (a job may give several).

    Args:
        jobs: the runs.
        workers: worker processes [default: the usable cores]; 1 runs every job here.
        progress: called as ``progress(done, total)`` after each job (and once at 0).
        cpu_seconds: if given, each job's CPU seconds are appended to it, in job order
            (kept out of the rows, which are the same bytes whatever the machine).
    """
    total = len(jobs)
    workers = max(1, min(workers or usable_cores(), total or 1))
    if progress is not None:
        progress(0, total)
    results: list[tuple[list[dict[str, Any]], float]] = [([], 0.0)] * total
    if workers == 1:
        for index, job in enumerate(jobs):
            results[index] = run_job(job)
            if progress is not None:
                progress(index + 1, total)
        return _collected(results, cpu_seconds)
    pool = cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=worker_context(), initializer=_ignore_interrupts
    )
    finished = False
    try:
        futures = {pool.submit(run_job, job): index for index, job in enumerate(jobs)}
        for done, future in enumerate(cf.as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(done, total)
        finished = True
    finally:
        pool.shutdown(wait=finished, cancel_futures=not finished)
    return _collected(results, cpu_seconds)


def _collected(
    results: list[tuple[list[dict[str, Any]], float]], cpu_seconds: list[float] | None
) -> list[dict[str, Any]]:
    """The jobs' rows in order, their CPU seconds added to ``cpu_seconds``."""
    if cpu_seconds is not None:
        cpu_seconds.extend(cpu for _, cpu in results)
    return [row for rows, _ in results for row in rows]


class JobProgress:
    """A one-line progress bar on stderr: runs done, time left.

    Shown only when stderr is a terminal and ``CI`` is not set to true.
    """

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty() and os.environ.get("CI", "").lower() not in (
            "1",
            "true",
        )
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` runs are finished."""
        if not self.enabled or total <= 0:
            return
        elapsed = time.perf_counter() - self.started
        left = elapsed / done * (total - done) if done else math.nan
        width = 30
        bar = "#" * (width * done // total) + "." * (width - width * done // total)
        eta = f"{left:4.0f} s left" if math.isfinite(left) else " ... s left"
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} runs  {eta}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
