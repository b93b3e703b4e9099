"""Drawing figures into PNG files: side by side on Linux, the same bytes every time.

For the commands that write a run's folder (``score-sim run``, ``compare``, ``--seeds``)
and for the benchmarks that time them. A figure to draw is a :data:`FigureJob`, the file to
write and the function that draws it; :func:`save_figures` draws a list of them, in forked
processes beside this one, one per usable core, and :func:`save_figure` writes one figure.
PNGs are saved under matplotlib's default style without a ``Software`` tag at a fixed dpi,
so a figure gives byte-identical files however many processes drew it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from score_sim.outputs.figures.base import DPI, default_style

FigureJob = tuple[Path, Callable[[], Figure]]
"""A figure to draw: the file to write and the function that draws it."""


DRAW_COST = {
    "trajectories.png": 3.0,
    "pariahs.png": 2.0,
    "grade_shares.png": 2.0,
    "list_sizes.png": 1.5,
    "score_distribution.png": 1.5,
    "cascades.png": 1.5,
}
"""Rough relative cost of drawing each figure (others 1), measured at city scale: the
costliest are drawn first, so that the processes drawing in parallel end close together.
It orders the work only; no file depends on it."""


def default_workers(n_jobs: int) -> int:
    """How many processes draw ``n_jobs`` figures: one per usable core, at most one a figure.

    Drawing is single-threaded, so each usable core (``os.sched_getaffinity``, which
    respects a container's or ``taskset``'s limits) can draw a figure of its own. Only on
    Linux (figures are drawn in forked processes there); never inside a daemonic worker
    process (a sweep's or a pool's: those already fill the cores); and never while other
    threads run (a web app's, say): a forked child could inherit a lock one of them holds,
    which nobody would release.
    """
    if (
        not sys.platform.startswith("linux")
        or multiprocessing.current_process().daemon
        or threading.active_count() > 1
    ):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_jobs))


def _draw_order(jobs: Sequence[FigureJob]) -> list[int]:
    """The jobs' indices, costliest first (ties in the given order)."""
    return sorted(range(len(jobs)), key=lambda i: -DRAW_COST.get(jobs[i][0].name, 1.0))


def _draw_from_queue(jobs: Sequence[FigureJob], order: Sequence[int], counter: Any) -> None:
    """Draw and save jobs, taking the next one from a counter shared by every process."""
    while True:
        with counter.get_lock():
            taken = counter.value
            counter.value = taken + 1
        if taken >= len(order):
            return
        path, make = jobs[order[taken]]
        save_figure(make(), path)


def _fork_drawer(jobs: Sequence[FigureJob], order: Sequence[int], counter: Any) -> tuple[int, int]:
    """Fork a process that draws from the shared queue; return its pid and error pipe.

    The child writes a traceback to the pipe if a figure fails and leaves with
    ``os._exit``, so nothing of the parent (atexit handlers, buffered output) runs twice.
    Objects that exist before the fork are frozen out of the garbage collector's view
    meanwhile: a collection in the child would otherwise touch, and so copy, every page
    of the parent's objects.
    """
    read_end, write_end = os.pipe()
    gc.freeze()
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, measured by the parent's tests
        code = 1
        try:
            os.close(read_end)
            _draw_from_queue(jobs, order, counter)
            code = 0
        except BaseException:
            with suppress(BaseException):
                os.write(write_end, traceback.format_exc().encode("utf-8", "replace"))
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(write_end)
    return pid, read_end


def _wait_drawer(pid: int, read_end: int, *, stop: bool) -> str | None:
    """Wait for a forked drawer (killed first if ``stop``); return its error, if any.

    A drawer is stopped with SIGKILL: it inherits this process's signal handlers, and the
    command line's only note a signal for later.
    """
    try:
        if stop:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with os.fdopen(read_end, "rb") as pipe:
            error = pipe.read().decode("utf-8", "replace")
        _, status = os.waitpid(pid, 0)
    except BaseException:
        with suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    if stop or os.waitstatus_to_exitcode(status) == 0:
        return None
    return error or f"figure process {pid} ended with status {status}"


def save_figures(jobs: Sequence[FigureJob], workers: int | None = None) -> list[Path]:
    """Draw and save figures, here and, on Linux, in forked processes beside this one.

    Drawing a figure is single-threaded Python in matplotlib, nearly all of it a fixed cost
    of axes, ticks and text, so figures are drawn side by side, one process per usable core
    (:func:`default_workers`). This process draws too; the others are forked once the jobs
    are known, so they share the run's arrays without copying them or pickling anything,
    and every process takes the next figure, costliest first (:data:`DRAW_COST`), from a
    shared counter until none is left. Each file is the same, byte for byte, however many
    processes drew it.

    Args:
        jobs: (path, drawing function) pairs; parent folders are created.
        workers: how many processes draw (this one included); default
            :func:`default_workers`. 1 draws everything here, in the order of ``jobs``.

    Returns:
        The paths, in the order of ``jobs``.

    Raises:
        RuntimeError: when a figure failed in a forked process (its traceback included).
    """
    for path, _ in jobs:
        path.parent.mkdir(parents=True, exist_ok=True)
    workers = default_workers(len(jobs)) if workers is None else min(max(workers, 1), len(jobs))
    if workers <= 1 or not sys.platform.startswith("linux"):
        for path, make in jobs:
            save_figure(make(), path)
        return [path for path, _ in jobs]
    order = _draw_order(jobs)
    counter = multiprocessing.get_context("fork").Value("i", 0)
    drawers: list[tuple[int, int]] = []
    failed: list[str] = []
    try:
        for _ in range(workers - 1):
            drawers.append(_fork_drawer(jobs, order, counter))
        _draw_from_queue(jobs, order, counter)
    except BaseException:
        for pid, read_end in drawers:
            _wait_drawer(pid, read_end, stop=True)
        raise
    for pid, read_end in drawers:
        error = _wait_drawer(pid, read_end, stop=False)
        if error is not None:
            failed.append(error)
    if failed:
        raise RuntimeError("drawing a figure failed in a forked process:\n" + failed[0])
    return [path for path, _ in jobs]


def save_figure(fig: Figure, path: Path) -> None:
    """Write a figure as PNG, byte-for-byte the same for the same figure."""
    with default_style():
        fig.savefig(
            path,
            dpi=DPI,
            format="png",
            metadata={"Software": None},
            pil_kwargs={"compress_level": 1},  # fast; files about a third larger
        )
