"""The README's results are what the stored figures say, and the figures are what the runs give.

``make readme-figures`` (benchmarks/readme_figures.py) runs the commands the README
names and writes docs/readme_figures.json and the README's generated blocks. Here:

* the README's blocks equal what the script renders from the JSON (a hand edit
  or a README not regenerated after the JSON fails);
* the validation figures in the JSON are the ones docs/validation.md reports;
* a 2-replicate subset of the runs (replicates 0 and 1 of three scenarios of
  ``experiments/all_instruments.toml``, and of the no-shock sweep) is rerun with
  the experiments' seeds and its summaries match the per-replicate values stored
  in the JSON, so an engine change that moves the results fails until
  ``make readme-figures`` is rerun.

Tolerance of the rerun: runs are deterministic given their seed, the rerun takes
the sweep worker's path (``solsim.run`` on the experiment's scenario data with
``SeedSequence(root_seed, spawn_key=(0, r))``) and JSON stores floats exactly,
so on one machine the values are equal. ``rel = 1e-9`` (``abs = 1e-12`` for
zeros) only leaves room for last-bit differences of numpy's vectorised
reductions (summation order differs between SIMD paths on other CPUs) in the
summary's means; any change to what happens in a run moves values by far more.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REL, ABS = 1e-9, 1e-12
REGENERATE = "if the change is meant, rerun: make readme-figures"


def _script():
    path = ROOT / "benchmarks" / "readme_figures.py"
    spec = importlib.util.spec_from_file_location("readme_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _script()
FIGURES = json.loads((ROOT / "docs" / "readme_figures.json").read_text())


def test_readme_blocks_are_what_the_script_writes():
    readme = (ROOT / "README.md").read_text()
    stored = script.read_blocks(readme)
    rendered = script.render_blocks(FIGURES)
    stale = [name for name in script.BLOCKS if stored[name] != rendered[name]]
    assert not stale, (
        f"README blocks {stale} differ from docs/readme_figures.json; edit the templates "
        f"in benchmarks/readme_figures.py, not the README ({REGENERATE})"
    )
    # Rewriting an up-to-date README changes nothing.
    assert script.write_blocks(readme, rendered) == readme


def test_every_figure_names_its_source():
    parts = ("instruments", "households", "validation", "settings")
    figures = [f for part in parts for f in FIGURES[part]["figures"]]
    assert figures
    for figure in figures:
        assert figure["command"] and figure["metric"] and figure["statistic"], figure["id"]
        if not figure["id"].startswith("setting/") and figure["mean"] is not None:
            assert figure["replicates"] >= 2, figure["id"]
    instruments = FIGURES["instruments"]["source"]
    assert instruments["command"].startswith("solsim compare experiments/all_instruments.toml")
    assert FIGURES["households"]["source"]["command"].startswith(
        "solsim sweep experiments/baseline_no_shock.toml"
    )


def test_validation_figures_are_those_of_docs_validation():
    """README and docs/validation.md come from the same `solsim validate` run."""
    from solsim.validation import _fmt

    text = (ROOT / "docs" / "validation.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7:  # check, evidence, source, target, measured, tolerance, pass
            rows[cells[0]] = cells[4]
    for figure in FIGURES["validation"]["figures"]:
        if figure["mean"] is None:
            continue  # a fact not yet measured
        measured = rows.get(figure["check"])
        assert measured is not None, f"{figure['check']} is not in docs/validation.md"
        assert measured == f"{_fmt(figure['mean'], 4)} ± {_fmt(figure['se'], 2)}", figure["id"]


def _close(stored, value) -> bool:
    if stored is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return stored is None and (value is None or math.isnan(value))
    return math.isclose(stored, float(value), rel_tol=REL, abs_tol=ABS)


def _rerun(experiment_file: str, point: int, replicates, keys) -> dict[str, list]:
    from solsim import run
    from solsim.experiments.seeds import run_seed
    from solsim.experiments.spec import load_experiment
    from solsim.scenario import load_scenario

    experiment = load_experiment(ROOT / experiment_file)
    scenario = load_scenario(None, None, data=experiment.point_scenario(point))
    values: dict[str, list] = {key: [] for key in keys}
    for r in replicates:
        seed = run_seed(experiment.root_seed, point, r, experiment.common_random_numbers)
        # Paired with its counterfactual when the experiment pairs its runs.
        counterfactual = experiment.spec.counterfactual
        summary = run(scenario, seed=seed, agents=False, counterfactual=counterfactual).summary
        for key in keys:
            values[key].append(summary.get(key))
    return values


def _mismatches(label: str, stored: dict[str, list], rerun: dict[str, list]) -> list[str]:
    return [
        f"{label} {key} replicate {i}: stored {a!r}, rerun {b!r}"
        for key, values in stored.items()
        for i, (a, b) in enumerate(zip(values, rerun[key], strict=True))
        if not _close(a, b)
    ]


@pytest.mark.slow
def test_a_two_replicate_subset_reproduces_the_stored_runs():
    from solsim.experiments.spec import load_experiment

    problems = []
    instruments = FIGURES["instruments"]
    source = instruments["source"]
    experiment = load_experiment(ROOT / source["experiment"])
    assert experiment.hash == source["experiment_hash"], (
        f"{source['experiment']} changed since the figures were made; {REGENERATE}"
    )
    assert experiment.root_seed == source["root_seed"]
    check = instruments["check"]
    assert len(check["scenarios"]) >= 2 and len(check["replicates"]) == 2
    for name, stored in check["scenarios"].items():
        assert experiment.design.loc[stored["point"], "scenario"] == name
        rerun = _rerun(source["experiment"], stored["point"], check["replicates"], stored["values"])
        problems += _mismatches(name, stored["values"], rerun)

    households = FIGURES["households"]
    source = households["source"]
    experiment = load_experiment(ROOT / source["experiment"])
    assert experiment.hash == source["experiment_hash"], (
        f"{source['experiment']} changed since the figures were made; {REGENERATE}"
    )
    stored = households["check"]
    rerun = _rerun(source["experiment"], stored["point"], stored["replicates"], stored["values"])
    problems += _mismatches("no shock", stored["values"], rerun)
    assert not problems, "results changed: " + "; ".join(problems[:8]) + f"; {REGENERATE}"


def test_findings_claim_effects_only_where_the_interval_excludes_zero():
    """The generated sentences follow the intervals, not the other way round."""
    data = json.loads(json.dumps(FIGURES))
    reference = data["instruments"]["source"]["reference"]
    outcomes = [
        f
        for f in data["instruments"]["figures"]
        if f["metric"] in script.OUTCOMES and f["scenario"] != reference
    ]
    for f in outcomes:  # every interval includes zero
        f.update(difference=0.5, ci_low=-1.0, ci_high=2.0)
    text = script.render_findings(data)
    assert "No tool has an outcome difference whose 95% interval excludes zero." in text
    assert " cuts " not in text and " raises " not in text
    # One interval that excludes zero is one effect, and only that one.
    failures = next(
        f for f in outcomes if f["metric"] == "coop_failures" and f["scenario"] == "patient_capital"
    )
    failures.update(difference=-10.0, ci_low=-12.0, ci_high=-8.0, mean=40.0, reference_mean=50.0)
    text = script.render_findings(data)
    assert (
        "Patient capital (longer tenors, grace, revenue-based repayment) cuts co-op failures "
        "from 50.0 to 40.0; its other outcome intervals include zero."
    ) in text
    assert text.count(" cuts ") == 1 and " raises " not in text
    # The sentence listing the tools with no effect leaves it out.
    assert "patient capital" not in text.split("For ", 1)[1].split(". ", 1)[0]


def test_numbers_are_formatted_in_their_units():
    assert script.number(0.1225, "pct") == "12.25"
    assert script.number(-0.0001, "pct", signed=True) == "−0.01"
    assert script.number(-0.00001, "pct", signed=True) == "0.00"
    assert script.number(27_700.0, "k") == "27.7"
    assert script.number(325_810_000.0, "M") == "325.8"
    assert script.number(-30.25, "count", signed=True) == "−30.2"
    significant = {"mean": 1.0, "reference_mean": 2.0, "difference": -1.0}
    cell = script.difference_cell({**significant, "ci_low": -1.5, "ci_high": -0.5}, "count")
    assert cell == "**−1.0 [−1.5, −0.5]**"
    cell = script.difference_cell({**significant, "ci_low": -2.5, "ci_high": 0.5}, "count")
    assert cell == "−1.0 [−2.5, +0.5]"


def test_the_instrument_table_shows_hazards_irr_and_return_parity():
    """Results that carry them put the new rows in the table and parity in the findings."""
    data = json.loads(json.dumps(FIGURES))
    part = data["instruments"]
    source = part["source"]
    source["metrics"] = [m for m in source["metrics"] if m != "investor_return"]
    part["figures"] = [f for f in part["figures"] if f["metric"] != "investor_return"]
    reference = source["reference"]
    values = {"coop_hazard": 0.09, "coop_hazard_illiquid": 0.01, "coop_hazard_insolvent": 0.08,
              "investor_irr": 0.0407, "return_parity": 72.5}  # fmt: skip
    for metric, value in values.items():
        source["metrics"].append(metric)
        for name in source["scenarios"]:
            same = name == reference
            part["figures"].append(
                {"id": f"instruments/{metric}/{name}", "metric": metric, "scenario": name,
                 "mean": value, "reference_mean": value, "difference": None if same else 0.0,
                 "ci_low": None if same else 0.0, "ci_high": None if same else 0.0}
            )  # fmt: skip
    table = script.render_blocks(data)["instruments"]
    for label in (
        "co-op failure hazard, % a year | 9.00",
        "co-op failure hazard, illiquid, % a year | 1.00",
        "co-op failure hazard, insolvent, % a year | 8.00",
        "outside investors' return (money-weighted IRR), % a year | 4.07",
        "return parity: community's paired gain ÷ investors' net gain | 72.50",
    ):
        assert label in table, label
    assert "return_ratio" not in table and "outside investors' return, %" not in table
    findings = script.render_findings(data)
    assert "Outside investors' return is 4.07% a year in the baseline" in findings
    assert "Return parity" in findings and "is 72.50 with the baseline" in findings
