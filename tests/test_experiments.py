"""Experiments: specs, designs, seeds, sweeps, resume, results, comparison, sensitivity."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import solsim
import solsim.results
from solsim.cli import main
from solsim.errors import ScenarioError
from solsim.experiments import layout
from solsim.experiments.compare import paired_comparison, paired_interval
from solsim.experiments.seeds import design_seed, run_seed
from solsim.experiments.sensitivity import morris_indices, sobol_indices
from solsim.experiments.spec import load_experiment, resolve_path
from solsim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"

TINY = """
[set]
economy.households = 100
economy.coops = 6
economy.communities = 2
shocks.scheduled = [{ kind = "export_drop", start = 4, duration = 3, size = 0.3 }]
"""


def write_experiment(folder: Path, body: str, name: str = "exp.toml", tiny: bool = True) -> Path:
    """An experiment file on the baseline scenario (tiny economy unless told)."""
    head = f'name = "test"\nscenario = "{BASELINE}"\n'
    path = folder / name
    path.write_text(head + body + (TINY if tiny else ""))
    return path


GRID = """
replicates = 2
root_seed = 11
steps = 8

[design]
kind = "grid"

[design.parameters]
funds.interest_rate = [0.04, 0.08]
households.local_share = [0.4, 0.6, 0.7]
"""


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr)."""
    try:
        main([*args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def tables_equal(a: Path, b: Path) -> None:
    """Two sweep directories hold the same runs with the same bytes."""
    for sub in (layout.RUNS, layout.SUMMARIES):
        files_a = sorted(p.relative_to(a) for p in (a / sub).rglob("*.parquet"))
        files_b = sorted(p.relative_to(b) for p in (b / sub).rglob("*.parquet"))
        assert files_a == files_b
        for rel in files_a:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / layout.DESIGN).read_bytes() == (b / layout.DESIGN).read_bytes()


# ---------------------------------------------------------------- seeds
def test_common_random_numbers_share_streams_across_points():
    a = run_seed(5, point=0, replicate=2).generate_state(4)
    b = run_seed(5, point=9, replicate=2).generate_state(4)
    c = run_seed(5, point=0, replicate=3).generate_state(4)
    assert (a == b).all() and not (a == c).all()


def test_independent_streams_differ_per_point_and_never_depend_on_order():
    a = run_seed(5, 0, 2, common_random_numbers=False).generate_state(4)
    b = run_seed(5, 1, 2, common_random_numbers=False).generate_state(4)
    assert not (a == b).all()
    # The same coordinates always give the same stream, and it is the spawned child.
    root = np.random.SeedSequence(5)
    child = root.spawn(2)[1].spawn(1)[0].spawn(3)[2]
    assert (run_seed(5, 0, 2, False).generate_state(4) == child.generate_state(4)).all()
    assert design_seed(5) == design_seed(5) != design_seed(6)


# ---------------------------------------------------------------- specs and designs
def test_grid_design_is_the_full_factorial(tmp_path):
    experiment = load_experiment(write_experiment(tmp_path, GRID))
    design = experiment.design
    assert list(design.columns) == ["point", "funds.interest_rate", "households.local_share"]
    assert len(design) == 6 and design["point"].tolist() == list(range(6))
    assert design.iloc[4].tolist()[1:] == [0.08, 0.6]
    scenario = solsim.load_scenario(None, data=experiment.point_scenario(4))
    assert scenario.funds.interest_rate == 0.08 and scenario.households.local_share == 0.6
    assert scenario.economy.households == 100 and scenario.steps == 8


def test_experiment_hash_tracks_what_changes_results(tmp_path):
    path = write_experiment(tmp_path, GRID)
    a = load_experiment(path)
    assert load_experiment(path).hash == a.hash
    assert load_experiment(path, {"economy.households": 120}).hash != a.hash
    path.write_text(path.read_text().replace("replicates = 2", "replicates = 5"))
    assert load_experiment(path).hash == a.hash  # more replicates extend a sweep
    path.write_text(path.read_text().replace("root_seed = 11", "root_seed = 12"))
    assert load_experiment(path).hash != a.hash


@pytest.mark.parametrize("kind", ["lhs", "sobol", "morris"])
def test_sampled_designs_stay_in_range_and_round_integers(tmp_path, kind):
    size = {"lhs": "samples = 10", "sobol": "samples = 8", "morris": "trajectories = 4"}[kind]
    body = f"""
replicates = 1
root_seed = 3
steps = 6

[design]
kind = "{kind}"
{size}

[design.parameters]
funds.interest_rate = [0.02, 0.1]
funds.tenor_months = {{ low = 12, high = 84 }}
"""
    experiment = load_experiment(write_experiment(tmp_path, body))
    design = experiment.design
    expected = {"lhs": 10, "sobol": 8 * (2 + 2), "morris": 4 * (2 + 1)}[kind]
    assert len(design) == expected
    assert design["funds.interest_rate"].between(0.02, 0.1).all()
    assert design["funds.tenor_months"].dtype == np.int64
    assert design["funds.tenor_months"].between(12, 84).all()
    # The design is a function of the root seed.
    again = load_experiment(write_experiment(tmp_path, body, "again.toml"))
    pd.testing.assert_frame_equal(design, again.design)


def test_table_design_from_csv_and_parquet(tmp_path):
    table = pd.DataFrame({"funds.interest_rate": [0.03, 0.05], "coops.reserve_share": [0.2, 0.4]})
    table.to_csv(tmp_path / "design.csv", index=False)
    table.to_parquet(tmp_path / "design.parquet")
    for name in ("design.csv", "design.parquet"):
        body = f'replicates = 1\nroot_seed = 1\n[design]\nkind = "table"\npath = "{name}"\n'
        experiment = load_experiment(write_experiment(tmp_path, body))
        pd.testing.assert_frame_equal(
            experiment.design.drop(columns="point"), table, check_dtype=False
        )


def test_resolve_path_knows_the_schema():
    assert resolve_path("funds.interest_rate") is float
    assert resolve_path("economy.households") is int
    assert resolve_path("shocks.scheduled.0.size") is float
    assert resolve_path("instruments.guarantee.coverage") is float
    with pytest.raises(ValueError, match="interest_rat"):
        resolve_path("funds.interest_rat")
    with pytest.raises(ValueError, match="unknown instrument"):
        resolve_path("instruments.nope.x")


BAD_INPUTS = [
    # (experiment body, expected key path in the error, expected words)
    (
        GRID.replace("funds.interest_rate =", "funds.interest_rat ="),
        "design.parameters.funds.interest_rat",
        "not a scenario key",
    ),
    (
        'replicates = 1\nroot_seed = 1\n[design]\nkind = "lhs"\nsamples = 4\n'
        "[design.parameters]\nfunds.interest_rate = [0.1, 0.02]\n",
        "design.parameters.funds.interest_rate",
        "low (0.1) must be below high (0.02)",
    ),
    (
        GRID.replace("[0.04, 0.08]", "[0.04, 1.5]"),
        "design.parameters.funds.interest_rate",
        "less than or equal to 1",
    ),
    (GRID.replace('kind = "grid"', 'kind = "maze"'), "design.kind", "must be one of grid"),
    (GRID.replace("root_seed = 11\n", ""), "root_seed", "required"),
    (
        'replicates = 1\nroot_seed = 1\n[design]\nkind = "sobol"\nsamples = 6\n'
        "[design.parameters]\nfunds.interest_rate = [0.02, 0.1]\n",
        "design.samples",
        "power of two",
    ),
    (GRID + TINY.replace("economy.coops", "economy.coopz"), "set.economy.coopz", "not a scenario"),
    (GRID, "steps", "shocks.scheduled.0.start: month 24 is after the last month (8)"),
]


@pytest.mark.parametrize(("body", "key", "words"), BAD_INPUTS)
def test_bad_experiments_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, body, key, words):
    # The tiny economy's [set] moves the recession into the 8 months run.
    path = write_experiment(tmp_path, body, tiny="[set]" not in body and key != "steps")
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "sweep", str(path), "--out", str(out_dir), "--workers", "1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: {key}: "), err
    assert words in err
    assert not out_dir.exists()


