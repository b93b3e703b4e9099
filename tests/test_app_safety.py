"""The app's server trusts no browser: offered values only, no fetching, memory budgets.

Everything here runs in-process (``solara.render`` for the page) except the asset route's
test through HTTP, which uses Starlette's test client on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import ipyvuetify as vw
import pytest
import solara

from score_sim.app import assets, offer
from score_sim.app import page as app
from score_sim.app.budget import Budget, city_bytes
from score_sim.app.controls import GENERAL, Settings, check_settings, rule_controls
from score_sim.app.offer import Offer
from score_sim.app.session import Session
from score_sim.scenario import bundled_dir, load_scenario

SMALL = Settings(citizens="400", firms="20", days="10")
MIB = 2**20


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every scenario file the code under test reads."""
    import score_sim.scenario.loading

    seen: list[str] = []
    original = score_sim.scenario.loading.read_yaml

    def recording(path, text=None):
        seen.append(str(path))
        return original(path, text)

    monkeypatch.setattr(score_sim.scenario.loading, "read_yaml", recording)
    return seen


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "credentials.yaml"
    path.write_text("name: x\npassword: hunter2-secret\n", encoding="utf-8")
    return path


# --- the scenario a page chooses ------------------------------------------------------


def test_a_path_sent_as_the_scenario_is_refused_without_reading_it(reads, secret):
    scenario, messages = check_settings(Settings(scenario=str(secret)))
    assert scenario is None
    assert set(messages) == {GENERAL}
    assert "is not one of the scenarios this app offers" in messages[GENERAL]
    assert "hunter2" not in messages[GENERAL]
    assert reads == []


def test_a_fifo_sent_as_the_scenario_is_refused_without_opening_it(reads, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    session = Session(SMALL)
    messages = session.apply(Settings(scenario=str(fifo), citizens="400", firms="20"))
    assert "is not one of the scenarios this app offers" in messages[GENERAL]
    assert all(Path(read).parent == bundled_dir() for read in reads), reads


def test_the_teachers_files_are_offered_and_nothing_else(tmp_path, write_scenario):
    from conftest import small_data

    mine = write_scenario(small_data(name="lesson_one"), name="lesson.yaml")
    other = write_scenario(small_data(name="not_offered"), name="other.yaml")
    offered = Offer([str(mine)])
    assert offered.names()[0] == str(mine)
    assert offered.default() == str(mine)
    assert "baseline" in offered.names()
    scenario, messages = check_settings(
        Settings(scenario=str(mine), citizens="300", firms="10"), offered
    )
    assert messages == {} and scenario is not None and scenario.name == "lesson_one"
    _, messages = check_settings(Settings(scenario=str(other)), offered)
    assert "is not one of the scenarios this app offers" in messages[GENERAL]


def test_the_page_refuses_a_scenario_it_did_not_offer(reads, secret, monkeypatch):
    monkeypatch.setattr(app, "Session", lambda: Session(SMALL))
    _, rc = solara.render(app.Page(), handle_error=False)
    select = rc.find(vw.Select, label="Scenario").widget
    before = len(reads)
    select.v_model = str(secret)
    assert reads[before:] == []
    errors = [str(t.children[0]) for t in rc.find(vw.Html, class_="score-sim-error").widgets]
    assert "that scenario is not offered here; choose one from the list" in errors
    rc.find(vw.Btn, children=["Apply and reset"]).widget.click()
    assert "hunter2" not in str(rc.find(vw.Alert).widgets)


def test_score_sim_app_checks_the_teachers_files_before_it_starts(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\npopulation: {citizens: -3}\n", encoding="utf-8")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "score_sim",
            "app",
            "--port",
            str(port),
            "--scenario",
            str(bad),
            "--scenario",
            str(fifo),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CI": "true"},
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert f"error: {bad}:2:14 population.citizens: must be at least 0, not -3" in lines
    assert any(line.startswith(f"error: {fifo}: is a named pipe") for line in lines), lines
    assert "Traceback" not in result.stderr
    assert "open http" not in result.stdout


# --- the values a page sends -------------------------------------------------------------


def controls(name: str = "baseline") -> dict:
    return {c.key: c for c in rule_controls(load_scenario(name))}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "score.half_life_days",
            5000,
            "Half-life of a finding: 5000 is outside the slider's range 7 to 1825 days",
        ),
        (
            "errors.false_finding_rate_per_year",
            0.9,
            "False findings: 0.9 is outside the slider's range 0 to 0.5 per actor per year",
        ),
        ("lists.blacklist.min_days", 2.5, "Shortest stay: a whole number is needed, not 2.5"),
        ("effects.enabled", 1, "Feedback: restrictions make misconduct likelier: a switch is "
         "on or off, not 1"),
        ("lists.blacklist.max_days", "9" * 500, "Longest stay: a number is needed, not "
         "'99999999999999999999999999999999999999999999999999999999..."),
        ("lists.blacklist.max_days", None, "Longest stay: this rule cannot be switched off"),
    ],
)  # fmt: skip
def test_a_value_no_slider_offers_is_refused_on_the_server(key, value, message):
    scenario, messages = check_settings(Settings(rules={key: value}))
    assert scenario is None
    assert messages == {key: message}


