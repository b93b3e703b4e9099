"""The ``score-sim`` command line: run, validate, list and explain scenarios.

Exit status: 0 on success, 2 on bad input (every problem printed as
``file:line:col key: message``), 1 on an internal error, 130 when interrupted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from score_sim import __version__
from score_sim.errors import ScenarioError

app = typer.Typer(
    name="score-sim",
    help="Simulate a points-based social-credit regime and the harms it does.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def _fail(error: ScenarioError) -> typer.Exit:
    for problem in error.problems:
        typer.echo(f"error: {problem}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


class Progress:
    """A one-line progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str, stream=sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.enabled = stream.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")
        self.started = time.perf_counter()
        self._shown = -1

    def __call__(self, day: int, total: int) -> None:
        """Show that ``day`` of ``total`` days are done."""
        if not self.enabled or total <= 0:
            return
        percent = 100 * day // total
        if percent == self._shown:
            return
        self._shown = percent
        width = 30
        filled = width * day // total
        elapsed = time.perf_counter() - self.started
        eta = elapsed / day * (total - day) if day else 0.0
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] day {day}/{total} {percent:3d}%  eta {eta:4.0f} s"
        )
        if day >= total:
            self.stream.write("\n")
        self.stream.flush()


def _parse_sets(values: list[str]) -> dict[str, object]:
    from score_sim.overrides import parse_override

    overrides: dict[str, object] = {}
    for text in values:
        key, value = parse_override(text)
        overrides[key] = value
    return overrides


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a bundled scenario's name.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder [default: runs/<name>-<hash>/]."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (overrides run.seed).")] = None,
    steps: Annotated[int | None, typer.Option(help="Days to simulate (run.steps).")] = None,
    citizens: Annotated[
        int | None, typer.Option(help="Number of citizens (population.citizens).")
    ] = None,
    firms: Annotated[int | None, typer.Option(help="Number of firms (population.firms).")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Change any scenario value: key.path=value (repeatable).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace a non-empty --out folder instead of refusing.")
    ] = False,
    figures: Annotated[bool, typer.Option(help="Draw the PNG figures.")] = True,
) -> None:
    """Run a scenario and write timeseries.csv, agents.csv, events.csv, figures and a manifest."""
    from score_sim.runner import run_scenario

    try:
        result = run_scenario(
            scenario,
            out,
            seed=seed,
            steps=steps,
            citizens=citizens,
            firms=firms,
            overrides=_parse_sets(set_ or []),
            overwrite=overwrite,
            figures=figures,
            progress=Progress(f"running {Path(scenario).stem}"),
            command_line=["score-sim", *sys.argv[1:]],
        )
    except ScenarioError as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        typer.echo("\ninterrupted: no output was written", err=True)
        raise typer.Exit(130) from None
    manifest = result.manifest
    typer.echo(
        f"{manifest['scenario']}: {manifest['steps']} days, seed {manifest['seed']}, "
        f"{manifest['wall_time_s']:.1f} s -> {result.out_dir}/"
    )
    for path in result.files:
        typer.echo(f"  {path.relative_to(result.out_dir)}")
    _closing_lines(result.summary or {})


def _closing_lines(summary: dict) -> None:
    """The headlines with what drives them, then every calibration target missed."""
    from score_sim.targets import missed_lines

    for headline in summary.get("headlines", []):
        typer.echo(headline["text"])
    targets = summary.get("targets", [])
    if targets:
        met = sum(1 for t in targets if t["met"])
        typer.echo(f"calibration targets met: {met} of {len(targets)}")
    for line in missed_lines(targets):
        typer.echo(line)


