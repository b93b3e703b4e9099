"""How fast the browser app answers: a Step at 10,000 citizens, and a year on Play.

What the page does on Step is ``Session.step(1)`` and drawing the visible figure as SVG
(the score fan is the first tab); on Play, ``Session.play`` steps on schedule and redraws
the visible figure between days (citizens only unless "Firms too" is switched on). This runs
exactly those calls on the page's opening city (the opening lesson: Rongcheng's rules,
10,000 citizens, 500 firms, with its twin world stepped alongside; figures in projector
mode) in this process, without the browser: sending an
SVG of about 70 kB over a loopback websocket adds a few milliseconds.

    python benchmarks/app.py [--repeats 7] [--citizens 10000]

It prints, for a Step on day 180 (half a year of series in every figure), the median wall
time and CPU time of stepping plus drawing each figure; and the wall time of a year on Play
at the page's default speed (60 days a second) and at "fastest", with the number of frames
drawn. CPU time is what the process itself used: on a machine shared with other work it is
the better estimate of the wall time on an idle one. With ``--browser`` it also starts
``score-sim app`` and times, in headless Chromium, a click on Step until the new figure is
in the page (the page's load too). Results go to ``benchmarks/results/app.csv``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import threading
import time
from pathlib import Path

from score_sim.app import figures
from score_sim.app.controls import Settings
from score_sim.app.lessons import OPENING
from score_sim.app.session import Session

IMAGE_FORMAT = "svg"  # what the page sends (score_sim.app.IMAGE_FORMAT)

RESULTS = Path(__file__).resolve().parent / "results"


def opening(citizens: int) -> Session:
    """The page's opening city at ``citizens`` (its lesson's twin worlds included)."""
    session = Session(Settings(citizens=f"{citizens}", firms=f"{citizens // 20}"))
    session.start_lesson(OPENING)
    return session


def time_step(
    session: Session, figure: str, repeats: int, firms: bool = False
) -> tuple[float, float]:
    """Median wall and CPU seconds of one Step and the redraw of ``figure``."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        session.step(1)
        session.render(figure, firms, IMAGE_FORMAT, projector=True)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def time_play(citizens: int, speed: float | None) -> tuple[float, float, int]:
    """Wall and CPU seconds of a year on Play, and frames drawn (the score fan each)."""
    session = opening(citizens)
    frames = 0

    def frame() -> None:
        nonlocal frames
        session.render("scores", image_format=IMAGE_FORMAT, projector=True)
        frames += 1

    wall, cpu = time.perf_counter(), time.process_time()
    days = session.play(threading.Event(), speed, frame)
    assert days == 365 and session.finished
    return time.perf_counter() - wall, time.process_time() - cpu, frames


def time_browser_steps(repeats: int) -> tuple[float, float]:
    """Median seconds from a click on Step to the new figure shown, in headless Chromium,
    on ``score-sim app`` (the default city: 10,000 citizens); and of loading the page."""
    import socket
    import subprocess
    import sys

    from playwright.sync_api import sync_playwright

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "score_sim", "app", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(120_000)
            deadline = time.monotonic() + 120
            while True:
                try:
                    started = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            page.get_by_text("day 0 of 365", exact=True).wait_for()
            page.locator(".score-sim-figure img").wait_for()
            load = time.perf_counter() - started
            # the score fan redraws every day (the opening twin figure can stay the same)
            page.locator(".score-sim-tabs").get_by_role("tab", name="Scores", exact=True).click()
            page.locator(".score-sim-figure-one img").wait_for()
            step = page.locator(".score-sim-toolbar").get_by_role("button", name="Step")
            times = []
            for day in range(1, repeats + 1):
                source = page.locator(".score-sim-figure img").get_attribute("src")
                started = time.perf_counter()
                step.click()
                page.get_by_text(f"day {day} of 365", exact=True).wait_for()
                page.wait_for_function(
                    "s => document.querySelector('.score-sim-figure img').src !== s",
                    arg=source,
                    polling="raf",
                )
                times.append(time.perf_counter() - started)
            browser.close()
        return statistics.median(times), load
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument(
        "--browser", action="store_true", help="also time Step in Chromium (/usr/bin/chromium)"
    )
    args = parser.parse_args()
    rows = []
    session = opening(args.citizens)
    session.step(180)
    for name, firms in [*((name, False) for name in figures.FIGURES), ("scores", True)]:
        session.render(name, firms, IMAGE_FORMAT, projector=True)  # warm: fonts, caches
        wall, cpu = time_step(session, name, args.repeats, firms)
        what = f"step + draw {name}" + (" (firms too)" if firms else "")
        rows.append({"what": what, "wall_s": wall, "cpu_s": cpu, "frames": ""})
    for label, speed in (("60 days/s", 60.0), ("fastest", None)):
        walls, cpus, frames = [], [], []
        for _ in range(max(1, args.repeats // 3)):
            wall, cpu, n = time_play(args.citizens, speed)
            walls.append(wall)
            cpus.append(cpu)
            frames.append(n)
        rows.append(
            {
                "what": f"a year on Play ({label})",
                "wall_s": statistics.median(walls),
                "cpu_s": statistics.median(cpus),
                "frames": int(statistics.median(frames)),
            }
        )
    if args.browser:
        step_s, load_s = time_browser_steps(args.repeats)
        for what, seconds in (
            ("browser: click Step to new figure", step_s),
            ("browser: load the page", load_s),
        ):
            rows.append({"what": what, "wall_s": seconds, "cpu_s": float("nan"), "frames": ""})
    print(
        f"{args.citizens:,} citizens, median of {args.repeats} (Play: {max(1, args.repeats // 3)})"
    )
    print(f"{'':<34} {'wall':>8} {'cpu':>8} {'frames':>7}")
    for row in rows:
        print(
            f"{row['what']:<34} {row['wall_s']:>7.3f}s {row['cpu_s']:>7.3f}s {row['frames']!s:>7}"
        )
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / "app.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["what", "wall_s", "cpu_s", "frames"])
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {**row, "wall_s": f"{row['wall_s']:.4f}", "cpu_s": f"{row['cpu_s']:.4f}"}
            )


if __name__ == "__main__":
    main()
