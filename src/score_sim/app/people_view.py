"""The People tab: watched households and firms, coloured by state, and one inspected.

Each watched person or firm is a small button coloured by its state today (restricted, on
the blacklist, or its score band), updating as days pass; the citizens sit in boxes, one
per household, so that a restriction reaching a family through one member shows beside
them. Clicking one shows its score so far, its lists and restrictions, and the chain that
reached it; the cascade it belongs to (its own, or the one that reached it through a tie)
is drawn as a tree, from the finding to everyone it reached. The chosen actor must be one
of the watched sample: the server checks.
"""

from __future__ import annotations

import textwrap
from typing import Any

import solara
from matplotlib.figure import Figure

from score_sim.app import figures, people
from score_sim.app.widgets import HELP_STYLE, IMAGE_FORMAT, AppState, ImageView, Prose, escape_html


def score_figure(days: Any, name: str, projector: bool) -> bytes:
    """One actor's score so far, as the page's image."""
    fig = Figure(figsize=(7.0, 2.6), dpi=figures.DPI)
    ax = fig.subplots()
    ax.plot(range(len(days)), days, color="#1f77b4", linewidth=2)
    ax.set_xlabel("day")
    ax.set_ylabel("score (points)")
    ax.set_title(f"{name}: score so far")
    ax.grid(True, alpha=0.3)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.22, top=0.85)
    if projector:
        figures.for_projector(fig)
    return figures.encode(fig, IMAGE_FORMAT)


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def cascade_figure(cascade: people.Cascade, projector: bool) -> bytes:
    """One sanction's cascade drawn as a tree, left to right.

    The finding behind it, the sanctioned actor, one branch per kind of tie, and the people
    and firms each branch reached (the first of them by name, the rest counted).
    """
    branches = cascade.branches or (people.Branch("nobody else was reached", (), 0),)
    rows = len(branches)
    fig = Figure(figsize=(10.0, 1.2 + 1.15 * rows), dpi=figures.DPI)
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.86))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.6, rows - 0.4)
    ax.invert_yaxis()
    ax.axis("off")
    size = 13 if projector else 10
    middle = (rows - 1) / 2
    box = {"boxstyle": "round,pad=0.35", "linewidth": 1.2}
    finding = cascade.behind[-1] if cascade.behind else "its own listing"
    ax.text(
        0.1,
        middle,
        _wrapped(finding, 24),
        va="center",
        ha="left",
        fontsize=size - 1,
        bbox={**box, "facecolor": "#fdebd0", "edgecolor": "#e67e22"},
    )
    ax.annotate(
        "",
        xy=(3.0, middle),
        xytext=(2.75, middle),
        arrowprops={"arrowstyle": "->", "color": "#555"},
    )
    ax.text(
        3.05,
        middle,
        f"{cascade.source}\nsanctioned on day {cascade.day:,}",
        va="center",
        ha="left",
        fontsize=size,
        bbox={**box, "facecolor": "#f5b7b1", "edgecolor": "#c0392b"},
    )
    for row, branch in enumerate(branches):
        ax.annotate(
            "",
            xy=(5.45, row),
            xytext=(5.0, middle),
            arrowprops={"arrowstyle": "->", "color": "#555", "connectionstyle": "arc3,rad=0.0"},
        )
        label = f"{branch.count:,} reached {branch.tie}" if branch.count else branch.tie
        ax.text(
            5.5,
            row,
            _wrapped(label, 22),
            va="center",
            ha="left",
            fontsize=size,
            bbox={**box, "facecolor": "#eaf2f8", "edgecolor": "#2c6e9b"},
        )
        if branch.reached:
            more = branch.count - len(branch.reached)
            names = ", ".join(name.replace("citizen ", "") for name in branch.reached)
            citizens = "citizens " if branch.count > 1 else "citizen "
            text = (citizens if branch.reached[0].startswith("citizen") else "") + names
            text += f" and {more:,} more" if more > 0 else ""
            ax.text(
                7.9,
                row,
                _wrapped(text, 26),
                va="center",
                ha="left",
                fontsize=size - 2,
                color="#333",
            )
    fig.suptitle(
        f"One finding, {cascade.reached:,} others restricted: the cascade of day {cascade.day:,}",
        fontsize=size + 2,
        x=0.02,
        ha="left",
    )
    return figures.encode(fig, IMAGE_FORMAT)


