"""The calibrated scenario file: the original, with the fitted values and their labels.

A calibration ends with a new scenario file, ``calibrated.yaml``: the scenario as its
author wrote it (comments and layout kept), where

- every fitted number is replaced by its best value, and the calibration's fixed settings
  (``citizens``, ``firms``, ``steps`` and numeric ``set`` values) by theirs;
- every fitted number's ledger entry (``sources:``) is replaced by one labelled
  ``calibrated`` that names the targets it was fitted to and says how (the calibration
  file, trials, seeds, size and range), and targets the calibration gave inline join the
  file's ``targets``, so that every run of it reports them;
- a header says what was fitted to what, and which targets the best values meet.

The edits are made on the file's text at the positions PyYAML reports, so nothing else
moves. Where that cannot be done safely (a fitted number the file does not spell out, a
``set`` value that is not a number), the file is written from the resolved scenario
instead: complete and valid, without the original's comments. Either way the result is
loaded and checked before it is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from score_sim.errors import ScenarioError
from score_sim.scenario import Evidence, Level, bundled_scenarios, scenario_from_data
from score_sim.scenario.overrides import _split_key


class _CannotEditError(Exception):
    """The file's text cannot be edited safely for this change."""


def _number(value: float | int) -> str:
    """A number as YAML: integers plain, floats with up to 6 significant digits."""
    if isinstance(value, bool):
        raise _CannotEditError("not a number")
    if isinstance(value, int):
        return str(value)
    text = f"{float(value):.6g}"
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa and mantissa not in ("nan", "inf", "-inf"):
        mantissa += ".0"  # YAML 1.1 reads 1e-05 as a string, 1.0e-05 as a number
    return mantissa + e + exponent


def written_value(value: float | int) -> float | int:
    """The value as the calibrated file spells it (floats to 6 significant digits)."""
    return value if isinstance(value, int) else float(_number(value))


def _child(node: Node, part: str | int) -> tuple[Node | None, Node | None]:
    """The (key node, value node) of ``part`` in a mapping, or the item of a sequence.

    A sequence of named mappings (``behaviours``) is entered by an item's ``name``.
    """
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key, value
        return None, None
    if isinstance(node, SequenceNode):
        if isinstance(part, int):
            return (
                (None, node.value[part])
                if -len(node.value) <= part < len(node.value)
                else (
                    None,
                    None,
                )
            )
        for item in node.value:
            if isinstance(item, MappingNode):
                _, name = _child(item, "name")
                if isinstance(name, ScalarNode) and name.value == part:
                    return None, item
    return None, None


def _value_node(root: Node, key: str) -> ScalarNode:
    node: Node | None = root
    for part in _split_key(key):
        if node is None:
            break
        _, node = _child(node, part)
    if not isinstance(node, ScalarNode):
        raise _CannotEditError(f"{key} is not spelled out as a number in the file")
    return node


def _source_text(path: str | Path) -> tuple[str, str]:
    """The scenario file's text and path (a bundled name is read from its file)."""
    name = str(path)
    bundled = bundled_scenarios()
    file = Path(bundled[name]) if name in bundled else Path(path)
    return file.read_text(encoding="utf-8"), str(file)


def _entry_yaml(key: str, evidence: Evidence, indent: str) -> str:
    """One ledger entry as block YAML lines (strings as JSON: valid YAML, always quoted)."""
    targets = list(evidence.targets)
    target = json.dumps(targets[0]) if len(targets) == 1 else json.dumps(targets)
    return (
        f"{indent}{key}:\n"
        f"{indent}  level: calibrated\n"
        f"{indent}  target: {target}\n"
        f"{indent}  source: {json.dumps(evidence.source, ensure_ascii=False)}\n"
    )


def _targets_insertion(text: str, root: MappingNode, targets: list[dict[str, Any]]):
    """Where and what to insert so that ``targets:`` also holds ``targets`` (line, text)."""
    _, node = _child(root, "targets")
    items = "".join(f"  - {json.dumps(t, ensure_ascii=False)}\n" for t in targets)
    lines = text.splitlines()
    if node is None or (isinstance(node, SequenceNode) and not node.value and node.flow_style):
        if node is not None:
            raise _CannotEditError("an empty flow list of targets")
        return len(lines), "\ntargets:\n" + items
    if not isinstance(node, SequenceNode) or node.flow_style:
        raise _CannotEditError("targets is not a block list")
    first = lines[node.value[0].start_mark.line]
    indent = " " * first.index("-")
    items = "".join(f"{indent}- {json.dumps(t, ensure_ascii=False)}\n" for t in targets)
    end = node.end_mark.line if node.end_mark.column == 0 else node.end_mark.line + 1
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end, items


