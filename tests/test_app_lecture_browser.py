"""The lecture hall in a real browser: lessons, projector mode at two screen sizes, clear state.

Debian's Chromium, headless, driven by playwright, offline (the server and browser fixtures of
:mod:`test_app_browser`). With ``SCORE_SIM_SCREENS=/some/folder`` each view is also saved as a
PNG there at 1280x720 and 1024x768.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_app_browser import (  # noqa: F401 (fixtures)
    PENDING,
    browser_context,
    click,
    day,
    server,
    toolbar_button,
)

SIZES = ((1280, 720), (1024, 768))
SCREENS = os.environ.get("SCORE_SIM_SCREENS")


def screenshot(page, name: str) -> None:
    if SCREENS:
        size = page.viewport_size
        folder = Path(SCREENS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}-{size['width']}x{size['height']}.png"))


@pytest.fixture(scope="module")
def page(browser_context, server):  # noqa: F811
    page = browser_context.new_page()
    page.goto(server.url)
    day(page, 0)
    return page


def on_screen(page, locator) -> bool:
    """Whether the element lies wholly inside the viewport (as the page is now scrolled)."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )


def tab(page, title: str):
    return page.locator(".score-sim-tabs").get_by_role("tab", name=title, exact=True)


def test_the_page_opens_on_a_lesson_with_harm_in_its_twin_worlds(page):
    page.get_by_text("Lesson 5: Real systems side by side").first.wait_for()
    page.locator(".score-sim-lesson-banner").get_by_text("Predict first:").wait_for()
    page.get_by_text("World B: Family of a sanctioned citizen: off").wait_for()
    click(page, "Step")
    day(page, 1)
    click(page, "Play")  # a month at the page's speed, then the teacher pauses
    page.wait_for_function(
        "() => { const m = document.body.innerText.match(/day ([0-9,]+) of/);"
        " return m && parseInt(m[1].replace(/,/g, '')) >= 30; }"
    )
    click(page, "Pause")
    toolbar_button(page, "Play").wait_for()
    restricted = page.locator(".score-sim-tile-citizen_n_restricted .score-sim-number")
    assert int(restricted.inner_text().replace(",", "")) > 20
    screenshot(page, "opening-lesson")


def play_until_someone_watched_is_restricted(page) -> None:
    """Play until a watched person or firm is restricted (a few in a hundred are by day 365)."""
    if page.locator(".score-sim-state-restricted").count():
        return
    click(page, "Play")
    page.locator(".score-sim-state-restricted").first.wait_for(timeout=90_000)
    click(page, "Pause")


