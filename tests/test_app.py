"""The browser app without a browser: controls, sessions, figures, Info, the page, the server.

The page is rendered in-process with ``solara.render`` and its widgets found with
``rc.find``, as Solara's and Mesa's own tests do; tests/test_app_browser.py drives the same
page in Chromium.
"""

from __future__ import annotations

import re
import socket
import threading

import ipyvuetify as vw
import numpy as np
import pytest
import solara

from score_sim.app import figures, info, server, widgets
from score_sim.app import page as app
from score_sim.app.controls import (
    GENERAL,
    MAX_CITIZENS,
    Settings,
    check_settings,
    control_value,
    parse_whole_number,
    rule_controls,
)
from score_sim.app.session import Session
from score_sim.explain import explain_scenario
from score_sim.scenario import bundled_scenarios, load_scenario

PNG = b"\x89PNG\r\n\x1a\n"
SMALL = Settings(citizens="1,000", firms="50")


def controls_of(name: str) -> dict:
    return {c.key: c for c in rule_controls(load_scenario(name))}


# --- controls -------------------------------------------------------------------------


def test_the_rules_being_taught_are_offered_with_units():
    controls = controls_of("baseline")
    expected = {
        "score.half_life_days": "days",
        "lists.blacklist.enter.score_below": "points",
        "lists.blacklist.min_days": "days",
        "lists.blacklist.max_days": "days",
        "lists.redlist.enter.score_at_least": "points",
        "effects.enabled": "",
        "errors.false_finding_rate_per_year": "per actor per year",
        "errors.malicious_denunciation_rate_per_year": "per citizen per year",
    }
    for key, unit in expected.items():
        assert controls[key].unit == unit
    # the baseline restricts nobody, so there is no reach to switch
    assert not [key for key in controls if key.startswith("sanctions.reach")]
    reach = controls_of("sanction_cascade")
    assert reach["sanctions.reach.family"].restrictions == ("travel", "school_access")
    assert reach["sanctions.reach.family"].override(False) == []
    assert reach["sanctions.reach.family"].override(True) == ["travel", "school_access"]


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("score.half_life_days", 365, "365 days"),
        ("score.half_life_days", None, "never fades"),
        ("lists.blacklist.enter.score_below", 850, "850 points"),
        ("errors.false_finding_rate_per_year", 0.1, "0.1 per actor per year"),
        ("effects.enabled", False, "off"),
    ],
)
def test_a_control_shows_its_value_with_its_unit(key, value, text):
    assert controls_of("baseline")[key].format(value) == text


def test_every_slider_starts_at_the_scenarios_own_value():
    for name in bundled_scenarios():
        scenario = load_scenario(name)
        for control in rule_controls(scenario):
            value = control_value(scenario, control)
            if control.kind in ("int", "float") and value is not None:
                assert control.minimum <= value <= control.maximum, (name, control.key)


@pytest.mark.parametrize(
    ("text", "number"), [("7", 7), ("10,000", 10_000), (" 1_000 ", 1000), ("2e3", 2000), ("", None)]
)
def test_parse_whole_number(text, number):
    assert parse_whole_number(text, "Citizens") == number


@pytest.mark.parametrize("text", ["abc", "1.5", "-3"])
def test_parse_whole_number_refuses_with_a_sentence(text):
    with pytest.raises(ValueError, match="Citizens must be"):
        parse_whole_number(text, "Citizens")


def test_bad_boxes_get_one_message_each():
    scenario, messages = check_settings(Settings(citizens="-5", firms="many", days="0", seed="abc"))
    assert scenario is None
    assert messages == {
        "population.citizens": "Citizens must be at least 0, not -5",
        "population.firms": "Firms must be a whole number, not 'many'",
        "run.steps": "Days must be at least 1, not 0",
        "run.seed": "The seed must be a whole number, not 'abc'",
    }


def test_a_city_too_big_for_a_classroom_server_is_refused():
    _, messages = check_settings(Settings(citizens=f"{MAX_CITIZENS + 1}"))
    assert "at most 1,000,000 citizens" in messages["population.citizens"]


def test_a_stay_shorter_than_its_minimum_is_reported_on_both_sliders():
    settings = Settings(rules={"lists.blacklist.min_days": 900, "lists.blacklist.max_days": 100})
    scenario, messages = check_settings(settings)
    assert scenario is None
    assert set(messages) == {"lists.blacklist.min_days", "lists.blacklist.max_days"}
    assert "max_days (100) must be at least min_days (900)" in messages["lists.blacklist.max_days"]


