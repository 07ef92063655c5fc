"""Protected sweeps: damaged files redone on resume, the lock, replay, override parity."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pandas as pd
import pytest

import solsim
from solsim.cli import main
from solsim.experiments import layout
from solsim.experiments.results import load as load_results
from solsim.experiments.spec import load_experiment
from solsim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"

EXPERIMENT = f"""
name = "protected"
scenario = "{BASELINE.as_posix()}"
replicates = 2
root_seed = 5
steps = 6

[set]
economy.households = 100
economy.coops = 6
economy.communities = 2
burn_in = 6
shocks.scheduled = [{{ kind = "export_drop", start = 2, duration = 2, size = 0.3 }}]

[design]
kind = "grid"

[design.parameters]
funds.interest_rate = [0.04, 0.08]
"""


def cli(capsys, *args) -> tuple[int, str, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protected")
    path = folder / "e.toml"
    path.write_text(EXPERIMENT)
    experiment = load_experiment(path)
    report = run_sweep(experiment, folder / "out", workers=1, progress=False)
    assert report.complete and not report.failed
    return experiment, folder / "out"


def test_checksums_are_recorded_and_the_lock_released(sweep):
    _, out = sweep
    record = json.loads(layout.checksum_file(out, 1, 1).read_text())
    name = "runs/point=1/rep=1.parquet"
    assert record["files"][name]["bytes"] == (out / name).stat().st_size
    assert not (out / layout.LOCK).exists()


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip", "delete_summary", "delete_record"],
)
def test_damaged_runs_are_redone_on_resume(sweep, tmp_path, capsys, damage):
    experiment, out = sweep
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    run = layout.run_file(copy, 1, 0)
    if damage == "truncate":
        run.write_bytes(run.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(run.read_bytes())
        data[len(data) // 2] ^= 0xFF
        run.write_bytes(bytes(data))
    elif damage == "delete_summary":
        layout.summary_file(copy, 1, 0).unlink()
    else:  # no record: an older sweep; the files still parse, so the run is kept
        layout.checksum_file(copy, 1, 0).unlink()
    code, out_text, err = cli(capsys, "sweep", experiment.path, "--out", copy, "-w", "1")
    assert code == 0, err
    if damage == "delete_record":
        assert "incomplete redone" not in out_text and "4 already present" in out_text
    else:
        assert "1 damaged or incomplete redone (first: point 1, replicate 0" in out_text
        assert "3 already present" in out_text
    for sub in (layout.RUNS, layout.SUMMARIES):
        for path in (out / sub).rglob("*.parquet"):
            assert (copy / path.relative_to(out)).read_bytes() == path.read_bytes()
    assert len(load_results(copy).timeseries) == 4 * 6  # no ArrowInvalid


def test_a_stale_lock_is_taken_over(sweep, tmp_path, capsys):
    experiment, out = sweep
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    dead = {"pid": 2**22 + 12345, "host": socket.gethostname(), "since": "long ago"}
    (copy / layout.LOCK).write_text(json.dumps(dead))
    code, _, err = cli(capsys, "sweep", experiment.path, "--out", copy, "-w", "1")
    assert code == 0, err
    assert not (copy / layout.LOCK).exists()


def test_a_lock_from_another_host_is_respected(sweep, tmp_path, capsys):
    experiment, out = sweep
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / layout.LOCK).write_text(json.dumps({"pid": 1, "host": "elsewhere", "since": "x"}))
    code, _, err = cli(capsys, "sweep", experiment.path, "--out", copy, "-w", "1")
    assert code == 2 and err.count("\n") == 1
    assert "in use by another sweep (pid 1 on host elsewhere" in err


@pytest.mark.parametrize(("point", "rep"), [(0, 0), (1, 1)])
def test_replay_one_run_is_identical_to_its_file(sweep, tmp_path, capsys, point, rep):
    _, out = sweep
    target = tmp_path / "replay"
    code, text, err = cli(
        capsys,
        "run",
        "--from-sweep",
        out,
        "--point",
        point,
        "--rep",
        rep,
        "--out",
        target,
        "-q",
    )
    assert code == 0, err
    assert "identical to" in text
    original = layout.run_file(out, point, rep)
    assert (target / "timeseries.parquet").read_bytes() == original.read_bytes()
    manifest = json.loads((target / "manifest.json").read_text())
    assert (manifest["point"], manifest["replicate"]) == (point, rep)


def test_replay_of_a_missing_point(sweep, capsys):
    _, out = sweep
    code, _, err = cli(capsys, "run", "--from-sweep", out, "--point", 7, "--rep", 0)
    assert code == 2 and err.count("\n") == 1 and "no such design point" in err


def test_list_index_overrides_agree_between_run_and_sweep(tmp_path, capsys):
    # The same dotted key (a list element) is accepted by run, sweep and the Python API.
    key = "shocks.scheduled.0.size=0.5"
    small = ["--set", "economy.households=100", "--set", "economy.coops=6", "--set", "burn_in=6"]
    code, _, err = cli(capsys, "run", BASELINE, "--steps", 30, "-q", "--set", key, *small)
    assert code == 0, err
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    experiment = load_experiment(path, {"shocks.scheduled.0.size": 0.5})
    assert experiment.point_scenario(0)["shocks"]["scheduled"][0]["size"] == 0.5
    scenario = solsim.load_scenario(BASELINE, {"shocks.scheduled.0.size": 0.5})
    assert scenario.shocks.scheduled[0].size == 0.5
    # And the same bad element is refused by both, naming the override.
    bad = "shocks.scheduled.4.size=0.5"
    code, _, run_err = cli(capsys, "run", BASELINE, "-q", "--set", bad)
    code2, _, sweep_err = cli(
        capsys, "sweep", path, "--out", tmp_path / "o", "-w", "1", "--set", bad
    )
    assert code == code2 == 2
    assert run_err.startswith(f"error: --set {bad}: shocks.scheduled.4: no such element")
    assert "shocks.scheduled.4" in sweep_err and "no such element" in sweep_err


def test_sweep_set_accepts_experiment_keys(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    experiment = load_experiment(path, {"replicates": 3, "steps": 5, "economy.coops": 5})
    assert experiment.replicates == 3 and experiment.spec.steps == 5
    assert experiment.bases["base"]["steps"] == 5
    assert experiment.bases["base"]["economy"]["coops"] == 5
    lhs = EXPERIMENT.replace('kind = "grid"', 'kind = "lhs"\nsamples = 4').replace(
        "[0.04, 0.08]", "[0.02, 0.1]"
    )
    path.write_text(lhs)
    assert load_experiment(path, {"design.samples": 8}).n_points == 8
    out = tmp_path / "o"
    code, text, err = cli(
        capsys, "sweep", path, "--out", out, "-w", "1", "--set", "replicates=1", "--no-progress"
    )
    assert code == 0, err
    assert "4/4 runs done" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["replicates"] == 1
    assert pd.read_parquet(out / "design.parquet").shape[0] == 4


def test_scenario_names_are_data_in_comparison_files():
    from solsim.experiments.compare import csv_text, markdown_text

    assert markdown_text("a|b *c* `x`\nnext") == "a\\|b \\*c\\* \\`x\\` next"
    assert markdown_text("dear_loans") == "dear_loans"
    assert csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_text("base") == "base"
