"""The command line: exit codes, one-line errors, files written atomically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLSIM = [sys.executable, "-m", "solsim"]
SMALL = ["--set", "economy.households=200", "--set", "economy.coops=8"]


def solsim(*args, cwd=ROOT):
    return subprocess.run(
        [*SOLSIM, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_help_lists_the_commands():
    result = solsim("--help")
    assert result.returncode == 0
    assert "run" in result.stdout
    result = solsim("run", "--help")
    assert result.returncode == 0
    for option in ("--seed", "--steps", "--set", "--out"):
        assert option in result.stdout


def test_run_writes_results_and_prints_a_summary(tmp_path):
    out = tmp_path / "out"
    result = solsim(
        "run", "scenarios/baseline.toml", "--steps", 30, "--seed", 3, *SMALL, "--out", out
    )
    assert result.returncode == 0, result.stderr
    assert "drawdown" in result.stdout
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert len(timeseries) == 30
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert summary["steps"] == 30
    assert manifest["seed"] == 3
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["overrides"] == {"economy.households": 200, "economy.coops": 8}
    assert {"numpy", "mesa", "solsim"} <= set(manifest["versions"])
    assert not list(out.glob("*.tmp"))


def one_line_error(result, file, key):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(f"error: {file}: {key}: ")
    return lines[0]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("economy = [[[", "(file)"),
        ("[economy]\nhousholds = 5\n", "economy.housholds"),
        ('[economy]\nhouseholds = "x"\n', "economy.households"),
        ("[economy]\nhouseholds = -5\n", "economy.households"),
        ("[households]\nlocal_share = 2\n", "households.local_share"),
        (
            "steps = 10\n[[shocks.scheduled]]\nkind = 'job_loss'\nstart = 11\nsize = 0.1\n",
            "shocks.scheduled.0.start",
        ),
        ("[graph]\nkind = 'file'\npath = 'missing.csv'\n", "graph.path"),
    ],
)
def test_bad_scenarios_exit_2_with_one_line_and_write_nothing(tmp_path, text, key):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    out = tmp_path / "out"
    result = solsim("run", bad, "--out", out)
    one_line_error(result, bad, key)
    assert not out.exists()


def test_graph_file_with_unknown_node_ids(tmp_path):
    edges = tmp_path / "edges.csv"
    edges.write_text(
        "source,target,relation,weight\nhousehold:1,coop:a,purchase,1\n"
        "household:2,shop:9,purchase,1\n"
    )
    scenario = tmp_path / "s.toml"
    scenario.write_text("[graph]\nkind = 'file'\npath = 'edges.csv'\n")
    result = solsim("run", scenario, "--steps", 2, "--out", tmp_path / "out")
    line = one_line_error(result, scenario, "graph.path")
    assert "shop:9" in line
    assert not (tmp_path / "out").exists()


def test_bad_override_and_missing_file(tmp_path):
    # A bad override is blamed on the override, not on the file.
    result = solsim("run", "scenarios/baseline.toml", "--set", "economy.housholds=5")
    one_line_error(result, "--set economy.housholds=5", "economy.housholds")
    result = solsim("run", "scenarios/baseline.toml", "--set", "economy.coops=0")
    one_line_error(result, "--set economy.coops=0", "economy.coops")
    result = solsim("run", "scenarios/baseline.toml", "--seed", "-3")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = solsim("run", "scenarios/baseline.toml", "--out", "README.md")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --out README.md: exists and is not a directory"
    result = solsim("run", "scenarios/baseline.toml", "--set", "nonsense")
    assert result.returncode == 2 and "key.path=value" in result.stderr
    assert "Traceback" not in result.stderr
    missing = tmp_path / "missing.toml"
    result = solsim("run", missing)
    one_line_error(result, missing, "(file)")
