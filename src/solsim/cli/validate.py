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
        style = "green" if check.passed else "bold red"
        table.add_row(*cells, f"[{style}]{verdict}[/{style}]")
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
) -> None:
    """Reproduce published results; exit 1 if any check fails.

    Kinetic exchange on the ledger (Drăgulescu & Yakovenko; Chakraborti &
    Chakrabarti; Patriarca et al.), Eisenberg–Noe clearing, the local multiplier
    of an economy with a constant local re-spend share, and the baseline's
    calibration anchors.
    """
    from solsim.scenario import load_scenario
    from solsim.storage import atomic_write, write_json
    from solsim.validation import run_validation

    if baseline is not None:
        load_scenario(baseline)  # a bad file is a one-line error before any work
    console = Console()
    with console.status("validating…"):
        report = run_validation(
            quick=quick,
            baseline=baseline,
            progress=lambda group: console.log(f"running {group} checks"),
        )
    console.print(report_table(report))
    command = "solsim validate --quick" if quick else "solsim validate"
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
