"""The scenarios bundled with score-sim, and which file a scenario argument names.

Installed, the bundled scenarios sit in the package's ``scenarios`` folder; in a checkout,
in the repository's ``scenarios`` folder.
"""

from __future__ import annotations

from pathlib import Path

from score_sim.errors import ScenarioError
from score_sim.scenario.yaml_files import check_path_length


def bundled_dir() -> Path:
    """Folder holding the scenarios shipped with score-sim."""
    here = Path(__file__).resolve().parents[1]  # the score_sim package
    installed = here / "scenarios"
    if installed.is_dir():
        return installed
    return here.parents[1] / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names mapped to their files, sorted by name."""
    folder = bundled_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """The file a scenario argument names: a bundled scenario's name, or a path.

    A bare name (no ``/``, no ``.yaml``) is a bundled scenario, even where a folder of
    that name exists in the working directory (an earlier run's outputs, say); a file of
    that name next to a bundled one is ambiguous and refused. Anything else is a path.

    Raises:
        ScenarioError: when the argument names neither an existing file nor a bundled
            scenario, or names both.
    """
    text = str(name_or_path)
    check_path_length(text)
    path = Path(text)
    looks_like_path = path.suffix in (".yaml", ".yml") or "/" in text or "\\" in text
    bundled = bundled_scenarios()
    if not looks_like_path and text in bundled:
        if path.is_file():
            raise ScenarioError.of(
                text,
                None,
                None,
                "",
                f"both a file {text!r} here and a bundled scenario of that name exist: "
                f"write ./{text} for the file",
            )
        return bundled[text]
    if path.is_dir():
        raise ScenarioError.of(text, None, None, "", "is a folder, not a scenario file")
    if path.exists() or looks_like_path:
        return path
    names = ", ".join(bundled) or "none"
    raise ScenarioError.of(
        text,
        None,
        None,
        "",
        f"no such file, and no bundled scenario of that name (bundled: {names})",
    )
