"""Old module paths, still importable after the package was laid out by concern.

Up to version 0.2 most modules sat at the top of the package (``score_sim.compare``,
``score_sim.harm_plots``, ``score_sim.rules.lists``...). They now live in sub-packages
named after what they model or make (``experiments``, ``outputs``, ``mechanisms``,
``scenario``, ``app``). A script or notebook that imports an old path still works: the
import gives a small module that finds each name in its new home (the first of the
modules listed in :data:`MOVED` that has it) and warns once, with a
:class:`DeprecationWarning`, where the module went.

:func:`install` puts the finder on ``sys.meta_path``; ``import score_sim`` calls it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

MOVED: dict[str, tuple[str, ...]] = {
    "score_sim.compare": ("score_sim.experiments.twins",),
    "score_sim.ensemble": ("score_sim.experiments.ensemble",),
    "score_sim.figure_checks": ("score_sim.outputs.figures.checks",),
    "score_sim.frames": ("score_sim.outputs.frames",),
    "score_sim.harm_plots": (
        "score_sim.outputs.figures.pariahs",
        "score_sim.outputs.figures.cascades",
        "score_sim.outputs.figures.innocents",
        "score_sim.outputs.figures.twins",
        "score_sim.outputs.figures.base",
    ),
    "score_sim.harms": ("score_sim.mechanisms.harms",),
    "score_sim.headlines": ("score_sim.outputs.headlines",),
    "score_sim.ledger": ("score_sim.scenario.ledger",),
    "score_sim.loading": ("score_sim.scenario.loading", "score_sim.scenario"),
    "score_sim.metrics": ("score_sim.mechanisms.metrics",),
    "score_sim.output_folder": ("score_sim.outputs.folder",),
    "score_sim.overrides": ("score_sim.scenario.overrides",),
    "score_sim.palette": ("score_sim.outputs.figures.palette",),
    "score_sim.record_plots": ("score_sim.outputs.figures.records",),
    "score_sim.system_plots": (
        "score_sim.outputs.figures.systems",
        "score_sim.outputs.figures.scores",
    ),
    "score_sim.tables": ("score_sim.outputs.tables",),
    "score_sim.targets": ("score_sim.outputs.targets",),
    "score_sim.rules.timeline": ("score_sim.scenario.phases", "score_sim.mechanisms.policy"),
}
"""Each old module path and the modules its names now live in, searched in order."""

MOVED_PACKAGES: dict[str, str] = {
    "score_sim.browser": "score_sim.app",
    "score_sim.rules": "score_sim.mechanisms",
}
"""Old packages whose modules kept their names under a new package."""


def new_homes(name: str) -> tuple[str, ...] | None:
    """Where the names of the old module ``name`` live now, or None if it did not move."""
    if name in MOVED:
        return MOVED[name]
    for old, new in MOVED_PACKAGES.items():
        if name == old or name.startswith(old + "."):
            return (new + name[len(old) :],)
    return None


class _Forwarder(types.ModuleType):
    """An old module path: each name is looked up in the module's new homes."""

    def __init__(self, name: str, homes: tuple[str, ...]) -> None:
        super().__init__(name, f"Moved to {', '.join(homes)}.")
        self._homes = homes

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        for home in self._homes:
            module = importlib.import_module(home)
            if hasattr(module, attribute):
                return getattr(module, attribute)
        raise AttributeError(
            f"module {self.__name__!r} has no attribute {attribute!r} "
            f"(it moved to {', '.join(self._homes)})"
        )

    def __dir__(self) -> list[str]:
        names: set[str] = set()
        for home in self._homes:
            names.update(dir(importlib.import_module(home)))
        return sorted(names)


class _MovedLoader(importlib.abc.Loader):
    def __init__(self, homes: tuple[str, ...], package: bool) -> None:
        self.homes, self.package = homes, package

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        for home in self.homes:
            importlib.import_module(home)  # an old path whose new home is gone fails here
        warnings.warn(
            f"{spec.name} moved to {', '.join(self.homes)}; import it from there",
            DeprecationWarning,
            stacklevel=2,
        )
        module = _Forwarder(spec.name, self.homes)
        if self.package:
            module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the forwarder finds names when they are asked for."""


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        homes = new_homes(fullname)
        if homes is None:
            return None
        package = fullname in MOVED_PACKAGES
        return importlib.machinery.ModuleSpec(
            fullname, _MovedLoader(homes, package), is_package=package
        )


def install() -> None:
    """Let the old module paths be imported (once per interpreter)."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
