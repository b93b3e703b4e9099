"""Where a sweep's runs execute: worker processes here, or a Dask cluster.

Both are a ``concurrent.futures`` executor. At most a few runs per worker are in flight,
so memory does not grow with the sweep; runs lost with a worker (a dead process, a lost
Dask worker) are run again. Local workers watch the sweep and exit when it is killed.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from score_sim import __version__
from score_sim.errors import ScenarioError, argument
from score_sim.experiments.sweep_plan import RunTask
from score_sim.experiments.sweep_runs import run_task
from score_sim.experiments.workers import watch_parent, worker_context

if TYPE_CHECKING:
    pass

IN_FLIGHT_PER_WORKER = 2
"""Runs submitted ahead per worker: enough to keep each busy, few enough to bound memory."""
MAX_ATTEMPTS = 3
"""A run lost with its worker is tried this many times in all."""
SCHEDULER_TIMEOUT_S = 10.0


# --------------------------------------------------------------------------- executors


def _start_worker(parent: int, parent_start: str | None) -> None:
    """In a worker: leave Ctrl-C to the parent, which stops the sweep.

    The worker exits when the parent is gone (killed without a chance to stop it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent, parent_start)


class LocalPool:
    """Worker processes on this machine, each importing score-sim once."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        from score_sim.experiments.workers import process_start

        context = worker_context()
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(), process_start(os.getpid())),
        )

    @property
    def slots(self) -> int:
        """Runs that can execute at once."""
        return self.workers

    def submit(self, task: RunTask) -> cf.Future:
        """Send one task."""
        return self.executor.submit(run_task, task)

    def restart(self) -> None:
        """Start fresh workers after one died (the pool is then broken)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def close(self, cancel: bool = False) -> None:
        """Stop the workers."""
        self.executor.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskPool:
    """Runs sent to an existing Dask cluster; the client stores results as they arrive."""

    def __init__(self, address: str, timeout_s: float = SCHEDULER_TIMEOUT_S) -> None:
        self.address = address
        address = check_scheduler(address, timeout_s)
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency
            raise ScenarioError.of(
                "--scheduler", None, None, "", "needs dask[distributed]: pip install score-sim"
            ) from None
        try:
            with _quiet_dask():
                self.client = Client(address, timeout=timeout_s, set_as_default=False)
        except Exception as exc:  # every failure to connect is bad input, not a bug
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); "
                "start one with `dask scheduler`, or check the address and port",
            ) from None
        try:
            self.client.wait_for_workers(1, timeout=timeout_s)
        except Exception:
            self.client.close()
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"the Dask scheduler at {address} has no workers; "
                f"start some with `dask worker {address}`",
            ) from None
        try:
            versions = self.client.run(_worker_version)
        except Exception as exc:
            self.client.close()
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"the cluster's workers cannot run score-sim ({type(exc).__name__}: {exc}); "
                "install score-sim on every worker",
            ) from None
        wrong = sorted({v for v in versions.values() if v != __version__})
        if wrong:
            self.client.close()
            raise ScenarioError.of(
                "--scheduler",
                None,
                None,
                "",
                f"the cluster's workers run score-sim {', '.join(wrong)}, this is "
                f"{__version__}: install the same version on every worker",
            )
        self.executor = self.client.get_executor(pure=False)

    @property
    def slots(self) -> int:
        """Threads across the cluster's workers."""
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, task: RunTask) -> cf.Future:
        """Send one task."""
        return self.executor.submit(run_task, task)

    def restart(self) -> None:
        """Nothing to restart: the scheduler replaces lost workers' tasks itself."""

    def close(self, cancel: bool = False) -> None:
        """Disconnect (the cluster keeps running)."""
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=not cancel)
        with contextlib.suppress(Exception):
            self.client.close()


SCHEDULER_SCHEMES = ("tcp",)
"""How score-sim talks to a Dask scheduler (``tcp://HOST:PORT``, or ``HOST:PORT``)."""


