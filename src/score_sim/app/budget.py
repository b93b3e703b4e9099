"""Memory budgets of the app's server: one tab cannot take the server down.

A classroom shares one server. Every tab's city (and its twin) is sized before it is built
(:func:`city_bytes`, the memory guard's estimate without the interpreter the server already
holds) and reserved against two budgets: one per tab and one for the whole server. A city
over either is refused with a sentence for the page, and the server and the other tabs keep
going. A tab left idle for long gives its memory back (:meth:`Budget.free_idle`); its city is
built again when its user presses Reset.

The budgets are set when the app starts (``score-sim app --session-memory MIB
--server-memory MIB --idle-minutes N``, handed to the server process in the environment);
by default the whole server may use :data:`~score_sim.memory.USABLE_SHARE` of the memory
available when it starts, and one tab at most :data:`DEFAULT_SESSION_BYTES` of it.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from score_sim import memory

if TYPE_CHECKING:
    from score_sim.scenario import Scenario

SESSION_ENVIRONMENT = "SCORE_SIM_APP_SESSION_MIB"
SERVER_ENVIRONMENT = "SCORE_SIM_APP_SERVER_MIB"
IDLE_ENVIRONMENT = "SCORE_SIM_APP_IDLE_MINUTES"

DEFAULT_SESSION_BYTES = 1 * 2**30
"""Most memory one tab's cities may hold by default (a million citizens and a twin fit)."""
DEFAULT_IDLE_SECONDS = 20 * 60.0
"""A tab idle this long gives its memory back."""
REAP_EVERY_SECONDS = 60.0
"""How often idle tabs are looked for."""
MIB = 2**20


def city_bytes(scenario: Scenario) -> int:
    """Memory one city of ``scenario`` needs besides the interpreter and its libraries."""
    population = scenario.population
    return (
        memory.estimate_bytes(population.citizens, population.firms)
        - memory.BASE_BYTES
        + memory.activity_bytes(scenario)
    )


class Holder(Protocol):
    """What holds memory under a budget: a tab's session, which can give it back."""

    def free(self, reason: str) -> None:
        """Drop the city (the budget has released its reservation already)."""


@dataclass
class Budget:
    """The memory the tabs of one server may hold, each and together.

    Attributes:
        session_bytes: most one tab may hold (its city and twin).
        server_bytes: most all tabs together may hold.
        idle_seconds: a tab idle this long is freed by :meth:`free_idle`.
    """

    session_bytes: int
    server_bytes: int
    idle_seconds: float = DEFAULT_IDLE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _held: dict[int, int] = field(default_factory=dict, repr=False)
    _holders: dict[int, weakref.ref] = field(default_factory=dict, repr=False)
    _active: dict[int, float] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def held(self) -> int:
        """Bytes reserved by every tab together."""
        with self._lock:
            return sum(self._held.values())

    def holders(self) -> int:
        """Tabs holding memory now."""
        with self._lock:
            return len(self._held)

    def reserve(self, holder: Holder, need: int) -> str | None:
        """Reserve ``need`` bytes for ``holder``'s city, in place of what it held before.

        Returns:
            None when reserved; otherwise why not, in a sentence for the page (the holder
            keeps what it held).
        """
        key = id(holder)
        if need > self.session_bytes:
            return (
                f"this city needs about {_mib(need)} of memory; one tab of this app may use "
                f"{_mib(self.session_bytes)}. Choose fewer citizens or firms, or fewer days"
            )
        with self._lock:
            others = sum(v for k, v in self._held.items() if k != key)
            if others + need > self.server_bytes:
                tabs = len(self._held) - (key in self._held)
                return (
                    f"this city needs about {_mib(need)} of memory, and the server has "
                    f"{_mib(max(0, self.server_bytes - others))} left of the "
                    f"{_mib(self.server_bytes)} all tabs may use ({tabs} other "
                    f"tab{'s' if tabs != 1 else ''} hold the rest). Choose a smaller city, "
                    "or try again when other tabs are closed"
                )
            if key not in self._holders:
                self._holders[key] = weakref.ref(holder, lambda _, key=key: self._forget(key))
            self._held[key] = need
            self._active[key] = self.clock()
        return None

    def touch(self, holder: Holder) -> None:
        """Note that ``holder`` was used now (it is not idle)."""
        with self._lock:
            if id(holder) in self._held:
                self._active[id(holder)] = self.clock()

    def release(self, holder: Holder) -> None:
        """Give back everything ``holder`` reserved."""
        self._forget(id(holder))

    def _forget(self, key: int) -> None:
        with self._lock:
            self._held.pop(key, None)
            self._holders.pop(key, None)
            self._active.pop(key, None)

    def free_idle(self, now: float | None = None) -> int:
        """Free every tab idle for :attr:`idle_seconds` or more; returns how many."""
        now = self.clock() if now is None else now
        with self._lock:
            idle = [
                (key, self._holders[key])
                for key, last in self._active.items()
                if now - last >= self.idle_seconds and key in self._holders
            ]
        freed = 0
        minutes = self.idle_seconds / 60
        for key, reference in idle:
            holder = reference()
            self._forget(key)
            if holder is not None:
                holder.free(
                    f"this tab's city was freed after {minutes:g} minutes without use, to "
                    "leave room for other tabs: press Reset to build it again"
                )
                freed += 1
        return freed


def _mib(n: int) -> str:
    return f"{n / MIB:,.0f} MiB"


def _environment_bytes(name: str) -> int | None:
    text = os.environ.get(name, "")
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value * MIB) if value > 0 else None


def default_budget() -> Budget:
    """A budget from the environment ``score-sim app`` sets, else from the memory free now."""
    available = memory.available_bytes()
    server = _environment_bytes(SERVER_ENVIRONMENT)
    if server is None:
        usable = memory.USABLE_SHARE * available if available is not None else 8 * 2**30
        server = max(int(usable) - memory.BASE_BYTES, 64 * MIB)
    session = _environment_bytes(SESSION_ENVIRONMENT) or min(DEFAULT_SESSION_BYTES, server)
    try:
        idle = float(os.environ.get(IDLE_ENVIRONMENT, "")) * 60
    except ValueError:
        idle = DEFAULT_IDLE_SECONDS
    if not idle > 0:
        idle = DEFAULT_IDLE_SECONDS
    return Budget(session_bytes=min(session, server), server_bytes=server, idle_seconds=idle)


_budget: Budget | None = None
_budget_lock = threading.Lock()
_reaper: threading.Thread | None = None


def current_budget() -> Budget:
    """The server's budget (made on first use), with its idle-tab reaper running."""
    global _budget, _reaper
    with _budget_lock:
        if _budget is None:
            _budget = default_budget()
        if _reaper is None or not _reaper.is_alive():
            _reaper = threading.Thread(target=_reap, name="score-sim idle tabs", daemon=True)
            _reaper.start()
        return _budget


def set_budget(budget: Budget | None) -> None:
    """Use ``budget`` from now on (None: make it again from the environment)."""
    global _budget
    with _budget_lock:
        _budget = budget


def _reap() -> None:
    while True:
        time.sleep(REAP_EVERY_SECONDS)
        budget = _budget
        if budget is not None:
            budget.free_idle()