def test_design_table_with_non_scenario_columns_is_refused(tmp_path, capsys):
    pd.DataFrame({"funds.interest_rate": [0.03], "policy": ["a"]}).to_csv(
        tmp_path / "d.csv", index=False
    )
    body = 'replicates = 1\nroot_seed = 1\n[design]\nkind = "table"\npath = "d.csv"\n'
    path = write_experiment(tmp_path, body)
    code, _, err = cli(capsys, "sweep", str(path), "--out", str(tmp_path / "o"), "-w", "1")
    assert code == 2 and err == f"error: {tmp_path / 'd.csv'}: policy: " + err.split(": ", 3)[3]
    assert "not a scenario key" in err and not (tmp_path / "o").exists()


def test_scenarios_design_needs_a_known_reference(tmp_path):
    body = f"""
replicates = 1
root_seed = 1
[design]
kind = "scenarios"
reference = "base"
[design.scenarios]
baseline = "{BASELINE}"
other = "{BASELINE}"
"""
    (tmp_path / "e.toml").write_text(body)
    with pytest.raises(ScenarioError, match=r"design\.reference: 'base' is not one of"):
        load_experiment(tmp_path / "e.toml")


# ---------------------------------------------------------------- sweeps and results
@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    experiment = load_experiment(write_experiment(folder, GRID))
    report = run_sweep(experiment, folder / "out", workers=1, progress=False)
    return experiment, folder / "out", report