@solara.component
def PersonButton(model: Any, actor: int, now: str, choose: Any):
    """One watched citizen or firm, coloured by its state today."""
    solara.Button(
        people.name_of(model, actor).replace("citizen ", "").replace("firm ", "F"),
        on_click=lambda: choose(actor),
        style={
            "background": people.STATE_COLOURS[now],
            "color": "white",
            "min-width": "0",
            "padding": "0 5px",
            "height": "24px",
            "font-size": "11px",
        },
        classes=["score-sim-person", f"score-sim-state-{now}"],
        text=False,
        depressed=True,
    )


@solara.component
def PeopleView(state: AppState):
    """The watched sample and the inspected one."""
    state.frame.value  # noqa: B018 (updates as days pass)
    state.applied.value  # noqa: B018
    session = state.session
    chosen, set_chosen = solara.use_state(None)
    sample, today = session.watched_now()
    actors = sample.actors
    model = session.model
    if model is None:
        solara.Text(session.notice or "No city.")
        return
    legend = " · ".join(
        f'<span style="color:{people.STATE_COLOURS[k]}">■</span> {words}'
        for k, words in people.STATE_WORDS.items()
    )
    n_citizens = sum(stop - start for start, stop in sample.groups[: sample.n_households])
    n_firms = len(sample.groups) - sample.n_households
    Prose(
        f"**{sample.n_households} households ({n_citizens} citizens) and {n_firms} firms of "
        "world A, watched day by day.** "
        f"{legend}. A box is a household. Click one to see why it is where it is."
    )
    watched = set(actors.tolist())

    def choose(actor: int) -> None:
        if actor in watched:
            set_chosen(actor)

    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["score-sim-people"]):
        for index, (start, stop) in enumerate(sample.groups):
            household = index < sample.n_households
            with solara.Row(
                gap="2px",
                style={
                    "border": "1px solid #bbb" if household else "1px dashed #bbb",
                    "border-radius": "4px",
                    "padding": "2px",
                },
                classes=["score-sim-household" if household else "score-sim-firm"],
            ):
                for actor, now in zip(actors[start:stop].tolist(), today[start:stop], strict=True):
                    PersonButton(model, actor, now, choose)
    if chosen is None:
        return
    with session.lock:
        explanation = people.explain(model, chosen)
        cascade, through_a_tie = people.cascade_reaching(model, chosen)
    history = session.score_history(chosen)
    with solara.Column(gap="2px", classes=["score-sim-inspect"]):
        Prose(
            f"#### {escape_html(explanation.name)}\n\n"
            + "\n".join(f"- {escape_html(line)}" for line in explanation.lines)
        )
        if explanation.chain:
            Prose(
                "**Why, from the finding to here:**\n\n"
                + "\n".join(f"1. {escape_html(line)}" for line in explanation.chain)
            )
        else:
            solara.Text("Nothing has reached it so far.", style=HELP_STYLE)
        if history is not None and len(history) > 1:
            ImageView(score_figure(history, explanation.name, state.projector.value), "", "one")
        if cascade is not None:
            whose = "The cascade that reached it" if through_a_tie else "Its cascade"
            Prose(f"**{whose}, from the finding to everyone it reached:**")
            ImageView(cascade_figure(cascade, state.projector.value), "", "one")
            with solara.Details(summary="The cascade in words"):
                lines = people.cascade_lines(cascade)
                Prose("\n".join(f"    {escape_html(line)}" for line in lines))
