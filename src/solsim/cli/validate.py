"""``solsim validate``: reproduce published results; a table and ``validation.md``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from solsim.cli import app


def report_table(report) -> Table:
    """The validation report as a rich table (one row per check)."""
    mode = "quick subset" if report.quick else "full run"
    table = Table(
        title=f"solsim validation · {mode} · {report.seconds:.1f} s",
        show_header=True,
        header_style="bold",
        show_lines=False,
    )
    table.add_column("check", overflow="fold")
    table.add_column("source", overflow="fold")
    table.add_column("target", justify="right")
    table.add_column("measured", justify="right")
    table.add_column("tolerance", justify="right")
    table.add_column("pass", justify="center")
    for check in report.checks:
        *cells, verdict = check.row()
        style = "dim" if not check.judged else "green" if check.passed else "bold red"
        table.add_row(*cells, f"[{style}]{verdict}[/{style}]")
    return table


def robust_table(records, points: int) -> Table:
    """Where each stylised fact's direction holds over the --robust hypercube."""
    table = Table(title=f"stylised facts over {points} points of the parameter space")
    for column in ("fact", "direction", "evidence", "holds at", "at defaults", "flag"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            r["fact"],
            r["direction"],
            r["label"],
            f"{r['holds_share']:.0%}",
            "yes" if r["at_defaults"] else "no",
            "[bold red]fragile[/]" if r["flagged"] else "",
        )
    return table


@app.command("validate")
def validate_command(
    out: Annotated[
        Path, typer.Option(help="Directory for validation.md and validation.json.")
    ] = Path("out/validation"),
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Small subset (seconds): no calibration, small sizes, fewer cases."
        ),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Scenario for the calibration checks (default scenarios/baseline.toml)."),
    ] = None,
    robust: Annotated[
        bool,
        typer.Option(
            "--robust",
            help="Also check each stylised fact's direction over a Latin hypercube of the "
            "main behavioural parameters.",
        ),
    ] = False,
    points: Annotated[
        int, typer.Option(min=2, max=10_000, help="Points of the --robust hypercube.")
    ] = 50,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Worker processes for the stylised facts' sweeps (default: one per CPU)."
        ),
    ] = None,
) -> None:
    """Reproduce published results; exit 1 if any check fails.

    Kinetic exchange on the ledger (Drăgulescu & Yakovenko; Chakraborti &
    Chakrabarti; Patriarca et al.), Eisenberg–Noe clearing, the local multiplier
    of an economy with a constant local re-spend share, and the baseline's
    calibration anchors.
    """
    from solsim.errors import ScenarioError
    from solsim.facts import shock_window
    from solsim.scenario import load_scenario
    from solsim.storage import atomic_write, write_json
    from solsim.validation import run_validation

    if baseline is not None:
        # A bad file is a one-line error before any work, and so is a baseline
        # without the recession the stylised facts are measured on.
        try:
            shock_window(load_scenario(baseline))
        except ValueError as exc:
            raise ScenarioError(str(baseline), "shocks.scheduled", str(exc)) from None
    console = Console()
    with console.status("validating…"):
        report = run_validation(
            quick=quick,
            baseline=baseline,
            progress=lambda group: console.log(f"running {group} checks"),
            out_dir=out,
            workers=(1 if quick else None) if workers is None else workers,
            robust_points=points if robust else 0,
        )
    console.print(report_table(report))
    if report.robust is not None:
        console.print(robust_table(report.robust, points))
    command = "solsim validate" + (" --quick" if quick else "") + (" --robust" if robust else "")
    markdown = report.to_markdown(command)
    path = atomic_write(out / "validation.md", lambda tmp: tmp.write_text(markdown))
    write_json(report.to_dict(), out / "validation.json")
    failures = report.failures
    if failures:
        console.print(
            f"[bold red]{len(failures)} of {len(report.checks)} checks failed[/]: "
            + ", ".join(check.name for check in failures)
        )
    else:
        console.print(f"[green]all {len(report.checks)} checks pass[/]")
    console.print(f"report written to {path}")
    if failures:
        raise typer.Exit(code=1)