@app.command()
def compare(
    scenario_a: Annotated[str, typer.Argument(help="World A: a scenario file or bundled name.")],
    scenario_b: Annotated[
        str | None,
        typer.Argument(help="World B [default: A, changed by --set]."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change a value in world B only: key.path=value (repeatable)."),
    ] = None,
    set_both: Annotated[
        list[str] | None,
        typer.Option("--set-both", help="Change a value in both worlds (repeatable)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Output folder [default: runs/compare-<A>-vs-<B>-<hash>/]."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of both worlds [default: A's].")] = None,
    steps: Annotated[int | None, typer.Option(help="Days to simulate in both.")] = None,
    citizens: Annotated[int | None, typer.Option(help="Citizens in both worlds.")] = None,
    firms: Annotated[int | None, typer.Option(help="Firms in both worlds.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty --out folder.")] = False,
    figures: Annotated[bool, typer.Option(help="Draw the PNG figures.")] = True,
) -> None:
    """Run two worlds with common random numbers and show what the rule change did."""
    from score_sim.compare import KEY_COLUMNS, compare_scenarios

    try:
        result = compare_scenarios(
            scenario_a,
            scenario_b,
            out,
            overrides_b=_parse_sets(set_ or []),
            overrides=_parse_sets(set_both or []),
            seed=seed,
            steps=steps,
            citizens=citizens,
            firms=firms,
            overwrite=overwrite,
            figures=figures,
            progress=Progress("running"),
            command_line=["score-sim", *sys.argv[1:]],
        )
    except ScenarioError as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        typer.echo("\ninterrupted: no output was written", err=True)
        raise typer.Exit(130) from None
    rows = {row["metric"]: row for row in result.metrics}
    typer.echo(f"{'metric (last day)':<34} {'A':>12} {'B':>12} {'B - A':>12}")
    for column in KEY_COLUMNS:
        row = rows.get(f"{column}.final")
        if row is not None:
            typer.echo(
                f"{column:<34} {row['a']:>12.4g} {row['b']:>12.4g} {row['difference']:>+12.4g}"
            )
    changed = sum(1 for row in result.metrics if row["difference"] != 0)
    typer.echo(
        f"{changed} of {len(result.metrics)} metrics differ; "
        f"harmed only in B: {result.harmed_only_in_b.size:,} actors, "
        f"only in A: {result.harmed_only_in_a.size:,}"
    )
    typer.echo(f"-> {result.out_dir}/")


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files (or bundled names).")],
) -> None:
    """Check scenario files and report every problem with its file, line and key."""
    from score_sim.scenario import load_scenario

    bad = False
    for file in files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as error:
            bad = True
            for problem in error.problems:
                typer.echo(f"error: {problem}", err=True)
            continue
        typer.echo(f"ok: {file} ({scenario.name})")
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("list")
def list_scenarios() -> None:
    """List the bundled scenarios with their one-line descriptions."""
    from score_sim.scenario import bundled_scenarios, load_scenario

    for name, path in bundled_scenarios().items():
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            typer.echo(f"{name:<24} (invalid: {error.problems[0]})")
            continue
        summary = _one_line(scenario.description)
        typer.echo(f"{name:<24} {summary}")


def _one_line(description: str, limit: int = 90) -> str:
    """The first sentence of a description's first paragraph (headings skipped)."""
    paragraph: list[str] = []
    for line in description.strip().splitlines():
        text = line.strip()
        if text and not text.isupper():
            paragraph.append(text)
        elif paragraph:
            break
    sentence = " ".join(paragraph).split(". ")[0].split(": ")[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rstrip() + "..."


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors' autocompletion)."""
    from score_sim.scenario import json_schema_text

    text = json_schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@app.command()
def explain(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a bundled scenario's name.")],
) -> None:
    """Show a scenario's description and, for every number, its source or 'assumption'."""
    from score_sim.explain import explain_scenario
    from score_sim.scenario import load_scenario

    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        raise _fail(error) from None
    typer.echo(explain_scenario(loaded), nl=False)


@app.callback(invoke_without_command=True)
def _main_options(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"score-sim {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Entry point of the ``score-sim`` command."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        typer.echo("\ninterrupted: no output was written", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as error:  # the last line of defence: no traceback for users
        if os.environ.get("SCORE_SIM_DEBUG"):
            raise
        typer.echo(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in score-sim; set SCORE_SIM_DEBUG=1 to see the traceback.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
