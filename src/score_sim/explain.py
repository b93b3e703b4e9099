"""Explaining a scenario: its description, and for every number, its source or 'assumption'.

Scenarios are honest about their numbers: a number is documented only when the scenario's
``sources:`` names it (or a section containing it); every other number is an assumption.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from score_sim.scenario import Scenario, load_scenario

SKIPPED_SECTIONS = ("name", "description", "sources", "run")


def numbers(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every numeric leaf of scenario data as ``(key path, value)``; list items by name.

    Sections switched off (``enabled: false``) are left out: their numbers play no part.
    """
    if isinstance(data, dict):
        if data.get("enabled") is False:
            return
        for key, value in data.items():
            yield from numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            label = item.get("name", index) if isinstance(item, dict) else index
            yield from numbers(item, f"{prefix}.{label}")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield prefix, data


def explain_scenario(scenario: Scenario | str | Path) -> str:
    """A plain-text account of the scenario for a reader deciding what to trust.

    Args:
        scenario: a Scenario, a path to a scenario file or a bundled scenario's name.

    Raises:
        ScenarioError: a file or name that does not load.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    data = scenario.to_data()
    rows = [
        (key, value, scenario.source_of(key))
        for key, value in numbers(data)
        if key.split(".")[0] not in SKIPPED_SECTIONS
    ]
    n_sourced = sum(1 for _, _, src in rows if src is not None)
    rows = [(key, f"{value:g}", src) for key, value, src in rows]
    width = max((len(f"{k} = {v}") for k, v, _ in rows), default=0)
    out = [scenario.name, "=" * len(scenario.name), "", scenario.description.strip(), ""]
    out.append(
        f"NUMBERS: {n_sourced} documented, {len(rows) - n_sourced} assumptions "
        "(an assumption is a choice of this scenario, not a known fact)"
    )
    for key, value, src in rows:
        label = f"{key} = {value}".ljust(width)
        out.append(f"  {label}  {'source: ' + src if src else 'ASSUMPTION'}")
    return "\n".join(out) + "\n"
