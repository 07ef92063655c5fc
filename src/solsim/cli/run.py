"""``solsim run``: one scenario, one seed; a summary table and result files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from solsim.cli import UsageError, app
from solsim.scenario import parse_override, scenario_hash


def parse_overrides(values: list[str] | None) -> dict[str, object]:
    overrides: dict[str, object] = {}
    for text in values or []:
        try:
            key, value = parse_override(text)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        overrides[key] = value
    return overrides


def summary_table(summary: dict[str, object], title: str) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if isinstance(value, float):
            text = f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
        else:
            text = "—" if value is None else str(value)
        table.add_row(key, text)
    return table


@app.command("run")
def run_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    seed: Annotated[int, typer.Option(help="Seed of the run's random generator.", min=0)] = 0,
    steps: Annotated[
        int | None, typer.Option(help="Months to run (default: the scenario's).", min=1)
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Override a scenario key: --set economy.households=5000 (repeatable)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Directory for timeseries.parquet, summary.json, manifest.json."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Do not print the summary table.")
    ] = False,
) -> None:
    """Run one scenario and print its summary."""
    from solsim.runner import run
    from solsim.scenario import load_scenario
    from solsim.storage import versions, write_json, write_parquet

    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    parsed = load_scenario(scenario, parse_overrides(set_))
    result = run(parsed, seed=seed, steps=steps, agents=False)
    if out is not None:
        manifest = {
            "scenario": str(scenario),
            "scenario_name": parsed.name,
            "scenario_hash": scenario_hash(parsed),
            "seed": seed,
            "steps": len(result.timeseries),
            "overrides": parse_overrides(set_),
            "versions": versions(),
        }
        write_parquet(
            result.timeseries,
            out / "timeseries.parquet",
            {"solsim.seed": str(seed), "solsim.scenario_hash": manifest["scenario_hash"]},
        )
        write_json(result.summary, out / "summary.json")
        write_json(manifest, out / "manifest.json")
    if not quiet:
        console = Console()
        console.print(summary_table(result.summary, f"{parsed.name} · seed {seed}"))
        if out is not None:
            console.print(f"results written to {out}/")