def _edited(
    text: str,
    changes: dict[str, Any],
    entries: dict[str, Evidence],
    targets: list[dict[str, Any]] | None = None,
) -> str:
    """``text`` with ``changes`` (key path to number), ``entries`` (ledger) and ``targets``."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, MappingNode):
        raise _CannotEditError("not a mapping")
    extra = _targets_insertion(text, root, targets) if targets else None
    spans: list[tuple[int, int, str]] = []
    for key, value in changes.items():
        node = _value_node(root, key)
        spans.append((node.start_mark.index, node.end_mark.index, _number(value)))
    lines_out: set[int] = set()
    sources_key, sources = _child(root, "sources")
    insert_at: int | None = None
    indent = "  "
    if sources is None:
        insert_at = None
    elif isinstance(sources, MappingNode) and not sources.flow_style:
        for key_node, value_node in sources.value:
            if not isinstance(key_node, ScalarNode):
                continue
            indent = " " * key_node.start_mark.column
            if key_node.value in entries:
                first = key_node.start_mark.line
                end = value_node.end_mark
                last = end.line if isinstance(value_node, ScalarNode) else end.line - 1
                if not isinstance(value_node, ScalarNode) and end.column > len(indent):
                    last = end.line
                lines_out.update(range(first, last + 1))
        insert_at = sources_key.end_mark.line + 1
    else:
        raise _CannotEditError("sources is not a block mapping")
    # apply the value edits from the end, so earlier positions hold
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    lines = text.splitlines(keepends=True)
    block = "".join(_entry_yaml(k, e, indent) for k, e in entries.items())
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    out: list[str] = []
    for number, line in enumerate(lines):
        if insert_at is not None and number == insert_at:
            out.append(block)
        if extra is not None and number == extra[0]:
            out.append(extra[1])
        if number not in lines_out:
            out.append(line)
    if insert_at is not None and insert_at >= len(lines):
        out.append(block)
    if extra is not None and extra[0] >= len(lines):
        out.append(extra[1])
    if insert_at is None:
        out.append("\nsources:\n" + block)
    return "".join(out)


def _dumped(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def calibrated_text(
    source: str | Path,
    base_data: dict[str, Any],
    changes: dict[str, Any],
    entries: dict[str, Evidence],
    header: str,
    targets: list[dict[str, Any]] | None = None,
) -> str:
    """The calibrated scenario file's text, checked by loading it.

    Args:
        source: the scenario's bundled name or file, whose text is edited.
        base_data: the resolved scenario the calibration ran (a fallback's content).
        changes: key path to value: the fitted values and the fixed settings.
        entries: key path to its new ledger entry (the fitted values).
        header: comment lines (without ``#``) put at the top.
        targets: targets the calibration gave inline, added to the file's ``targets``.

    Raises:
        ScenarioError: the calibrated file does not load (a bug: it is not written).
    """
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    try:
        original, _ = _source_text(source)
        edited = _edited(original, changes, entries, targets)
        first, _, rest = edited.partition("\n")
        if first.startswith("# yaml-language-server:"):  # the editor's modeline stays first
            text = f"{first}\n#\n{comment}{rest}"
        else:
            text = comment + "\n" + edited
        scenario = _check(text, changes, entries)
    except (_CannotEditError, ScenarioError, OSError, yaml.YAMLError):
        written = {k: written_value(v) for k, v in changes.items()}
        data = scenario_from_data(base_data, "calibration", None, written).to_data()
        sources = dict(data.get("sources") or {})
        for key in entries:
            sources.pop(key, None)
        sources.update(
            {k: e.model_dump(mode="json", exclude_none=True) for k, e in entries.items()}
        )
        data["sources"] = sources
        data["targets"] = [*data.get("targets", []), *(targets or [])]
        text = comment + "\n" + _dumped(data)
        scenario = _check(text, changes, entries)
    del scenario
    return text


def _check(text: str, changes: dict[str, Any], entries: dict[str, Evidence]) -> Any:
    """Load ``text`` and check it holds ``changes`` and labels ``entries`` calibrated."""
    from score_sim.scenario.overrides import path_exists

    data = yaml.safe_load(text)
    scenario = scenario_from_data(data, "calibrated.yaml")
    resolved = scenario.to_data()
    for key, value in changes.items():
        if not path_exists(resolved, key) or _lookup(resolved, key) != written_value(value):
            raise _CannotEditError(f"{key} did not take its value")
    for key in entries:
        if scenario.evidence_of(key).level is not Level.calibrated:
            raise _CannotEditError(f"{key} is not labelled calibrated")
    return scenario


def _lookup(data: Any, key: str) -> Any:
    node = data
    for part in _split_key(key):
        if isinstance(node, list) and isinstance(part, str):
            node = next((i for i in node if isinstance(i, dict) and i.get("name") == part), None)
        else:
            node = node[part]
    return node
