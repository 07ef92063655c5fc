"""``solsim compare``: sweep a scenarios experiment, then compare with the reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solsim.cli import UsageError, app, check_output
from solsim.cli.run import parse_overrides
from solsim.cli.sweep import (
    DaskLocalOpt,
    ProgressOpt,
    ResumeOpt,
    SchedulerOpt,
    SetOpt,
    WorkersOpt,
    check_experiment,
    executor_options,
    finish,
)


def comparison_table(comparison, reference: str, title: str):
    """The comparison as a rich Table (differences whose interval excludes 0 in bold)."""
    from rich.table import Table

    from solsim.experiments.compare import wide_table

    wide = wide_table(comparison, reference)
    table = Table(title=title, show_header=True, header_style="bold", show_lines=False)
    for i, column in enumerate(wide.columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in wide.itertuples(index=False):
        table.add_row(*(f"[bold]{v}[/bold]" if str(v).endswith("*") else str(v) for v in row))
    return table


@app.command("compare")
def compare_command(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML with a 'scenarios' design.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results directory.")],
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    resume: ResumeOpt = False,
    set_: SetOpt = None,
    progress: ProgressOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the table.")] = False,
    report_: Annotated[
        bool, typer.Option("--report/--no-report", help="Also write DIR/report.html.")
    ] = True,
) -> None:
    """Compare scenarios with the reference: mean, paired difference, 95% CI per metric.

    Runs the sweep first (resumable), then writes DIR/comparison.csv,
    DIR/comparison.md and DIR/report.html (figures in DIR/figures/).
    """
    from rich.console import Console

    from solsim.experiments.compare import compare_experiment
    from solsim.experiments.executors import ExecutorError
    from solsim.experiments.spec import load_experiment

    options = executor_options(workers, scheduler, dask_local)
    check_output(out)
    loaded = load_experiment(experiment, parse_overrides(set_))
    check_experiment(loaded, options)
    try:
        comparison, report, results = compare_experiment(
            experiment,
            out,
            overrides=parse_overrides(set_),
            resume=resume,
            progress=progress,
            **options,
        )
    except ExecutorError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo(f"interrupted; rerun the same command to resume into {out}", err=True)
        raise typer.Exit(code=130) from None
    if not quiet:
        reference = results.experiment["reference"]
        title = f"{results.experiment['name']} · Δ vs {reference} · 95% CI · * excludes 0"
        Console(width=max(Console().width, 160)).print(
            comparison_table(comparison, reference, title)
        )
    typer.echo(f"comparison written to {out / 'comparison.csv'} and {out / 'comparison.md'}")
    if report_:
        from solsim.experiments.spec import load_experiment
        from solsim.report import write_report

        page = write_report(
            out,
            experiment=load_experiment(experiment, parse_overrides(set_)),
            comparison=comparison,
        )
        typer.echo(f"report written to {page}")
    finish(report)
