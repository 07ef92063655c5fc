"""``solsim run``: one scenario, one seed; a summary table and result files.

``solsim run --from-sweep DIR --point P --rep R`` replays one run of a sweep
alone (see :mod:`solsim.experiments.replay`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from solsim.cli import UsageError, app, at_least, check_output
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
    """Every summary value in its unit (shares as %, money with separators)."""
    from solsim.report.terminal import summary_table as table

    return table(summary, title)


def print_summary(summary: dict[str, object], title: str, settings=None) -> None:
    """A run's headline sentence, then its summary table."""
    from solsim.report.terminal import run_headline

    console = Console()
    headline = run_headline(summary, settings)
    if headline:
        console.print(headline, markup=False, highlight=False)
    console.print(summary_table(summary, title))


def _replay(directory: Path, point: int, replicate: int, out: Path | None, quiet: bool) -> None:
    """Rerun one run of a sweep; its timeseries is byte-identical to the sweep's file."""
    import math

    import pyarrow.parquet as pq

    from solsim.experiments import layout
    from solsim.experiments.replay import replay_task
    from solsim.experiments.worker import execute_run
    from solsim.resources import check_memory
    from solsim.scenario import load_scenario
    from solsim.storage import versions, write_json

    experiment, task = replay_task(directory, point, replicate)
    scenario = load_scenario(None, None, data=task.scenario)
    check_memory(scenario)
    output = execute_run(task)
    if not output.ok:
        typer.echo(f"error: point {point}, replicate {replicate} failed: {output.error}", err=True)
        raise typer.Exit(code=1)
    row = pq.read_table(io.BytesIO(output.tables["summary"])).to_pylist()[0]
    summary = {
        k: (None if isinstance(v, float) and math.isnan(v) else v)
        for k, v in row.items()
        if k not in ("point", "replicate")
    }
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        from solsim.experiments.sweep import _write_bytes

        _write_bytes(out / "timeseries.parquet", output.tables["timeseries"])
        write_json(summary, out / "summary.json")
        manifest = {
            "from_sweep": str(directory),
            "experiment": experiment.name,
            "experiment_hash": experiment.hash,
            "point": point,
            "replicate": replicate,
            "seed": {"entropy": task.entropy, "spawn_key": list(task.spawn_key)},
            "scenario_name": scenario.name,
            "scenario_hash": scenario_hash(scenario),
            "versions": versions(),
        }
        write_json(manifest, out / "manifest.json")
    original = layout.run_file(directory, point, replicate)
    if original.is_file():
        same = original.read_bytes() == output.tables["timeseries"]
        verdict = "identical to" if same else "DIFFERS from"
        typer.echo(f"replayed point {point}, replicate {replicate}: {verdict} {original}")
        if not same:
            raise typer.Exit(code=1)
    else:
        typer.echo(f"replayed point {point}, replicate {replicate} ({original} is not there)")
    if not quiet:
        title = f"{scenario.name} · {experiment.name} point {point} rep {replicate}"
        print_summary(summary, title, task.scenario)
        if out is not None:
            Console().print(f"results written to {out}/", overflow="fold", markup=False)


@app.command("run")
def run_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            metavar="SCENARIO",
            help="Scenario TOML file (not with --from-sweep).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the run's random generator.", callback=at_least(0))
    ] = 0,
    steps: Annotated[
        int | None,
        typer.Option(
            help="Months to run (default: the scenario's).", callback=at_least(1, most=10_000)
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Override a scenario key: --set economy.households=5000 (repeatable)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Directory for timeseries.parquet, summary.json, manifest.json "
            "(and counterfactual_timeseries.parquet with --counterfactual)."
        ),
    ] = None,
    from_sweep: Annotated[
        Path | None,
        typer.Option(
            "--from-sweep",
            help="Replay one run of the sweep in DIR (with --point and --rep), alone.",
            metavar="DIR",
        ),
    ] = None,
    point: Annotated[
        int | None,
        typer.Option(help="With --from-sweep: the design point.", callback=at_least(0)),
    ] = None,
    rep: Annotated[
        int | None,
        typer.Option(help="With --from-sweep: the replicate.", callback=at_least(0)),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Do not print the summary table.")
    ] = False,
    counterfactual: Annotated[
        str | None,
        typer.Option(
            help="Also run the same seed without the shocks (no_shock) or the "
            "instruments (no_instrument); the summary pairs the two (cf_* keys).",
            metavar="KIND",
        ),
    ] = None,
) -> None:
    """Run one scenario and print its summary (or replay one run of a sweep)."""
    from solsim.resources import check_memory
    from solsim.runner import run
    from solsim.scenario import load_scenario
    from solsim.storage import versions, write_json, write_parquet

    if out is not None:
        check_output(out)
    if from_sweep is not None:
        if scenario is not None:
            raise UsageError("give a SCENARIO or --from-sweep, not both")
        if set_ or steps is not None:
            raise UsageError("--from-sweep replays a run as it was: drop --set and --steps")
        if point is None or rep is None:
            raise UsageError("--from-sweep needs --point P and --rep R")
        if not from_sweep.is_dir():
            raise UsageError(f"--from-sweep {from_sweep}: not a directory")
        _replay(from_sweep, point, rep, out, quiet)
        return
    if point is not None or rep is not None:
        raise UsageError("--point and --rep go with --from-sweep DIR")
    from solsim.runner import COUNTERFACTUALS

    if counterfactual is not None and counterfactual not in COUNTERFACTUALS:
        raise UsageError(
            f"--counterfactual {counterfactual}: must be one of {', '.join(COUNTERFACTUALS)}"
        )
    if scenario is None:
        raise UsageError("missing argument SCENARIO (a scenario TOML file, or --from-sweep DIR)")
    overrides = parse_overrides(set_)
    parsed = load_scenario(scenario, overrides)
    check_memory(parsed)
    result = run(parsed, seed=seed, steps=steps, agents=False, counterfactual=counterfactual)
    if out is not None:
        manifest = {
            "scenario": str(scenario),
            "scenario_name": parsed.name,
            "scenario_hash": scenario_hash(parsed),
            "seed": seed,
            "steps": len(result.timeseries),
            "overrides": overrides,
            "counterfactual": counterfactual,
            "versions": versions(),
        }
        write_parquet(
            result.timeseries,
            out / "timeseries.parquet",
            {"solsim.seed": str(seed), "solsim.scenario_hash": manifest["scenario_hash"]},
        )
        if result.counterfactual is not None:
            write_parquet(
                result.counterfactual.timeseries,
                out / "counterfactual_timeseries.parquet",
                {"solsim.seed": str(seed), "solsim.counterfactual": counterfactual or ""},
            )
        write_json(result.summary, out / "summary.json")
        write_json(manifest, out / "manifest.json")
    if not quiet:
        settings = parsed.model_dump(mode="json")
        print_summary(result.summary, f"{parsed.name} · seed {seed}", settings)
        if out is not None:
            Console().print(f"results written to {out}/", overflow="fold", markup=False)
