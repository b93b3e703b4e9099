"""``score-sim app``: serve the browser app, offline, and say where.

The page is :mod:`score_sim.app.page`, served by Solara's server in production mode. Nothing in
it needs the internet: the JavaScript, styles and fonts come from the ``solara-assets``
package (installed with the ``app`` extra, which ``.[dev]`` includes), Solara's version
check and telemetry are switched off, the browser is not opened, and the asset route serves
only the packaged files (:mod:`score_sim.app.assets`). A host or port that cannot be
used, or a missing extra, is reported in one sentence with exit status 2.

The teacher's own scenario files (``--scenario my.yaml``, repeatable) are checked before the
server starts and offered beside the bundled ones; the memory budgets of a tab and of the
whole server and the idle time after which a tab's city is freed are set here too. They
reach the page in the environment (see :mod:`score_sim.app.offer` and
:mod:`score_sim.app.budget`).
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

APP_MODULE = "score_sim.app.page"

OFFLINE_ENVIRONMENT = {
    # no calls home (production mode also drops the page's check, --no-check-version the
    # server's version check)
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    # a closed tab's city is freed after half an hour, not Solara's default day: a class
    # reloading pages all lesson would otherwise keep every city it ever built
    "SOLARA_KERNEL_CULL_TIMEOUT": "30m",
}


class AppStartError(Exception):
    """Why the app cannot start, in a sentence for the user."""


def missing_extra() -> str | None:
    """What is missing to run the app (a sentence), or None when all is installed."""
    for module in ("solara", "solara_assets"):
        if importlib.util.find_spec(module) is None:
            return (
                f"the browser app needs the `app` extra ({module} is not installed): "
                'pip install -e ".[app]"'
            )
    return None


def assets_dir() -> Path:
    """Where Solara serves its front-end assets from (filled by ``solara-assets``)."""
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def check_scenarios(files: Sequence[str]) -> list[str]:
    """The teacher's scenario files, checked, as absolute paths for the page to offer.

    Raises:
        ScenarioError: a file is missing, not a regular file, or not a valid scenario
            (every problem, located).
    """
    from score_sim.errors import ScenarioError
    from score_sim.scenario import load_scenario

    problems = []
    paths = []
    for file in files:
        try:
            load_scenario(
                file if ("/" in file or file.endswith((".yaml", ".yml"))) else f"./{file}"
            )
        except ScenarioError as error:
            problems += error.problems
            continue
        paths.append(str(Path(file).resolve()))
    if problems:
        raise ScenarioError(problems)
    return paths


def budget_environment(
    session_mib: float | None, server_mib: float | None, idle_minutes: float | None
) -> dict[str, str]:
    """The environment that sets the page's memory budgets and idle time.

    Raises:
        AppStartError: a budget or time that is not a positive number, or a tab's budget
            above the server's.
    """
    from score_sim.app import budget

    environment = {}
    for option, value, name in (
        ("--session-memory", session_mib, budget.SESSION_ENVIRONMENT),
        ("--server-memory", server_mib, budget.SERVER_ENVIRONMENT),
        ("--idle-minutes", idle_minutes, budget.IDLE_ENVIRONMENT),
    ):
        if value is None:
            continue
        if not (value > 0 and value < float("inf")):
            raise AppStartError(f"{option} must be a positive number, not {value:g}")
        environment[name] = repr(float(value))
    if session_mib is not None and server_mib is not None and session_mib > server_mib:
        raise AppStartError(
            f"--session-memory ({session_mib:g} MiB) cannot be more than --server-memory "
            f"({server_mib:g} MiB)"
        )
    return environment


def check_address(host: str, port: int) -> None:
    """Make sure the server can listen on ``host:port``.

    Raises:
        AppStartError: for a port out of range, an unknown host or an address in use.
    """
    if not 0 < port < 65536:
        raise AppStartError(f"--port must be between 1 and 65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise AppStartError(f"--host {host!r} is not a name or address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise AppStartError(
                    f"port {port} on {host} is in use (is the app already running?); "
                    f"try --port {port + 1}"
                ) from None
            raise AppStartError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def url_of(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = "localhost" if host in ("127.0.0.1", "localhost", "::1") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    echo=print,
    scenarios: Sequence[str] = (),
    session_mib: float | None = None,
    server_mib: float | None = None,
    idle_minutes: float | None = None,
) -> None:
    """Run the app's server until interrupted.

    Args:
        host: the address to listen on (``0.0.0.0`` for every network: a classroom).
        port: the port to listen on.
        echo: where to say the address.
        scenarios: the teacher's scenario files, offered beside the bundled ones.
        session_mib: most memory one tab's cities may hold, in MiB.
        server_mib: most memory all tabs together may hold, in MiB.
        idle_minutes: a tab idle this long gives its city's memory back.

    Raises:
        AppStartError: when the app cannot start (see :func:`check_address`).
        ScenarioError: a scenario file that cannot be offered, located.
    """
    problem = missing_extra()
    if problem:
        raise AppStartError(problem)
    environment = budget_environment(session_mib, server_mib, idle_minutes)
    files = check_scenarios(scenarios)
    check_address(host, port)
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    from score_sim.app import offer
    from score_sim.app.assets import serve_packaged_assets_only

    os.environ.update(environment)
    os.environ[offer.SCENARIOS_ENVIRONMENT] = json.dumps(files)
    serve_packaged_assets_only()
    echo(f"score-sim app: open {url_of(host, port)} in a browser (Ctrl-C stops it)")
    sys.stdout.flush()
    from solara.__main__ import run

    if not assets_dir().is_dir():
        echo(
            "warning: solara-assets is not installed here; the page will fetch its scripts "
            "from the internet"
        )
    sys.stdout.flush()
    run.main(
        args=[
            APP_MODULE,
            "--host",
            host,
            "--port",
            str(port),
            "--production",
            "--no-open",
            "--no-check-version",
            "--log-level",
            "warning",
            "--log-level-uvicorn",
            "warning",
        ],
        standalone_mode=False,
    )