def test_a_slider_range_widened_to_the_scenarios_own_value_holds_that_value():
    control = controls()["score.half_life_days"]
    assert control.maximum == 1825
    own = load_scenario("baseline").score.half_life_days
    scenario, messages = check_settings(Settings(rules={control.key: own}))
    assert messages == {} and scenario is not None


def test_twin_worlds_refuse_a_value_outside_the_offer():
    session = Session(SMALL)
    messages = session.start_twin(controls()["score.half_life_days"], 10_000)
    assert messages == {
        GENERAL: "world B: Half-life of a finding: 10000 is outside the slider's range 7 to "
        "1825 days"
    }
    assert session.twin is None


def test_the_page_refuses_values_outside_its_controls_and_keeps_working(monkeypatch):
    made: list[Session] = []

    def small() -> Session:
        made.append(Session(SMALL))
        return made[-1]

    monkeypatch.setattr(app, "Session", small)
    _, rc = solara.render(app.Page(), handle_error=False)
    slider = rc.find(vw.Slider, class_=None).widgets[0]
    slider.v_model = 1e9
    errors = [str(t.children[0]) for t in rc.find(vw.Html, class_="score-sim-error").widgets]
    assert "Half-life of a finding: 1e+09 is outside the slider's range 7 to 1825 days" in errors
    seed = rc.find(vw.TextField, label="Seed").widget
    seed.v_model = "7" * 5000
    seed.fire_event("keyup.enter")
    assert seed.messages == ["Seed: at most 40 characters"]
    rc.find(vw.Tabs).widget.v_model = "not a tab"  # ignored: the tab stays
    rc.find(vw.Tabs).widget.v_model = 99
    rc.find(vw.Select, label="Play speed").widget.v_model = "1e9 days/s"
    rc.find(vw.Btn, children=["Apply and reset"]).widget.click()
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert made[0].day == 1
    assert made[0].scenario.score.half_life_days == load_scenario("baseline").score.half_life_days


# --- assets: packaged only, never fetched ------------------------------------------------


@pytest.fixture
def unreachable_network(monkeypatch) -> list[object]:
    """The network is unreachable: every connection attempt fails, and is recorded."""
    attempts: list[object] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def http_get(application, path: str) -> tuple[int, bytes]:
    """One GET request to an ASGI application, in-process, as from 127.0.0.1."""
    import asyncio

    sent: list[dict] = []
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "scheme": "http",
        "server": ("127.0.0.1", 8765),
        "client": ("127.0.0.1", 50000),
        "http_version": "1.1",
    }

    requested: list[bool] = []

    async def main() -> None:
        done = asyncio.Event()

        async def receive() -> dict:
            if not requested:
                requested.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await application(scope, receive, send)

    asyncio.run(main())
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning")
def test_the_asset_route_serves_packaged_files_and_fetches_nothing(unreachable_network):
    import solara.server.starlette as solara_starlette
    from starlette.applications import Starlette
    from starlette.routing import Mount

    folder = assets.assets_dir()
    files_before = sum(1 for _ in folder.rglob("*"))
    assets.serve_packaged_assets_only()
    route = Starlette(
        routes=[Mount("/_solara/cdn", app=solara_starlette.StaticCdn(directory=folder))]
    )
    status, body = http_get(route, "/_solara/cdn/requirejs@2.3.6/require.js")
    assert status == 200
    assert body == (folder / "requirejs@2.3.6" / "require.js").read_bytes()
    for path in (
        "left-pad@1.3.0/index.js",  # a package not installed
        "requirejs@2.3.6/other.js",  # a file the package does not have
        "requirejs@2.3.6",  # a package's folder
        "requirejs@2.3.6/bin",  # a folder inside it (Solara's helper would delete it)
        "../../../etc/passwd",
    ):
        assert http_get(route, f"/_solara/cdn/{path}")[0] == 404, path
    assert unreachable_network == []
    assert sum(1 for _ in folder.rglob("*")) == files_before
    assert (folder / "requirejs@2.3.6" / "bin").is_dir()


def test_solaras_download_helpers_are_offline(unreachable_network):
    from solara.server import cdn_helper

    assets.serve_packaged_assets_only()
    folder = assets.assets_dir()
    with pytest.raises(FileNotFoundError, match="not a packaged asset"):
        cdn_helper.get_path(folder, "left-pad@1.3.0/index.js")
    with pytest.raises(FileNotFoundError):
        cdn_helper.get_data(folder, "left-pad@1.3.0/index.js")
    assert cdn_helper.get_path(folder, "requirejs@2.3.6/require.js").is_file()
    assert unreachable_network == []


