"""The ``score-sim`` command line: run, validate, list and explain scenarios.

Exit status: 0 on success, 2 on bad input (every problem printed as
``file:line:col key: message``), 1 on an internal error, 130 when interrupted (Ctrl-C),
143 on SIGTERM and 129 on SIGHUP; an interrupted command leaves no half-written output.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.core

from score_sim import __version__
from score_sim.cli_common import (
    EXAMPLES,
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    Interrupted,
    Progress,
    ReadableCommand,
    _echo_problems,
    _examples,
    _fail,
    _handle_signals,
    _number,
    _on_signal,
    _outputs_text,
    _parse_sets,
    _phase_line,
    app,
    raise_if_interrupted,
)
from score_sim.cli_experiments import calibrate, replicate, sensitivity, sweep
from score_sim.errors import ScenarioError, command_line_names


@app.command(cls=ReadableCommand, epilog=_examples("run"))
def run(
    scenario: Annotated[
        str,
        typer.Argument(help="Scenario file, or a bundled scenario's name.", metavar="SCENARIO"),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="DIR", help="Output folder [default: runs/<name>-<hash>/]."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="N", help="Seed (overrides run.seed).")
    ] = None,
    steps: Annotated[
        int | None, typer.Option(metavar="DAYS", help="Days to simulate (run.steps).")
    ] = None,
    citizens: Annotated[
        int | None, typer.Option(metavar="N", help="Number of citizens (population.citizens).")
    ] = None,
    firms: Annotated[
        int | None, typer.Option(metavar="N", help="Number of firms (population.firms).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Change any scenario value, e.g. score.half_life_days=90 (repeatable).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="Replace an earlier score-sim output in --out (never other files).",
            show_default=False,
        ),
    ] = False,
    figures: Annotated[
        bool, typer.Option(help="Draw the PNG figures [default: draw them].", show_default=False)
    ] = True,
    seeds: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="N",
            show_default=False,
            help="Run this many seeds (the scenario's, then seeds derived from it): each "
            "headline's median and 5-95% interval, figures with 5-95% bands [default: 1].",
        ),
    ] = 1,
    decompose: Annotated[
        bool | None,
        typer.Option(
            help="With an active feedback, also run the twin world without it to split the "
            "misconduct ratio into selection and feedback (a second simulation) [default: "
            "when the scenario's people differ].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a scenario and write timeseries.csv, agents.csv, events.csv, figures and a manifest."""
    from score_sim.experiments.ensemble import run_seeds
    from score_sim.runner import run_scenario

    options = {
        "seed": seed,
        "steps": steps,
        "citizens": citizens,
        "firms": firms,
        "overwrite": overwrite,
        "figures": figures,
        "progress": Progress(f"running {Path(scenario).stem}"),
        "command_line": ["score-sim", *sys.argv[1:]],
        "decompose": decompose,
    }
    try:
        if seeds > 1:
            ensemble = run_seeds(scenario, seeds, out, overrides=_parse_sets(set_ or []), **options)
            typer.echo(
                f"{ensemble.manifest['scenario']}: {len(ensemble.seeds)} seeds, "
                f"{ensemble.manifest['steps']} days each ({ensemble.manifest['wall_time_s']:.1f} s)"
            )
            for headline in ensemble.summary["headlines"]:
                typer.echo(f"  {headline['text']}")
            listed = _outputs_text(ensemble.files, ensemble.out_dir)
            typer.echo(f"outputs: {ensemble.out_dir}/ ({listed}; each seed's own in seeds/)")
            return
        result = run_scenario(
            scenario, out, overrides=_parse_sets(set_ or []), on_phase=_phase_line, **options
        )
    except ScenarioError as error:
        raise _fail(error) from None
    from score_sim.outputs.summary import closing_lines
    from score_sim.outputs.targets import target_line

    manifest = result.manifest
    summary = json.loads((result.out_dir / "summary.json").read_text(encoding="utf-8"))
    population = result.model.score_scenario.population
    typer.echo(
        f"{manifest['scenario']}: {population.citizens:,} citizens, {population.firms:,} "
        f"firms, {manifest['steps']} days, seed {manifest['seed']} "
        f"({manifest['wall_time_s']:.1f} s)"
    )
    for line in closing_lines(result.model, summary):
        typer.echo(f"  {line}")
    targets = summary.get("targets", [])
    if targets:
        met = sum(1 for target in targets if target["met"])
        typer.echo(f"  calibration targets met: {met} of {len(targets)}")
        for target in targets:
            typer.echo(f"  {target_line(target)}")
    typer.echo(f"outputs: {result.out_dir}/ ({_outputs_text(result.files, result.out_dir)})")


