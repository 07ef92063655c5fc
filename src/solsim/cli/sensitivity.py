"""``solsim sensitivity``: Sobol or Morris indices of a summary metric over a finished sweep."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solsim.cli import app

#: Below these sizes the indices' intervals are too wide to rank parameters.
SOBOL_MIN_SAMPLES = 64
MORRIS_MIN_TRAJECTORIES = 10


def too_few_samples(info: dict) -> str | None:
    """A warning when a sweep's design is too small for stable indices, else None."""
    kind = info.get("design_kind")
    if kind == "sobol":
        n = int(info.get("samples") or 0)
        if n < SOBOL_MIN_SAMPLES:
            return (
                f"N = {n} Sobol samples is too few for stable indices (at least "
                f"{SOBOL_MIN_SAMPLES} recommended; intervals will be wide)"
            )
    if kind == "morris":
        r = int(info.get("trajectories") or 0)
        if r < MORRIS_MIN_TRAJECTORIES:
            return (
                f"{r} Morris trajectories are too few for stable indices (at least "
                f"{MORRIS_MIN_TRAJECTORIES} recommended)"
            )
    return None


@app.command("sensitivity")
def sensitivity_command(
    directory: Annotated[
        Path, typer.Argument(help="Results directory of a sobol or morris sweep.")
    ],
    metric: Annotated[str, typer.Option("--metric", "-m", help="Summary metric, e.g. final_gini.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the table.")] = False,
) -> None:
    """First-order and total indices (Sobol), or mu*/sigma (Morris), with 95% intervals.

    Writes DIR/sensitivity/METRIC.csv and .md.
    """
    from rich.console import Console
    from rich.table import Table

    from solsim.experiments.results import load
    from solsim.experiments.sensitivity import analyze, write_sensitivity

    results = load(directory)
    indices = analyze(results, metric)
    warning = too_few_samples(results.experiment)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    csv, _ = write_sensitivity(indices, directory, metric)
    if not quiet:
        kind = results.experiment.get("design_kind")
        table = Table(title=f"{kind} sensitivity of {metric}", header_style="bold")
        for i, column in enumerate(indices.columns):
            table.add_column(column, justify="left" if i == 0 else "right")
        for row in indices.itertuples(index=False):
            table.add_row(*(v if isinstance(v, str) else f"{v:.3f}" for v in row))
        Console().print(table)
    typer.echo(f"indices written to {csv}")
