"""A scenario's Info panel: its description by section, and its evidence ledger.

Scenario descriptions read like the Info tab of a NetLogo model: WHAT IT IS, HOW IT WORKS,
THINGS TO NOTICE, THINGS TO TRY. The evidence ledger lists every number of the scenario
with where it comes from, or says that it is an assumption, exactly as ``score-sim explain``
does (:mod:`score_sim.explain`).
"""

from __future__ import annotations

from score_sim.scenario import Level, Scenario
from score_sim.scenario.ledger import LedgerRow, ledger, level_counts

SECTIONS = ("WHAT IT IS", "HOW IT WORKS", "THINGS TO NOTICE", "THINGS TO TRY")


def description_sections(description: str) -> list[tuple[str, str]]:
    """The description as ``(heading, text)`` pairs, in order.

    A line in capitals alone is a heading; text before the first heading is filed under
    WHAT IT IS. Lines of a paragraph are joined; paragraphs are kept apart.
    """
    sections: list[tuple[str, list[str]]] = []
    for line in description.strip().splitlines():
        text = line.strip()
        if text and text.isupper() and len(text) < 40 and not text.endswith("."):
            sections.append((text, []))
            continue
        if not sections:
            sections.append((SECTIONS[0], []))
        sections[-1][1].append(text)
    out = []
    for heading, lines in sections:
        paragraphs = " ".join(line or "\n\n" for line in lines).replace(" \n\n ", "\n\n")
        out.append((heading, paragraphs.strip()))
    return [(h, t) for h, t in out if t]


def evidence_ledger(scenario: Scenario) -> list[LedgerRow]:
    """Every number of the scenario with its evidence level, as ``score-sim explain`` has."""
    return ledger(scenario)


def ledger_markdown(scenario: Scenario, in_words: bool = False) -> str:
    """The evidence ledger as a Markdown table, documented numbers first.

    With ``in_words``, each number is named in words (``lists › blacklist › min days``),
    as the page shows it; otherwise by its key path, as a scenario file writes it.
    """
    rows = evidence_ledger(scenario)
    counts = level_counts(rows)
    order = list(Level)
    lines = [
        "**"
        + ", ".join(f"{n} {level}" for level, n in counts.items())
        + ".** An assumption is a choice of this scenario, not a known fact.",
        "",
        f"| {'what' if in_words else 'number'} | value | evidence | where it comes from |",
        "| --- | ---: | --- | --- |",
    ]
    for row in sorted(rows, key=lambda r: order.index(r.level)):
        source = row.source.replace("|", "/") if row.source else ""
        name = key_in_words(row.key) if in_words else f"`{row.key}`"
        lines.append(f"| {name} | {row.value:g} | {row.level.value} | {source} |")
    return "\n".join(lines)


HOW_TO_USE = (
    "- **Step** moves one day, **Play** runs on at the chosen speed, **Reset** starts "
    "again at day 0 with the controls on the left.\n"
    "- **Lesson** sets up a notebook's comparison in one click: world A as the scenario "
    "has it, world B with one rule changed. Make your prediction before pressing Play.\n"
    "- Move a rule on the left, then **Apply and reset** (a new run from day 0) or "
    "**Apply from day N** (the run goes on; the change is drawn as a dotted line).\n"
    "- **Twin worlds** compares two cities that differ in one rule only: the same people, "
    "ties and chance events.\n"
    "- **People** shows whole households (about 60 citizens) and 12 firms by colour; click "
    "one to see why it is where it is, and the cascade that reached it drawn as a tree.\n"
    "- **Projector** makes every figure and number large; **Download run** saves the "
    "tables and figures of both worlds in one file; a reload of the page keeps the run."
)


def things_to_try(controls: list) -> list[str]:
    """Suggestions in the words of the page's controls, for the rules this scenario has."""
    keys = {c.key: c for c in controls}
    tries = []
    if "effects.enabled" in keys:
        tries.append(
            "In **Twin worlds**, switch off *Feedback: restrictions make misconduct "
            "likelier* in world B: do the pariahs of world A appear in world B too?"
        )
    reach = [c for c in controls if c.kind == "reach"]
    if reach:
        tries.append(
            f"Switch off *{reach[0].label}* and press **Apply and reset**: how many "
            "fewer people are under a restriction after 60 days?"
        )
    if "errors.false_finding_rate_per_year" in keys:
        tries.append(
            "Raise *False findings* and watch the **Innocents** tab: does the number "
            "listed without cause grow in proportion?"
        )
    if "score.half_life_days" in keys:
        tries.append(
            "Halfway through a run, shorten *Half-life of a finding* with **Apply from "
            "day N**: do the scores in the **Scores** tab close up after the dotted line?"
        )
    tries.append(
        "Open **People**, click someone under a restriction (red) and follow the chain: "
        "did they do anything themselves?"
    )
    return tries


def app_sections(scenario: Scenario, controls: list) -> list[tuple[str, str]]:
    """The Info tab's sections for the page, in Markdown (text from the scenario raw).

    What it is and How it works come from the scenario's own description; How to use it
    and Things to try are written for the page's controls; Things to notice is the
    scenario's own. Headings: What it is, How it works, How to use it, Things to notice,
    Things to try (Sources and the ledger follow in the view).
    """
    own = dict(description_sections(scenario.description))
    sections = [
        ("What it is", own.get("WHAT IT IS", "")),
        ("How it works", own.get("HOW IT WORKS", "")),
        ("How to use it", HOW_TO_USE),
        ("Things to notice", own.get("THINGS TO NOTICE", "")),
        ("Things to try", "\n".join(f"- {t}" for t in things_to_try(controls))),
    ]
    return [(h, t) for h, t in sections if t]


def key_in_words(key: str) -> str:
    """A scenario key path in words (``lists › blacklist › min days``)."""
    return " › ".join(part.replace("_", " ") for part in key.split("."))


def source_text(entry: object) -> str:
    """A scenario's source entry in words: its text, or its evidence level and source."""
    if isinstance(entry, str):
        return entry
    level = getattr(entry, "level", None)
    source = getattr(entry, "source", "") or ""
    return f"{getattr(level, 'value', level)}: {source}" if level is not None else source
