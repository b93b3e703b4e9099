"""The ``score-sim`` command line: run, validate, list and explain scenarios.

Exit status: 0 on success, 2 on bad input (every problem printed as
``file:line:col key: message``), 1 on an internal error, 130 when interrupted (Ctrl-C),
143 on SIGTERM and 129 on SIGHUP; an interrupted command leaves no half-written output.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import click
import typer
import typer.core

from score_sim import __version__
from score_sim.errors import ScenarioError, command_line_names

app = typer.Typer(
    name="score-sim",
    help="Simulate a points-based social-credit regime and the harms it does.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXAMPLES = {
    "run": (
        "score-sim run pariah_spiral",
        "score-sim run baseline --citizens 3000 --set score.half_life_days=90 --seeds 5",
    ),
    "compare": (
        "score-sim compare pariah_spiral --set effects.enabled=false",
        "score-sim compare baseline pariah_spiral --steps 365",
    ),
    "validate": ("score-sim validate my_regime.yaml scenarios/baseline.yaml",),
    "list": ("score-sim list",),
    "schema": ("score-sim schema --out scenario.schema.json",),
    "explain": ("score-sim explain rongcheng_city",),
    "app": ("score-sim app --host 0.0.0.0 --port 8765",),
    "sweep": ("score-sim sweep sweeps/pariah_spiral_seeds.yaml --out runs/pariah_seeds",),
    "sensitivity": ("score-sim sensitivity runs/pariah_sobol",),
    "calibrate": ("score-sim calibrate calibrations/rongcheng_city.yaml --out runs/rongcheng_fit",),
}
"""An example or two of each command, shown under its ``--help``."""


def _examples(command: str) -> str:
    """A command's examples as the end of its help, kept as written (not rewrapped)."""
    lines = "\n".join(f"  {example}" for example in EXAMPLES[command])
    return f"\b\nExample{'s' if len(EXAMPLES[command]) > 1 else ''}:\n{lines}"


class ReadableCommand(typer.core.TyperCommand):
    """A command whose help reads plainly, whichever typer draws it.

    Some typer versions write a required argument as ``{SCENARIO}`` in the usage line and
    add its Python type (``<str>``) beside each argument; the names given as metavars
    (``SCENARIO``, ``DIR``, ``KEY=VALUE``) say more, so the help keeps only them.
    """

    def get_usage(self, ctx: click.Context) -> str:
        """The usage line, arguments as plain names."""
        return _plain_help(super().get_usage(ctx))

    def get_help(self, ctx: click.Context) -> str:
        """The whole help, arguments as plain names and without Python types."""
        return _plain_help(super().get_help(ctx))


def _plain_help(text: str) -> str:
    text = re.sub(r"\{([^{}\s]+)\}", r"\1", text)
    text = re.sub(r"\[\[([^\]\s]+)\]\]", r"[\1]", text)
    return re.sub(r"^(\s+\S+) <[a-z\[\], ]+>", r"\1", text, flags=re.MULTILINE)


EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def _fail(error: ScenarioError) -> typer.Exit:
    _echo_problems(error)
    return typer.Exit(EXIT_BAD_INPUT)


def _echo_problems(error: ScenarioError) -> None:
    """Each problem on its own line, with any control character in it escaped."""
    from score_sim.text_safety import printable_line

    for problem in error.problems:
        typer.echo(f"error: {printable_line(str(problem))}", err=True)


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: the command stops, cleaning up as the exception rises.

    Not a KeyboardInterrupt, which typer would turn into a silent exit: :func:`main`
    reports it, whenever it comes (during imports, simulation or writing).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_pending_signal: int | None = None
"""The signal that stopped the command, once one came (see :func:`raise_if_interrupted`)."""