@app.command(cls=ReadableCommand, epilog=_examples("compare"))
def compare(
    scenario_a: Annotated[
        str,
        typer.Argument(help="World A: a scenario file or bundled name.", metavar="A"),
    ],
    scenario_b: Annotated[
        str | None,
        typer.Argument(help="World B [default: A, changed by --set].", metavar="[B]"),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Change a value in world B only (repeatable).",
            show_default=False,
        ),
    ] = None,
    set_both: Annotated[
        list[str] | None,
        typer.Option(
            "--set-both",
            metavar="KEY=VALUE",
            help="Change a value in both worlds (repeatable).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Output folder [default: runs/compare-<A>-vs-<B>-<hash>/].",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="N", help="Seed of both worlds [default: A's].")
    ] = None,
    steps: Annotated[
        int | None, typer.Option(metavar="DAYS", help="Days to simulate in both.")
    ] = None,
    citizens: Annotated[
        int | None, typer.Option(metavar="N", help="Citizens in both worlds.")
    ] = None,
    firms: Annotated[int | None, typer.Option(metavar="N", help="Firms in both worlds.")] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="Replace an earlier score-sim output in --out (never other files).",
            show_default=False,
        ),
    ] = False,
    figures: Annotated[
        bool, typer.Option(help="Draw the PNG figures [default: draw them].", show_default=False)
    ] = True,
) -> None:
    """Run two worlds with common random numbers and show what the rule change did."""
    from score_sim.experiments.twins import KEY_COLUMNS, compare_scenarios

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
    from score_sim.outputs.labels import metric_label

    rows = {row["metric"]: row for row in result.metrics}
    typer.echo(f"{'on the last day':<40} {'A':>12} {'B':>12} {'B - A':>12}")
    for column in KEY_COLUMNS:
        row = rows.get(f"{column}.final")
        if row is not None:
            typer.echo(
                f"{metric_label(column):<40} {_number(row['a']):>12} {_number(row['b']):>12} "
                f"{_number(row['difference'], signed=True):>12}"
            )
    changed = sum(1 for row in result.metrics if row["difference"] != 0)
    typer.echo(
        f"{changed} of {len(result.metrics)} metrics differ; "
        f"harmed only in B: {result.harmed_only_in_b.size:,} actors, "
        f"only in A: {result.harmed_only_in_a.size:,}"
    )
    typer.echo(f"-> {result.out_dir}/")


@app.command(cls=ReadableCommand, epilog=_examples("validate"))
def validate(
    files: Annotated[
        list[str], typer.Argument(help="Scenario files (or bundled names).", metavar="FILE")
    ],
) -> None:
    """Check scenario files and report every problem with its file, line and key."""
    from score_sim.scenario import load_scenario
    from score_sim.text_safety import printable_line

    bad = False
    for file in files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as error:
            bad = True
            _echo_problems(error)
            continue
        typer.echo(f"ok: {printable_line(file)} ({scenario.name})")
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("list", cls=ReadableCommand, epilog=_examples("list"))
def list_scenarios() -> None:
    """List the bundled scenarios with their one-line descriptions."""
    from score_sim.scenario import bundled_scenarios, load_scenario
    from score_sim.text_safety import printable_line

    for name, path in bundled_scenarios().items():
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            typer.echo(f"{name:<24} (invalid: {printable_line(str(error.problems[0]))})")
            continue
        summary = _one_line(scenario.description)
        typer.echo(f"{name:<24} {printable_line(summary)}")


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


@app.command(cls=ReadableCommand, epilog=_examples("schema"))
def schema(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write to this file instead of stdout."),
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors' autocompletion)."""
    from score_sim.scenario import json_schema_text

    text = json_schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@app.command(cls=ReadableCommand, epilog=_examples("explain"))
def explain(
    scenario: Annotated[
        str,
        typer.Argument(help="Scenario file, or a bundled scenario's name.", metavar="SCENARIO"),
    ],
) -> None:
    """Show a scenario's description and, for every number, its source or 'assumption'."""
    from score_sim.explain import explain_scenario
    from score_sim.scenario import load_scenario

    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        raise _fail(error) from None
    from score_sim.text_safety import printable

    typer.echo(printable(explain_scenario(loaded)), nl=False)


@app.command("app", cls=ReadableCommand, epilog=_examples("app"))
def app_command(
    host: Annotated[
        str,
        typer.Option(
            metavar="HOST", help="Address to listen on (0.0.0.0: every network, for a class)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8765,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="A scenario file to offer beside the bundled ones (repeatable); a page can "
            "choose only these and the bundled scenarios.",
            show_default=False,
        ),
    ] = None,
    session_memory: Annotated[
        float | None,
        typer.Option(help="Most memory one tab's city may use, in MiB [default: 1024].", min=1),
    ] = None,
    server_memory: Annotated[
        float | None,
        typer.Option(
            help="Most memory all tabs together may use, in MiB [default: 80% of what is "
            "available when the app starts].",
            min=1,
        ),
    ] = None,
    idle_minutes: Annotated[
        float | None,
        typer.Option(
            help="Free a tab's city after this many minutes unused [default: 20].", min=0.1
        ),
    ] = None,
) -> None:
    """Start the browser app (works offline) and print its address."""
    from score_sim.app.server import AppStartError, serve

    try:
        serve(
            host,
            port,
            echo=typer.echo,
            scenarios=scenario or [],
            session_mib=session_memory,
            server_mib=server_memory,
            idle_minutes=idle_minutes,
        )
    except ScenarioError as error:
        raise _fail(error) from None
    except AppStartError as problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (Interrupted, KeyboardInterrupt):
        raise typer.Exit(0) from None


@app.callback(invoke_without_command=True)
def _main_options(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"score-sim {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Entry point of the ``score-sim`` command."""
    _handle_signals()
    try:
        with command_line_names():  # problems name --set, --out..., not Python arguments
            app(standalone_mode=True, prog_name="score-sim")
    except (Interrupted, KeyboardInterrupt) as error:
        signum = getattr(error, "signum", signal.SIGINT)
        how = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
        typer.echo(f"\ninterrupted{how}: no output was written", err=True)
        sys.exit(128 + signum)
    except SystemExit:
        raise
    except Exception as error:  # the last line of defence: no traceback for users
        if os.environ.get("SCORE_SIM_DEBUG"):
            raise
        from score_sim.text_safety import printable_line

        typer.echo(
            f"internal error: {type(error).__name__}: {printable_line(str(error))}\n"
            "This is a bug in score-sim; set SCORE_SIM_DEBUG=1 to see the traceback.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()


__all__ = [
    "EXAMPLES",
    "Interrupted",
    "Progress",
    "_on_signal",
    "app",
    "calibrate",
    "main",
    "raise_if_interrupted",
    "replicate",
    "sensitivity",
    "sweep",
]
