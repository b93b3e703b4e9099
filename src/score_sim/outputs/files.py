"""A finished run's folder: its tables, ``summary.json``, figures and ``manifest.json``.

For the commands that write a run's outputs (``score-sim run``, each world of ``compare``
and each seed of ``--seeds``) and for whoever checks a folder later: :func:`write_run_outputs`
writes every file of one finished run into a folder claimed beforehand
(:mod:`score_sim.outputs.folder`), and :func:`write_manifest` records, last, the run's
scenario, seed, versions and evidence with every file's sha256, which marks the folder as
score-sim's own.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from score_sim import __version__
from score_sim.outputs.figures.jobs import run_figure_jobs
from score_sim.outputs.figures.saving import save_figures
from score_sim.outputs.folder import MANIFEST, SELF_HASH_KEY, TOOL, seal_manifest
from score_sim.outputs.summary import summarize
from score_sim.outputs.tables import write_agents, write_cascades, write_events, write_timeseries
from score_sim.scenario.ledger import manifest_entry

if TYPE_CHECKING:
    from score_sim.model import ScoreModel


def _file_sha256(path: Path) -> str:
    return sha256(path.read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries that shape the results."""
    return {
        "python": platform.python_version(),
        "score_sim": __version__,
        "mesa": mesa.__version__,
        "numpy": np.__version__,
    }


def write_manifest(folder: Path, manifest: dict[str, Any], files: Sequence[Path]) -> Path:
    """Write ``manifest.json``: score-sim's mark on a folder, with every file's sha256.

    The manifest ends with its own sha256 (taken with that value as zeros), so that an
    edit of the manifest itself is seen before ``--overwrite`` replaces the folder.
    """
    manifest = {
        "tool": TOOL,
        **manifest,
        "files": {f.relative_to(folder).as_posix(): _file_sha256(f) for f in files},
        SELF_HASH_KEY: "0" * 64,
    }
    path = folder / MANIFEST
    text = seal_manifest(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    path.write_bytes(text.encode("utf-8"))  # the bytes sealed, whatever the platform's line ends
    return path


def write_run_outputs(
    model: ScoreModel,
    folder: Path,
    *,
    figures: bool = True,
    manifest: dict[str, Any] | None = None,
    twin: ScoreModel | None = None,
    clock: tuple[float, float] | None = None,
) -> tuple[list[Path], dict[str, Any]]:
    """Write a finished run's tables, summary, figures and manifest into ``folder``.

    Args:
        model: a model that has run.
        folder: an existing, empty folder.
        figures: whether to draw the PNG figures.
        manifest: entries recorded in the manifest besides the files and the scenario.
        twin: the same run without feedback, for the selection/feedback split.
        clock: ``time.perf_counter()`` when the run started and when it finished
            stepping: the manifest then records ``wall_time_s`` and the ``outputs`` phase
            up to the moment it is written (every other file is written by then).

    Returns:
        The files written (manifest included, last) and the manifest.
    """
    scenario = model.score_scenario
    files = [
        folder / "timeseries.csv",
        folder / "agents.csv",
        folder / "events.csv",
        folder / "cascades.csv",
        folder / "summary.json",
    ]
    timeseries = model.timeseries()
    write_timeseries(files[0], timeseries)
    write_agents(files[1], model)
    write_events(files[2], model)
    write_cascades(files[3], model)
    summary = summarize(model, twin)
    files[4].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if figures:
        files += save_figures(run_figure_jobs(model, summary, folder / "figures"))
    if clock is not None:
        started, stepped = clock
        now = time.perf_counter()
        manifest = dict(manifest or {})
        manifest["wall_time_s"] = round(now - started, 3)
        phases = manifest.get("phase_times_s", {})
        manifest["phase_times_s"] = {**phases, "outputs": round(now - stepped, 3)}
    record = {
        "kind": "run",
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256(),
        "seed": scenario.run.seed,
        "steps": scenario.run.steps,
        "versions": versions(),
        **(manifest or {}),
        **({"timeline": summary["timeline"]} if "timeline" in summary else {}),
        "evidence": manifest_entry(scenario),
        "resolved_scenario": scenario.to_data(),
    }
    path = write_manifest(folder, record, files)
    written = json.loads(path.read_text(encoding="utf-8"))
    return [*files, path], written
