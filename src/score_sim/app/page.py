"""The browser app: run a scenario day by day, change its rules, compare twin worlds.

Start it with ``score-sim app`` (``--host``, ``--port``), or ``solara run
score_sim.app.page``, and open the address it prints. It needs no internet: the page's
JavaScript and fonts come from the ``solara-assets`` package that the set-up command installs.

Every browser tab is a session with its own city (:class:`score_sim.app.session.Session`):
two students on one server never see each other's days. The page shows "day N of M",
Step / Play / Pause / Reset, the CLI's figures (score fan, lists, grades, pariahs, cascades,
innocents), a twin-world view (one rule changed, both worlds and their difference) and the
scenario's Info (what it is, how it works, things to notice, things to try, and which
numbers are documented and which are assumptions). The sidebar holds the scenario, the
population, days and seed, and the rules being taught as labelled sliders and switches;
changes take effect on Reset. Anything typed wrong is answered next to its control.

The server trusts nothing a browser sends: a scenario, a number, a switch or a tab the page
did not offer is refused with a message on the page (:mod:`score_sim.app.offer`), the
server reads only the bundled scenarios and the files the teacher named at start, every
city is sized against the memory budgets of a tab and of the whole server
(:mod:`score_sim.app.budget`), and ``/_solara/cdn/`` serves only the packaged assets
(:mod:`score_sim.app.assets`).

This module puts the page together; its parts are the other modules of :mod:`score_sim.app`.
"""

from __future__ import annotations

from typing import Any

import solara
import solara.server.settings

from score_sim.app import assets, figures, restore
from score_sim.app.people_view import PeopleView
from score_sim.app.session import Session
from score_sim.app.sidebar import Controls
from score_sim.app.toolbar import DEFAULT_SPEED, Toolbar
from score_sim.app.views import FigureView, InfoView, LessonBanner, TwinView
from score_sim.app.widgets import CSS, PEOPLE_TAB, TAB_TITLES, TWIN_TAB, AppState, Prose

# No calls home, however the page is served (``score-sim app`` sets this too).
solara.server.settings.telemetry.mixpanel_enable = False
# Nothing fetched or stored on a client's request: only the packaged assets are served.
assets.serve_packaged_assets_only()


def _tab_index(value: Any, current: int) -> int:
    """The tab a page asked for, when it is one of the tabs (else the current one)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(TAB_TITLES):
        return value
    return current


@solara.component
def Page():
    """The whole page, one per browser tab."""
    router = solara.use_router()
    restored, why = solara.use_memo(lambda: restore.restore(router.search), [])
    session = solara.use_memo(lambda: restored or Session(), [])
    solara.use_effect(lambda: session.close, [])  # a closed tab gives its memory back
    draft = solara.use_reactive(session.settings)
    applied = solara.use_reactive(0)
    frame = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    tab = solara.use_reactive(TWIN_TAB if session.lesson is not None else 0)
    speed = solara.use_reactive(DEFAULT_SPEED)
    notice = solara.use_reactive(
        why
        or (
            f"Restored after a reload: the same run, simulated again to day {session.day:,}."
            if restored is not None
            else ""
        )
    )
    firms = solara.use_reactive(False)
    projector = solara.use_reactive(True)
    refused = solara.use_reactive({})
    state = solara.use_memo(
        lambda: AppState(
            session, draft, applied, frame, playing, tab, speed, notice, firms, projector, refused
        ),
        [],
    )
    solara.Title("score-sim")
    solara.Style(CSS)
    with solara.Row(gap="0px", style={"height": "100vh", "overflow": "hidden"}):
        with solara.Column(
            style={
                "width": "290px",
                "min-width": "290px",
                "height": "100vh",
                "overflow-y": "auto",
                "padding": "8px 14px",
                "border-right": "1px solid #ddd",
                "background": "#fafafa",
            },
        ):
            Prose("### score-sim")
            Controls(state)
        with solara.Column(
            gap="4px",
            style={
                "flex": "1",
                "min-width": "0",
                "height": "100vh",
                "overflow-y": "auto",
                "overflow-x": "hidden",
                "padding": "6px 12px",
            },
            classes=["score-sim-main"] + (["score-sim-projector-on"] if projector.value else []),
        ):
            Toolbar(state)
            Address(state, router)
            LessonBanner(state)
            solara.v.Tabs(
                v_model=tab.value,
                on_v_model=lambda index: tab.set(_tab_index(index, tab.value)),
                children=[solara.v.Tab(children=[title]) for title in TAB_TITLES],
                show_arrows=False,
                class_="score-sim-tabs",
                style_="flex: 0 0 auto;",
            )
            names = list(figures.FIGURES)
            if tab.value < len(names):
                FigureView(state, names[tab.value])
            elif tab.value == TWIN_TAB:
                TwinView(state)
            elif tab.value == PEOPLE_TAB:
                PeopleView(state)
            else:
                InfoView(state)


@solara.component
def Address(state: AppState, router):
    """Keeps the page's address describing the tab's run, so that a reload restores it.

    The address changes when the run is rebuilt, a rule changes from a day, and when days
    pass (not while playing: once Play stops).
    """
    frame = state.frame.value
    applied = state.applied.value
    playing = state.playing.value

    def keep() -> None:
        if playing or state.session.freed or router.set_path is None:
            return  # (no browser address when the page is rendered without one, in tests)
        wanted = restore.address_of(state.session)
        if router.search != wanted:
            router.push(f"{router.path or '/'}?{wanted}")

    solara.use_effect(keep, [frame, applied, playing])


page = Page
