"""``solsim sweep``: run an experiment (design × replicates) into a results directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solsim.cli import UsageError, app, at_least, check_output, check_scheduler
from solsim.cli.run import parse_overrides

WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-w",
        help="Local worker processes (default: CPUs; 1 = in-process).",
        callback=at_least(1, most=4096),
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Run on a running Dask cluster: tcp://HOST:PORT."),
]
DaskLocalOpt = Annotated[
    int | None,
    typer.Option(
        "--dask-local",
        help="Start a local Dask cluster with N worker processes.",
        callback=at_least(1, most=4096),
    ),
]
ResumeOpt = Annotated[
    bool,
    typer.Option("--resume", help="Continue an earlier sweep in --out (it must exist)."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario key in every run (--set economy.households=500) or an "
        "experiment key (--set replicates=8, --set design.samples=64, --set steps=24).",
    ),
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal)."),
]


def executor_options(workers: int | None, scheduler: str | None, dask_local: int | None) -> dict:
    """The executor keywords of run_sweep, checked before anything is written."""
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if dask_local is not None and dask_local < 1:
        raise UsageError("--dask-local must be at least 1")
    if scheduler is not None and dask_local is not None:
        raise UsageError("choose one of --scheduler and --dask-local")
    if workers is not None and (scheduler is not None or dask_local is not None):
        raise UsageError("--workers is for local processes; drop it when using Dask")
    check_scheduler(scheduler)
    return {"workers": workers, "scheduler": scheduler, "dask_local": dask_local}


def check_experiment(loaded, options: dict) -> None:
    """Before any run: the largest point must fit in memory, times the local workers."""
    import os

    from solsim.resources import check_memory, estimate_bytes
    from solsim.scenario import load_scenario

    if options.get("scheduler") is not None:
        return  # runs on other machines
    copies = options.get("dask_local") or options.get("workers") or os.cpu_count() or 1
    copies = min(copies, loaded.n_points * loaded.replicates)
    biggest, most = None, -1
    names = [n for n in loaded.parameters if n.startswith(("economy.", "graph.", "steps"))]
    points = range(loaded.n_points) if names or loaded.kind == "scenarios" else [0]
    for point in points:
        scenario = load_scenario(None, None, data=loaded.point_scenario(point))
        need = estimate_bytes(scenario)
        if need > most:
            biggest, most = scenario, need
    check_memory(biggest, copies=copies, what=str(loaded.path))


def finish(report, echo: bool = True) -> None:
    """Print the sweep's line (unless ``echo`` is false); exit 1 if any run failed."""
    if echo:
        typer.echo(report.line())
    if report.failed:
        point, replicate, error = report.failed[0]
        typer.echo(
            f"error: {len(report.failed)} run(s) failed; first: point {point}, "
            f"replicate {replicate}: {error}",
            err=True,
        )
        raise typer.Exit(code=1)


@app.command("sweep")
def sweep_command(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results directory.")],
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    resume: ResumeOpt = False,
    set_: SetOpt = None,
    progress: ProgressOpt = None,
) -> None:
    """Run every design point × replicate of an experiment; resumable.

    Writes DIR/design.parquet, DIR/manifest.json and one Parquet file per run
    (DIR/runs/point=P/rep=R.parquet, DIR/summaries/...). Rerunning into the same
    DIR runs only what is missing.
    """
    from solsim.experiments.executors import ExecutorError
    from solsim.experiments.spec import load_experiment
    from solsim.experiments.sweep import run_sweep

    options = executor_options(workers, scheduler, dask_local)
    check_output(out)
    loaded = load_experiment(experiment, parse_overrides(set_))
    check_experiment(loaded, options)
    try:
        report = run_sweep(loaded, out, resume=resume, progress=progress, **options)
    except ExecutorError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo(f"interrupted; rerun the same command to resume into {out}", err=True)
        raise typer.Exit(code=130) from None
    finish(report)
