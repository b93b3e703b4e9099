"""The browser app in a real browser: Debian's Chromium, headless, driven by playwright.

``score-sim app`` is started on a free loopback port; the browser may reach nothing else
(every other request is aborted and recorded, and host names other than localhost do not
resolve), and the server's own fallback to the CDN points at a loopback port that records
every connection (none may come), so the page must come entirely from what is installed: the
offline promise. One browser (a fresh
profile) serves every test; two tabs in it are two students.

Without Chromium these tests are skipped, saying why; in CI (``CI=true``) a missing
Chromium fails them instead (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
PENDING = "Changed: press Reset to apply."
TIMEOUT_MS = 45_000  # a loaded 2-core CI machine is slow to start a page


def _opening_days() -> int:
    """How many days the run a new page opens on lasts (its lesson's scenario's own)."""
    from score_sim.app.lessons import OPENING
    from score_sim.scenario import load_scenario

    return load_scenario(OPENING.scenario).run.steps


OPENING_DAYS = _opening_days()


def find_chromium() -> str | None:
    found = os.environ.get("SCORE_SIM_CHROMIUM") or next(
        (p for p in CHROMIUM_PATHS if Path(p).exists()), None
    )
    return found or shutil.which("chromium")


def _require_browser() -> str:
    chromium = find_chromium()
    reason = None
    if chromium is None:
        reason = "no Chromium found (apt-get install chromium; or set SCORE_SIM_CHROMIUM)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is not None:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    assert chromium is not None
    return chromium


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The app's server process, started but perhaps still importing."""

    def __init__(self, url: str, port: int, process: subprocess.Popen, cdn: socket.socket) -> None:
        self.url, self.port, self.process = url, port, process
        self.cdn = cdn
        """A listening socket standing in for the public CDN: nothing may connect to it."""

    def cdn_connections(self) -> int:
        """Connections made to the stand-in CDN so far."""
        count = 0
        while True:
            try:
                connection, _ = self.cdn.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1

    def wait_until_listening(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    output = self.process.stdout.read() if self.process.stdout else ""
                    raise AssertionError(f"the app did not start: {output}") from None
                time.sleep(0.2)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    _require_browser()
    port = free_port()
    cdn = socket.socket()
    cdn.bind(("127.0.0.1", 0))
    cdn.listen(16)
    cdn.setblocking(False)
    env = {
        **os.environ,
        # Solara's fallback for assets it lacks: a loopback port that counts connections
        "SOLARA_ASSETS_CDN": f"http://127.0.0.1:{cdn.getsockname()[1]}/",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "score_sim", "app", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert f"http://localhost:{port}" in first_line, first_line
        yield Server(f"http://127.0.0.1:{port}", port, process, cdn)
    finally:
        cdn.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Offline:
    """Aborts and records every request that would leave this machine."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.failed: list[str] = []

    def route(self, route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")


@pytest.fixture(scope="module")
def browser_context(server, tmp_path_factory):
    chromium = _require_browser()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # nothing but this machine resolves: the network is truly unavailable
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            ],
            viewport={"width": 1280, "height": 720},
        )
        context.set_default_timeout(TIMEOUT_MS)
        server.wait_until_listening()  # Chromium started while the server was importing
        offline = Offline()
        context.route("**/*", offline.route)
        context.on("response", offline.response)
        context.offline_log = offline
        try:
            yield context
        finally:
            context.close()


def open_tab(context, server: Server):
    page = context.new_page()
    page.goto(server.url)
    day(page, 0)
    return page


@pytest.fixture(scope="module")
def page(browser_context, server):
    return open_tab(browser_context, server)


def day(page, n: int, of: int = OPENING_DAYS) -> None:
    """Wait until the page says ``day n of M``."""
    page.get_by_text(f"day {n:,} of {of:,}", exact=True).wait_for()


def disabled(locator) -> None:
    """Wait until ``locator`` is a disabled control (a redraw may lag the text before it)."""
    from playwright.sync_api import expect

    expect(locator).to_be_disabled(timeout=TIMEOUT_MS)


def toolbar_button(page, name: str):
    return page.locator(".score-sim-toolbar").get_by_role("button", name=name, exact=True)


def click(page, name: str) -> None:
    toolbar_button(page, name).click()


def apply_and_reset(page) -> None:
    page.locator(".score-sim-sidebar").get_by_role("button", name="Apply and reset").click()


def figure_source(page) -> str:
    return page.locator(".score-sim-figure img").first.get_attribute("src") or ""


def type_into(page, name: str, text: str) -> None:
    field = page.locator(f".score-sim-input-{name} input")
    field.fill(text)
    field.press("Enter")


def test_page_loads_offline_and_fits_a_laptop_screen(page, browser_context):
    offline = browser_context.offline_log
    assert offline.blocked == []  # nothing even tried to leave the machine
    assert offline.failed == []  # and nothing the page asked for was missing
    img = page.locator(".score-sim-figure img").first
    img.wait_for()
    assert figure_source(page).startswith("data:image/svg+xml;base64,")
    assert img.evaluate("i => i.naturalWidth") > 500  # the figure really decoded
    # 1280x720: no sideways scrolling; the buttons and the figure's top are on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    for name in ("Step", "Play", "Reset"):
        box = toolbar_button(page, name).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720
    box = img.bounding_box()  # the whole figure on screen, and not a thumbnail
    assert box is not None and box["y"] + box["height"] <= 720 and box["width"] >= 450
    assert page.get_by_text("Half-life of a finding: 365 days").is_visible()


def test_step_redraws_and_reset_returns_to_day_zero(page):
    page.locator(".score-sim-tabs").get_by_role("tab", name="Scores", exact=True).click()
    page.locator(".score-sim-figure-one img").wait_for()
    before = figure_source(page)
    for n in (1, 2, 3):
        click(page, "Step")
        day(page, n)
    page.wait_for_function(
        "src => document.querySelector('.score-sim-figure img').src !== src", arg=before
    )
    click(page, "Reset")
    day(page, 0)


def test_bad_input_gets_a_message_next_to_its_box_and_the_page_keeps_working(page):
    type_into(page, "seed", "abc")
    seed_box = page.locator(".score-sim-input-seed")
    message = "The seed must be a whole number, not 'abc'"
    seed_box.get_by_text(message).wait_for()
    assert page.get_by_text("Traceback").count() == 0
    apply = page.locator(".score-sim-sidebar").get_by_role("button", name="Apply and reset")
    disabled(apply)  # the page redraws the button after the message: wait for it
    click(page, "Reset")  # the toolbar's Reset says why it cannot
    page.get_by_text("Not reset: a control on the left needs a different value").wait_for()
    type_into(page, "citizens", "-5")
    page.locator(".score-sim-input-citizens").get_by_text("at least 0").wait_for()
    type_into(page, "citizens", "2,000")
    type_into(page, "seed", "")
    seed_box.get_by_text(message).wait_for(state="detached")
    page.get_by_text(PENDING).wait_for()
    apply.click()
    page.get_by_text("rongcheng_city: 2,000 citizens, 500 firms, seed 42").wait_for()
    click(page, "Step")
    day(page, 1)


def test_a_slider_changes_a_rule_applied_on_reset(page):
    rule = page.locator(".rule-lists-court_defaulters-min_days")
    rule.get_by_text("Shortest stay: 180 days").wait_for()
    rule.get_by_role("slider").focus()
    page.keyboard.press("ArrowRight")
    rule.get_by_text("Shortest stay: 181 days").wait_for()
    page.get_by_text(PENDING).wait_for()
    apply_and_reset(page)
    day(page, 0)
    page.get_by_text(PENDING).wait_for(state="detached")
    rule.get_by_text("Shortest stay: 181 days").wait_for()


def test_play_stops_at_the_last_day(page):
    type_into(page, "days", "15")
    page.get_by_text(PENDING).wait_for()
    apply_and_reset(page)
    day(page, 0, of=15)
    click(page, "Play")
    day(page, 15, of=15)
    page.get_by_text("The last day has passed").wait_for()
    play = toolbar_button(page, "Play")
    play.wait_for()
    disabled(play)
    disabled(toolbar_button(page, "Step"))
    time.sleep(1.0)
    assert page.get_by_text("day 15 of 15", exact=True).is_visible()


def test_two_tabs_are_two_cities(browser_context, server, page):
    other = open_tab(browser_context, server)  # a fresh tab starts at day 0...
    try:
        other.get_by_text("rongcheng_city: 10,000 citizens, 500 firms, seed 42").wait_for()
        click(other, "Step")
        click(other, "Step")
        day(other, 2)
        # ...and moving it moved nothing in the first tab, nor the other way round
        assert page.get_by_text("day 15 of 15", exact=True).is_visible()
        click(page, "Reset")
        day(page, 0, of=15)
        assert other.get_by_text(f"day 2 of {OPENING_DAYS:,}", exact=True).is_visible()
        assert re.search(r"rongcheng_city: 2,000 citizens", page.content())
    finally:
        other.close()


def test_the_server_fetches_no_asset_it_lacks(page, server):
    """A request for any package's file is a 404: no connection out, nothing stored."""
    import urllib.error
    import urllib.request

    from score_sim.app.server import assets_dir

    before = sorted(p.name for p in assets_dir().iterdir())
    for path in ("left-pad@1.3.0/index.js", "requirejs@2.3.6/nope.js", "x@1.0.0"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{server.url}/_solara/cdn/{path}", timeout=30)
        assert caught.value.code == 404, path
    with urllib.request.urlopen(f"{server.url}/_solara/cdn/requirejs@2.3.6/require.js") as ok:
        assert ok.status == 200
    assert server.cdn_connections() == 0
    assert sorted(p.name for p in assets_dir().iterdir()) == before