def test_sweep_writes_every_run_and_results_load_round_trips(grid_sweep):
    experiment, out_dir, report = grid_sweep
    assert report.complete and report.ran == 12 and not report.failed
    results = solsim.results.load(out_dir)
    design, timeseries, summaries = results
    pd.testing.assert_frame_equal(design, experiment.design)
    assert len(timeseries) == 12 * 8 and len(summaries) == 12
    assert timeseries.groupby(["point", "replicate"]).size().eq(8).all()
    # A stored run equals the same run made directly with its seed.
    seed = run_seed(experiment.root_seed, 4, 1)
    direct = solsim.run(solsim.load_scenario(None, data=experiment.point_scenario(4)), seed=seed)
    stored = timeseries.query("point == 4 and replicate == 1").drop(columns=["point", "replicate"])
    pd.testing.assert_frame_equal(
        stored.reset_index(drop=True), direct.timeseries, check_dtype=False
    )
    row = summaries.query("point == 4 and replicate == 1").iloc[0]
    assert row["final_gini"] == pytest.approx(direct.summary["final_gini"])
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["root_seed"] == 11 and manifest["experiment_hash"] == experiment.hash
    assert manifest["status"] == "complete" and "numpy" in manifest["versions"]


def test_rerun_redoes_only_missing_runs_with_identical_bytes(grid_sweep, tmp_path):
    experiment, out_dir, _ = grid_sweep
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(out_dir, copy)
    removed = [layout.run_file(copy, 1, 0), layout.run_file(copy, 5, 1)]
    for path in removed:
        path.unlink()
    (copy / "runs" / "point=2" / ".rep=0.parquet.abc.tmp").write_bytes(b"half")
    report = run_sweep(experiment, copy, workers=1, resume=True, progress=False)
    assert report.ran == 2 and report.skipped == 10
    tables_equal(out_dir, copy)
    assert not list(copy.rglob("*.tmp"))


