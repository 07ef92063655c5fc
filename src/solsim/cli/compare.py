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
    DIR/comparison.md and DIR/report.html (figures in DIR/figures/), and prints
    each scenario's headline and the key numbers.
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
    from solsim.report.data import from_results_dir

    data = from_results_dir(out, loaded, network=report_, comparison=comparison)
    console = Console()
    if not quiet:
        from solsim.report.answer import first_screen
        from solsim.report.terminal import comparison_output

        title = f"{results.experiment['name']}: each scenario against {data.reference}"
        console.print(comparison_output(console, first_screen(data), data, title))
        console.print()
    if report_:
        from solsim.report import write_report

        page = write_report(data, out / "report.html")
        located(console, "report written to", page)
    located(
        console,
        "comparison written to",
        f"{out / 'comparison.md'} and {out / 'comparison.csv'}",
    )
    line = report.line()
    done, arrow, where = line.rpartition(" → ")
    if arrow:
        located(console, f"{done}{arrow.rstrip()}", where)
    else:
        located(console, line, "")
    finish(report, echo=False)


def located(console, text: str, path) -> None:
    """``text path`` on one line, or, when that is wider than the console, the path on
    a line of its own (folded only if it is itself wider), so it copies whole."""
    line = f"{text} {path}".rstrip()
    if len(line) <= console.width:
        console.print(line, soft_wrap=True, markup=False, highlight=False)
        return
    head = text if text.endswith(("→", ":")) else f"{text}:"
    console.print(head, markup=False, highlight=False)
    console.print(f"  {path}", overflow="fold", markup=False, highlight=False)