def check_scheduler(address: Any, timeout_s: float = SCHEDULER_TIMEOUT_S) -> str:
    """A Dask scheduler's address, checked promptly before any Dask client is made.

    The scheme must be ``tcp`` (or none), the host a name or address that resolves, the
    port 1 to 65535, and something must answer there (one TCP connection attempt, which a
    closed port refuses at once).

    Returns:
        The address as ``tcp://HOST:PORT``.

    Raises:
        ScenarioError: naming ``--scheduler`` and what is wrong.
    """
    import socket
    from urllib.parse import urlsplit

    from score_sim.text_safety import shown

    def refuse(message: str) -> ScenarioError:
        return ScenarioError.of(argument("scheduler", "--scheduler"), None, None, "", message)

    if not isinstance(address, str) or not address.strip():
        raise refuse(f"needs an address such as tcp://HOST:PORT, not {shown(address)}")
    text = address.strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else "tcp"
    if scheme not in SCHEDULER_SCHEMES:
        raise refuse(
            f"{shown(text)}: score-sim reaches a Dask scheduler over tcp:// only, not "
            f"{shown(scheme + '://')}; give tcp://HOST:PORT"
        )
    try:
        parts = urlsplit(text if "://" in text else f"tcp://{text}")
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise refuse(
            f"{shown(text)} is not an address of the form tcp://HOST:PORT ({error})"
        ) from None
    if not host or port is None or parts.path not in ("", "/") or parts.query:
        raise refuse(f"{shown(text)} is not an address of the form tcp://HOST:PORT")
    if not 0 < port < 65536:
        raise refuse(f"{shown(text)}: the port must be 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise refuse(
            f"cannot reach the Dask scheduler at {shown(text)}: unknown host {shown(host)}"
        ) from None
    reason = "no answer"
    for family, kind, proto, _, where in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.settimeout(min(timeout_s, 5.0))
            try:
                probe.connect(where)
            except OSError as error:
                reason = error.strerror or type(error).__name__
                continue
        shown_host = f"[{host}]" if ":" in host else host
        return f"tcp://{shown_host}:{port}"
    raise refuse(
        f"cannot reach the Dask scheduler at tcp://{host}:{port} ({reason}); start one with "
        "`dask scheduler`, or check the address and port"
    )


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own logging off while connecting: its failures are reported as sentences."""
    import logging

    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _worker_version() -> str:
    return __version__


def _lost_worker(error: BaseException) -> bool:
    """Whether a run failed because its worker went away (so it may be tried again)."""
    return isinstance(error, BrokenProcessPool | cf.CancelledError) or type(error).__name__ in {
        "KilledWorker",
        "CommClosedError",
        "FutureCancelledError",
    }


def execute(
    pool: LocalPool | DaskPool,
    tasks: Iterator[RunTask],
    on_result: Callable[[dict[str, Any]], None],
) -> None:
    """Run tasks on a pool, a few per worker in flight, handing each result on as it ends.

    A task whose worker died is sent again (up to :data:`MAX_ATTEMPTS` times in all).

    Raises:
        RuntimeError: a task failed :data:`MAX_ATTEMPTS` times with its worker.
        Exception: whatever a run raised (a bug): the runs stored so far are kept.
    """
    window = max(1, pool.slots * IN_FLIGHT_PER_WORKER)
    attempts: dict[int, int] = {}
    retry: list[RunTask] = []
    pending: dict[cf.Future, tuple[RunTask, int]] = {}
    generation = 0  # which pool a future was sent to: a broken pool is replaced once
    exhausted = False

    def replace_pool() -> None:
        nonlocal generation
        pool.restart()
        generation += 1
        # every run in flight died with the old pool: send them all again
        retry.extend(task for task, _ in pending.values())
        pending.clear()

    def fill() -> None:
        nonlocal exhausted
        while len(pending) < window:
            if retry:
                task = retry.pop()
            elif not exhausted:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                    continue
            else:
                return
            try:
                pending[pool.submit(task)] = (task, generation)
            except BrokenProcessPool:
                retry.append(task)
                replace_pool()

    fill()
    while pending:
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for future in done:
            if future not in pending:  # sent again already, with its broken pool
                continue
            task, sent_to = pending.pop(future)
            error = future.exception()
            if error is None:
                on_result(future.result())
                continue
            if not _lost_worker(error):
                raise error
            attempts[task.run] = attempts.get(task.run, 1) + 1
            if attempts[task.run] > MAX_ATTEMPTS:
                raise RuntimeError(
                    f"run {task.run} was lost with its worker {MAX_ATTEMPTS} times "
                    f"({type(error).__name__}); is a worker running out of memory?"
                )
            retry.append(task)
            if isinstance(error, BrokenProcessPool) and sent_to == generation:
                replace_pool()
        fill()