def test_controls_become_scenario_values():
    scenario, messages = check_settings(
        Settings(
            scenario="sanction_cascade",
            citizens="3000",
            days="40",
            seed="9",
            rules={
                "score.half_life_days": None,
                "effects.enabled": True,
                "sanctions.reach.family": False,
                "lists.blacklist.min_days": 30,
            },
        )
    )
    assert messages == {}
    assert scenario is not None
    assert scenario.score.half_life_days is None
    assert scenario.effects.enabled is True
    assert scenario.sanctions.reach.family == ()
    assert scenario.lists["blacklist"].min_days == 30
    assert (scenario.population.citizens, scenario.run.steps, scenario.run.seed) == (3000, 40, 9)


def test_blank_days_and_seed_are_the_scenarios():
    scenario, _ = check_settings(Settings(scenario="pariah_spiral"))
    assert scenario is not None
    assert (scenario.run.steps, scenario.run.seed) == (730, 42)


def test_an_unknown_scenario_is_a_general_message():
    scenario, messages = check_settings(Settings(scenario="no_such_scenario"))
    assert scenario is None
    assert messages[GENERAL] == (
        "'no_such_scenario' is not one of the scenarios this app offers; choose one from the list"
    )


# --- sessions -------------------------------------------------------------------------


def test_stepping_never_passes_the_last_day():
    session = Session(Settings(citizens="500", firms="25", days="5"))
    assert session.day_text() == "day 0 of 5"
    assert session.step(10) == 5
    assert session.finished
    assert session.step() == 0
    assert session.day_text() == "day 5 of 5"
    assert len(session.model.timeseries()["step"]) == 6


def test_play_runs_to_the_last_day_and_redraws():
    session = Session(Settings(citizens="500", firms="25", days="30"))
    frames = []
    done = session.play(threading.Event(), None, lambda: frames.append(session.day), 0.0)
    assert done == 30
    assert session.finished
    assert frames[-1] == 30
    assert 1 <= len(frames) <= 31


def test_play_stops_when_paused():
    session = Session(Settings(citizens="500", firms="25", days="30"))
    stop = threading.Event()
    done = session.play(stop, None, stop.set, frame_seconds=0.0)
    assert done == 1
    assert session.day == 1


def test_play_stops_at_a_reset():
    session = Session(Settings(citizens="500", firms="25", days="30"))
    done = session.play(threading.Event(), None, session.reset, frame_seconds=0.0)
    assert done == 1
    assert session.day == 0  # the rebuilt city was not stepped by the old Play


def test_play_keeps_its_pace():
    session = Session(Settings(citizens="500", firms="25", days="400"))
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    done = session.play(stop, 20.0, lambda: None)
    timer.cancel()
    assert 5 <= done <= 14  # 20 days a second for half a second, give or take a frame


def test_two_sessions_share_nothing():
    first, second = Session(SMALL), Session(SMALL)
    first.step(3)
    assert (first.day, second.day) == (3, 0)
    assert first.model is not second.model
    assert first.model.world.score is not second.model.world.score
    second.apply(Settings(citizens="600", firms="30", seed="5"))
    assert first.model.world.n_citizens == 1000
    assert first.day == 3


def test_bad_settings_change_nothing():
    session = Session(SMALL)
    session.step(2)
    model = session.model
    messages = session.apply(Settings(seed="abc"))
    assert messages == {"run.seed": "The seed must be a whole number, not 'abc'"}
    assert session.model is model
    assert session.day == 2


def test_reset_rebuilds_the_same_city_at_day_zero():
    session = Session(SMALL)
    session.step(20)
    first = session.model.timeseries()["citizen_mean_score"].copy()
    session.reset()
    assert session.day == 0
    session.step(20)
    assert np.array_equal(session.model.timeseries()["citizen_mean_score"], first)


def test_a_twin_without_a_change_is_the_same_world():
    session = Session(Settings(scenario="pariah_spiral", citizens="1,500", firms="75"))
    control = controls_of("pariah_spiral")["effects.enabled"]
    assert session.start_twin(control, True) == {}
    session.step(60)
    a, b = session.model.timeseries(), session.twin.timeseries()
    assert all(np.array_equal(a[c], b[c], equal_nan=True) for c in a)
    assert session.twin_summary() == {"harmed_only_in_a": 0, "harmed_only_in_b": 0}


