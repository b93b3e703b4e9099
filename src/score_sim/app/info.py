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


def ledger_markdown(scenario: Scenario) -> str:
    """The evidence ledger as a Markdown table, documented numbers first."""
    rows = evidence_ledger(scenario)
    counts = level_counts(rows)
    order = list(Level)
    lines = [
        "**"
        + ", ".join(f"{n} {level}" for level, n in counts.items())
        + ".** An assumption is a choice of this scenario, not a known fact.",
        "",
        "| number | value | evidence | where it comes from |",
        "| --- | ---: | --- | --- |",
    ]
    for row in sorted(rows, key=lambda r: order.index(r.level)):
        source = row.source.replace("|", "/") if row.source else ""
        lines.append(f"| `{row.key}` | {row.value:g} | {row.level.value} | {source} |")
    return "\n".join(lines)