def test_a_file_added_to_the_asset_folder_is_not_served(tmp_path, monkeypatch):
    folder = tmp_path / "cdn"
    (folder / "pkg@1.0.0").mkdir(parents=True)
    (folder / "pkg@1.0.0" / "index.js").write_text("// packaged\n")
    monkeypatch.setattr(
        assets, "packaged_files", lambda root: frozenset({str(folder / "pkg@1.0.0" / "index.js")})
    )
    (folder / "pkg@1.0.0" / "dropped.js").write_text("// not packaged\n")
    (folder / "pkg@1.0.0" / "link.js").symlink_to("/etc/hostname")
    assert assets.packaged_path("pkg@1.0.0/index.js", folder) == folder / "pkg@1.0.0" / "index.js"
    assert assets.packaged_path("pkg@1.0.0/dropped.js", folder) is None
    assert assets.packaged_path("pkg@1.0.0/link.js", folder) is None
    assert assets.packaged_path("pkg@1.0.0/../../../etc/hostname", folder) is None


# --- memory budgets ---------------------------------------------------------------------


def small_budget(**kwargs) -> Budget:
    return Budget(**{"session_bytes": 400 * MIB, "server_bytes": 1000 * MIB, **kwargs})


def test_a_city_over_the_tabs_budget_is_refused_and_the_tab_keeps_its_city():
    budget = small_budget(session_bytes=10 * MIB)
    session = Session(SMALL, budget=budget)
    session.step(2)
    messages = session.apply(Settings(citizens="100,000", firms="500"))
    need = city_bytes(check_settings(Settings(citizens="100,000", firms="500"))[0])
    assert messages == {
        GENERAL: f"this city needs about {need / MIB:,.0f} MiB of memory; one tab of this app "
        "may use 10 MiB. Choose fewer citizens or firms, or fewer days"
    }
    assert session.day == 2
    assert budget.held() == city_bytes(session.scenario)


def test_twenty_tabs_asking_for_big_cities_share_the_servers_budget():
    big = Settings(citizens="200,000", firms="1,000", days="5")
    need = city_bytes(check_settings(big)[0])
    budget = small_budget(session_bytes=need + MIB, server_bytes=3 * need + MIB)
    tabs = [Session(SMALL, budget=budget) for _ in range(20)]
    answers = [tab.apply(big) for tab in tabs]
    built = [tab for tab, answer in zip(tabs, answers, strict=True) if not answer]
    refused = [answer[GENERAL] for answer in answers if answer]
    # the first tabs get their cities until the server's budget is spent; the others are
    # told why, and keep their small cities
    assert len(built) == 2
    assert len(refused) == 18
    assert all("left of the" in message for message in refused)
    assert budget.held() <= budget.server_bytes
    assert all(tab.step(1) == 1 for tab in tabs)
    built[0].close()
    assert tabs[5].apply(big) == {}


def test_a_tab_refused_at_its_first_city_shows_why_and_builds_it_later(monkeypatch):
    budget = small_budget(server_bytes=1024)
    monkeypatch.setattr(app, "Session", lambda: Session(SMALL, budget=budget))
    _, rc = solara.render(app.Page(), handle_error=False)
    warnings = [str(a.children[0]) for a in rc.find(vw.Alert).widgets if a.children]
    assert any(w.startswith("Not built: this city needs about") for w in warnings), warnings
    assert rc.find(vw.Btn, children=["Step"]).widget.disabled
    budget.server_bytes = 1000 * MIB
    rc.find(vw.Btn, children=["Apply and reset"]).widget.click()
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert "day 1 of 10" in [
        str(c) for h in rc.find(vw.Html).widgets for c in h.children if isinstance(c, str)
    ]


def test_an_idle_tab_is_freed_and_built_again_on_reset():
    now = [1000.0]
    budget = small_budget(idle_seconds=600.0, clock=lambda: now[0])
    idle, busy = Session(SMALL, budget=budget), Session(SMALL, budget=budget)
    idle.step(3)
    now[0] += 400
    busy.step(1)
    now[0] += 300
    assert budget.free_idle() == 1
    assert idle.freed and not busy.freed
    assert idle.model is None and idle.finished and idle.step(1) == 0
    assert idle.headline() is None
    assert idle.notice.startswith("this tab's city was freed after 10 minutes without use")
    assert idle.day_text() == "no city (day 3 of 10 when freed)"
    assert budget.held() == city_bytes(busy.scenario)
    assert idle.apply(idle.settings) == {}
    assert idle.day == 0 and idle.step(1) == 1
    assert budget.holders() == 2


def test_a_closed_tab_gives_its_memory_back():
    budget = small_budget()
    session = Session(SMALL, budget=budget)
    assert budget.held() > 0
    session.close()
    assert budget.held() == 0 and session.freed


def test_a_collected_session_gives_its_memory_back():
    import gc

    budget = small_budget()
    Session(SMALL, budget=budget)
    gc.collect()
    assert budget.held() == 0


def test_the_servers_offer_comes_from_the_environment(monkeypatch, write_scenario):
    from conftest import small_data

    mine = write_scenario(small_data(name="lesson"), name="lesson.yaml")
    monkeypatch.setenv(offer.SCENARIOS_ENVIRONMENT, f'["{mine}"]')
    offer.set_offer(None)
    try:
        assert offer.current_offer().default() == str(mine)
    finally:
        offer.set_offer(None)
        monkeypatch.delenv(offer.SCENARIOS_ENVIRONMENT)
        offer.set_offer(None)