def _on_signal(signum: int, frame: object) -> None:
    global _pending_signal
    # a second signal must not interrupt the clean-up of the first
    signal.signal(signum, signal.SIG_IGN)
    _pending_signal = signum
    raise Interrupted(signum)


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` again if a signal came and the command goes on.

    A signal handler's exception can land inside a finalizer or a callback, where Python
    prints "Exception ignored" and carries on; the signal itself is ignored from then on
    (so that it cannot break the clean-up). Checked once a simulated day, this stops the
    command at the next day however the first exception was lost.
    """
    if _pending_signal is not None:
        raise Interrupted(_pending_signal)


def _handle_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _on_signal)


def _phase_line(label: str) -> None:
    """Say on stderr what a long phase is doing, when someone is watching."""
    if sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("1", "true"):
        names = {"writing": "writing outputs (tables, figures, manifest)..."}
        typer.echo(names.get(label, label), err=True)


class Progress:
    """A one-line progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str, stream=sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.enabled = stream.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")
        self.started = time.perf_counter()
        self._shown = -1

    def __call__(self, day: int, total: int) -> None:
        """Show that ``day`` of ``total`` days are done (and stop if a signal came)."""
        raise_if_interrupted()
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
    from score_sim.scenario.overrides import parse_override

    overrides: dict[str, object] = {}
    for text in values:
        key, value = parse_override(text)
        overrides[key] = value
    return overrides


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


def _number(value: float, signed: bool = False) -> str:
    """A number as a person reads it: thousands separated, three significant figures."""
    if value != value:  # NaN
        return "n/a"
    sign = "+" if signed and value > 0 else ""
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{sign}{value:,.0f}"
    return f"{sign}{value:.3g}"


def _outputs_text(files: Sequence[Path], folder: Path) -> str:
    """The files a run wrote, counted and named: the top-level files, then the folders."""
    top: list[str] = []
    folders: list[str] = []
    for path in files:
        parts = path.relative_to(folder).parts
        if len(parts) == 1:
            if parts[0] != "manifest.json":
                top.append(parts[0])
        elif f"{parts[0]}/" not in folders:
            folders.append(f"{parts[0]}/")
    return f"{len(files)} files: " + ", ".join([*top, *folders, "manifest.json"])


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
    from score_sim.browser.server import AppStartError, serve

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


@app.command(cls=ReadableCommand, epilog=_examples("sweep"))
def sweep(
    spec: Annotated[
        str, typer.Argument(help="Sweep file (YAML; see sweeps/ for examples).", metavar="FILE")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Sweep folder [default: runs/sweep-<file>-<hash>/].",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(metavar="N", help="Local worker processes [default: the machine's cores]."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="tcp://HOST:PORT", help="Send the runs to a Dask cluster's scheduler."
        ),
    ] = None,
    keep_runs: Annotated[
        bool, typer.Option("--keep-runs", help="Keep every run's outputs in DIR/runs/.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm a sweep of very many runs.")
    ] = False,
) -> None:
    """Run a scenario over seeds and parameter sets; resumable; results.csv and .parquet."""
    if scheduler is None:
        from score_sim.experiments.workers import prepare_workers

        prepare_workers()  # the workers' imports run while this process reads the sweep
    from score_sim.experiments.spec import load_sweep
    from score_sim.experiments.sweep import SweepProgress, default_out_dir, run_sweep

    target = out
    try:
        plan = load_sweep(spec, yes=yes)
        target = out if out is not None else default_out_dir(plan)
        progress = SweepProgress(plan.n_runs, 0)
        result = run_sweep(
            plan,
            target,
            workers=workers,
            scheduler=scheduler,
            keep_runs=keep_runs,
            progress=progress,
        )
    except ScenarioError as error:
        raise _fail(error) from None
    except (Interrupted, KeyboardInterrupt) as error:
        stored = f"the finished runs are stored in {target}/; " if target else ""
        typer.echo(f"\ninterrupted: {stored}run the same command to finish the sweep", err=True)
        raise typer.Exit(128 + getattr(error, "signum", signal.SIGINT)) from None
    before = plan.n_runs - result.n_run_now
    typer.echo(
        f"{plan.scenario.name}: {plan.n_runs} runs ({len(plan.points)} parameter sets x "
        f"{len(plan.seeds)} seeds), {result.n_run_now} run now"
        + (f", {before} stored before" if before else "")
        + f" -> {result.out_dir}/"
    )
    if len(plan.points) == 1:
        import csv

        from score_sim.experiments.sweep import SUMMARY_CSV
        from score_sim.outputs.labels import metric_label

        def number(text: str) -> str:
            return _number(float(text)) if text else "-"

        typer.echo(f"{'over ' + str(len(plan.seeds)) + ' seeds':<56} median (5-95%)")
        with open(result.out_dir / SUMMARY_CSV, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                typer.echo(
                    f"{metric_label(row['metric']):<56} {number(row['median'])} "
                    f"({number(row['p05'])} to {number(row['p95'])})"
                )
    for column, points in (result.switched_off or {}).items():
        shown = ", ".join(map(str, points[:10])) + (", ..." if len(points) > 10 else "")
        typer.echo(
            f"note: {column} is not measured in parameter set{'s' if len(points) > 1 else ''} "
            f"{shown}, which switch it off: its cells there are empty"
        )
    if result.sensitivity is not None:
        _echo_sensitivity(result.sensitivity)
    for path in result.files:
        typer.echo(f"  {path.relative_to(result.out_dir)}")


@app.command(cls=ReadableCommand, epilog=_examples("calibrate"))
def calibrate(
    spec: Annotated[
        str,
        typer.Argument(
            help="Calibration file (YAML; see calibrations/ for examples).", metavar="FILE"
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Calibration folder [default: runs/calibrate-<file>-<hash>/].",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(metavar="N", help="Local worker processes [default: the machine's cores]."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="tcp://HOST:PORT", help="Send the runs to a Dask cluster's scheduler."
        ),
    ] = None,
    trials: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Trials in all, instead of the file's `trials` (a larger budget continues "
            "a finished calibration in the same folder).",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm a calibration of very many runs.")
    ] = False,
    figures: Annotated[
        bool,
        typer.Option(help="Draw a figure per target [default: draw them].", show_default=False),
    ] = True,
) -> None:
    """Fit a scenario's undocumented numbers to its documented targets (Optuna); resumable."""
    if scheduler is None:
        from score_sim.experiments.workers import prepare_workers

        prepare_workers()
    from score_sim.experiments.calibration import (
        CalibrationProgress,
        default_out_dir,
        run_calibration,
    )
    from score_sim.experiments.calibration_outputs import closing_lines
    from score_sim.experiments.calibration_spec import load_calibration

    target = out
    try:
        plan = load_calibration(spec, yes=yes, trials=trials)
        target = out if out is not None else default_out_dir(plan)
        result = run_calibration(
            plan,
            target,
            workers=workers,
            scheduler=scheduler,
            progress=CalibrationProgress(),
            figures=figures,
        )
    except ScenarioError as error:
        raise _fail(error) from None
    except (Interrupted, KeyboardInterrupt) as error:
        stored = f"the finished runs are stored in {target}/; " if target else ""
        typer.echo(
            f"\ninterrupted: {stored}run the same command to finish the calibration", err=True
        )
        raise typer.Exit(128 + getattr(error, "signum", signal.SIGINT)) from None
    for line in closing_lines(result):
        typer.echo(line)


def _echo_sensitivity(result) -> None:
    """Each metric's most influential parameters, by the method's main index.

    Each with its 95% confidence interval; flagged indices and warnings about the sample
    are said too.
    """
    import math

    from score_sim.outputs.labels import metric_label

    index = {"sobol": "ST", "morris": "mu_star", "latin": "S1"}[result.method]

    def shown(metric: str, parameter: str, value: float) -> str:
        row = result.row(metric, parameter, index)
        conf = f" ± {row['conf_95']:.2g}" if math.isfinite(row["conf_95"]) else ""
        flag = " (flagged)" if row["flag"] else ""
        return f"{parameter} {value:.3g}{conf}{flag}"

    for warning in getattr(result, "warnings", ()):
        typer.echo(f"warning: {warning}", err=True)
    for metric in dict.fromkeys(r["metric"] for r in result.rows):
        ranked = ", ".join(shown(metric, p, v) for p, v in result.top(metric, index, 3))
        typer.echo(f"what drives {metric_label(metric)}: {index} {ranked}")
    for metric, reason in result.skipped.items():
        typer.echo(f"{metric_label(metric)}: no indices ({reason})")


@app.command(cls=ReadableCommand, epilog=_examples("sensitivity"))
def sensitivity(
    folder: Annotated[
        Path, typer.Argument(help="The folder of a finished sample sweep.", metavar="DIR")
    ],
    figures: Annotated[
        bool,
        typer.Option(help="Draw a figure per metric [default: draw them].", show_default=False),
    ] = True,
) -> None:
    """Sobol', Morris or RBD-FAST indices of a sample sweep: sensitivity.csv and figures."""
    from score_sim.experiments.sensitivity import analyse

    try:
        result = analyse(folder, figures=figures)
    except ScenarioError as error:
        raise _fail(error) from None
    _echo_sensitivity(result)
    for path in result.files:
        typer.echo(f"  {path.relative_to(folder)}")


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
