"""The README's results, generated: run the named commands, write the figures, rewrite the README.

``make readme-figures`` runs this script. It runs, from fresh output directories,

    solsim compare experiments/all_instruments.toml --out out/all_instruments
    solsim sweep experiments/baseline_no_shock.toml --out out/baseline_no_shock
    solsim validate --out out/validation

(or, with ``--from DIR``, reads the outputs those commands already wrote under
DIR), then writes

* ``docs/readme_figures.json``: every number the README shows, each with the
  command it came from, its metric key, scenario and statistic (mean, 95%
  interval or standard error, replicates), plus the per-replicate values of a
  small subset of runs that ``tests/test_readme_figures.py`` reruns;
* ``docs/validation.md``: the validation report of the same run;
* the README's generated blocks, in place, between
  ``<!-- readme-figures:NAME:start -->`` and ``<!-- readme-figures:NAME:end -->``.

The blocks are rendered from the JSON alone (:func:`render_blocks`), so the test
can check that the README says exactly what the stored figures say. Sentences
that interpret numbers are templates filled from the figures, each chosen by
what the numbers support: an effect is claimed only when its 95% interval
excludes zero. Prose without numbers stays hand-written outside the markers.

    .venv/bin/python benchmarks/readme_figures.py               # run everything (~5 min)
    .venv/bin/python benchmarks/readme_figures.py --from out    # reuse out/… results
    .venv/bin/python benchmarks/readme_figures.py --check       # is the README current?
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FIGURES = ROOT / "docs" / "readme_figures.json"
VALIDATION_MD = ROOT / "docs" / "validation.md"

#: Version of the JSON layout.
FORMAT = 1

INSTRUMENTS_EXPERIMENT = "experiments/all_instruments.toml"
NO_SHOCK_EXPERIMENT = "experiments/baseline_no_shock.toml"
GOVERNANCE_EXPERIMENT = "experiments/governance_sweep.toml"
BASELINE_SCENARIO = "scenarios/baseline.toml"


def commands(out: str = "out") -> dict[str, dict[str, Any]]:
    """The named commands, their output folders and what they write."""
    return {
        "all_instruments": {
            "command": f"solsim compare {INSTRUMENTS_EXPERIMENT} --out {out}/all_instruments",
            "argv": ["compare", INSTRUMENTS_EXPERIMENT, "--out", f"{out}/all_instruments"],
            "folder": f"{out}/all_instruments",
            "experiment": INSTRUMENTS_EXPERIMENT,
        },
        "baseline_no_shock": {
            "command": f"solsim sweep {NO_SHOCK_EXPERIMENT} --out {out}/baseline_no_shock",
            "argv": ["sweep", NO_SHOCK_EXPERIMENT, "--out", f"{out}/baseline_no_shock"],
            "folder": f"{out}/baseline_no_shock",
            "experiment": NO_SHOCK_EXPERIMENT,
        },
        "governance_sweep": {
            "command": f"solsim sweep {GOVERNANCE_EXPERIMENT} --out {out}/governance_sweep",
            "argv": ["sweep", GOVERNANCE_EXPERIMENT, "--out", f"{out}/governance_sweep"],
            "folder": f"{out}/governance_sweep",
            "experiment": GOVERNANCE_EXPERIMENT,
        },
        "validation": {
            "command": f"solsim validate --robust --out {out}/validation",
            "argv": ["validate", "--robust", "--out", f"{out}/validation"],
            "folder": f"{out}/validation",
        },
    }


# ---------------------------------------------------------------------------- what is shown
#: Rows of the instrument table: (summary key, label, unit). Units: ``pct`` a
#: share shown in % (differences in percentage points), ``count`` one decimal,
#: ``index`` three decimals, ``ratio`` two decimals, ``k`` currency in
#: thousands, ``M`` in millions. A key the results lack is left out.
INSTRUMENT_ROWS = (
    ("drawdown", "output drawdown, %", "pct"),
    ("coop_hazard", "co-op failure hazard, % a year", "pct"),
    ("coop_hazard_illiquid", "co-op failure hazard, illiquid, % a year", "pct"),
    ("coop_hazard_insolvent", "co-op failure hazard, insolvent, % a year", "pct"),
    ("coop_failures", "co-op failures", "count"),
    ("mean_distress_share", "distress share, %", "pct"),
    ("mean_arrears", "household arrears, thousands", "k"),
    ("displaced", "households displaced", "count"),
    ("final_gini", "final net-worth Gini", "index"),
    ("bank_use", "bank credit drawn ÷ lines, peak in month, %", "pct"),
    ("illiquid_share", "failures that were illiquid, %", "pct"),
    ("investor_irr", "outside investors' return (money-weighted IRR), % a year", "pct"),
    # Results written before the summaries carried the IRR.
    ("investor_return", "outside investors' return, % a year", "pct"),
    ("return_parity", "return parity: community's paired gain ÷ investors' net gain", "ratio"),
    ("community_return", "community return, millions", "M"),
    ("guarantee_paid", "guarantee paid, thousands", "k"),
)
#: Tranche losses (``loss_<tranche>``) follow, one row per tranche, in thousands.
LOSS_PREFIX = "loss_"

#: Summaries the channel paragraphs read (means per scenario and paired
#: differences), beyond the table's rows: the flows and counts through which
#: each tool acts.
CHANNEL_METRICS = (
    "active_coops_final",
    "net_chargeoffs_cum",
    "absorbed_allowance",
    "absorbed_net_assets",
    "absorbed_guarantee",
    "absorbed_tranche_first_loss",
    "absorbed_backstop",
    "pc_repaid_share",
    "pc_chargeoff_share",
    "ne_extraction_ratio",
    "ne_interest",
    "ne_surplus",
    "mc_turnover",
    "mc_wages",
    "tb_hours",
    "tb_lifted",
    "tb_relief",
    "tb_cash_kept",
    "tb_giver_share",
    "aid_paid",
    "aid_from_circles",
    "community_vote_share",
    "decided_rate",
    "pb_allocated",
    "mean_coop_pay_ratio",
    "foreclosure_rate_clt",
    "foreclosure_rate_market",
    "clt_cures",
    "clt_due",
    "clt_burden",
    "mean_owner_burden",
    "hcoop_charge_ratio",
    "hcoop_burden",
    "mean_rent_burden",
    "hcoop_displacement_rate",
    "eviction_rate_market",
    "hcoop_repairs",
    "hcoop_hardship_paid",
)

#: Outcome rows the interpretation reads (an effect is claimed only when the
#: 95% interval of the paired difference excludes zero).
OUTCOMES = (
    "drawdown",
    "coop_failures",
    "mean_distress_share",
    "mean_arrears",
    "displaced",
    "final_gini",
    "bank_use",
    "illiquid_share",
)

#: How each scenario is named in the table and in sentences.
SCENARIO_NAMES = {
    "baseline": ("baseline", "the baseline"),
    "first_loss": ("first-loss", "first-loss capital"),
    "guarantee": ("guarantee", "the guarantee"),
    "patient_capital": (
        "patient capital",
        "patient capital (longer tenors, grace, revenue-based repayment)",
    ),
    "non_extractive": ("non-extractive", "non-extractive lending"),
    "clearing": ("clearing", "obligation clearing alone"),
    "mutual_credit": ("mutual credit", "mutual credit"),
    "intertrading": ("intertrading", "intertrading"),
    "timebank": ("timebank", "the timebank"),
    "mutual_aid": ("mutual aid", "mutual aid"),
    "resilience_circles": ("circles", "resilience circles"),
    "community_governed": ("community-governed", "community-governed funds"),
    "investor_governed": ("investor-governed", "investor-governed funds"),
    "power_shift": ("power shift", "votes shifting to the community"),
    "participatory_budget": ("participatory budget", "the participatory budget"),
    "clt": ("land trust", "the community land trust"),
    "housing_coop": ("housing co-ops", "housing co-ops"),
    "all_tools": ("all tools", "the full set of tools"),
}

#: Scenarios and replicates whose per-run values the test reruns.
CHECK_SCENARIOS = ("baseline", "patient_capital", "mutual_aid")
CHECK_REPLICATES = (0, 1)

#: Household figures from the no-shock sweep.
HOUSEHOLD_KEYS = (
    "mean_distress_unemployed",
    "mean_distress_outside",
    "mean_distress_coop",
    "mean_distress_share",
    "mean_rent_burden",
    "displaced",
    "bank_use",
    "illiquid_share",
    "mean_coop_pay_ratio",
    "mean_coop_local_spend_share",
    "mean_lm3",
    "active_coops_final",
    "mean_distress_firm",
    "coop_hazard",
    "firm_hazard",
    "coop_survival_5y",
    "firm_survival_5y",
    "mean_firm_local_spend_share",
    "active_firms_final",
)

#: Calibration rows: summary key → (short anchor text, band as text).
ANCHOR_TEXT = {
    "coop_hazard": "≈ 9% (Québec, 2008)",
    "coop_survival_5y": "≈ 62% (Québec, 2008)",
    "chargeoff_rate": "≈ 1% (CDFI loan funds)",
    "mean_coop_local_spend_share": "≈ 76% (NEF 2005, local suppliers)",
    "firm_survival_5y": "≈ 35% (Québec, 2008)",
    "mean_firm_local_spend_share": "≈ 36% (NEF 2005, non-local suppliers)",
}
CALIBRATION_ORDER = (
    "coop_hazard",
    "coop_survival_5y",
    "firm_survival_5y",
    "chargeoff_rate",
    "mean_coop_local_spend_share",
    "mean_firm_local_spend_share",
)

BLOCKS = (
    "instruments",
    "channels",
    "tranches",
    "governance",
    "findings",
    "stationarity",
    "households",
    "firms",
    "calibration",
    "facts",
)
START = "<!-- readme-figures:{}:start -->"
END = "<!-- readme-figures:{}:end -->"


# ---------------------------------------------------------------------------- running
def run_commands(out: str, workers: int | None) -> float:
    """Run the three named commands from fresh folders; return the seconds taken.

    The folders are removed first: a sweep resumes into an existing folder, and
    its experiment hash covers the scenarios, not the engine, so results of an
    older engine would otherwise be reused.
    """
    start = time.perf_counter()
    for name, spec in commands(out).items():
        folder = ROOT / spec["folder"]
        if folder.exists():
            shutil.rmtree(folder)
        argv = [sys.executable, "-m", "solsim", *spec["argv"]]
        if name == "all_instruments":
            argv.append("--quiet")
        if workers is not None and name != "validation":
            argv += ["--workers", str(workers)]
        print(f"$ {spec['command']}", flush=True)
        done = subprocess.run(argv, cwd=ROOT, check=False)
        # validate exits 1 when a check fails; its report is written all the same.
        allowed = (0, 1) if name == "validation" else (0,)
        if done.returncode not in allowed:
            sys.exit(f"error: {spec['command']} exited with {done.returncode}")
    return time.perf_counter() - start


# ---------------------------------------------------------------------------- collecting
def _number(value: Any) -> float | None:
    """A float for JSON: NaN and missing become None."""
    if value is None or isinstance(value, str):
        return None  # a row shown but not measured
    value = float(value)
    return None if math.isnan(value) else value


def _scenario_facts(data: dict[str, Any]) -> dict[str, Any]:
    """Sizes and the shock of a scenario (plain dict), for captions."""
    from solsim.scenario import load_scenario

    scenario = load_scenario(None, None, data=data)
    shocks = [s.model_dump(mode="json") for s in scenario.shocks.scheduled]
    return {
        "households": scenario.economy.households,
        "coops": scenario.economy.n_coops,
        "firms": scenario.economy.n_conventional,
        "funds": scenario.economy.n_funds,
        "steps": scenario.steps,
        "burn_in": scenario.burn_in,
        "shocks": shocks,
    }


def collect_instruments(folder: Path, command: str) -> dict[str, Any]:
    """Figures of the instrument comparison, from the sweep's run files."""
    import solsim.results
    from solsim.experiments.compare import paired_comparison
    from solsim.experiments.spec import load_experiment

    results = solsim.results.load(folder)
    reference = results.experiment["reference"]
    summaries, design = results.summaries, results.design
    losses = sorted(c for c in summaries.columns if c.startswith(LOSS_PREFIX))
    metrics = [key for key, _, _ in INSTRUMENT_ROWS if key in summaries.columns] + losses
    metrics += [key for key in CHANNEL_METRICS if key in summaries.columns and key not in metrics]
    missing = [key for key, _, _ in INSTRUMENT_ROWS if key not in summaries.columns]
    if missing:
        print(f"warning: no summary key {', '.join(missing)}; those rows are left out")
    table = paired_comparison(summaries, design, reference, metrics)
    # Runs behind each mean (the table's n counts pairs, none where the
    # reference lacks the metric).
    counts = (
        summaries.merge(design[["point", "scenario"]], on="point")
        .groupby("scenario")[metrics]
        .count()
    )
    figures = []
    for row in table.itertuples(index=False):
        own = row.scenario == reference
        pairs = (
            row.n if not math.isnan(row.reference_mean) else counts.loc[row.scenario, row.metric]
        )
        figures.append(
            {
                "id": f"instruments/{row.metric}/{row.scenario}",
                "command": command,
                "metric": row.metric,
                "scenario": row.scenario,
                "statistic": "mean" if own else "paired difference from the reference",
                "reference": reference,
                "mean": _number(row.mean),
                "reference_mean": _number(row.reference_mean),
                "difference": None if own else _number(row.difference),
                "ci_low": _number(row.ci_low),
                "ci_high": _number(row.ci_high),
                "confidence": 0.95,
                "replicates": int(pairs),
            }
        )
    experiment = load_experiment(ROOT / INSTRUMENTS_EXPERIMENT)
    scenarios = list(dict.fromkeys(design["scenario"]))
    point = {name: int(p) for p, name in zip(design["point"], design["scenario"], strict=True)}
    frame = summaries.set_index(["point", "replicate"])
    check = {}
    for name in CHECK_SCENARIOS:
        if name not in point:
            continue
        check[name] = {
            "point": point[name],
            "values": {
                metric: [
                    _number(frame.loc[(point[name], r), metric])
                    if (point[name], r) in frame.index
                    else None
                    for r in CHECK_REPLICATES
                ]
                for metric in metrics
            },
        }
    return {
        "tranches": collect_tranches(summaries, design, command),
        "source": {
            "command": command,
            "experiment": INSTRUMENTS_EXPERIMENT,
            "experiment_hash": results.experiment["hash"],
            "root_seed": results.experiment["root_seed"],
            "common_random_numbers": results.experiment["common_random_numbers"],
            "replicates": results.experiment["replicates"],
            "reference": reference,
            "scenarios": scenarios,
            "metrics": metrics,
            "baseline": _scenario_facts(experiment.bases[reference]),
        },
        "figures": figures,
        "check": {"replicates": list(CHECK_REPLICATES), "scenarios": check},
    }


