"""Memory guard: refuse a population this machine cannot hold, before allocating it.

The estimate is per actor: the state arrays and a day's temporaries, plus the Mesa agent
object that views each actor. The figures were measured on CPython 3.11 with Mesa 3.3 (see
``benchmarks/``) and rounded up.
"""

from __future__ import annotations

import os

from score_sim.errors import Problem, ScenarioError

BYTES_PER_ACTOR_ARRAYS = 200
"""State arrays plus a day's temporaries, per actor (measured, rounded up)."""
BYTES_PER_AGENT_OBJECT = 700
"""One Mesa agent view with its registrations in the model's agent sets (measured)."""
BASE_BYTES = 150 * 2**20
"""Interpreter, numpy, Mesa and matplotlib loaded."""
USABLE_SHARE = 0.8
"""Share of the available memory a run may plan to use."""


def estimate_bytes(n_citizens: int, n_firms: int) -> int:
    """Estimated peak memory of a run with this population, in bytes."""
    n = n_citizens + n_firms
    return BASE_BYTES + n * (BYTES_PER_ACTOR_ARRAYS + BYTES_PER_AGENT_OBJECT)


def available_bytes() -> int | None:
    """Memory available to this process now, in bytes (None when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_population(n_citizens: int, n_firms: int, source: str = "<scenario>") -> None:
    """Refuse, with an estimate, a population too large for the memory available.

    Raises:
        ScenarioError: naming ``population.citizens`` with the estimate and what is free.
    """
    need = estimate_bytes(n_citizens, n_firms)
    have = available_bytes()
    if have is not None and need > USABLE_SHARE * have:
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    None,
                    "population.citizens",
                    f"{n_citizens:,} citizens and {n_firms:,} firms need about "
                    f"{need / 2**30:.1f} GiB of memory; this machine has "
                    f"{have / 2**30:.1f} GiB available (a run may use "
                    f"{USABLE_SHARE:.0%} of it)",
                )
            ]
        )
