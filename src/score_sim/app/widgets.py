"""What every part of the page shares: a tab's state, the page's styles, and small widgets.

:class:`AppState` holds a tab's :class:`~score_sim.app.session.Session` and the reactive
values its components share; :func:`guarded` turns an unexpected error in an event handler
into a notice on the page instead of a traceback; :func:`escape_html` makes a scenario's text
safe inside Markdown (its HTML is shown, never run).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import markdown
import solara

from score_sim.app import figures
from score_sim.app.controls import GENERAL, Settings
from score_sim.app.session import Session
from score_sim.text_safety import printable

logger = logging.getLogger("score_sim.app")

TAB_TITLES = [*figures.FIGURES.values(), "Twin worlds", "People", "Info"]
TWIN_TAB = len(figures.FIGURES)
PEOPLE_TAB = TWIN_TAB + 1
INFO_TAB = PEOPLE_TAB + 1

IMAGE_FORMAT = "svg"
"""How figures are sent to the browser (see :data:`score_sim.app.figures.MIME_TYPES`)."""

ERROR_STYLE = {"color": "#b00020", "font-size": "0.85em"}
HELP_STYLE = {"color": "#555", "font-size": "0.8em", "line-height": "1.25"}

CSS = """
.score-sim-sidebar .v-input--switch { margin-top: 0; }
.score-sim-sidebar .v-input__slot { margin-bottom: 0; }
.score-sim-day { font-size: 1.3em; font-weight: 600; min-width: 7.5em; }
.score-sim-figure img { width: 100%; max-width: 880px; height: auto; }
.score-sim-label { font-size: 0.9em; margin-top: 6px; }
.score-sim-firms { flex: 0 0 auto; margin-top: 0; }
.score-sim-section { margin-top: 10px; }
.score-sim-section p { margin-bottom: 2px; }
.score-sim-prose table { border-collapse: collapse; font-size: 0.85em; }
.score-sim-prose td, .score-sim-prose th { border-bottom: 1px solid #ddd; padding: 2px 6px; }
.score-sim-sidebar .v-slider { margin-left: 0; margin-right: 0; }
.score-sim-tabs .v-slide-group__wrapper { overflow: visible; contain: none; width: 100%; }
.score-sim-tabs .v-slide-group__content {
  flex: 1 1 auto; min-width: 0; flex-wrap: wrap; white-space: normal; transform: none !important;
}
.score-sim-tabs .v-tabs-bar { height: auto !important; }
.score-sim-tabs .v-slide-group__prev,
.score-sim-tabs .v-slide-group__next { display: none !important; }
.score-sim-tabs .v-tab { min-width: 0; padding: 0 8px; height: 32px; }
.score-sim-figure img { width: auto; max-width: 100%; }
.score-sim-figure-one img { max-height: calc(100vh - 395px); }
.score-sim-figure-twin img { max-height: calc(100vh - 440px); }
.score-sim-tile { display: flex; flex-direction: column; padding: 2px 10px;
  border-left: 4px solid #1f77b4; background: #f4f7fb; }
.score-sim-number { font-size: 1.35em; font-weight: 700; line-height: 1.1; }
.score-sim-number-label { font-size: 0.8em; color: #333; }
.score-sim-pending { color: #8a4b00; font-weight: 600; max-width: 24em; line-height: 1.2; }
.score-sim-help p { font-size: 0.8em; color: #555; margin: 0; }
.score-sim-rule-changes p { font-size: 0.85em; margin: 2px 0; }
.score-sim-lesson-banner p { margin: 0; font-size: 0.9em; line-height: 1.3; }
.score-sim-projector-on { font-size: 17px; }
.score-sim-projector-on .score-sim-number { font-size: 1.7em; }
.score-sim-projector-on .score-sim-number-label { font-size: 0.95em; }
.score-sim-projector-on .score-sim-tabs .v-tab { font-size: 15px; font-weight: 600; }
.score-sim-projector-on .score-sim-lesson-banner p { font-size: 0.92em; }
"""


@dataclass(frozen=True)
class AppState:
    """A tab's session and the page state its components share (all per tab)."""

    session: Session
    draft: solara.Reactive[Settings]
    """The settings as the controls show them; applied to the session on Reset."""
    applied: solara.Reactive[int]
    """Bumped whenever the session's city is rebuilt."""
    frame: solara.Reactive[int]
    """Bumped whenever days have passed and the figures should be redrawn."""
    playing: solara.Reactive[bool]
    tab: solara.Reactive[int]
    speed: solara.Reactive[str]
    notice: solara.Reactive[str]
    """A message about the page as a whole (a failed Reset, an internal error)."""
    firms: solara.Reactive[bool]
    """Whether the figures show firms too (as the CLI's do) or citizens only."""
    projector: solara.Reactive[bool]
    """Projector mode: larger text on the page and in every figure."""
    refused: solara.Reactive[dict[str, str]]
    """Values the page sent that no control offers, by control key: why each was refused."""


def guarded(state: AppState, action: Callable[..., None]) -> Callable[..., None]:
    """``action`` for an event handler: an unexpected error becomes a notice, not a traceback.

    What the page sends (a value, or nothing for a click) is passed on to ``action``.
    """

    def run(*sent: Any) -> None:
        try:
            action(*sent)
        except Exception as error:
            logger.exception("score-sim app: an action failed")
            state.notice.set(
                f"Something went wrong ({type(error).__name__}: {error}). The page still "
                "works: press Reset to start again."
            )

    return run


def apply_draft(state: AppState) -> None:
    """Rebuild the city from the controls (Reset), or say what is wrong."""
    state.playing.set(False)
    state.session.touch()
    messages = state.session.apply(state.draft.value)
    if messages:
        state.notice.set(
            "Not reset: "
            + messages.get(GENERAL, "a control on the left needs a different value (in red).")
        )
        return
    state.notice.set("")
    state.applied.set(state.applied.value + 1)
    state.frame.set(state.frame.value + 1)


def apply_from_today(state: AppState) -> None:
    """Change the rules the controls changed from the next day on; the run goes on."""
    state.session.touch()
    messages = state.session.change_from_today(state.draft.value)
    if messages:
        state.notice.set(
            "Not changed: "
            + messages.get(GENERAL, "a control on the left needs a different value (in red).")
        )
        return
    state.notice.set("")
    state.applied.set(state.applied.value + 1)
    state.frame.set(state.frame.value + 1)


def choose_lesson(state: AppState, name: Any) -> None:
    """Set up the lesson offered as ``name`` (its scenario and twin worlds), or say why not."""
    from score_sim.app.lessons import lesson_named

    lesson = lesson_named(name)
    if lesson is None:
        state.notice.set("That lesson is not offered here; choose one from the list.")
        return
    state.playing.set(False)
    state.session.touch()
    messages = state.session.start_lesson(lesson)
    if messages:
        state.notice.set("Lesson not set up: " + "; ".join(messages.values()))
        return
    state.notice.set("")
    state.refused.set({})
    state.draft.set(state.session.settings)
    state.tab.set(TWIN_TAB)
    state.applied.set(state.applied.value + 1)
    state.frame.set(state.frame.value + 1)


def escape_html(text: str) -> str:
    """Text from a scenario, safe inside Markdown: its HTML shown, never run.

    Every control character is escaped too.
    """
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@solara.component
def Prose(text: str, classes: list[str] | None = None):
    """Markdown as HTML, rendered on the server: no math renderer to fetch (offline).

    Text from a scenario goes through :func:`escape_html` first.
    """
    html = solara.use_memo(
        lambda: markdown.markdown(text, extensions=["tables"], output_format="html"), [text]
    )
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["score-sim-prose", *(classes or [])])


@solara.component
def ErrorText(message: str | None):
    """A control's message, shown right under it."""
    if message:
        solara.Text(message, style=ERROR_STYLE, classes=["score-sim-error"])


@solara.component
def ImageView(image: bytes | None, problem: str = "", kind: str = "one"):
    """A figure scaled to fit the page's width and the screen's height, or why not drawn.

    ``kind`` (``one`` or ``twin``) says how much of the screen's height the rows above
    it take.
    """
    if image is None:
        ErrorText(problem)
        return
    mime = figures.MIME_TYPES[IMAGE_FORMAT]
    source = f"data:{mime};base64," + base64.b64encode(image).decode("ascii")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img src="{source}" alt="figure">',
        classes=["score-sim-figure", f"score-sim-figure-{kind}"],
    )


def _replace(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)