def collect_tranches(summaries, design, command: str) -> list[dict[str, Any]]:
    """Per scenario and tranche name: the share of replicates in which the tranche
    was hit (absorbed any loss) and wiped out (lost at least 99% of its size), and
    the mean of each loss-absorbing layer (``absorbed_*``, currency)."""
    frame = summaries.merge(design[["point", "scenario"]], on="point")
    figures = []
    for scenario, runs in frame.groupby("scenario", sort=False):
        for column in summaries.columns:
            if column.startswith("tranche_hit_"):
                name = column.removeprefix("tranche_hit_")
                hit = runs[column].dropna()
                if hit.empty:
                    continue
                wiped = runs[f"tranche_wiped_{name}"].dropna()
                figures.append(
                    {
                        "id": f"tranches/{name}/{scenario}",
                        "command": command,
                        "scenario": scenario,
                        "tranche": name,
                        "statistic": "share of replicates",
                        "hit": float(hit.mean()),
                        "wiped": float(wiped.mean()),
                        "replicates": int(hit.size),
                    }
                )
            elif column.startswith("absorbed_") or column == "net_chargeoffs_cum":
                values = runs[column].dropna()
                if values.empty:
                    continue
                figures.append(
                    {
                        "id": f"layers/{column}/{scenario}",
                        "command": command,
                        "scenario": scenario,
                        "metric": column,
                        "statistic": "mean",
                        "mean": float(values.mean()),
                        "replicates": int(values.size),
                    }
                )
    return figures


#: Rows of the governance sweep's table: (summary key, label, unit).
GOVERNANCE_ROWS = (
    ("decided_rate", "lending rate decided, %", "pct"),
    ("decided_screen", "lending screen decided, months of wages", "count"),
    ("coop_hazard", "co-op failure hazard, % a year", "pct"),
    ("active_coops_final", "active co-ops at the end", "count"),
    ("net_chargeoffs_cum", "funds' net charge-offs, thousands", "k"),
    ("community_loss_share", "losses the community carried, %", "pct"),
    ("community_return", "community return, millions", "M"),
    ("investor_irr", "outside investors' IRR, % a year", "pct"),
    ("return_parity", "return parity against the funds without the vote", "ratio"),
)


