"""The page's front-end assets: served from the installed package only, never fetched.

Solara's server answers ``/_solara/cdn/<package>/<file>`` from a cache folder and, for a file
it lacks, downloads it from a public CDN and stores it there. On a classroom network that
would let anyone make the server call the internet and fill its disk. Here a request is
answered only with a file the ``solara-assets`` package installed (as its ``RECORD`` lists
them); anything else is a 404, with no connection made and nothing written.
:func:`serve_packaged_assets_only` puts this in place; :mod:`score_sim.app.page` calls it when
it is imported, which the server does before it answers any request.
"""

from __future__ import annotations

import functools
import os
import sys
from importlib import metadata
from pathlib import Path

ASSETS_DISTRIBUTION = "solara-assets"


def assets_dir() -> Path:
    """Where Solara serves its front-end assets from (filled by ``solara-assets``)."""
    try:
        from solara.server import settings

        return Path(settings.assets.proxy_cache_dir)
    except Exception:  # solara not installed, or its settings not readable
        return Path(sys.prefix) / "share" / "solara" / "cdn"


@functools.lru_cache(maxsize=4)
def packaged_files(folder: str) -> frozenset[str]:
    """The files under ``folder`` that ``solara-assets`` installed, as normalised paths.

    Read from the package's ``RECORD``; when that is unavailable, the regular files found
    under ``folder`` (without following links out of it).
    """
    root = os.path.normpath(folder)
    found: set[str] = set()
    try:
        files = metadata.files(ASSETS_DISTRIBUTION)
        distribution = metadata.distribution(ASSETS_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        files = None
    if files:
        for file in files:
            path = os.path.normpath(str(distribution.locate_file(file)))
            if path.startswith(root + os.sep):
                found.add(path)
        return frozenset(found)
    for directory, _, names in os.walk(root):
        for name in names:
            found.add(os.path.normpath(os.path.join(directory, name)))
    return frozenset(found)


def packaged_path(path: str, folder: Path | None = None) -> Path | None:
    """The installed file a request for ``/_solara/cdn/<path>`` may be answered with.

    None when ``path`` names no file the package installed: outside the folder, a folder,
    a link leading elsewhere, a file added later, or no file at all.
    """
    root = Path(folder) if folder is not None else assets_dir()
    if not path or "\x00" in path or "\\" in path:
        return None
    candidate = os.path.normpath(os.path.join(str(root), path))
    if candidate not in packaged_files(os.path.normpath(str(root))):
        return None
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate)
    if not real.startswith(real_root + os.sep) or not os.path.isfile(real):
        return None
    return Path(candidate)


def offline_get_path(base_cache_dir: Path, path: str) -> Path:
    """Solara's ``cdn_helper.get_path``, offline: the packaged file, else FileNotFoundError."""
    found = packaged_path(path, Path(base_cache_dir))
    if found is None:
        raise FileNotFoundError(f"not a packaged asset: {path!r} (nothing is downloaded)")
    return found


def offline_get_data(base_cache_dir: Path, path: str) -> bytes:
    """Solara's ``cdn_helper.get_data``, offline: the packaged file's bytes."""
    return offline_get_path(base_cache_dir, path).read_bytes()


def _lookup_path(self: object, path: str) -> tuple[str, os.stat_result | None]:
    """``StaticFiles.lookup_path`` of the ``/_solara/cdn`` route: packaged files only."""
    found = packaged_path(path)
    if found is None:
        return "", None
    try:
        return str(found), os.stat(found)
    except OSError:
        return "", None


def serve_packaged_assets_only() -> None:
    """Make Solara's server answer ``/_solara/cdn/...`` from the packaged assets only.

    Replaces the lookup of Solara's asset route and its download helpers (used by its
    Flask and Jupyter servers), so that a missing asset is a 404 without any connection.
    Called before the server is imported (by ``score-sim app``) and again when the page's
    module is imported, whichever server loads it.
    """
    try:
        from solara.server import cdn_helper
    except ImportError:  # the app extra is not installed: nothing serves assets
        return
    cdn_helper.get_path = offline_get_path
    cdn_helper.get_data = offline_get_data
    # the Starlette server imported get_path by name: replace its copy and its route's lookup
    starlette_server = sys.modules.get("solara.server.starlette")
    if starlette_server is not None:
        if hasattr(starlette_server, "get_path"):
            starlette_server.get_path = offline_get_path
        static_cdn = getattr(starlette_server, "StaticCdn", None)
        if static_cdn is not None:
            static_cdn.lookup_path = _lookup_path
    cdn_handler = sys.modules.get("solara.server.jupyter.cdn_handler")
    if cdn_handler is not None and hasattr(cdn_handler, "get_data"):
        cdn_handler.get_data = offline_get_data
