"""``score-sim app``: serve the browser app, offline, and say where.

The page is :mod:`score_sim.app`, served by Solara's server in production mode. Nothing in
it needs the internet: the JavaScript, styles and fonts come from the ``solara-assets``
package (installed with the ``app`` extra, which ``.[dev]`` includes), Solara's version
check and telemetry are switched off, and the browser is not opened. A host or port that
cannot be used, or a missing extra, is reported in one sentence with exit status 2.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import sys
from pathlib import Path

APP_MODULE = "score_sim.app"

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


def serve(host: str = "127.0.0.1", port: int = 8765, echo=print) -> None:
    """Run the app's server until interrupted.

    Args:
        host: the address to listen on (``0.0.0.0`` for every network: a classroom).
        port: the port to listen on.
        echo: where to say the address.

    Raises:
        AppStartError: when the app cannot start (see :func:`check_address`).
    """
    problem = missing_extra()
    if problem:
        raise AppStartError(problem)
    check_address(host, port)
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
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
