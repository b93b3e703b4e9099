"""Tests for safe YAML loading, location mapping and problem formatting."""

from __future__ import annotations

from pathlib import Path

import pytest

from score_sim.errors import Problem, ScenarioError, format_key
from score_sim.scenario.yaml_files import MAX_EXPANDED_NODES, MAX_FILE_BYTES, read_yaml

NESTED = """\
name: demo
lists:
  blacklist:
    min_days: 30
    enabled: true
behaviours:
  - kind: litter
    rate_per_year: 2
  - kind: jaywalk
    rate_per_year: 5
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _billion_laughs() -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, 10):
        refs = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_problem_str_formats() -> None:
    assert str(Problem("f.yaml", 3, 5, "a.b", "msg")) == "f.yaml:3:5 a.b: msg"
    assert str(Problem("f.yaml", None, None, "a.b", "msg")) == "f.yaml: a.b: msg"
    assert str(Problem("f.yaml", 3, 5, "", "msg")) == "f.yaml:3:5: msg"
    assert str(Problem("f.yaml", None, None, "", "msg")) == "f.yaml: msg"


def test_scenario_error_joins_problems() -> None:
    problems = [Problem("f.yaml", 1, 1, "a", "one"), Problem("f.yaml", 2, 3, "b", "two")]
    exc = ScenarioError(problems)
    assert exc.problems == problems
    assert str(exc) == "f.yaml:1:1 a: one\nf.yaml:2:3 b: two"


def test_format_key() -> None:
    assert format_key(("behaviours", 2, "rate_per_year")) == "behaviours[2].rate_per_year"
    assert format_key(("lists", "blacklist", "min_days")) == "lists.blacklist.min_days"
    assert format_key(()) == ""
    assert format_key((0, "a")) == "[0].a"


def test_reads_data(tmp_path: Path) -> None:
    data, _ = read_yaml(_write(tmp_path, NESTED))
    assert data["lists"]["blacklist"] == {"min_days": 30, "enabled": True}
    assert data["behaviours"][1] == {"kind": "jaywalk", "rate_per_year": 5}


def test_locate_nested_key_and_list_item(tmp_path: Path) -> None:
    _, locs = read_yaml(_write(tmp_path, NESTED))
    assert locs.locate(("lists", "blacklist", "min_days")) == (4, 5)
    assert locs.locate(("lists",)) == (2, 1)
    # A list item points at the item node (after the "- ").
    assert locs.locate(("behaviours", 1)) == (9, 5)
    assert locs.locate(("behaviours", 1, "rate_per_year")) == (10, 5)
    assert locs.locate(()) == (1, 1)


def test_locate_unknown_key_points_at_key_line(tmp_path: Path) -> None:
    text = "name: demo\nlists:\n  blacklist:\n    min_dayz: 30\n"
    _, locs = read_yaml(_write(tmp_path, text))
    assert locs.locate(("lists", "blacklist", "min_dayz")) == (4, 5)


def test_locate_missing_key_points_at_parent_mapping(tmp_path: Path) -> None:
    _, locs = read_yaml(_write(tmp_path, NESTED))
    # "blacklist" mapping starts at its first key, line 4 col 5.
    assert locs.locate(("lists", "blacklist", "max_days")) == (4, 5)
    assert locs.locate(("behaviours", 7, "kind")) == (7, 3)
    assert locs.locate(("name", "oops")) == (1, 7)


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        read_yaml(missing)
    assert str(missing) in str(info.value)
    assert "not found" in str(info.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        read_yaml(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert "directory" in str(info.value)


def test_syntax_error_has_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(ScenarioError) as info:
        read_yaml(path)
    problem = info.value.problems[0]
    assert problem.file == str(path)
    assert problem.line is not None and problem.line >= 2
    assert str(info.value).startswith(f"{path}:{problem.line}:")


def test_syntax_error_bad_indentation(tmp_path: Path) -> None:
    path = _write(tmp_path, "a:\n  b: 1\n c: 2\n")
    with pytest.raises(ScenarioError) as info:
        read_yaml(path)
    assert info.value.problems[0].line == 3


def test_top_level_list_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        read_yaml(_write(tmp_path, "- a\n- b\n"))
    assert "mapping" in str(info.value)
    assert info.value.problems[0].line == 1


def test_empty_document_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no content"):
        read_yaml(_write(tmp_path, "# just a comment\n"))


def test_multiple_documents_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        read_yaml(_write(tmp_path, "a: 1\n---\nb: 2\n"))
    assert "more than one" in str(info.value)
    assert info.value.problems[0].line == 2


def test_not_utf8_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ScenarioError, match="UTF-8") as info:
        read_yaml(path)
    assert info.value.problems[0].line == 2


def test_too_large_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="too large"):
        read_yaml(path)


def test_python_tags_refused(tmp_path: Path) -> None:
    text = "a: !!python/object/apply:os.system ['echo hi']\n"
    with pytest.raises(ScenarioError) as info:
        read_yaml(_write(tmp_path, text))
    assert info.value.problems[0].line == 1


def test_billion_laughs_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, _billion_laughs())
    with pytest.raises(ScenarioError) as info:
        read_yaml(path)
    message = str(info.value)
    assert "alias" in message and "expansion" in message
    assert str(MAX_EXPANDED_NODES) in message
    problem = info.value.problems[0]
    assert problem.file == str(path)
    assert problem.line is not None and 2 <= problem.line <= 10


def test_recursive_alias_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="recursive"):
        read_yaml(_write(tmp_path, "a: &x [1, *x]\n"))


def test_legitimate_anchors_and_merge_load(tmp_path: Path) -> None:
    text = """\
defaults: &defaults
  rate_per_year: 2
  weight: 1.5
tags: &tags [a, b]
behaviours:
  - <<: *defaults
    kind: litter
  - <<: *defaults
    kind: jaywalk
    rate_per_year: 7
    tags: *tags
"""
    data, locs = read_yaml(_write(tmp_path, text))
    assert data["behaviours"][0] == {"rate_per_year": 2, "weight": 1.5, "kind": "litter"}
    assert data["behaviours"][1] == {
        "rate_per_year": 7,
        "weight": 1.5,
        "kind": "jaywalk",
        "tags": ["a", "b"],
    }
    # An overriding key points at itself; a merged key points at the anchor's definition.
    assert locs.locate(("behaviours", 1, "rate_per_year")) == (10, 5)
    assert locs.locate(("behaviours", 0, "weight")) == (3, 3)
    assert locs.locate(("behaviours", 1, "tags", 1)) == (4, 17)


def test_text_argument_used_instead_of_file(tmp_path: Path) -> None:
    missing = tmp_path / "virtual.yaml"
    data, locs = read_yaml(missing, text="a:\n  b: 1\n")
    assert data == {"a": {"b": 1}}
    assert locs.locate(("a", "b")) == (2, 3)
    with pytest.raises(ScenarioError) as info:
        read_yaml(missing, text="- 1\n")
    assert str(missing) in str(info.value)


def test_duplicate_keys_are_refused_at_the_repeat(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nscore:\n  lower: 600\n  lower: 500\nname: b\n")
    with pytest.raises(ScenarioError) as info:
        read_yaml(path)
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        f"{path}:4:3 score.lower: duplicate key (first given on line 3)",
        f"{path}:5:1 name: duplicate key (first given on line 1)",
    ]