def collect_governance(folder: Path, command: str) -> dict[str, Any]:
    """The vote-share sweep: means per share, and paired differences from the
    fully community-governed point (share 1), replicate by replicate."""
    import solsim.results
    from solsim.experiments.compare import paired_comparison

    if not (folder / "manifest.json").exists():
        return {"source": {"command": command}, "figures": []}
    results = solsim.results.load(folder)
    design = results.design.copy()
    column = next(c for c in design.columns if c.endswith("community_share"))
    design["scenario"] = [f"share {value:g}" for value in design[column]]
    reference = design.loc[design[column].idxmax(), "scenario"]
    metrics = [key for key, _, _ in GOVERNANCE_ROWS if key in results.summaries.columns]
    table = paired_comparison(results.summaries, design, reference, metrics)
    figures = [
        {
            "id": f"governance/{row.metric}/{row.scenario}",
            "command": command,
            "metric": row.metric,
            "scenario": row.scenario,
            "statistic": "mean" if row.scenario == reference else "paired difference",
            "mean": _number(row.mean),
            "reference_mean": _number(row.reference_mean),
            "difference": None if row.scenario == reference else _number(row.difference),
            "ci_low": _number(row.ci_low),
            "ci_high": _number(row.ci_high),
            "confidence": 0.95,
            "replicates": int(row.n) if row.n == row.n else None,
        }
        for row in table.itertuples(index=False)
    ]
    return {
        "source": {
            "command": command,
            "experiment": GOVERNANCE_EXPERIMENT,
            "replicates": results.experiment["replicates"],
            "reference": reference,
            "scenarios": list(dict.fromkeys(design.sort_values(column)["scenario"])),
            "metrics": metrics,
        },
        "figures": figures,
    }


def render_governance(data: dict[str, Any]) -> str:
    """The vote-share sweep's table: the community-governed mean, then each
    share's paired difference from it."""
    part = data.get("governance") or {}
    source, figures = part.get("source", {}), _by_id(part.get("figures", []))
    if not figures:
        return f"`{source.get('command', '')}` has not been run."
    reference, shares = source["reference"], source["scenarios"]
    others = [s for s in shares if s != reference]
    lines = [
        f"`{source['command']}`: the community constituencies' share of the funds' votes "
        f"from 0 to 1 (outside investors hold most of the rest), {source['replicates']} "
        "replicates per share on common random numbers, under the standard recession. The "
        f"first column is the mean with the community holding all the votes ({reference}); "
        "the others are paired differences from it with 95% intervals, **bold** where the "
        "interval excludes zero.",
        "",
    ]
    header = ["metric", f"{reference} (mean)"] + [f"{s} Δ" for s in others]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    for key, label, unit in GOVERNANCE_ROWS:
        if key not in source["metrics"]:
            continue
        ref = figures.get(f"governance/{key}/{reference}")
        cells = [label, number(ref["mean"] if ref else None, unit)]
        cells += [difference_cell(figures.get(f"governance/{key}/{s}"), unit) for s in others]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def collect_households(folder: Path, command: str) -> dict[str, Any]:
    """Distress by employment status, rent burden and displacement with no shock."""
    import numpy as np

    import solsim.results
    from solsim.experiments.spec import load_experiment

    results = solsim.results.load(folder)
    summaries = results.summaries.sort_values(["point", "replicate"])
    figures = []
    for key in HOUSEHOLD_KEYS:
        values = summaries[key].dropna().to_numpy(dtype=np.float64)
        n = values.size
        figures.append(
            {
                "id": f"no_shock/{key}",
                "command": command,
                "metric": key,
                "scenario": "baseline, shocks.scheduled = []",
                "statistic": "mean over replicates ± standard error",
                "mean": _number(values.mean()) if n else None,
                "se": _number(values.std(ddof=1) / math.sqrt(n)) if n > 1 else None,
                "replicates": int(n),
            }
        )
    frame = summaries.set_index("replicate")
    experiment = load_experiment(ROOT / NO_SHOCK_EXPERIMENT)
    return {
        "source": {
            "command": command,
            "experiment": NO_SHOCK_EXPERIMENT,
            "experiment_hash": results.experiment["hash"],
            "root_seed": results.experiment["root_seed"],
            "common_random_numbers": results.experiment["common_random_numbers"],
            "replicates": results.experiment["replicates"],
            "scenario": _scenario_facts(experiment.bases["base"]),
        },
        "figures": figures,
        "check": {
            "replicates": list(CHECK_REPLICATES),
            "point": 0,
            "values": {
                key: [
                    _number(frame.loc[r, key]) if r in frame.index else None
                    for r in CHECK_REPLICATES
                ]
                for key in HOUSEHOLD_KEYS
            },
        },
    }


def collect_validation(folder: Path, command: str) -> dict[str, Any]:
    """Calibration and stationarity rows of ``validation.json``."""
    from solsim.validation import ANCHORS, STATIONARY

    report = json.loads((folder / "validation.json").read_text())
    by_name = {check["name"]: check for check in report["checks"]}
    figures = []
    for key, label, anchor, (low, high), _source, _why in ANCHORS:
        check = by_name.get(label)
        if check is None:
            continue
        figures.append(
            {
                "id": f"calibration/{key}",
                "command": command,
                "check": label,
                "metric": key,
                "scenario": BASELINE_SCENARIO,
                "statistic": "mean over seeds ± standard error",
                "mean": _number(check["measured"]),
                "se": _number(check["se"]),
                "replicates": check["replicates"],
                "anchor": anchor,
                "band": [low, high],
                "tolerance": check["tolerance"],
                "passed": bool(check["passed"]),
            }
        )
    for key, label, kind in STATIONARY:
        name = f"no shock: trend in {label}"
        check = by_name.get(name)
        if check is None:
            continue
        figures.append(
            {
                "id": f"stationarity/{key}",
                "command": command,
                "check": name,
                "metric": key,
                "scenario": f"{BASELINE_SCENARIO}, shocks removed",
                "statistic": "change over the run of a linear trend fitted to the mean "
                + ("(share of the mean)" if kind == "level" else "(absolute)")
                + " ± standard error of the per-replicate trends",
                "kind": kind,
                "mean": _number(check["measured"]),
                "se": _number(check["se"]),
                "replicates": check["replicates"],
                "bound": 0.05 if kind == "level" else 0.02,
                "passed": bool(check["passed"]),
            }
        )
    from solsim.facts import FACTS

    fact_keys = {fact.fact: fact.key for fact in FACTS}
    for check in report["checks"]:
        if check["group"] != "facts":
            continue
        figures.append(
            {
                "id": f"facts/{check['name']}",
                "command": command,
                "check": check["name"],
                "metric": fact_keys.get(check["name"], "not yet measured"),
                "label": check["label"],
                "statistic": "mean over replicates ± standard error",
                "mean": _number(check["measured"]),
                "se": _number(check["se"]),
                "replicates": check["replicates"],
                "band": check["target"],
                "passed": bool(check["passed"]),
                "judged": bool(check["judged"]),
            }
        )
    return {
        "source": {
            "command": command,
            "created": report["created"],
            "passed": report["passed"],
            "seconds": report["seconds"],
            "calibration_seeds": report["settings"].get("calibration_seeds"),
            "robust_points": report["settings"].get("robust_points"),
        },
        "figures": figures,
        "robust": report.get("robust"),
    }


def collect_settings() -> dict[str, Any]:
    """Settings of the baseline scenario that the calibration text names."""
    from solsim.scenario import load_scenario

    scenario = load_scenario(ROOT / BASELINE_SCENARIO)
    command = f"solsim.load_scenario({BASELINE_SCENARIO!r})"
    return {
        "figures": [
            {
                "id": "setting/funds.collateral_haircut",
                "command": command,
                "metric": "funds.collateral_haircut",
                "statistic": "scenario setting",
                "mean": scenario.funds.collateral_haircut,
            },
            {
                "id": "setting/funds.interest_rate",
                "command": command,
                "metric": "funds.interest_rate",
                "statistic": "scenario setting",
                "mean": scenario.funds.interest_rate,
            },
            {
                "id": "setting/funds.target_return",
                "command": command,
                "metric": "funds.target_return",
                "statistic": "scenario setting",
                "mean": scenario.funds.target_return,
            },
            {
                "id": "setting/coops.demand_volatility",
                "command": command,
                "metric": "coops.demand_volatility",
                "statistic": "scenario setting",
                "mean": scenario.coops.demand_volatility,
            },
            {
                "id": "setting/coops.pay_floor",
                "command": command,
                "metric": "coops.pay_floor",
                "statistic": "scenario setting",
                "mean": scenario.coops.pay_floor,
            },
            {
                "id": "setting/coops.failure_months",
                "command": command,
                "metric": "coops.failure_months",
                "statistic": "scenario setting",
                "mean": scenario.coops.failure_months,
            },
            {
                "id": "setting/firms.required_margin",
                "command": command,
                "metric": "firms.required_margin",
                "statistic": "scenario setting",
                "mean": scenario.firms.required_margin,
            },
        ]
    }


