"""Local worker processes of a sweep: forked from a server that imported score-sim once.

Kept apart from :mod:`score_sim.experiments.sweep` and free of heavy imports, so that the
command line can start the server first thing (:func:`prepare_workers`), before it
imports anything else itself.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context

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