def test_resume_into_another_experiments_dir_is_refused(grid_sweep, tmp_path, capsys):
    _, out_dir, _ = grid_sweep
    before = sorted(p.stat().st_mtime_ns for p in out_dir.rglob("*"))
    path = write_experiment(tmp_path, GRID.replace("root_seed = 11", "root_seed = 99"))
    code, _, err = cli(capsys, "sweep", str(path), "--out", str(out_dir), "--resume", "-w", "1")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: {out_dir / 'manifest.json'}: experiment_hash: holds another")
    assert sorted(p.stat().st_mtime_ns for p in out_dir.rglob("*")) == before


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys):
    from solsim.experiments import worker

    real_run = worker.run

    def flaky(scenario, **kwargs):
        if scenario.funds.interest_rate == 0.08 and scenario.households.local_share == 0.6:
            raise RuntimeError("boom")
        return real_run(scenario, **kwargs)

    monkeypatch.setattr(worker, "run", flaky)
    path = write_experiment(tmp_path, GRID)
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "sweep", str(path), "--out", str(out_dir), "-w", "1")
    assert code == 1 and "2 run(s) failed" in err and "10/12 runs done" in out
    record = json.loads(layout.failed_file(out_dir, 4, 1).read_text())
    assert record["error"] == "RuntimeError: boom" and "Traceback" in record["traceback"]
    results = solsim.results.load(out_dir)
    assert sorted(results.failed["point"]) == [4, 4] and len(results.summaries) == 10
    monkeypatch.setattr(worker, "run", real_run)
    code, out, _ = cli(capsys, "sweep", str(path), "--out", str(out_dir), "-w", "1")
    assert code == 0 and "12/12 runs done, 10 already present" in out
    assert not (out_dir / "failed" / "point=4").exists() or not any(
        (out_dir / "failed" / "point=4").iterdir()
    )


def test_agent_tables_are_kept_apart(tmp_path):
    body = GRID.replace("replicates = 2", 'replicates = 1\nagents = "final"')
    experiment = load_experiment(write_experiment(tmp_path, body))
    run_sweep(experiment, tmp_path / "out", workers=1, progress=False)
    results = solsim.results.load(tmp_path / "out")
    households = results.agents("households")
    assert len(households) == 6 * 100 and {"point", "replicate", "net_worth"} <= set(households)
    assert "net_worth" not in results.timeseries.columns
    assert len(results.agents("coops")) == 6 * 6


def test_smoke_experiment_runs(tmp_path, capsys):
    code, out, _ = cli(
        capsys, "sweep", str(ROOT / "experiments" / "smoke.toml"), "--out", str(tmp_path), "-w", "1"
    )
    assert code == 0 and "8/8 runs done" in out
    results = solsim.results.load(tmp_path)
    assert len(results.summaries) == 8 and results.timeseries["step"].max() == 12


# ---------------------------------------------------------------- comparison
def test_paired_interval_matches_the_t_interval():
    mean, low, high = paired_interval(np.array([1.0, 2.0, 3.0]))
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    assert math.isnan(paired_interval(np.array([1.0]))[1])


