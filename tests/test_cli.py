"""The command line: exit codes, one-line errors, files written atomically."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLSIM = [sys.executable, "-m", "solsim"]
SMALL = ["--set", "economy.households=200", "--set", "economy.coops=8"]
SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")


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
    # A headline sentence, then numbers in their units, never in scientific notation.
    assert result.stdout.startswith("Over 30 months: ")
    assert not SCIENTIFIC.search(result.stdout), SCIENTIFIC.search(result.stdout)
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


COMPARE = """
name = "tiny_funder"
replicates = 2
root_seed = 9
steps = 24
currency = "£"

[set]
economy.households = 100
economy.coops = 8
economy.communities = 2
economy.investors = 2
burn_in = 12
shocks.scheduled = [{{ kind = "export_drop", start = 8, duration = 6, size = 0.4 }}]

[design]
kind = "scenarios"
reference = "baseline"

[design.scenarios]
baseline = "{s}/baseline.toml"
first_loss = "{s}/first_loss.toml"
guarantee = "{s}/guarantee.toml"
mutual_credit = "{s}/mutual_credit.toml"
all_tools = "{s}/all_tools.toml"
"""


@pytest.mark.slow
def test_compare_output_fits_100_columns(tmp_path):
    (tmp_path / "e.toml").write_text(COMPARE.format(s=(ROOT / "scenarios").as_posix()))
    result = subprocess.run(
        [*SOLSIM, "compare", "e.toml", "--out", "out", "--workers", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "100"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100, max(lines, key=len)
    # A headline per scenario, the key numbers, where the report is.
    for name in ("first_loss", "guarantee", "mutual_credit", "all_tools"):
        assert any(line.startswith(f"{name}: ") for line in lines), name
    assert "A 10% philanthropic first-loss tranche (£40,000 of £400,000 fund capital)" in " ".join(
        result.stdout.split()
    )
    assert any(line.startswith("failure hazard, %/yr") for line in lines)
    assert "report written to out/report.html" in lines
    assert not SCIENTIFIC.search(result.stdout), SCIENTIFIC.search(result.stdout)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Fund capital: 1 fund × £400,000 = <b>£400,000</b>" in page
