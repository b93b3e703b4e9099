"""Pages of the documentation generated from the code when the build starts.

- ``reference/cli.md``: every ``score-sim`` command, its usage, arguments and options, read
  from the command line's own definitions (the same text ``--help`` prints).
- ``reference/scenario-format.md``: every key of a scenario file with its type, range,
  default and meaning, read from the scenario's models (the JSON Schema they generate).
- ``scenarios/<name>.md``: one page per bundled scenario, from its own description, its
  evidence ledger's counts and a figure drawn by running it (small, seeded).
- ``tutorials/*.ipynb``: the lesson notebooks, copied in to be executed by myst-nb.

Everything lands in folders that git ignores; nothing generated is committed by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1]
REPO = DOCS.parent

SCENARIO_FIGURE = {
    "baseline": ("score_distribution.png", "Scores over the year: a percentile fan"),
    "pariah_spiral": ("pariahs.png", "Pariahs, the restricted and jobs lost to sanctions"),
    "sanction_cascade": ("cascades.png", "How many people each sanction reached"),
    "erroneous_reports": ("innocents.png", "Innocent people listed, and their sanction-days"),
    "rongcheng_city": ("pariahs.png", "Pariahs and the restricted"),
    "national_concept": ("list_sizes.png", "How many are on each list"),
    "suining_2010": ("score_distribution.png", "Scores over the year: a percentile fan"),
    "sesame_credit": ("perks.png", "Who the perks go to"),
    "tencent_credit": ("scores.png", "The further scores over the year"),
    "siloed_scores": ("scores.png", "The municipal and the private score, side by side"),
    "corporate_scs": ("ladder.png", "Firms on each stage of the escalation ladder"),
    "joint_punishment_2016": ("pariahs.png", "The restricted jump at the policy's day"),
    "data_sharing": ("sharing.png", "Restrictions waiting for their record, and those spared"),
    "shandong_2020": ("list_sizes.png", "List sizes before, during and after the suspension"),
}
"""Each bundled scenario's figure on its page: the one that shows its point."""

SMALL = {"citizens": 3000, "firms": 150}
"""The size every scenario page's figure is drawn at (its own days and seed)."""


def _write(path: Path, text: str) -> None:
    """Write only when the text changed, so Sphinx rebuilds only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _table(header: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the command line


def cli_page() -> str:
    """The command-line reference, from the commands' own definitions."""
    import click
    import typer

    from score_sim.cli import app

    group = typer.main.get_command(app)
    context = click.Context(group, info_name="score-sim")
    parts = [
        "# The `score-sim` command\n",
        "Generated from the command's own definitions: the same text as "
        "`score-sim COMMAND --help`.\n",
        "```text\n" + group.get_help(context).rstrip() + "\n```\n",
    ]
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        sub = click.Context(command, info_name=name, parent=context)
        parts.append(f"## `score-sim {name}`\n")
        parts.append("```text\n" + command.get_help(sub).rstrip() + "\n```\n")
    return "\n".join(parts)


# ---------------------------------------------------------------- the scenario format


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _type_of(schema: dict[str, Any], node: dict[str, Any]) -> str:
    node = _resolve(schema, node)
    if "anyOf" in node:
        return " or ".join(dict.fromkeys(_type_of(schema, n) for n in node["anyOf"]))
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type")
    if kind == "array":
        items = node.get("items") or (node.get("prefixItems") or [{}])[0]
        return f"list of {_type_of(schema, items)}"
    if kind == "object":
        if "properties" in node:
            return "section"
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"map of name to {_type_of(schema, extra)}"
        return "map"
    names = {"number": "number", "integer": "whole number", "string": "text", "boolean": "true/false",
             "null": "null"}
    return names.get(kind, kind or "any")


def _range_of(node: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                      ("exclusiveMaximum", "<"), ("minLength", "length >="),
                      ("maxLength", "length <="), ("minItems", "items >="),
                      ("maxItems", "items <=")):
        if key in node:
            value = node[key]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            parts.append(f"{sign} {value:,}" if isinstance(value, int | float) else f"{sign} {value}")
    for option in node.get("anyOf", []):
        text = _range_of(option)
        if text:
            parts.append(text)
    return ", ".join(dict.fromkeys(parts))


def _default_of(node: dict[str, Any]) -> str:
    if "default" not in node:
        return "required" if node.get("_required") else ""
    value = node["default"]
    text = json.dumps(value, ensure_ascii=False)
    return f"`{text}`" if len(text) <= 40 else "(see the schema)"


