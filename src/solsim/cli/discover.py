"""``solsim discover`` and ``solsim robustness``: when would a structure fail, and which
holds up best, over a finished sweep with uncertainties."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solsim.cli import UsageError, app, check_output

DirArg = Annotated[Path, typer.Argument(help="Results directory of a sweep with uncertainties.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only where files went.")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Where to write (default: under DIR).")
]


def _results(directory: Path):
    from solsim.errors import ScenarioError
    from solsim.experiments.results import load

    if not directory.is_dir():
        raise ScenarioError(str(directory), "(dir)", "no such results directory")
    return load(directory)


@app.command("discover")
def discover_command(
    directory: Annotated[
        Path, typer.Argument(help="Results directory of a sweep with uncertainties.")
    ],
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="Which runs count, over summary columns: 'coop_hazard > 0.12', "
            "'drawdown > 0.2 and not recovered'.",
        ),
    ],
    structure: Annotated[
        str | None,
        typer.Option("--structure", help="Only this structure's runs (default: all, as a factor)."),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="Density a box must reach (0 to 1).", min=0.0, max=1.0),
    ] = 0.8,
    boxes: Annotated[
        int, typer.Option("--boxes", help="At most this many boxes.", min=1, max=10)
    ] = 3,
    max_restrictions: Annotated[
        int | None,
        typer.Option(
            "--max-restrictions",
            help="Only boxes restricting at most this many factors (easier to read).",
            min=1,
        ),
    ] = None,
    out: OutOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """PRIM boxes and feature scores: in which futures does the outcome happen?

    Writes DIR/discovery/OUTCOME/ (boxes.csv, limits.csv, scores.csv,
    discovery.md, trajectory.png) and prints each box in plain language.
    """
    from solsim.experiments.discovery import discover, discovery_inputs
    from solsim.experiments.outcome import OutcomeError
    from solsim.report.futures import box_sentences, slug, write_discovery

    results = _results(directory)
    try:
        import ema_workbench  # noqa: F401  (an optional extra: say so before any work)
    except ImportError:
        from solsim.experiments.discovery import MISSING

        raise UsageError(MISSING) from None
    try:
        x, y, parsed = discovery_inputs(results, outcome, structure)
    except OutcomeError as exc:
        raise UsageError(f"--outcome {exc}") from None
    target = out or directory / "discovery" / slug(parsed.text)
    check_output(target)
    found = discover(
        x,
        y,
        outcome=parsed.text,
        threshold=threshold,
        max_boxes=boxes,
        max_restrictions=max_restrictions,
    )
    factors = results.experiment.get("uncertainties") or {}
    currency = results.experiment.get("currency") or ""
    page = write_discovery(found, parsed, factors, target, currency)
    if not quiet:
        typer.echo(f"{parsed.text}: {found.cases} of {found.n} runs")
        for sentence in box_sentences(found, parsed, factors, currency):
            typer.echo(f"- {sentence}")
        if not found.boxes:
            typer.echo("- no box: the outcome never happens, or happens everywhere")
        top = ", ".join(f"{r.factor} {r.score:.2f}" for r in found.scores.head(4).itertuples())
        typer.echo(f"feature scores: {top}")
    typer.echo(f"discovery written to {page.parent}")


@app.command("robustness")
def robustness_command(
    directory: Annotated[
        Path, typer.Argument(help="Results directory of a sweep with uncertainties.")
    ],
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            help="An outcome to rank on; NAME:lower or NAME:higher for one without a "
            "direction (default: every summary metric with one).",
        ),
    ] = None,
    satisfy: Annotated[
        list[str] | None,
        typer.Option(
            "--satisfy",
            help="A threshold every structure should meet, e.g. 'coop_hazard < 0.12' "
            "(repeatable; the share of futures meeting all of them is reported).",
        ),
    ] = None,
    out: OutOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Regret (against the best structure in the same future) and satisficing.

    Writes DIR/robustness/ (regret.csv, satisficing.csv, robustness.md,
    robustness.png) and prints the table.
    """
    from solsim.experiments.outcome import OutcomeError
    from solsim.experiments.robustness import robustness, runs_by_structure
    from solsim.report.futures import direction, robustness_markdown, write_robustness

    results = _results(directory)
    runs, _ = runs_by_structure(results)
    available = [c for c in runs.columns if c not in ("point", "replicate", "future", "structure")]
    defined = [c for c in available if runs[c].notna().any()]
    metrics = _metrics(metric, defined, direction)
    target = out or directory / "robustness"
    check_output(target)
    try:
        found = robustness(results, metrics, list(satisfy or []))
    except OutcomeError as exc:
        raise UsageError(f"--satisfy {exc}") from None
    currency = results.experiment.get("currency") or ""
    page = write_robustness(found, target, currency)
    if not quiet:
        typer.echo(robustness_markdown(found, currency))
    typer.echo(f"robustness written to {page.parent}")


def _metrics(given: list[str] | None, available: list[str], direction) -> dict[str, int]:
    """Metric → direction from ``--metric`` (checked), or every metric with a direction."""
    if not given:
        return {m: direction(m) for m in available if direction(m) != 0}
    metrics: dict[str, int] = {}
    for item in given:
        name, _, way = item.partition(":")
        if name not in available:
            raise UsageError(
                f"--metric {item}: unknown column {name!r}; valid: {', '.join(sorted(available))}"
            )
        if way:
            if way not in ("lower", "higher"):
                raise UsageError(f"--metric {item}: say NAME:lower or NAME:higher")
            metrics[name] = 1 if way == "higher" else -1
        elif direction(name) == 0:
            raise UsageError(
                f"--metric {item}: {name} is neither better nor worse for the community "
                f"as it stands; say {name}:lower or {name}:higher"
            )
        else:
            metrics[name] = direction(name)
    return metrics