def test_paired_comparison_on_a_known_case():
    rng = np.random.default_rng(0)
    base = rng.normal(10.0, 3.0, 12)
    shift = rng.normal(0.5, 0.2, 12)
    design = pd.DataFrame({"point": [0, 1], "scenario": ["baseline", "tool"]})
    summaries = pd.DataFrame(
        {
            "point": [0] * 12 + [1] * 12,
            "replicate": list(range(12)) * 2,
            "output": np.concatenate([base, base + shift]),
        }
    )
    table = paired_comparison(summaries, design, "baseline")
    row = table.query("scenario == 'tool'").iloc[0]
    ci = stats.ttest_rel(base + shift, base).confidence_interval(0.95)
    assert row["n"] == 12 and row["difference"] == pytest.approx(shift.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert row["mean"] == pytest.approx((base + shift).mean())
    assert row["reference_mean"] == pytest.approx(base.mean())
    ref = table.query("scenario == 'baseline'").iloc[0]
    assert ref["difference"] == 0 and math.isnan(ref["ci_low"])


def test_compare_command_identical_scenarios_differ_by_exactly_zero(tmp_path, capsys):
    # With common random numbers a scenario identical to the reference has
    # paired differences of exactly zero in every replicate.
    twin = tmp_path / "twin.toml"
    twin.write_text(f'extends = "{BASELINE}"\nname = "twin"\n')
    cheaper = tmp_path / "cheaper.toml"
    cheaper.write_text(f'extends = "{BASELINE}"\nname = "cheaper"\n[funds]\ninterest_rate = 0.02\n')
    body = f"""
name = "pair"
replicates = 3
root_seed = 8
steps = 8
[design]
kind = "scenarios"
reference = "baseline"
[design.scenarios]
baseline = "{BASELINE}"
twin = "twin.toml"
cheaper = "cheaper.toml"
{TINY}
"""
    (tmp_path / "cmp.toml").write_text(body)
    out_dir = tmp_path / "out"
    args = ("compare", str(tmp_path / "cmp.toml"), "--out", str(out_dir), "-w", "1", "--no-report")
    code, out, _ = cli(capsys, *args)
    assert code == 0 and "comparison written" in out
    table = pd.read_csv(out_dir / "comparison.csv")
    twin_rows = table.query("scenario == 'twin'")
    assert (twin_rows["difference"] == 0).all()
    assert (twin_rows.set_index("metric").loc["final_gini", "n"]) == 3
    paired = twin_rows[twin_rows["n"] >= 2]  # recovery_time may be undefined in some runs
    assert (paired["ci_low"] == 0).all() and (paired["ci_high"] == 0).all()
    markdown = (out_dir / "comparison.md").read_text()
    assert "| metric | baseline (mean) | twin Δ | cheaper Δ |" in markdown
    assert "final_gini" in markdown


def test_compare_refuses_a_grid_experiment(tmp_path, capsys):
    path = write_experiment(tmp_path, GRID)
    code, _, err = cli(capsys, "compare", str(path), "--out", str(tmp_path / "o"), "-w", "1")
    assert code == 2 and "design.kind: compare needs a 'scenarios' design" in err
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- sensitivity
def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function():
    from SALib.sample import sobol

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sobol.sample(problem, 2048, calc_second_order=False, seed=1)
    table = sobol_indices(problem, ishigami(x), seed=1, resamples=200)
    # Analytic values (a = 7, b = 0.1): S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
    assert table["S1"].to_numpy() == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert table["ST"].to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)
    assert (table["S1_conf"] > 0).all()


def test_morris_of_a_linear_function_recovers_its_coefficients():
    from SALib.sample import morris

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    x = morris.sample(problem, 20, num_levels=4, seed=2)
    y = x @ np.array([3.0, -1.0, 0.0])
    table = morris_indices(problem, x, y, levels=4, seed=2)
    assert table["mu_star"].to_numpy() == pytest.approx([3.0, 1.0, 0.0])
    assert table["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_sensitivity_command_on_a_small_sobol_sweep(tmp_path, capsys):
    body = """
replicates = 1
root_seed = 5
steps = 6
[design]
kind = "sobol"
samples = 4
[design.parameters]
funds.interest_rate = [0.02, 0.1]
households.local_share = [0.3, 0.8]
"""
    path = write_experiment(tmp_path, body)
    out_dir = tmp_path / "out"
    assert cli(capsys, "sweep", str(path), "--out", str(out_dir), "-w", "1")[0] == 0
    code, out, err = cli(capsys, "sensitivity", str(out_dir), "--metric", "mean_local_share")
    assert code == 0 and "indices written to" in out
    assert "warning: N = 4 Sobol samples is too few" in err
    table = pd.read_csv(out_dir / "sensitivity" / "mean_local_share.csv")
    assert list(table["parameter"]) == ["funds.interest_rate", "households.local_share"]
    # The local spending share is set by the parameter of that name.
    assert table.loc[1, "ST"] > table.loc[0, "ST"]
    code, _, err = cli(capsys, "sensitivity", str(out_dir), "--metric", "nope")
    assert code == 2 and "--metric: unknown metric 'nope'" in err


def test_sensitivity_needs_a_sobol_or_morris_sweep(grid_sweep, capsys):
    _, out_dir, _ = grid_sweep
    code, _, err = cli(capsys, "sensitivity", str(out_dir), "--metric", "final_gini")
    assert code == 2 and "sensitivity needs a sobol or morris design" in err


def test_comparison_numbers_are_never_in_scientific_notation():
    from solsim.experiments.compare import fmt

    assert fmt(8.415e-05) == "0.00008415"
    assert fmt(-5.244e-06) == "-0.000005244"
    assert fmt(0.1327) == "0.1327"
    assert fmt(4_237_937.2) == "4,237,937"
    assert fmt(3e-13) == "0"