def test_twin_worlds_differ_only_through_the_changed_rule():
    session = Session(Settings(scenario="sanction_cascade", citizens="2,000", firms="100"))
    session.step(5)
    control = controls_of("sanction_cascade")["sanctions.reach.family"]
    assert session.start_twin(control, False) == {}
    assert (session.day, session.twin.steps) == (0, 0)  # both worlds restart
    session.step(120)
    a, b = session.model.timeseries(), session.twin.timeseries()
    # family members are no longer reached in B: fewer restricted, nobody harmed only in B
    assert b["citizen_n_restricted"][-1] < a["citizen_n_restricted"][-1]
    counts = session.twin_summary()
    assert counts["harmed_only_in_a"] > 0
    assert counts["harmed_only_in_b"] == 0
    # the reach rule does not touch conduct or findings: the same events in both worlds
    assert np.array_equal(a["n_true_findings"], b["n_true_findings"])
    session.stop_twin()
    assert session.twin is None and session.day == 120


def test_a_twin_change_that_breaks_a_rule_is_refused():
    session = Session(SMALL)
    control = controls_of("baseline")["lists.blacklist.max_days"]
    messages = session.start_twin(control, 10)  # below min_days 180
    assert "must be at least min_days" in messages[GENERAL]
    assert session.twin is None


# --- figures and Info -----------------------------------------------------------------


@pytest.fixture(scope="module")
def stepped() -> Session:
    session = Session(Settings(scenario="rongcheng_city", citizens="3,000", firms="150"))
    session.step(60)
    return session


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_every_cli_figure_is_drawn_for_the_run_so_far(stepped, name):
    png = stepped.render(name)
    assert png.startswith(PNG)
    assert len(png) > 10_000


