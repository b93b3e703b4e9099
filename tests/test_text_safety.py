"""Text from a scenario never reaches a terminal or a page raw; odd files are named, not read.

Control and escape characters in names, descriptions, sources and notes are refused by
validation with their file, line and key; whatever is printed is escaped all the same. A
FIFO, a device or a directory given as a scenario is refused before it is opened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import small_data
from test_cli import assert_bad_input

from score_sim.errors import ScenarioError
from score_sim.scenario import load_scenario, scenario_from_data

ESCAPE = "\x1b[2J\x1b]0;pwned\x07"
"""Clears a terminal and sets its title."""


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "score_sim", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        timeout=timeout,
        check=False,
    )


def write(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"description": f"Looks harmless.{ESCAPE}"}, "description"),
        ({"sources": {"score.initial": f"A report{ESCAPE}"}}, "sources.score.initial"),
        ({"sources": {f"score.initial{ESCAPE}": "A report"}}, f"sources.score.initial{ESCAPE}"),
        (
            {
                "timeline": [
                    {"day": 5, "note": "a change\u202eeno", "set": {"effects.enabled": False}}
                ]
            },
            "timeline[0].note",
        ),
    ],
)
def test_control_and_escape_characters_are_refused_with_their_key(tmp_path, change, key):
    path = write(tmp_path, small_data(**change))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.key) == (str(path), key)
    assert problem.line is not None
    assert problem.message.startswith("holds control or escape characters (")


def test_a_behaviours_name_with_an_escape_is_refused():
    data = small_data()
    data["behaviours"][1]["name"] = f"good{ESCAPE}deed"
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data)
    assert [p.key for p in caught.value.problems] == ["behaviours[1].name"]
    assert "(\\x1b \\x07)" in caught.value.problems[0].message


def test_a_set_value_with_an_escape_is_refused_as_the_options():
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(small_data(), overrides={"description": f"x{ESCAPE}"})
    (problem,) = caught.value.problems
    assert (problem.file, problem.key) == ("overrides", "description")


def test_line_breaks_and_tabs_stay_allowed():
    scenario = scenario_from_data(small_data(description="WHAT IT IS\n\n\tA city.\nMore."))
    assert "\tA city." in scenario.description


def test_validate_prints_no_escape_to_the_terminal(tmp_path):
    path = write(tmp_path, small_data(description=f"x{ESCAPE}"))
    result = cli("validate", str(path))
    assert_bad_input(result, "description: holds control or escape characters")
    assert "\x1b" not in result.stderr + result.stdout
    assert "\\x1b" in result.stderr


def test_a_file_name_with_an_escape_is_printed_escaped(tmp_path):
    path = tmp_path / f"evil{ESCAPE}.yaml"
    result = cli("validate", str(path))
    assert result.returncode == 2
    assert "\x1b" not in result.stderr
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07.yaml" in result.stderr


def test_what_is_printed_is_escaped_line_breaks_and_tabs_kept():
    from score_sim.text_safety import printable, printable_line, shown

    assert printable(f"a{ESCAPE}\nb\tc") == "a\\x1b[2J\\x1b]0;pwned\\x07\nb\tc"
    assert printable_line("a\nb\u2028c\u202e") == "a\\x0ab\\u2028c\\u202e"
    assert shown("x" * 100) == "'" + "x" * 56 + "..."


def test_the_apps_info_tab_shows_scenario_html_as_text(tmp_path, monkeypatch):
    import ipyvuetify as vw
    import solara

    from score_sim.app import page as app
    from score_sim.app.controls import Settings
    from score_sim.app.offer import Offer
    from score_sim.app.session import Session
    from score_sim.app.widgets import INFO_TAB

    data = small_data(
        description="WHAT IT IS\n\nA city <img src=x onerror=alert(1)> & <script>x()</script>"
    )
    path = write(tmp_path, data, "lesson.yaml")
    offer = Offer([str(path)])
    monkeypatch.setattr(
        app,
        "Session",
        lambda: Session(Settings(scenario=str(path), citizens="200", firms="10"), offer=offer),
    )
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(vw.Tabs).widget.v_model = INFO_TAB
    shown = " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "&lt;script&gt;" in shown
    assert "<img src=x" not in shown and "<script>" not in shown


# --------------------------------------------------------------------------- odd files


@pytest.mark.parametrize("command", ["validate", "run", "explain"])
def test_a_fifo_as_a_scenario_is_refused_without_opening_it(tmp_path, command):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = cli(command, str(fifo))
    assert_bad_input(result)
    assert result.stderr.splitlines() == [
        f"error: {fifo}: is a named pipe (FIFO), not a regular file"
    ]


def test_a_device_or_a_directory_as_a_scenario_is_named(tmp_path):
    result = cli("validate", "/dev/zero", str(tmp_path))
    assert result.returncode == 2
    assert "error: /dev/zero: is a device, not a regular file" in result.stderr.splitlines()
    assert f"error: {tmp_path}: is a folder, not a scenario file" in result.stderr.splitlines()


def test_a_very_long_scenario_file_name_is_named(tmp_path):
    path = tmp_path / ("s" * 300 + ".yaml")
    result = cli("validate", str(path))
    assert_bad_input(result, "sssssss.yaml: file name too long")
    assert "file name too long (305 bytes in one part" in result.stderr