def collect(base: Path, out: str) -> dict[str, Any]:
    """Every figure the README shows, from the named commands' outputs under ``base``."""
    specs = commands(out)
    return {
        "format": FORMAT,
        "generated_by": "make readme-figures (benchmarks/readme_figures.py)",
        "instruments": collect_instruments(
            base / "all_instruments", specs["all_instruments"]["command"]
        ),
        "households": collect_households(
            base / "baseline_no_shock", specs["baseline_no_shock"]["command"]
        ),
        "validation": collect_validation(base / "validation", specs["validation"]["command"]),
        "settings": collect_settings(),
        "governance": collect_governance(
            base / "governance_sweep", specs["governance_sweep"]["command"]
        ),
    }


# ---------------------------------------------------------------------------- formatting
def _minus(text: str) -> str:
    return text.replace("-", "−")


def number(value: float | None, unit: str, signed: bool = False) -> str:
    """A value in a unit's display form; ``signed`` for differences (+/−)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    scaled, digits = {
        "pct": (value * 100.0, 2),
        "count": (value, 1),
        "index": (value, 3),
        "ratio": (value, 2),
        "k": (value / 1e3, 1),
        "M": (value / 1e6, 1),
    }[unit]
    text = f"{scaled:,.{digits}f}"
    if float(text.replace(",", "")) == 0.0:
        return f"{0:.{digits}f}"  # no −0.00
    if signed and scaled > 0:
        text = "+" + text
    return _minus(text)


def excludes_zero(figure: dict[str, Any]) -> bool:
    low, high = figure.get("ci_low"), figure.get("ci_high")
    return low is not None and high is not None and (low > 0 or high < 0)


def difference_cell(figure: dict[str, Any] | None, unit: str) -> str:
    """``−30.5 [−32.5, −28.4]``, bold when the interval excludes zero."""
    if figure is None or figure["mean"] is None:
        return "—"
    if figure["reference_mean"] is None:  # a tranche the reference lacks
        return f"mean {number(figure['mean'], unit)}"
    if figure["ci_low"] is None:
        return number(figure["difference"], unit, signed=True)
    text = (
        f"{number(figure['difference'], unit, signed=True)} "
        f"[{number(figure['ci_low'], unit, signed=True)}, "
        f"{number(figure['ci_high'], unit, signed=True)}]"
    )
    return f"**{text}**" if excludes_zero(figure) else text


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _by_id(figures: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in figures}


def _short(name: str) -> str:
    return SCENARIO_NAMES.get(name, (name, name))[0]


def _long(name: str) -> str:
    return SCENARIO_NAMES.get(name, (name, name))[1]


def _shock_text(shock: dict[str, Any]) -> str:
    if shock["kind"] == "export_drop":
        what = f"export demand −{shock['size']:.0%}"
    else:
        what = f"a {shock['kind'].replace('_', ' ')} shock of size {shock['size']:g}"
    duration = shock.get("duration")
    months = f" for {duration} months" if duration else ""
    return f"{what} from month {shock['start']}{months}"


# ---------------------------------------------------------------------------- rendering
def render_instruments(data: dict[str, Any]) -> str:
    part = data["instruments"]
    source, figures = part["source"], _by_id(part["figures"])
    reference, scenarios = source["reference"], source["scenarios"]
    base = source["baseline"]
    shocks = "; ".join(_shock_text(s) for s in base["shocks"]) or "no shock"
    others = [s for s in scenarios if s != reference]
    caption = (
        f"`{source['command']}` (the funder comparison of `make demo`, extended to every "
        f"instrument and to {base['steps'] // 12} years) — the default economy "
        f"({base['households']:,} households, {base['coops']} co-ops, {base['funds']} funds, "
        f"from its steady state after a {base['burn_in']}-month burn-in), {shocks}, "
        f"{base['steps']} months, **{source['replicates']} replicates** per scenario on "
        f"{'common' if source['common_random_numbers'] else 'independent'} random numbers "
        f"(root seed {source['root_seed']}). The {_short(reference)} column is its mean; each "
        "other column is the paired difference from the baseline with its 95% confidence "
        "interval, **bold** where the interval excludes zero. Shares are in %, their "
        "differences in percentage points; money is in thousands (community return in "
        "millions) and summed over the run, like the counts. The full table, with every "
        "summary metric, is the command's `comparison.md`."
    )
    header = ["metric", f"{_short(reference)} (mean)"] + [f"{_short(s)} Δ" for s in others]
    lines = [
        caption,
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    rows = [(key, label, unit) for key, label, unit in INSTRUMENT_ROWS]
    loss_keys = [k for k in source["metrics"] if k.startswith(LOSS_PREFIX)]
    loss_values = [f["mean"] for f in part["figures"] if f["metric"] in loss_keys]
    if loss_keys and all(v is None or v == 0 for v in loss_values):
        # Every tranche of every scenario lost nothing: one row says so.
        names = ", ".join(k.removeprefix(LOSS_PREFIX).replace("_", "-") for k in loss_keys)
        cells = ["0.0"] * (len(others) + 1)
        lines.append(f"| tranche losses ({names}), thousands | " + " | ".join(cells) + " |")
        loss_keys = []
    rows += [
        (
            key,
            f"loss of the {key.removeprefix(LOSS_PREFIX).replace('_', '-')} tranche, thousands",
            "k",
        )
        for key in loss_keys
    ]
    loss_line = lines.pop() if len(lines) > 4 else None
    for key, label, unit in rows:
        if key not in source["metrics"]:
            continue
        ref = figures.get(f"instruments/{key}/{reference}")
        cells = [label, number(ref["mean"] if ref else None, unit)]
        cells += [difference_cell(figures.get(f"instruments/{key}/{s}"), unit) for s in others]
        lines.append("| " + " | ".join(cells) + " |")
    if loss_line is not None:
        lines.append(loss_line)
    return "\n".join(lines)


def _effect(key: str, ref: float, own: float, diff: float) -> str:
    down = diff < 0
    verb = "cuts" if down else "raises"
    if key == "drawdown":
        return f"{verb} the output drawdown from {number(ref, 'pct')}% to {number(own, 'pct')}%"
    if key == "coop_failures":
        return f"{verb} co-op failures from {number(ref, 'count')} to {number(own, 'count')}"
    if key == "mean_distress_share":
        return (
            f"{verb} the distress share by {number(abs(diff), 'pct')} points "
            f"(from {number(ref, 'pct')}% to {number(own, 'pct')}%)"
        )
    if key == "mean_arrears":
        share = f" by {abs(diff) / ref:.0%}" if ref > 0 else ""
        return (
            f"{verb} household arrears{share} (from {number(ref, 'k')} to "
            f"{number(own, 'k')} thousand)"
        )
    if key == "displaced":
        return f"{verb} displacements from {number(ref, 'count')} to {number(own, 'count')}"
    if key == "final_gini":
        verb = "lowers" if down else "raises"
        return f"{verb} the final Gini from {number(ref, 'index')} to {number(own, 'index')}"
    if key == "bank_use":
        verb = "lowers" if down else "raises"
        return (
            f"{verb} the co-ops' use of bank credit from {number(ref, 'pct')}% to "
            f"{number(own, 'pct')}% of their lines"
        )
    if key == "illiquid_share":
        verb = "lowers" if down else "raises"
        return (
            f"{verb} the illiquid share of failures from {number(ref, 'pct')}% to "
            f"{number(own, 'pct')}%"
        )
    return f"changes {key} by {diff:+.4g}"


def render_findings(data: dict[str, Any]) -> str:
    part = data["instruments"]
    source, figures = part["source"], _by_id(part["figures"])
    reference = source["reference"]
    others = [s for s in source["scenarios"] if s != reference]
    outcomes = [k for k in OUTCOMES if k in source["metrics"]]
    steps = source["baseline"]["steps"]
    sentences = []
    quiet = []
    for name in others:
        effects = []
        for key in outcomes:
            f = figures.get(f"instruments/{key}/{name}")
            if f and excludes_zero(f):
                effects.append(_effect(key, f["reference_mean"], f["mean"], f["difference"]))
        if not effects:
            quiet.append(name)
            continue
        rest = "; its other outcome intervals include zero" if len(effects) < len(outcomes) else ""
        sentences.append(f"{_capital(_long(name))} {_join(effects)}{rest}.")
    if sentences:
        text = (
            f"Over the {steps} months, reading as effects only the differences whose 95% "
            "interval excludes zero (the bold cells):\n\n"
            + "\n".join(f"- {s}" for s in sentences)
            + "\n\n"
        )
        text += (
            f"For {_join([_long(n) for n in quiet])}, every interval in the outcome rows "
            "(drawdown to Gini) includes zero. "
            if quiet
            else ""
        )
        # The illiquid share is a share of failures: fewer insolvent failures raise it.
        fewer = [
            n
            for n in others
            if (up := figures.get(f"instruments/illiquid_share/{n}"))
            and (failures := figures.get(f"instruments/coop_failures/{n}"))
            and excludes_zero(up)
            and up["difference"] > 0
            and excludes_zero(failures)
            and failures["difference"] < 0
        ]
        if fewer:
            names = _join([n.replace("_", " ") for n in fewer])
            text += (
                "The illiquid share is a share of failures: a tool that prevents insolvent "
                f"failures raises it ({names}: co-op failures fall, and those left are more "
                "often for want of cash). "
            )
        tests = len(others) * len(outcomes)
        text += (
            f"With {len(others)} tools and {len(outcomes)} outcomes, about "
            f"{0.05 * tests:.0f} of the {tests} intervals would exclude zero by chance "
            "alone: a lone small effect is weak evidence."
        )
    else:
        text = "No tool has an outcome difference whose 95% interval excludes zero."

    # Outside investors' return: the money-weighted IRR, or the value multiple
    # of results written before the summaries carried it.
    investor = next(
        (
            k
            for k in ("investor_irr", "investor_return")
            if f"instruments/{k}/{reference}" in figures
        ),
        "investor_irr",
    )
    ret = figures.get(f"instruments/{investor}/{reference}")
    if ret and ret["mean"] is not None:
        moved = [
            n
            for n in others
            if (f := figures.get(f"instruments/{investor}/{n}"))
            and f["difference"] is not None
            and number(f["difference"], "pct") != "0.00"
        ]
        if not moved:
            text += (
                f" Outside investors' return is {number(ret['mean'], 'pct')}% a year in the "
                "baseline and differs by less than 0.005 points in every other scenario."
            )
        else:
            parts = [
                f"{number(figures[f'instruments/{investor}/{n}']['difference'], 'pct', True)}"
                f" points with {_long(n)}"
                for n in moved
            ]
            text += (
                f" Outside investors' return is {number(ret['mean'], 'pct')}% a year in the "
                f"baseline; it changes by {_join(parts)}."
            )

    # Return parity, where the runs were paired with their twin without the tool.
    parity = {
        n: f["mean"]
        for n in [reference, *others]
        if (f := figures.get(f"instruments/return_parity/{n}")) and f["mean"] is not None
    }
    if parity:
        levels = [f"{number(value, 'ratio')} with {_long(n)}" for n, value in parity.items()]
        text += (
            " Return parity, the community's paired gain (against the same runs without the "
            "tool; without the fund for the baseline) per unit of the outside investors' net "
            f"gain, 1 meaning equal, is {_join(levels)}. It is a ratio of two paired sums: "
            "where the investors' net gain is small it is large and noisy, and negative "
            "where the tool leaves the community worse off than the runs without it; read "
            "it with its interval in the table."
        )

    # Losses per tranche.
    losses = [
        f for f in part["figures"] if f["metric"].startswith(LOSS_PREFIX) and f["mean"] is not None
    ]
    if losses and all(f["mean"] == 0 for f in losses):
        chargeoff = _by_id(data["validation"]["figures"]).get("calibration/chargeoff_rate")
        rate = (
            f" of {chargeoff['mean'] * 100:.1f}% a year (calm years; see Calibration)"
            if chargeoff
            else ""
        )
        text += (
            " No tranche of any fund lost anything in any scenario (the loss row): a fund's "
            f"own net assets absorb losses before its tranches, and at net charge-offs{rate} "
            "they never ran out, so first-loss capital had nothing to absorb."
        )
    elif losses:
        parts = [
            f"{number(f['mean'], 'k')} thousand to the "
            f"{f['metric'].removeprefix(LOSS_PREFIX).replace('_', '-')} tranche with "
            f"{_long(f['scenario'])}"
            for f in losses
            if f["mean"] > 0
        ]
        text += f" Tranches lost, on average over the run, {_join(parts)}."

    # Guarantee payouts.
    paid = [
        (n, f)
        for n in source["scenarios"]
        if (f := figures.get(f"instruments/guarantee_paid/{n}")) and (f["mean"] or 0) > 0
    ]
    if paid:
        parts = [f"{number(f['mean'], 'k')} thousand with {_long(n)}" for n, f in paid]
        text += f" The guarantor paid out {_join(parts)} over the run."
    # Without a quiet group the second paragraph starts with a space.
    return re.sub(r"\n\n +", "\n\n", text)


def render_stationarity(data: dict[str, Any]) -> str:
    figures = [f for f in data["validation"]["figures"] if f["id"].startswith("stationarity/")]
    households = data["households"]["source"]["scenario"]
    if not figures:
        return "*(no stationarity rows in the validation report)*"
    replicates = figures[0]["replicates"]
    caption = (
        f"With no shock, over months 1–{households['steps']} after a burn-in of "
        f"{households['burn_in']} months (mean of {replicates} replicates of the baseline, "
        "from `solsim validate`; the change over the run of a linear trend fitted to the "
        "mean, as a share of the mean for levels, absolute for shares, ± the standard error "
        "of the per-replicate trends; [docs/validation.md](docs/validation.md)):"
    )

    def cell(f: dict[str, Any]) -> str:
        if f["kind"] == "level":
            value = f"{f['mean'] * 100:+.1f}% ± {f['se'] * 100:.1f}"
            bound = f"{f['bound']:.0%}"
        else:
            value = f"{f['mean']:+.3f} ± {f['se']:.3f}"
            bound = f"{f['bound']:.2f}"
        value = _minus(value)
        return value if f["passed"] else f"**{value}** (tolerance {bound}: missed)"

    labels = {key: label for key, label in _stationary_labels()}
    levels = [f for f in figures if f["kind"] == "level"]
    shares = [f for f in figures if f["kind"] != "level"]
    lines = [
        caption,
        "",
        "| level | trend over the run | | share | trend over the run |",
        "|---|---|---|---|---|",
    ]
    for i in range(max(len(levels), len(shares))):
        left = (
            [labels.get(levels[i]["metric"], levels[i]["metric"]), cell(levels[i])]
            if i < len(levels)
            else ["", ""]
        )
        right = (
            [labels.get(shares[i]["metric"], shares[i]["metric"]), cell(shares[i])]
            if i < len(shares)
            else ["", ""]
        )
        lines.append("| " + " | ".join([*left, "", *right]) + " |")
    missed = [f for f in figures if not f["passed"]]
    lines.append("")
    if not missed:
        lines.append(
            "Every trend is within its tolerance (5% of the mean for levels, 0.02 for shares)."
        )
    else:
        names = _join([labels.get(f["metric"], f["metric"]) for f in missed])
        what = "The trend in" if len(missed) == 1 else "The trends in"
        verb = "misses its" if len(missed) == 1 else "miss their"
        lines.append(
            f"{what} {names} {verb} tolerance; the other {len(figures) - len(missed)} "
            "trends are within theirs."
        )
    noisiest = max(levels, key=lambda f: f["se"] or 0.0) if levels else None
    if noisiest is not None and len(levels) > 1:
        rest = max(f["se"] or 0.0 for f in levels if f is not noisiest)
        if (noisiest["se"] or 0.0) > 2 * rest:
            lines[-1] += (
                f" The trend in {labels.get(noisiest['metric'], noisiest['metric'])} is the "
                "noisiest of the levels: its standard error is "
                f"{noisiest['se'] * 100:.1f} points, against at most {rest * 100:.1f} for the "
                "other levels."
            )
    return "\n".join(lines)


def _stationary_labels() -> list[tuple[str, str]]:
    return [
        ("money_stock", "money stock"),
        ("output", "output"),
        ("active_coops", "active co-ops"),
        ("arrears", "household arrears"),
        ("fund_assets", "funds' assets (cash + loans)"),
        ("unemployment", "unemployment"),
        ("distress_share", "distress share"),
        ("gini", "net-worth Gini"),
    ]


def _pm(f: dict[str, Any], digits: int = 1) -> str:
    """``12.3% ± 0.4`` for a share figure with its standard error."""
    se = f"{f['se'] * 100:.{digits}f}" if f.get("se") is not None else "?"
    return f"{f['mean'] * 100:.{digits}f}% ± {se}"


def render_households(data: dict[str, Any]) -> str:
    part = data["households"]
    figures = {f["metric"]: f for f in part["figures"]}
    facts = part["source"]["scenario"]
    n = part["source"]["replicates"]
    unemployed = figures["mean_distress_unemployed"]
    outside = figures["mean_distress_outside"]
    coop = figures["mean_distress_coop"]
    rent = figures["mean_rent_burden"]
    displaced = figures["displaced"]
    text = (
        f"Housing costs follow income: the median renter pays {rent['mean'] * 100:.1f}% of "
        "income (mean over the months and replicates; US median ≈ 30%). In the baseline with "
        f"no shock (`{part['source']['command']}`, {n} replicates, mean ± SE), "
        f"**{_pm(unemployed)} of unemployed households** are distressed in a month, against "
        f"{_pm(outside)} of those in outside jobs and {_pm(coop, 2)} of co-op members "
        "(`mean_distress_unemployed`, `mean_distress_outside`, `mean_distress_coop`)"
    )

    def apart(a: dict[str, Any], b: dict[str, Any]) -> bool:
        # The two means differ by more than twice the SE of their difference.
        spread = math.hypot(a["se"] or 0.0, b["se"] or 0.0)
        return a["mean"] - b["mean"] > 2 * spread

    if apart(unemployed, outside) and apart(unemployed, coop):
        text += (
            ": rent is a contract set on what a household earns in work, so losing a job "
            "is what makes a household short."
        )
    else:
        text += (
            ": the unemployed are not distressed clearly more often than the employed "
            "(their difference is within twice its standard error)."
        )
    per_year = displaced["mean"] / (facts["steps"] / 12)
    text += (
        f" About {displaced['mean']:.0f} ± {displaced['se']:.0f} of the "
        f"{facts['households']:,} households are displaced over {facts['steps'] // 12} years "
        f"({per_year:.1f} a year)."
    )
    return text


def render_firms(data: dict[str, Any]) -> str:
    """Working capital, the bank, pay, survival and local re-spending, with no shock."""
    part = data["households"]
    figures = {f["metric"]: f for f in part["figures"]}
    facts = part["source"]["scenario"]
    n = part["source"]["replicates"]
    use, illiquid = figures["bank_use"], figures["illiquid_share"]
    pay, local, lm3 = (
        figures["mean_coop_pay_ratio"],
        figures["mean_coop_local_spend_share"],
        figures["mean_lm3"],
    )
    coop_hazard, firm_hazard = figures["coop_hazard"], figures["firm_hazard"]
    coop_survival, firm_survival = figures["coop_survival_5y"], figures["firm_survival_5y"]
    firm_local = figures["mean_firm_local_spend_share"]
    active, firms = figures["active_coops_final"], figures["active_firms_final"]
    safer = coop_hazard["mean"] < firm_hazard["mean"]
    return (
        f"In the same no-shock runs ({n} replicates, mean ± SE): firms pay wages and inputs "
        "before their exports are paid, so they lean on the bank's credit lines; at its "
        f"highest within a month, credit drawn is {_pm(use)} of the lines (`bank_use`). "
        f"{_pm(illiquid)} of failures were *illiquid* (a positive expected margin, out "
        "of cash and credit), the rest insolvent (`illiquid_share`).\n\n"
        "The two kinds of firm adjust differently. Co-ops pay "
        f"{_pm(pay)} of the full wage on average: they cut pay (hours) before anything else "
        "(`mean_coop_pay_ratio`). Conventional firms pay full wages, lay staff off when "
        "they lose money, and are closed by their owners when they earn less than the "
        f"return required of them. Co-ops fail at {_pm(coop_hazard)} a year and "
        f"conventional firms at {_pm(firm_hazard)} (`coop_hazard`, `firm_hazard`)"
        + (", so co-ops last longer" if safer else "")
        + f"; of new firms, {_pm(coop_survival, 0)} of co-ops and {_pm(firm_survival, 0)} "
        "of conventional firms are still open five years after they were founded "
        "(`coop_survival_5y`, `firm_survival_5y`).\n\n"
        f"Co-ops spend {_pm(local)} of what they pay out in the community (wages, "
        "patronage, local suppliers, the funds; NEF found ≈ 76% for local suppliers), "
        f"outside-owned firms {_pm(firm_local)} (their dividends leave, and most of their "
        "stock is bought outside; NEF: ≈ 36% for non-local suppliers); nothing was tuned "
        f"to reach either. LM3 is {lm3['mean']:.2f} ± {lm3['se']:.2f}. "
        f"{active['mean']:.1f} ± {active['se']:.1f} of the {facts['coops']} co-op slots "
        f"and {firms['mean']:.1f} ± {firms['se']:.1f} of the {facts['firms']} "
        "conventional-firm slots are active at the end: failures and entry balance."
    )


def render_calibration(data: dict[str, Any]) -> str:
    figures = _by_id(data["validation"]["figures"])
    settings = _by_id(data["settings"]["figures"])
    rows = [figures[f"calibration/{k}"] for k in CALIBRATION_ORDER if f"calibration/{k}" in figures]
    if not rows:
        return "*(no calibration rows in the validation report)*"
    seeds = rows[0]["replicates"]
    outside = [r for r in rows if not r["passed"]]
    inside = [r for r in rows if r["band"][0] <= r["mean"] <= r["band"][1]]
    if len(inside) == len(rows):
        verdict = "The defaults land inside the field's bands around each anchor"
    elif not outside:
        verdict = (
            "The defaults land within the field's bands once simulation noise is allowed for "
            f"({_join([r['check'] for r in rows if r not in inside])} lies just outside its band "
            "but within t(0.975) · SE of it)"
        )
    else:
        verdict = (
            f"{_capital(_join([r['check'] for r in outside]))} "
            f"{'misses its band' if len(outside) == 1 else 'miss their bands'}, even allowing "
            "for simulation noise"
        )
    lines = [
        f"{verdict} (mean of {seeds} seeds of `{BASELINE_SCENARIO}`, ± standard error, from "
        "`solsim validate`; the bands are checked by `tests/test_calibration.py`, and "
        "[docs/validation.md](docs/validation.md) has the rest):",
        "",
        "| figure | solsim | band | anchor |",
        "|---|---|---|---|",
    ]
    labels = {
        "coop_hazard": ("co-op annual failure hazard", ""),
        "coop_survival_5y": ("co-op 5-year survival", ""),
        "chargeoff_rate": ("fund net charge-offs, calm years", " a year"),
        "mean_coop_local_spend_share": ("co-ops' spending that stays local (predicted)", ""),
        "firm_survival_5y": ("conventional-firm 5-year survival", ""),
        "mean_firm_local_spend_share": (
            "outside-owned firms' spending that stays local (predicted)",
            "",
        ),
    }
    for r in rows:
        label, suffix = labels.get(r["metric"], (r["check"], ""))
        digits = 0 if r["metric"].endswith("survival_5y") else 1
        low, high = r["band"]
        band = f"{low * 100:g}–{high * 100:g}%"
        value = f"{_pm(r, digits)}{suffix}"
        if not r["passed"]:
            value = f"**{value}** (outside)"
        lines.append(f"| {label} | {value} | {band} | {ANCHOR_TEXT.get(r['metric'], '')} |")
    haircut = settings.get("setting/funds.collateral_haircut")
    volatility = settings.get("setting/coops.demand_volatility")
    required = settings.get("setting/firms.required_margin")
    floor = settings.get("setting/coops.pay_floor")
    months = settings.get("setting/coops.failure_months")
    if haircut and volatility and required and floor and months:
        lines += [
            "",
            "The calibrated settings are the "
            "return conventional firms' owners require before they close a firm "
            f"({required['mean']:.0%} of revenue; `firms.required_margin`, set to reach "
            "their survival); the pay floor down to which co-ops cut hours before they fail "
            f"({floor['mean']:.0%} of the full wage; `coops.pay_floor`) and the months in a "
            f"row unable to pay that end a firm ({months['mean']:.0f}; `coops.failure_months`), "
            "set together to reach co-op survival and the co-op hazard; co-op demand "
            "volatility is "
            f"{volatility['mean']:g} a month (`coops.demand_volatility`). The local-spending "
            "rows are predictions: no setting was chosen to reach them. Nothing is tuned to "
            "the funds' charge-offs: a defaulted loan recovers the co-op's cash and its "
            "equipment, sold at a stated haircut "
            f"({haircut['mean']:.0%} below its depreciated value; `funds.collateral_haircut`).",
        ]
    rate = settings.get("setting/funds.interest_rate")
    coupon = settings.get("setting/funds.target_return")
    if rate and coupon:
        lines[-1] += (
            f" The funds' terms ({rate['mean']:.0%} on loans, a {coupon['mean']:.0%} coupon to "
            "their capital holders) were set so that their books are stationary without a "
            "shock: lower, their charge-offs ate their capital."
        )
    from solsim.facts import FACTS

    reasons = {"chargeoff_rate": "chargeoffs"}
    for r in outside:
        fact = next((f for f in FACTS if f.key == reasons.get(r["metric"])), None)
        if fact is not None and fact.if_missed:
            label = labels.get(r["metric"], (r["check"], ""))[0]
            lines += ["", f"**Missed: {label}** ({_pm(r, 1)}). {fact.if_missed}"]
    return "\n".join(lines)


def render_facts(data: dict[str, Any]) -> str:
    """The stylised facts: label, measure, band, where their direction holds, misses."""
    from solsim.facts import FACTS

    part = data["validation"]
    rows = [f for f in part["figures"] if f["id"].startswith("facts/")]
    measured = [f for f in rows if f["mean"] is not None]
    if not measured:
        return "The stylised facts have not been measured (run `make readme-figures`)."
    by_name = {fact.fact: fact for fact in FACTS}
    robust = {r["fact"]: r for r in part.get("robust") or []}
    points = part["source"].get("robust_points")
    replicates = measured[0]["replicates"]
    lines = [
        f"Stylised facts of DESIGN §6 (`{part['source']['command']}`; mean of {replicates} "
        "replicates ± standard error; a row passes when the mean ± 2 SE lies in its band). "
        "Each is labelled by the kind of evidence it is: *calibrated* (a setting was tuned "
        "to reach it), *imposed* (a rule of the model makes it true) or *predicted* (it "
        "emerged untargeted); only predicted rows are evidence that the model is right. "
        + (
            f"The last column is the share of {points} points of a Latin hypercube over the "
            "main behavioural parameters at which the fact's direction holds."
            if robust
            else ""
        ),
        "",
        "| fact | evidence | solsim | band | passes | direction holds at |",
        "|---|---|---|---|---|---|",
    ]
    for f in rows:
        fact = by_name.get(f["check"])
        value = "not measured" if f["mean"] is None else f"{f['mean']:.3g} ± {f['se']:.2g}"
        spread = ""
        if fact is not None and fact.key in robust:
            r = robust[fact.key]
            spread = f"{r['holds_share']:.0%}" + (" (fragile)" if r["flagged"] else "")
        verdict = "—" if f["mean"] is None else "yes" if f["passed"] else "**no**"
        lines.append(
            f"| {f['check']} | {f['label'] or '—'} | {value} | {f['band']} | {verdict} | {spread} |"
        )
    misses = [f for f in measured if not f["passed"]]
    if misses:
        lines += ["", "Misses, with their figure and reason:", ""]
        for f in misses:
            fact = by_name.get(f["check"])
            reason = (
                fact.if_missed
                if fact is not None and fact.if_missed
                else ("The reason is not yet known.")
            )
            lines.append(
                f"- **{f['check']}**: {f['mean']:.3g} ± {f['se']:.2g} against {f['band']}. {reason}"
            )
    fragile = [r for r in robust.values() if r["flagged"]]
    if fragile:
        lines += [
            "",
            "Fragile (holds at the defaults, at fewer than 70% of the points): "
            + _join([f"{r['fact']} ({r['direction']}, {r['holds_share']:.0%})" for r in fragile])
            + ".",
        ]
    pending = [f["check"] for f in rows if f["mean"] is None]
    if pending:
        lines += ["", f"Not yet measured: {_join(pending)} (see docs/validation.md)."]
    return "\n".join(lines)


def render_tranches(data: dict[str, Any]) -> str:
    """Who carried the funds' losses: each layer's mean share, and how often each
    tranche was hit and wiped out, per scenario."""
    part = data["instruments"]
    figures = part.get("tranches", [])
    scenarios = part["source"]["scenarios"]
    lines = [
        f"`{part['source']['command']}`: of the funds' net charge-offs over the run "
        "(mean, thousands), the share each layer absorbed, in the order losses reach "
        "them; then, for each tranche, the share of replicates in which it was hit "
        "(absorbed any loss) and in which it was wiped out (lost 99% or more of its "
        "size). Layers a scenario does not have are blank.",
        "",
    ]
    layers = list(
        dict.fromkeys(f["metric"] for f in figures if f["id"].startswith("layers/absorbed_"))
    )
    order = ["absorbed_allowance", "absorbed_net_assets"]
    order += [
        k
        for k in layers
        if k not in order and not k.startswith("absorbed_tranche_") and k != "absorbed_backstop"
    ]
    order += [k for k in layers if k.startswith("absorbed_tranche_")]
    order += ["absorbed_backstop"]
    means = {(f["scenario"], f["metric"]): f["mean"] for f in figures if "metric" in f}
    header = ["scenario", "net charge-offs, thousands"] + [
        k.removeprefix("absorbed_").replace("tranche_", "tranche ").replace("_", " ") for k in order
    ]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    for scenario in scenarios:
        total = means.get((scenario, "net_chargeoffs_cum"))
        if total is None:
            continue
        cells = [_short(scenario), number(total, "k")]
        for key in order:
            value = means.get((scenario, key))
            cells.append("" if value is None or total <= 0 else f"{value / total:.0%}")
        lines.append("| " + " | ".join(cells) + " |")
    hits = [f for f in figures if f["id"].startswith("tranches/")]
    if hits:
        lines += ["", "| scenario | tranche | hit | wiped out |", "|---|---|---:|---:|"]
        for f in hits:
            lines.append(
                f"| {_short(f['scenario'])} | {f['tranche'].replace('_', '-')} | "
                f"{f['hit']:.0%} | {f['wiped']:.0%} |"
            )
    return "\n".join(lines)


class _Figures:
    """The instrument comparison's figures, read by metric and scenario."""

    def __init__(self, data: dict[str, Any]):
        part = data["instruments"]
        self.reference = part["source"]["reference"]
        self.by_id = _by_id(part["figures"])

    def get(self, key: str, scenario: str) -> dict[str, Any] | None:
        return self.by_id.get(f"instruments/{key}/{scenario}")

    def mean(self, key: str, scenario: str, unit: str) -> str:
        figure = self.get(key, scenario)
        return number(figure["mean"] if figure else None, unit)

    def change(self, key: str, scenario: str, unit: str, what: str, points: bool = False) -> str:
        """ "lowers <what> by 3.17 points [2.71, 3.62]" or "does not change <what>
        detectably (−0.05 [−0.11, +0.02])" — the verdict follows the interval."""
        figure = self.get(key, scenario)
        if figure is None or figure.get("difference") is None:
            return f"leaves {what} unmeasured"
        diff = figure["difference"]
        interval = (
            f"[{number(figure['ci_low'], unit, signed=True)}, "
            f"{number(figure['ci_high'], unit, signed=True)}]"
        )
        size = number(abs(diff), unit) + (" points" if points else "")
        if not excludes_zero(figure):
            return (
                f"does not change {what} detectably ({number(diff, unit, signed=True)} {interval})"
            )
        verb = "lowers" if diff < 0 else "raises"
        return f"{verb} {what} by {size} {interval}"