def _walk(schema, node, path, rows, depth=0) -> None:
    resolved = _resolve(schema, node)
    if depth > 6:
        return
    if "anyOf" in resolved:
        for option in resolved["anyOf"]:
            inner = _resolve(schema, option)
            if inner.get("type") in ("object", "array"):
                _walk(schema, option, path, rows, depth + 1)
        return
    if resolved.get("type") == "array":
        items = resolved.get("items")
        if isinstance(items, dict):
            _walk(schema, items, path + "[]", rows, depth + 1)
        return
    if resolved.get("type") != "object":
        return
    required = set(resolved.get("required", []))
    for key, child in resolved.get("properties", {}).items():
        full = f"{path}.{key}" if path else key
        target = _resolve(schema, child)
        merged = {**target, **child, "_required": key in required}
        rows.append([
            f"`{full}`",
            _type_of(schema, child),
            _range_of(merged),
            _default_of(merged),
            (child.get("description") or target.get("description") or "").strip(),
        ])
        _walk(schema, child, full, rows, depth + 1)
    extra = resolved.get("additionalProperties")
    if isinstance(extra, dict) and extra and "properties" not in resolved:
        _walk(schema, extra, f"{path}.<name>", rows, depth + 1)


def scenario_format_page() -> str:
    """Every key of a scenario file, from the models' JSON Schema, section by section."""
    from score_sim.scenario import json_schema

    schema = json_schema()
    parts = [
        "# The scenario format\n",
        "Generated from the scenario's models (the JSON Schema they produce, which "
        "`score-sim schema` prints and `scenarios/scenario.schema.json` holds). Every key "
        "is optional but `name`; a section left out is off or at its defaults. `[]` marks "
        "an item of a list, `<name>` a name you choose. Ranges are inclusive unless marked "
        "`>` or `<`. Problems are reported by file, line and key: see "
        "[Writing a scenario](../guide/scenarios.md).\n",
    ]
    required = set(schema.get("required", []))
    for key, child in schema["properties"].items():
        target = _resolve(schema, child)
        parts.append(f"## `{key}`\n")
        description = (child.get("description") or target.get("description") or "").strip()
        merged = {**target, **child, "_required": key in required}
        rows: list[list[str]] = []
        _walk(schema, child, key, rows)
        if rows:
            if description:
                parts.append(description + "\n")
        else:  # a single value: its row says it all
            rows = [[f"`{key}`", _type_of(schema, child), _range_of(merged),
                     _default_of(merged), description]]  # fmt: skip
        parts.append(_table(["key", "type", "range", "default", "meaning"], rows))
    return "\n".join(parts)


# ---------------------------------------------------------------- one page per scenario


def _description_markdown(description: str) -> str:
    """A scenario's description, its upper-case headings as sub-headings."""
    out: list[str] = []
    for line in description.strip().splitlines():
        text = line.strip()
        if text and text.isupper() and len(text) < 40:
            out.append(f"\n## {text.capitalize()}\n")
        else:
            out.append(text)
    return "\n".join(out) + "\n"


