"""Local worker processes of a sweep: forked from a server that imported score-sim once.

Kept apart from :mod:`score_sim.experiments.sweep` and free of heavy imports, so that the
command line can start the server first thing (:func:`prepare_workers`), before it
imports anything else itself.

A worker watches the sweep that started it (:func:`watch_parent`): when the sweep is gone
(``kill -9`` gives it no chance to stop its workers), the worker exits within a second, even
in the middle of a run; the fork server and the resource tracker then see their last user
gone and exit too, so nothing is left running.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import threading
import time

WORKER_PRELOAD = ["score_sim.experiments.sweep", "score_sim.model"]
"""What a local worker imports once, before its first run: the model and Mesa."""


def worker_context() -> multiprocessing.context.BaseContext:
    """How local workers start: forked from a server that has imported score-sim once."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(WORKER_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def prepare_workers() -> None:
    """Start the server that local workers are forked from, in the background, now.

    Its imports (the model, Mesa, numpy: about a second) then run beside the caller's own
    work (reading and checking the sweep file) instead of after it, so the first run starts
    about a second earlier. Nothing else happens until a pool asks it for workers; where
    there is no fork server (Windows, macOS's spawn-only builds) this does nothing.
    """
    context = worker_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


PARENT_CHECK_SECONDS = 0.5
"""How often a worker checks that the sweep that started it is still running."""
EXIT_PARENT_GONE = 3
"""A worker's exit status when it stopped because its sweep was gone."""


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), to tell it from a later one."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def parent_alive(pid: int, start: str | None) -> bool:
    """Whether process ``pid`` (started at ``start``, if known) is still running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return start is None or process_start(pid) in (None, start)


def watch_parent(pid: int, start: str | None, every: float = PARENT_CHECK_SECONDS) -> None:
    """In a worker: exit as soon as process ``pid`` (the sweep) has gone.

    Runs a daemon thread that checks every ``every`` seconds; the exit skips clean-up
    (there is no one left to report to), like a worker killed with its sweep.
    """

    def watch() -> None:
        while True:
            time.sleep(every)
            if not parent_alive(pid, start):
                os._exit(EXIT_PARENT_GONE)

    threading.Thread(target=watch, name="score-sim parent watch", daemon=True).start()