def _plural(clause: str) -> str:
    """A clause's verb for a plural subject: "lowers" → "lower"."""
    for one, many in (("lowers", "lower"), ("raises", "raise"), ("does not", "do not")):
        clause = clause.replace(one, many, 1)
    return clause


def _channel_paragraphs(f: _Figures) -> dict[str, str]:
    """One paragraph per tool: its channel, with the flow or count that shows it."""
    m, c = f.mean, f.change

    def hazard(s: str) -> str:
        return c("coop_hazard", s, "pct", "the co-op failure hazard", True)

    def distress(s: str) -> str:
        return c("mean_distress_share", s, "pct", "the distress share", True)

    def illiquid(s: str) -> str:
        return c("illiquid_share", s, "pct", "the illiquid share of failures", True)

    coops_left = "the co-ops left at the end"
    return {
        "first_loss": (
            "**First-loss capital** changes who carries a loss, not how many loans fail: "
            "the first-loss tranche absorbed "
            f"{m('absorbed_tranche_first_loss', 'first_loss', 'k')} thousand of "
            f"{m('net_chargeoffs_cum', 'first_loss', 'k')} thousand of net charge-offs on "
            "average, after the allowance and the funds' net assets; it "
            f"{c('investor_irr', 'first_loss', 'pct', 'outside investors’ return', True)} "
            f"and {hazard('first_loss')}."
        ),
        "guarantee": (
            "**The guarantee** acts through credit: covered loans let the funds relax their "
            f"screen, and the guarantor paid {m('absorbed_guarantee', 'guarantee', 'k')} "
            "thousand of losses, after the allowance and net assets. It "
            f"{c('bank_use', 'guarantee', 'pct', 'the co-ops’ use of bank credit', True)} "
            f"and {hazard('guarantee')}."
        ),
        "patient_capital": (
            "**Patient capital** lets repayments follow sales, on a floor path, within 1.5 "
            f"times the loan: {m('pc_repaid_share', 'patient_capital', 'pct')}% of the "
            "principal of loans that closed without default was repaid within the tenor "
            f"({m('pc_chargeoff_share', 'patient_capital', 'pct')}% of closed principal was "
            f"charged off). Co-ops in a slump pay less and keep going: it "
            f"{hazard('patient_capital')}."
        ),
        "non_extractive": (
            "**Non-extractive lending** takes repayment only out of surplus and recovers "
            f"only the financed asset: lenders took {m('ne_interest', 'non_extractive', 'k')} "
            f"thousand of interest against {m('ne_surplus', 'non_extractive', 'M')} million "
            "of surplus from the investments (extraction ratio "
            f"{m('ne_extraction_ratio', 'non_extractive', 'index')}); it "
            f"{hazard('non_extractive')}."
        ),
        "clearing": (
            "**Obligation clearing** nets trade credit in cycles before cash moves; it "
            f"{illiquid('clearing')}."
        ),
        "mutual_credit": (
            "**Mutual credit** is a second means of payment when cash and bank credit run "
            f"short: {m('mc_turnover', 'mutual_credit', 'M')} million paid in credit over "
            f"the run, {m('mc_wages', 'mutual_credit', 'M')} million of it in wages. It "
            f"{illiquid('mutual_credit')}; most failures are insolvencies, which credit "
            "cannot cure."
        ),
        "intertrading": (
            "**Intertrading** lets communities' credit circuits trade with each other; it "
            f"{illiquid('intertrading')}."
        ),
        "timebank": (
            "**The timebank**: a minority of members, mostly out of work or on short pay, "
            f"gave {m('tb_hours', 'timebank', 'count')} hours over the run (half of them by "
            f"{m('tb_giver_share', 'timebank', 'pct')}% of members), which covered "
            f"{m('tb_relief', 'timebank', 'k')} thousand of essentials and kept "
            f"{m('tb_cash_kept', 'timebank', 'k')} thousand of cash with households. It "
            f"lifted households out of distress {m('tb_lifted', 'timebank', 'count')} times "
            f"and {distress('timebank')}: hours cannot pay rent, and most households in "
            "distress are short of more than services can replace."
        ),
        "mutual_aid": (
            "**Mutual aid** pays distressed members out of pools they fill in good months: "
            f"{m('aid_paid', 'mutual_aid', 'k')} thousand over the run. It "
            f"{distress('mutual_aid')}, and, the pools counting as their members' savings, "
            f"{c('final_gini', 'mutual_aid', 'index', 'the final net-worth Gini')}."
        ),
        "resilience_circles": (
            "**Resilience circles** put half of each contribution in a circle of about 15 "
            "neighbours, drawn on before the pool: circles paid "
            f"{m('aid_from_circles', 'resilience_circles', 'k')} thousand of "
            f"{m('aid_paid', 'resilience_circles', 'k')} thousand of aid. Against the "
            f"baseline they {_plural(distress('resilience_circles'))}."
        ),
        "community_governed": (
            "**Community-governed funds** decide the scenario's own terms (the community "
            f"holds {m('community_vote_share', 'community_governed', 'pct')}% of the votes), "
            f"so they {_plural(hazard('community_governed'))}."
        ),
        "investor_governed": (
            "**Investor-governed funds** decide a rate of "
            f"{m('decided_rate', 'investor_governed', 'pct')}%, twice the screen and no "
            "refounding: the young co-ops that fail most are never founded, so the board "
            f"{hazard('investor_governed')}, but it "
            f"{c('active_coops_final', 'investor_governed', 'count', coops_left)} and "
            f"{c('community_return', 'investor_governed', 'M', 'the community’s income')} "
            "(millions)."
        ),
        "power_shift": (
            "**A power shift** (community votes from 20% to 60% over the run, on "
            "investor-governed funds, deciding yearly) moves the decisions step by step: "
            "refounding resumes in part from month 73, with philanthropy's vote, and fully "
            "from month 97, when the community's share passes half. Until then there is no "
            "refounding, so it "
            f"{c('active_coops_final', 'power_shift', 'count', coops_left)} and "
            f"{hazard('power_shift')}."
        ),
        "participatory_budget": (
            "**The participatory budget** allocated "
            f"{m('pb_allocated', 'participatory_budget', 'k')} thousand over the run (half "
            "the funds' surplus payout and an outside grant of 10 a resident a year), by a "
            f"vote weighted by need; it {distress('participatory_budget')}."
        ),
        "clt": (
            "**The community land trust** sells its homes at 70% of the market price with a "
            "ground lease, to owners drawn from the same incomes as market owners: their "
            f"housing burden is {m('clt_burden', 'clt', 'pct')}% of income against "
            f"{m('mean_owner_burden', 'clt', 'pct')}% for market owners. Its stewardship "
            f"cured {m('clt_cures', 'clt', 'count')} of the {m('clt_due', 'clt', 'count')} "
            "owners due for foreclosure in a run. Trust owners were foreclosed at "
            f"{m('foreclosure_rate_clt', 'clt', 'pct')}% a year against "
            f"{m('foreclosure_rate_market', 'clt', 'pct')}% for market owners in the same "
            f"runs; the trust {c('displaced', 'clt', 'count', 'displacements')}."
        ),
        "housing_coop": (
            "**Housing co-ops** charge members "
            f"{m('hcoop_charge_ratio', 'housing_coop', 'ratio')} of comparable rent (debt "
            "service, operating cost 20% below a rental's, a reserve and a hardship fund): "
            f"their housing burden is {m('hcoop_burden', 'housing_coop', 'pct')}% against "
            f"{m('mean_rent_burden', 'housing_coop', 'pct')}% for market renters. The "
            f"reserve paid {m('hcoop_repairs', 'housing_coop', 'k')} thousand of repairs and "
            f"the hardship fund {m('hcoop_hardship_paid', 'housing_coop', 'k')} thousand of "
            "members' arrears; members were displaced at "
            f"{m('hcoop_displacement_rate', 'housing_coop', 'pct')}% a year against "
            f"{m('eviction_rate_market', 'housing_coop', 'pct')}% of market renters evicted. "
            f"The co-ops {_plural(c('displaced', 'housing_coop', 'count', 'displacements'))}."
        ),
        "all_tools": (
            "**All tools together** combine these channels: they "
            f"{_plural(hazard('all_tools'))} and {_plural(distress('all_tools'))}."
        ),
    }