@pytest.mark.parametrize("width,height", SIZES)
def test_people_are_watched_and_one_is_inspected_with_its_chain(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    tab(page, "People").click()
    page.locator(".score-sim-person").first.wait_for()
    people = page.locator(".score-sim-person").count()
    assert 69 <= people <= 72  # up to 60 citizens in whole households, and 12 firms
    assert page.locator(".score-sim-household").count() >= 10
    assert page.locator(".score-sim-household .score-sim-person").count() == people - 12
    red = page.locator(".score-sim-state-restricted")
    play_until_someone_watched_is_restricted(page)
    assert red.count() >= 1
    red.first.click()
    page.get_by_text("Why, from the finding to here:").wait_for()
    page.locator(".score-sim-inspect").get_by_text("restricted from:").wait_for()
    page.locator(".score-sim-inspect img").first.wait_for()
    screenshot(page, "people-inspect")
    page.locator(".score-sim-inspect").get_by_text("restricted from:").scroll_into_view_if_needed()
    screenshot(page, "people-inspect-scrolled")


def test_the_cascade_that_reached_someone_is_drawn_as_a_tree(page):
    page.set_viewport_size({"width": 1280, "height": 720})
    tab(page, "People").click()
    page.locator(".score-sim-person").first.wait_for()
    play_until_someone_watched_is_restricted(page)
    red = page.locator(".score-sim-state-restricted, .score-sim-state-blacklisted")
    drawn = False
    for index in range(min(red.count(), 20)):
        button = red.nth(index)
        name = button.inner_text().strip()
        button.click()
        heading = "firm " + name[1:] if name.startswith("F") else "citizen " + name
        page.locator(".score-sim-inspect").get_by_text(heading, exact=True).wait_for()
        if page.get_by_text(", from the finding to everyone it reached:").count():
            drawn = True
            break
    assert drawn, "no watched person or firm was reached by a cascade"
    tree = page.locator(".score-sim-inspect .score-sim-figure img").last
    tree.wait_for()
    assert tree.evaluate("i => i.naturalWidth") > 500
    tree.scroll_into_view_if_needed()
    screenshot(page, "cascade-tree")
    page.locator(".score-sim-main").evaluate("main => { main.scrollTop = 0; }")


@pytest.mark.parametrize("width,height", SIZES)
def test_every_tab_and_the_twin_figure_fit_the_screen(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for name in ("Step", "Play", "Reset"):
        assert on_screen(page, toolbar_button(page, name)), name
    titles = ["Scores", "Lists", "Grades", "Pariahs", "Cascades", "Innocents", "Twin worlds"]
    for title in [*titles, "People", "Info"]:
        assert on_screen(page, tab(page, title)), f"the {title} tab is off-screen"
    for tile in page.locator(".score-sim-tile").all():
        assert on_screen(page, tile)
    tab(page, "Twin worlds").click()
    image = page.locator(".score-sim-figure-twin img").first
    image.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.score-sim-figure-twin img').naturalWidth"
    )
    screenshot(page, "twin-worlds")
    assert on_screen(page, image), "the twin figure does not fit on one screen"
    assert image.bounding_box()["width"] >= 0.35 * width
    tab(page, "Cascades").click()
    one = page.locator(".score-sim-figure-one img").first
    one.wait_for()
    page.wait_for_function("() => document.querySelector('.score-sim-figure-one img').naturalWidth")
    screenshot(page, "cascades")
    assert on_screen(page, one), "the cascades figure does not fit on one screen"


def test_projector_mode_makes_numbers_and_tabs_large(page):
    page.set_viewport_size({"width": 1024, "height": 768})
    number = page.locator(".score-sim-tile-citizen_n_restricted .score-sim-number")
    big = float(number.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert big >= 26  # legible from the back of a room
    before = page.locator(".score-sim-figure img").first.get_attribute("src")
    page.locator(".score-sim-projector label").click()
    page.wait_for_function(
        "src => document.querySelector('.score-sim-figure img').src !== src", arg=before
    )
    small = float(number.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert small < big
    page.locator(".score-sim-projector label").click()
    page.wait_for_function(
        "n => parseFloat(getComputedStyle(document.querySelector("
        "'.score-sim-tile-citizen_n_restricted .score-sim-number')).fontSize) >= n",
        arg=big,
    )


def test_the_info_tab_is_written_for_the_page(page):
    tab(page, "Info").click()
    for heading in ("What it is", "How to use it", "Things to try", "Sources"):
        page.get_by_role("heading", name=heading, exact=True).wait_for()
    page.get_by_role("button", name="Set up Lesson 5: Real systems side by side").wait_for()
    assert "--set" not in page.locator("body").inner_text()
    screenshot(page, "info")
    tab(page, "Twin worlds").click()


def test_choosing_a_lesson_sets_up_its_twins_and_pending_changes_sit_next_to_reset(page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(".score-sim-lesson").click()
    page.get_by_role("option", name="Lesson 2: Pariah spirals").click()
    page.get_by_text("World B: Feedback: restrictions make misconduct likelier: off").wait_for()
    day(page, 0, of=730)
    page.get_by_text("pariah_spiral: 10,000 citizens").wait_for()
    screenshot(page, "lesson-2")
    field = page.locator(".score-sim-input-seed input")
    field.fill("7")
    field.press("Enter")
    pending = page.locator(".score-sim-toolbar").get_by_text(PENDING)
    pending.wait_for()
    assert "seed 7" in pending.inner_text()
    reset = toolbar_button(page, "Reset").bounding_box()
    box = pending.bounding_box()
    assert reset is not None and box is not None
    assert abs(box["y"] - reset["y"]) < 60 and box["x"] > reset["x"]  # beside it
    assert on_screen(page, pending)
    screenshot(page, "pending")
    click(page, "Reset")
    pending.wait_for(state="detached")
    page.get_by_text("pariah_spiral: 10,000 citizens, 500 firms, seed 7").wait_for()


def test_a_rule_changed_from_today_keeps_the_day_and_is_listed(page):
    day(page, 0, of=730)
    for n in (1, 2, 3):
        click(page, "Step")
        day(page, n, of=730)
    rule = page.locator(".rule-score-half_life_days")
    rule.get_by_role("slider").focus()
    page.keyboard.press("ArrowLeft")
    page.locator(".score-sim-toolbar").get_by_text(PENDING).wait_for()
    page.locator(".score-sim-from-today").click()
    page.get_by_text("Changed during this run: day 4: Half-life of a finding 364 days").wait_for()
    day(page, 3, of=730)  # the run goes on from where it was
    click(page, "Step")
    day(page, 4, of=730)
    screenshot(page, "rule-from-today")


def test_a_reload_restores_the_run_and_the_run_downloads(page, tmp_path):
    page.wait_for_function("() => location.search.includes('day=4')")
    with page.expect_download(timeout=180_000) as caught:  # two cities written: slow when busy
        page.get_by_role("button", name="Download run").click()
    target = tmp_path / "run.zip"
    caught.value.save_as(target)
    import zipfile

    names = zipfile.ZipFile(target).namelist()
    assert "world_A/timeseries.csv" in names and "world_B/figures/pariahs.png" in names
    page.reload()
    page.get_by_text("Restored after a reload: the same run, simulated again to day 4").wait_for()
    day(page, 4, of=730)
    page.get_by_text("Changed during this run: day 4: Half-life of a finding 364 days").wait_for()
    page.get_by_text("World B: Feedback: restrictions make misconduct likelier: off").wait_for()