def scenario_pages(folder: Path) -> list[str]:
    """Write one page per bundled scenario, each with its figure; return their names."""
    from score_sim.model import ScoreModel
    from score_sim.outputs.figures.jobs import run_figure_jobs
    from score_sim.outputs.figures.saving import save_figures
    from score_sim.outputs.summary import summarize
    from score_sim.scenario import bundled_scenarios, load_scenario
    from score_sim.scenario.ledger import ledger, level_counts

    names = []
    figure_dir = folder / "figures"
    figure_dir.mkdir(parents=True, exist_ok=True)
    for name, path in bundled_scenarios().items():
        scenario = load_scenario(path)
        counts = level_counts(ledger(scenario))
        total = sum(counts.values())
        figure, caption = SCENARIO_FIGURE.get(name, ("pariahs.png", "Pariahs"))
        target = figure_dir / f"{name}.png"
        steps = scenario.run.steps
        if True:
            model = ScoreModel(scenario, **SMALL).run()
            summary = summarize(model)
            work = figure_dir / f".{name}"
            jobs = [job for job in run_figure_jobs(model, summary, work) if job[0].name == figure]
            if not jobs:
                raise RuntimeError(f"{name}: the run drew no {figure}")
            save_figures(jobs, workers=1)
            shutil.move(str(work / figure), target)
            shutil.rmtree(work, ignore_errors=True)
        ledger_rows = [[level, f"{count:,}"] for level, count in counts.items()]
        population = scenario.population
        text = [
            f"# `{name}`\n",
            f"```{{image}} figures/{name}.png\n:alt: {caption}\n```\n",
            f"*{caption}: `{name}` at {SMALL['citizens']:,} citizens and {SMALL['firms']:,} "
            f"firms for its {steps:,} days, seed {scenario.run.seed}; drawn by this site's "
            f"build, as `score-sim run {name} --citizens {SMALL['citizens']} --firms "
            f"{SMALL['firms']}` draws `figures/{figure}`.*\n",
            "```sh\n"
            f"score-sim run {name}        # {population.citizens:,} citizens, "
            f"{population.firms:,} firms, {steps:,} days\n"
            f"score-sim explain {name}    # this page's text, and every number's source\n"
            "```\n",
            _description_markdown(scenario.description),
            "\n## Where its numbers come from\n",
            f"Of its {total:,} numbers:\n",
            _table(["evidence level", "numbers"], ledger_rows),
            f"\n`score-sim explain {name}` lists every number with its source. The file: "
            f"`scenarios/{path.name}`.\n",
        ]
        _write(folder / f"{name}.md", "\n".join(text))
        names.append(name)
    rows = [[f"[`{n}`]({n}.md)", _first_sentence(load_scenario(bundled_scenarios()[n]))]
            for n in names]
    index = [
        "# The bundled scenarios\n",
        "Each page is generated from the scenario's own file: its description, how many of "
        "its numbers are documented, derived, calibrated or assumed, and the figure that "
        "shows its point, drawn when this site was built.\n",
        _table(["scenario", "what it is"], rows),
        "\n```{toctree}\n:hidden:\n\n" + "\n".join(names) + "\n```\n",
    ]
    _write(folder / "index.md", "\n".join(index))
    return names


def _first_sentence(scenario) -> str:
    from score_sim.cli import _one_line

    return _one_line(scenario.description, limit=200)


# ---------------------------------------------------------------- the lessons


def copy_notebooks(folder: Path) -> None:
    """Copy the lesson notebooks in, the teacher's keys folded away."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            tags = cell.get("metadata", {}).get("tags", [])
            if "solution" in tags and "hide-input" not in tags:
                cell["metadata"]["tags"] = [*tags, "hide-input"]
        _write(folder / path.name, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def guide_figures(folder: Path) -> None:
    """The user guide's figures, drawn by the commands the guide shows, at a small size."""
    import tempfile

    from score_sim.experiments.ensemble import run_seeds
    from score_sim.experiments.twins import compare_scenarios
    from score_sim.runner import run_scenario

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="score-sim-docs-") as work:
        work_dir = Path(work)
        # Getting started's first run, at its own size, as `score-sim run pariah_spiral`
        first = run_scenario("pariah_spiral", work_dir / "first")
        shutil.copy(first.out_dir / "figures" / "pariahs.png", folder / "first_run_pariahs.png")
        twins = compare_scenarios(
            "pariah_spiral", None, work_dir / "twins", overrides_b={"effects.enabled": False},
            **SMALL,
        )
        shutil.copy(twins.out_dir / "figures" / "comparison.png", folder / "comparison.png")
        spiral = run_seeds("pariah_spiral", 5, work_dir / "seeds", **SMALL)
        shutil.copy(spiral.out_dir / "figures" / "pariahs.png", folder / "seeds_pariahs.png")
        differ = run_seeds(
            "pariah_spiral", 5, work_dir / "differ", overrides={"heterogeneity.enabled": True},
            **SMALL,
        )
        shutil.copy(
            differ.out_dir / "figures" / "selection_feedback.png",
            folder / "selection_feedback.png",
        )


def generate(app=None) -> None:
    """Write every generated page (Sphinx calls this when the build starts)."""
    guide_figures(DOCS / "_generated" / "figures")
    _write(DOCS / "reference" / "cli.md", cli_page())
    _write(DOCS / "reference" / "scenario-format.md", scenario_format_page())
    scenario_pages(DOCS / "scenarios")
    copy_notebooks(DOCS / "tutorials" / "lessons")


def _visit_math_inline(self, node) -> None:
    from docutils import nodes

    self.body.append(f'<code class="math">{self.encode(node.astext())}</code>')
    raise nodes.SkipNode


def _visit_math_block(self, node) -> None:
    from docutils import nodes

    self.body.append(f'<pre class="math">{self.encode(node.astext())}</pre>')
    raise nodes.SkipNode


def setup(app) -> dict[str, Any]:
    """Register the generation with Sphinx, and maths shown as its source (offline)."""
    app.connect("builder-inited", generate)
    app.add_html_math_renderer(
        "source", (_visit_math_inline, None), (_visit_math_block, None)
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