def render_channels(data: dict[str, Any]) -> str:
    """One paragraph per tool in the comparison, tracing its effect to its channel."""
    f = _Figures(data)
    scenarios = data["instruments"]["source"]["scenarios"]
    paragraphs = _channel_paragraphs(f)
    return "\n\n".join(paragraphs[s] for s in scenarios if s in paragraphs)


def render_blocks(data: dict[str, Any]) -> dict[str, str]:
    """The text of every generated block, from the figures alone."""
    return {
        "instruments": render_instruments(data),
        "tranches": render_tranches(data),
        "channels": render_channels(data),
        "governance": render_governance(data),
        "findings": render_findings(data),
        "stationarity": render_stationarity(data),
        "households": render_households(data),
        "firms": render_firms(data),
        "calibration": render_calibration(data),
        "facts": render_facts(data),
    }


# ---------------------------------------------------------------------------- the README
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        re.escape(START.format(name)) + r"\n(.*?)\n" + re.escape(END.format(name)), re.S
    )


def read_blocks(text: str) -> dict[str, str]:
    """The generated blocks as the README has them (name → text between the markers)."""
    blocks = {}
    for name in BLOCKS:
        found = _pattern(name).findall(text)
        if len(found) != 1:
            raise ValueError(f"README: expected one {START.format(name)} … {END.format(name)}")
        blocks[name] = found[0].strip("\n")
    return blocks