def test_the_page_gets_svg_with_text_as_paths(stepped):
    svg = stepped.render("scores", image_format="svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"<text" not in svg  # glyphs as paths: no font needed in the browser
    with pytest.raises(ValueError, match="no image format 'gif'"):
        stepped.render("scores", image_format="gif")


def test_figures_show_citizens_only_unless_firms_are_asked_for(stepped):
    snapshot = figures.Snapshot.of(stepped.model, "scores", firms=False)
    assert not [k for k in snapshot.timeseries if k.startswith("firm_")]

    def panels(firms: bool) -> int:
        figure = figures.draw(figures.Snapshot.of(stepped.model, "scores", firms), "scores")
        return sum(1 for ax in figure.axes if ax.get_visible() and ax.has_data())

    assert panels(firms=False) == 1
    assert panels(firms=True) == 2  # the CLI's figure
    assert stepped.render("scores").startswith(PNG)


def test_an_unknown_figure_is_named():
    with pytest.raises(KeyError, match="no figure 'map'"):
        figures.draw(figures.Snapshot.of(Session(SMALL).model), "map")


def test_twin_axes_do_not_turn_a_small_drift_into_a_collapse(stepped):
    a = figures.Snapshot.of(stepped.model)
    drifted = {k: v.copy() for k, v in a.timeseries.items()}
    drifted["citizen_mean_score"] = drifted["citizen_mean_score"] - np.linspace(
        0, 2, len(drifted["step"])
    )
    b = figures.Snapshot(drifted, a.context, a.summary, a.cascades)
    fig = figures.draw_twins(a, b, "A", "B")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    differences = [ax for ax in axes if ax.get_ylabel() == "B − A"]
    mains = [ax for ax in axes if ax.get_title() and ax not in differences]
    twins = differences
    titles = [ax.get_title() for ax in mains]
    assert titles[0] == "Citizens' mean score"
    assert not any("_" in title for title in titles)  # words, not column names
    low, high = mains[0].get_ylim()
    assert high - low >= 0.1 * (1300 - 600)  # a tenth of the score scale at least
    twin_low, twin_high = twins[0].get_ylim()
    assert twin_high - twin_low == pytest.approx(high - low)  # the difference on the same span
    assert twin_low == pytest.approx(-twin_high)
    for ax in mains[1:]:
        assert ax.get_ylim()[0] == 0.0  # counts and shares start at zero


def test_twin_figure_is_a_png(stepped):
    session = Session(SMALL)
    assert session.render_twins() is None
    session.start_twin(controls_of("baseline")["score.half_life_days"], 30)
    session.step(10)
    assert session.render_twins().startswith(PNG)


@pytest.mark.parametrize("name", list(bundled_scenarios()))
def test_info_has_the_four_sections_and_the_ledger_of_explain(name):
    scenario = load_scenario(name)
    headings = [h for h, _ in info.description_sections(scenario.description)]
    # the four sections in order; a scenario may add its own (CALIBRATION, A DEPARTURE...)
    assert [h for h in headings if h in info.SECTIONS] == list(info.SECTIONS)
    rows = info.evidence_ledger(scenario)
    counts = re.search(r"NUMBERS: (\d+): (.*?) \(an assumption", explain_scenario(scenario))
    assert counts is not None and int(counts[1]) == len(rows)
    table = info.ledger_markdown(scenario)
    # the table states the same counts per level as explain, and has a row per number
    assert counts[2] in table
    assert table.count("\n| `") == len(rows)
    assumed = sum(1 for r in rows if r.level.value == "assumption")
    assert table.count(" | assumption | ") == assumed > 0
    # as the page shows it: the same rows, each number named in words
    words = info.ledger_markdown(scenario, in_words=True)
    assert words.count(" | assumption | ") == assumed and "`" not in words
    assert words.count("\n| ") == len(rows) + 2  # the header, its rule and a row per number
    first = rows[0]
    assert f"| {' › '.join(first.key.replace('_', ' ').split('.'))} | {first.value:g} |" in words


# --- the page -------------------------------------------------------------------------


_DRAWN: dict[str, bytes | None] = {}


@pytest.fixture
def sessions(monkeypatch) -> list[Session]:
    """Every Session the page creates, built small; each figure is drawn once per test run
    (the figures have their own tests above: these are about the page)."""
    made: list[Session] = []

    class SmallSession(Session):
        def __init__(self) -> None:
            super().__init__(Settings(citizens="800", firms="40", days="12"))
            made.append(self)

        def render(
            self, figure: str, firms: bool = False, image_format: str = "png", projector=False
        ) -> bytes:
            key = f"{figure}:{firms}:{image_format}:{projector}"
            if key not in _DRAWN:
                _DRAWN[key] = super().render(figure, firms, image_format, projector)
            return _DRAWN[key]

        def render_twins(self, image_format: str = "png", projector=False) -> bytes | None:
            if self.twin is None:
                return None
            key = f"twins:{image_format}:{projector}"
            if key not in _DRAWN:
                _DRAWN[key] = super().render_twins(image_format, projector)
            return _DRAWN[key]

    monkeypatch.setattr(app, "Session", SmallSession)
    return made


def texts(rc) -> list[str]:
    return [
        str(child)
        for html in rc.find(vw.Html).widgets
        for child in html.children
        if isinstance(child, str)
    ]


def render_page():
    _, rc = solara.render(app.Page(), handle_error=False)
    return rc


def test_page_steps_and_resets(sessions):
    rc = render_page()
    assert "day 0 of 12" in texts(rc)
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert "day 1 of 12" in texts(rc)
    assert sessions[0].day == 1
    sessions[0].step(11)
    rc.find(vw.Btn, children=["Reset"]).widget.click()
    assert sessions[0].day == 0


def test_each_page_has_its_own_city(sessions):
    first, second = render_page(), render_page()
    first.find(vw.Btn, children=["Step"]).widget.click()
    first.find(vw.Btn, children=["Step"]).widget.click()
    assert len(sessions) == 2
    assert (sessions[0].day, sessions[1].day) == (2, 0)
    assert "day 0 of 12" in texts(second)


def alerts(rc) -> list[str]:
    return [str(a.children[0]) for a in rc.find(vw.Alert).widgets if a.children]


def html_of(rc) -> str:
    return " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def test_bad_seed_is_answered_next_to_its_box_and_the_page_works_on(sessions):
    rc = render_page()
    seed = rc.find(vw.TextField, label="Seed").widget
    seed.v_model = "abc"
    seed.fire_event("keyup.enter")
    assert seed.error is True
    assert seed.messages == ["The seed must be a whole number, not 'abc'"]
    assert rc.find(vw.Btn, children=["Apply and reset"]).widget.disabled
    rc.find(vw.Btn, children=["Reset"]).widget.click()  # refused, with a reason
    assert any(a.startswith("Not reset: a control on the left") for a in alerts(rc))
    rc.find(vw.Btn, children=["Step"]).widget.click()  # the page works on
    assert sessions[0].day == 1
    seed.v_model = "5"
    seed.fire_event("keyup.enter")
    assert seed.error is False
    rc.find(vw.Btn, children=["Apply and reset"]).widget.click()
    assert sessions[0].scenario.run.seed == 5
    assert sessions[0].day == 0
    assert not any(a.startswith("Not reset") for a in alerts(rc))


def test_a_switch_changes_its_rule_on_apply(sessions):
    rc = render_page()
    assert not pending(rc)
    rc.find(
        vw.Switch, label="Feedback: restrictions make misconduct likelier: on"
    ).widget.v_model = False
    # announced next to Reset, saying what waits
    assert pending(rc) == ["Changed: press Reset to apply. Waiting: 1 rule."]
    assert sessions[0].scenario.effects.enabled is True  # not until Reset
    rc.find(vw.Btn, children=["Apply and reset"]).widget.click()
    assert sessions[0].scenario.effects.enabled is False
    assert not pending(rc)


def pending(rc) -> list[str]:
    return [t for t in texts(rc) if t.startswith("Changed: press Reset")]


def test_the_info_tab_shows_the_description_and_the_ledger(sessions):
    rc = render_page()
    assert "What it is" not in html_of(rc)
    rc.find(vw.Tabs).widget.v_model = widgets.INFO_TAB
    shown = html_of(rc)
    headings = ("What it is", "How it works", "How to use it", "Things to notice")
    for heading in (*headings, "Things to try", "Sources", "The matching lesson"):
        assert f"<h4>{heading}</h4>" in shown
    assert "documented" in shown and "assumption" in shown and "<table>" in shown
    # written for the page: no flags, no file keys, no key paths in the ledger
    tries = shown[shown.index("<h4>Things to try</h4>") : shown.index("<h4>Sources</h4>")]
    assert "--set" not in tries and "summary.json" not in tries and "Apply" in tries
    assert "lists › blacklist › min days" in shown and "<code>" not in shown
    rc.find(vw.Btn, children=["Set up Lesson 1: What is a points regime?"]).widget.click()
    assert sessions[0].lesson is not None and sessions[0].lesson.number == 1
    assert sessions[0].twin is not None


def test_the_twin_tab_starts_twin_worlds(sessions):
    rc = render_page()
    rc.find(vw.Tabs).widget.v_model = widgets.TWIN_TAB
    rc.find(vw.Btn, children=["Start twin worlds"]).widget.click()
    assert sessions[0].twin is not None
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert (sessions[0].day, sessions[0].twin.steps) == (1, 1)
    assert "data:image/svg+xml;base64," in html_of(rc)
    rc.find(vw.Btn, children=["Back to one world"]).widget.click()
    assert sessions[0].twin is None


# --- the server ------------------------------------------------------------------------


def test_the_assets_the_page_asks_for_are_installed():
    """The offline promise without a browser: solara's template's pinned front-end bundle
    and its loader are in the folder solara-assets fills."""
    from pathlib import Path

    import solara.server

    template = (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()
    app_bundle = re.search(r"@widgetti/solara-vuetify-app@[\d.]+", template)
    assert app_bundle is not None
    assets = server.assets_dir()
    for needed in (app_bundle[0], "requirejs@2.3.6", "font-awesome@4.5.0"):
        assert (assets / needed).is_dir(), f"{needed} is not in {assets}"


def test_a_busy_port_is_refused_with_a_sentence():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(server.AppStartError, match=f"port {port} on 127.0.0.1 is in use"):
            server.check_address("127.0.0.1", port)


@pytest.mark.parametrize(
    ("host", "port", "message"),
    [("127.0.0.1", 0, "between 1 and 65535"), ("no-such-host.invalid", 8765, "not a name")],
)
def test_bad_addresses_are_refused(host, port, message):
    with pytest.raises(server.AppStartError, match=message):
        server.check_address(host, port)


def test_the_address_printed_is_one_a_browser_opens():
    assert server.url_of("127.0.0.1", 8765) == "http://localhost:8765"
    assert server.url_of("0.0.0.0", 80) == "http://0.0.0.0:80"
    assert server.missing_extra() is None


def test_score_sim_app_on_a_busy_port_exits_2_with_a_sentence():
    import os
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "score_sim", "app", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "CI": "true"},
            check=False,
        )
    assert result.returncode == 2
    assert f"error: port {port} on 127.0.0.1 is in use" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_the_info_tab_reads_every_bundled_scenario_in_words():
    from score_sim.scenario import load_scenario as load

    for name in bundled_scenarios():
        scenario = load(name)
        sections = dict(info.app_sections(scenario, rule_controls(scenario)))
        assert "How to use it" in sections and "Things to try" in sections, name
        for key, entry in scenario.sources.items():
            text = info.source_text(entry)
            assert isinstance(text, str) and text and "Evidence(" not in text, (name, key)
