"""Words, tables and figures for scenario discovery and robustness.

The numbers come from :mod:`solsim.experiments.discovery` and
:mod:`solsim.experiments.robustness`; this module says them the way the rest of
the report does, with each metric's label, unit and direction from
:mod:`solsim.report.catalog`.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from solsim.engine import summaries
from solsim.errors import ScenarioError
from solsim.experiments.discovery import Discovery, box_sentence
from solsim.experiments.outcome import Outcome
from solsim.experiments.robustness import Robustness
from solsim.report import catalog as C
from solsim.storage import atomic_write

__all__ = [
    "FuturesSection",
    "box_sentences",
    "direction",
    "discovery_markdown",
    "futures_section",
    "outcome_words",
    "robustness_figure",
    "robustness_markdown",
    "slug",
    "trajectory_figure",
    "write_discovery",
    "write_robustness",
]


def direction(metric: str) -> int:
    """Which way is better for the community: +1 more, −1 less, 0 neither.

    The metric's own declaration (:func:`solsim.engine.summaries.direction`),
    the one the report's verdicts read through the catalogue too.
    """
    return summaries.direction(metric)


def outcome_words(outcome: Outcome, currency: str = "") -> str:
    """An outcome in words: ``co-op failure hazard is above 12.0% a year``."""
    return outcome.describe(
        lambda column: C.info(column).label,
        lambda column, value: C.format_value(column, float(value), currency),
    )


def box_sentences(
    discovery: Discovery, outcome: Outcome, factors: Mapping[str, Any], currency: str = ""
) -> list[str]:
    """Each box of a discovery in plain language."""
    words = outcome_words(outcome, currency)
    words = words[0].upper() + words[1:] if words else words
    return [box_sentence(box, words, factors) for box in discovery.boxes]


def slug(text: str) -> str:
    """A file name for an outcome expression: ``coop_hazard_gt_0.12``."""
    for symbol, word in ((">=", "_ge_"), ("<=", "_le_"), ("==", "_eq_"), ("!=", "_ne_")):
        text = text.replace(symbol, word)
    text = text.replace(">", "_gt_").replace("<", "_lt_")
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")
    return re.sub(r"_+", "_", text)[:80] or "outcome"


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a Markdown table, numbers to ``digits`` significant digits."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    lines = [header, rule]
    for row in frame.itertuples(index=False):
        cells = [
            f"{v:.{digits}g}" if isinstance(v, float) else str(v).replace("|", "/") for v in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def discovery_markdown(
    discovery: Discovery,
    outcome: Outcome,
    factors: Mapping[str, Any],
    currency: str = "",
    title: str = "",
) -> str:
    """The discovery as Markdown: the sentences, the boxes, their limits, the scores."""
    share = discovery.cases / discovery.n if discovery.n else 0.0
    lines = [
        f"# {title or 'When would this fail?'}",
        "",
        f"Outcome: `{outcome.text}` ({outcome_words(outcome, currency)}), in "
        f"{discovery.cases} of {discovery.n} runs ({share:.0%}).",
        "",
    ]
    if not discovery.boxes:
        lines += ["No box found: the outcome never happens, or happens everywhere.", ""]
    for sentence in box_sentences(discovery, outcome, factors, currency):
        lines += [f"- {sentence}"]
    lines += ["", "## Boxes", "", _table(discovery.boxes_table()), ""]
    lines += ["## Limits", "", _table(discovery.limits_table()), ""]
    lines += ["## Feature scores (extra trees)", "", _table(discovery.scores), ""]
    return "\n".join(lines)


def trajectory_figure(discovery: Discovery) -> Figure:
    """Each box's peeling trajectory: coverage against density, the chosen box marked."""
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for box in discovery.boxes:
        t = box.trajectory
        points = ax.scatter(
            t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18, zorder=2
        )
        ax.plot(t["coverage"], t["density"], color="0.7", lw=0.8, zorder=1)
        ax.scatter(
            [box.coverage],
            [box.density],
            marker="*",
            s=180,
            facecolor="none",
            edgecolor="crimson",
            linewidth=1.4,
            zorder=3,
        )
        ax.annotate(
            f"box {box.number}",
            (box.coverage, box.density),
            xytext=(6, -12),
            textcoords="offset points",
            fontsize=8,
        )
        if box.number == 1:
            fig.colorbar(points, ax=ax, label="restricted factors")
    ax.set_xlabel("coverage (share of all cases inside the box)")
    ax.set_ylabel("density (share of the box's cases that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(f"PRIM peeling trajectory: {discovery.outcome}", fontsize=10)
    return fig


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _write(path: Path, content: bytes | str) -> Path:
    if isinstance(content, str):
        return atomic_write(path, lambda tmp: tmp.write_text(content))
    return atomic_write(path, lambda tmp: tmp.write_bytes(content))


def write_discovery(
    discovery: Discovery,
    outcome: Outcome,
    factors: Mapping[str, Any],
    out_dir: str | Path,
    currency: str = "",
) -> Path:
    """Write ``boxes.csv``, ``limits.csv``, ``scores.csv``, ``discovery.md`` and
    ``trajectory.png`` under ``out_dir``; return the Markdown file."""
    out_dir = Path(out_dir)
    _write(out_dir / "boxes.csv", discovery.boxes_table().to_csv(index=False))
    _write(out_dir / "limits.csv", discovery.limits_table().to_csv(index=False))
    _write(out_dir / "scores.csv", discovery.scores.to_csv(index=False))
    _write(out_dir / "trajectory.png", png(trajectory_figure(discovery)))
    return _write(
        out_dir / "discovery.md", discovery_markdown(discovery, outcome, factors, currency)
    )


# ---------------------------------------------------------------- robustness
def regret_display(robust: Robustness, currency: str = "") -> pd.DataFrame:
    """The regret table as a reader sees it: labels, units, the better direction."""
    rows = []
    for row in robust.regret.itertuples(index=False):
        metric = C.info(row.metric)
        rows.append(
            {
                "outcome": C.label(row.metric, currency),
                "better": "higher" if direction(row.metric) > 0 else "lower",
                "structure": row.structure,
                "mean": C.format_value(metric, row.mean, currency),
                "max regret": C.format_change(
                    metric, row.max_regret, signed=False, currency=currency
                ),
                "90th pct regret": C.format_change(
                    metric, row.p90_regret, signed=False, currency=currency
                ),
                "mean regret": C.format_change(
                    metric, row.mean_regret, signed=False, currency=currency
                ),
                "rank": row.rank,
            }
        )
    return pd.DataFrame(rows)


def robustness_markdown(robust: Robustness, currency: str = "", title: str = "") -> str:
    """The regret and satisficing tables as Markdown, the most robust structure first."""
    futures = int(robust.regret["futures"].max()) if len(robust.regret) else 0
    ranking = robust.ranking()
    lines = [
        f"# {title or 'Which structure holds up best?'}",
        "",
        f"Across {futures} futures, ranked: {', '.join(ranking)}.",
        "",
        "Regret is how far a structure falls short of the best structure in the same "
        "future (0 for the best); rank 1 has the smallest maximum regret.",
        "",
        _table(regret_display(robust, currency)),
        "",
    ]
    if robust.satisficing is not None:
        shown = robust.satisficing.copy()
        for column in shown.columns[2:]:
            shown[column] = [f"{v:.0%}" for v in shown[column]]
        lines += [
            "## Satisficing: the share of futures meeting every threshold",
            "",
            _table(shown),
            "",
        ]
    return "\n".join(lines)


def robustness_figure(robust: Robustness) -> Figure:
    """Maximum and mean regret per structure, one panel per outcome (in the outcome's
    units, scaled as the report writes them), and the satisficing shares."""
    metrics = list(dict.fromkeys(robust.regret["metric"]))
    panels = len(metrics) + (robust.satisficing is not None)
    columns = min(3, max(1, panels))
    rows = int(np.ceil(panels / columns))
    fig = Figure(figsize=(3.6 * columns, 2.8 * rows + 0.3), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    structures = robust.structures
    y = np.arange(len(structures))
    for ax, metric in zip(axes, metrics, strict=False):
        info = C.info(metric)
        scale = C.UNITS[info.unit][2]
        table = robust.regret[robust.regret["metric"] == metric].set_index("structure")
        table = table.reindex(structures)
        ax.barh(y, table["max_regret"] * scale, color="#c0504d", alpha=0.8, label="max")
        ax.barh(y, table["p90_regret"] * scale, color="#f79646", alpha=0.9, label="90th pct")
        ax.scatter(table["mean_regret"] * scale, y, color="black", s=14, zorder=3, label="mean")
        ax.set_yticks(y, structures, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(textwrap.shorten(f"regret: {info.label}", 40), fontsize=9)
        ax.set_xlabel(C.unit_name(info, change=True) or "", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    if metrics:
        axes[0].legend(fontsize=7, loc="lower right")
    if robust.satisficing is not None:
        ax = axes[len(metrics)]
        share = robust.satisficing.set_index("structure").reindex(structures)["share"] * 100
        ax.barh(y, share, color="#4f81bd")
        ax.set_yticks(y, structures, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of futures", fontsize=8)
        ax.set_title("meets every threshold", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[panels:]:
        ax.set_visible(False)
    return fig


def write_robustness(robust: Robustness, out_dir: str | Path, currency: str = "") -> Path:
    """Write ``regret.csv``, ``satisficing.csv``, ``robustness.md`` and
    ``robustness.png`` under ``out_dir``; return the Markdown file."""
    out_dir = Path(out_dir)
    _write(out_dir / "regret.csv", robust.regret.to_csv(index=False))
    if robust.satisficing is not None:
        _write(out_dir / "satisficing.csv", robust.satisficing.to_csv(index=False))
    _write(out_dir / "robustness.png", png(robustness_figure(robust)))
    return _write(out_dir / "robustness.md", robustness_markdown(robust, currency))


# ---------------------------------------------------------------- the funder report
#: Outcomes the report ranks structures on when the experiment names none.
HEADLINE = ("hazard", "drawdown", "mean_distress_share", "final_gini", "lost_community")


@dataclass
class FuturesSection:
    """What the funder report says about an experiment with uncertainties."""

    futures: int
    discoveries: list[tuple[Outcome, Discovery]]
    robustness: Robustness | None
    factors: dict[str, Any]
    notes: list[str]


def _parse_metrics(items: list[str], columns: list[str]) -> dict[str, int]:
    metrics: dict[str, int] = {}
    for item in items:
        name, _, way = item.partition(":")
        if name not in columns:
            continue
        sign = {"lower": -1, "higher": 1}.get(way, direction(name))
        if sign:
            metrics[name] = sign
    return metrics


def futures_section(results) -> FuturesSection | None:
    """Scenario discovery and robustness for the report, or None without uncertainties.

    The outcomes and thresholds are those the experiment's ``[uncertainties]``
    table names (``failure``, ``satisfy``, ``metrics``); without ``failure`` the
    report asks when the co-op failure hazard is in its worst quarter of runs.
    """
    from solsim.experiments.discovery import discover, discovery_inputs
    from solsim.experiments.outcome import OutcomeError
    from solsim.experiments.robustness import robustness, runs_by_structure

    info = results.experiment
    if not info.get("uncertainties"):
        return None
    wanted = info.get("futures_report") or {}
    summaries = results.summaries
    columns = [c for c in summaries.columns if summaries[c].notna().any()]
    notes: list[str] = []
    failure = list(wanted.get("failure") or [])
    if not failure:
        hazard = C.pick(columns, "hazard")
        if hazard is not None:
            cut = float(np.nanquantile(summaries[hazard], 0.75))
            failure = [f"{hazard} > {cut:.3g}"]
            notes.append(
                f"No failure outcome was named (failure = [...] in [uncertainties]); this "
                f"asks when {C.info(hazard).label} is in its worst quarter of runs."
            )
    discoveries = []
    for text in failure:
        try:
            x, y, parsed = discovery_inputs(results, text)
        except OutcomeError as exc:
            notes.append(f"Not analysed: {exc}.")
            continue
        discoveries.append((parsed, discover(x, y, outcome=parsed.text, max_boxes=2)))
    metrics = _parse_metrics(list(wanted.get("metrics") or []), columns)
    if not metrics:
        names = [C.pick(columns, "hazard") if key == "hazard" else key for key in HEADLINE]
        metrics = _parse_metrics([n for n in names if n], columns)
    robust = None
    runs = None
    try:
        runs, _ = runs_by_structure(results)
    except ScenarioError:  # one structure: nothing to rank
        notes.append("One structure only: nothing to rank.")
    if runs is not None and metrics:
        satisfy = list(wanted.get("satisfy") or [])
        try:
            robust = robustness(results, metrics, satisfy)
        except OutcomeError as exc:
            notes.append(f"Thresholds not applied: {exc}.")
            robust = robustness(results, metrics)
    return FuturesSection(
        futures=int(info.get("futures") or 0),
        discoveries=discoveries,
        robustness=robust,
        factors=dict(info.get("uncertainties") or {}),
        notes=notes,
    )
