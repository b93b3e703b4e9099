"""The ``score-sim`` commands of many runs: sweep, sensitivity, calibrate and replicate."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.core

from score_sim.cli_common import (
    Interrupted,
    ReadableCommand,
    _examples,
    _fail,
    _number,
    app,
)
from score_sim.errors import ScenarioError


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


@app.command()
def calibrate(
    spec: Annotated[
        str, typer.Argument(help="Calibration file (YAML; see calibrations/ for examples).")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Calibration folder [default: runs/calibrate-<file>-<hash>/]."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes [default: the machine's cores].")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Send the runs to a Dask cluster: its scheduler, tcp://HOST:PORT."),
    ] = None,
    trials: Annotated[
        int | None,
        typer.Option(
            help="Trials in all, instead of the file's `trials` (a larger budget continues "
            "a finished calibration in the same folder)."
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm a calibration of very many runs.")
    ] = False,
    figures: Annotated[bool, typer.Option(help="Draw a figure per target.")] = True,
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


@app.command()
def replicate(
    name: Annotated[
        str | None,
        typer.Argument(help="The published result to reproduce [default: list them]."),
    ] = None,
    seeds: Annotated[
        int | None, typer.Option(help="Seeds to run [default: 20, or fewer with --quick].")
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(help="The small version: a smaller town and fewer seeds, in seconds."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder [default: runs/replicate-<name>/]."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes [default: the machine's cores].")
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(help="Replace an earlier score-sim output in --out (never other files)."),
    ] = False,
) -> None:
    """Reproduce a published result: the paper's finding and ours, side by side."""
    from score_sim.experiments.workers import prepare_workers

    if name is None:
        from score_sim.experiments.replications import REPLICATIONS

        for rep in REPLICATIONS.values():
            typer.echo(f"{rep.name:<24} {rep.title}: {rep.authors}")
        typer.echo("run one: score-sim replicate NAME [--quick] [--seeds N] [--out DIR]")
        return
    if workers != 1:
        prepare_workers()  # the workers' imports run while this process starts
    from score_sim.experiments.replications import replicate as run_replication
    from score_sim.experiments.replications import replication, side_by_side
    from score_sim.experiments.replications.runner import JobProgress

    try:
        chosen = replication(name)
        result = run_replication(
            chosen,
            seeds=seeds,
            quick=quick,
            out_dir=out,
            workers=workers,
            overwrite=overwrite,
            progress=JobProgress(f"replicating {name}"),
            command_line=["score-sim", *sys.argv[1:]],
        )
    except ScenarioError as error:
        raise _fail(error) from None
    for line in side_by_side(result):
        typer.echo(line)
    typer.echo(f"figure: {result.figure}")
    typer.echo(
        f"-> {result.out_dir}/ (replication.csv, replication.json, {result.figure.name}; "
        f"{len(result.rows)} rows, {result.wall_time_s:.0f} s, the runs "
        f"{result.runs_cpu_s:.0f} CPU-seconds)"
    )