def write_blocks(text: str, blocks: dict[str, str]) -> str:
    """``text`` with each block's content replaced (a blank line inside each marker)."""
    for name, body in blocks.items():
        pattern = _pattern(name)
        if len(pattern.findall(text)) != 1:
            raise ValueError(f"README: expected one {START.format(name)} … {END.format(name)}")
        replacement = f"{START.format(name)}\n\n{body}\n\n{END.format(name)}"
        text = pattern.sub(lambda _m, r=replacement: r, text)
    return text


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="read the commands' outputs from DIR (DIR/all_instruments, "
        "DIR/baseline_no_shock, DIR/validation) instead of running them",
    )
    parser.add_argument("--workers", type=int, help="worker processes for the sweeps")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that the README's blocks match docs/readme_figures.json",
    )
    args = parser.parse_args(argv)
    if args.check:
        data = json.loads(FIGURES.read_text())
        stale = [
            name
            for name, body in render_blocks(data).items()
            if read_blocks(README.read_text())[name] != body
        ]
        if stale:
            print(f"README blocks out of date: {', '.join(stale)}; run make readme-figures")
            return 1
        print("README blocks match docs/readme_figures.json")
        return 0
    start = time.perf_counter()
    if args.source is None:
        run_commands("out", args.workers)
        base = ROOT / "out"
    else:
        base = args.source if args.source.is_absolute() else Path.cwd() / args.source
    data = collect(base, "out")
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
    shutil.copyfile(base / "validation" / "validation.md", VALIDATION_MD)
    README.write_text(write_blocks(README.read_text(), render_blocks(data)))
    print(
        f"wrote {FIGURES.relative_to(ROOT)}, {VALIDATION_MD.relative_to(ROOT)} and the README's "
        f"blocks ({', '.join(BLOCKS)}) in {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
