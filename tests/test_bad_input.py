"""Bad input of every kind: exit 2, one ``error:`` line, no traceback, nothing written.

Categories: non-finite numbers, strict types, sizes and memory, nesting and
``extends`` chains, command-line options, ``--set`` overrides (run and sweep),
output directories, experiment designs and sweep directories (malformed
manifests, a directory in use).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from solsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"

EXPERIMENT = f"""
name = "bad"
scenario = "{BASELINE.as_posix()}"
replicates = 1
root_seed = 3
steps = 6

[set]
economy.households = 100
economy.coops = 6
economy.communities = 2
shocks.scheduled = [{{ kind = "export_drop", start = 2, duration = 2, size = 0.3 }}]

[design]
kind = "grid"

[design.parameters]
funds.interest_rate = [0.04, 0.08]
"""


def snapshot(folder: Path) -> list[tuple[str, int, int]]:
    return sorted(
        (str(p.relative_to(folder)), p.stat().st_mtime_ns, p.stat().st_size)
        for p in folder.rglob("*")
    )


def rejected(capsys, folder: Path, *args: str) -> str:
    """Run the command line in-process; check exit 2, one line, nothing written."""
    before = snapshot(folder)
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in err and "Traceback" not in out
    assert snapshot(folder) == before, "something was written"
    return lines[0]


def run_with(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{text}')
    return ["run", str(path), "--steps", "2", "-q", "--out", str(tmp_path / "out")]


# ------------------------------------------------------------ non-finite numbers
NON_FINITE = [
    ("[coops]\nexport_demand = inf\n", "coops.export_demand"),
    ("[funds]\ncapital = inf\n", "funds.capital"),
    ("[households]\nwealth_target = inf\n", "households.wealth_target"),
    ("[coops]\nreserve_target_months = inf\n", "coops.reserve_target_months"),
    ("[funds]\nmin_buffer_months = nan\n", "funds.min_buffer_months"),
    ("[households]\nlocal_share = nan\n", "households.local_share"),
    ("[instruments.guarantee]\nreserve = inf\n", "instruments.guarantee.reserve"),
    ("[instruments.guarantee]\ncoverage = nan\n", "instruments.guarantee.coverage"),
]


FUND_BOOKS = [
    ("[funds.notes]\nnotice_months = -1\n", "funds.notes.notice_months"),
    ("[funds.notes]\ntenor_months = 0\n", "funds.notes.tenor_months"),
    ("[funds.flight]\ntrigger = 1.5\n", "funds.flight.trigger"),
    ('[funds]\nbackstop = "nobody"\n', "funds.backstop"),
    ('[funds]\nsurplus_rule = "hoard"\n', "funds.surplus_rule"),
    ("[funds]\nallowance_target = 0.9\n", "funds.allowance_target"),
    ("[funds]\ncollateral_haircut = -0.1\n", "funds.collateral_haircut"),
]


@pytest.mark.parametrize(("text", "key"), FUND_BOOKS)
def test_fund_book_settings_out_of_range(tmp_path, capsys, text, key):
    line = rejected(capsys, tmp_path, *run_with(tmp_path, text))
    assert f": {key}: " in line and "\n" not in line.strip()


@pytest.mark.parametrize(("text", "key"), NON_FINITE)
def test_non_finite_numbers(tmp_path, capsys, text, key):
    line = rejected(capsys, tmp_path, *run_with(tmp_path, text))
    assert f": {key}: " in line and "finite" in line


@pytest.mark.parametrize(
    ("setting", "key"),
    [("coops.export_demand=inf", "coops.export_demand"), ("funds.capital=nan", "funds.capital")],
)
def test_non_finite_overrides(tmp_path, capsys, setting, key):
    line = rejected(capsys, tmp_path, "run", BASELINE, "--set", setting, "-q")
    assert line.startswith(f"error: --set {setting}: {key}: ") and "finite" in line


# ------------------------------------------------------------ strict types
CLEARING = "instruments.mutual_credit.clearing"
STRICT_TYPES = [
    ("[economy]\nhouseholds = true\n", "economy.households", "valid integer"),
    ("[economy]\nhouseholds = 2.5\n", "economy.households", "valid integer"),
    ('[households]\nlocal_share = "0.5"\n', "households.local_share", "valid number"),
    ("[households]\nlocal_share = false\n", "households.local_share", "valid number"),
    (
        '[instruments.mutual_credit]\nclearing = "yes"\n',
        "instruments.mutual_credit.clearing",
        "bool",
    ),
    ("[instruments.mutual_credit]\nclearing = 1\n", "instruments.mutual_credit.clearing", "bool"),
    ('steps = "12"\n', "steps", "valid integer"),
]


@pytest.mark.parametrize(("text", "key", "words"), STRICT_TYPES)
def test_strict_types(tmp_path, capsys, text, key, words):
    line = rejected(capsys, tmp_path, *run_with(tmp_path, text))
    assert f": {key}: " in line and words in line


def test_an_int_is_fine_for_a_float():
    import solsim

    scenario = solsim.load_scenario(BASELINE, {"coops.wage": 2000, "funds.capital": 5})
    assert scenario.coops.wage == 2000.0 and isinstance(scenario.coops.wage, float)


# ------------------------------------------------------------ sizes and memory
@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("economy.households=1000000000", "economy.households"),
        ("steps=100000", "steps"),
        ("economy.coops=10000000", "economy.coops"),
        ("graph.purchase_edges=1000", "graph.purchase_edges"),
    ],
)
def test_sizes_have_upper_bounds(tmp_path, capsys, setting, key):
    line = rejected(capsys, tmp_path, "run", BASELINE, "--set", setting, "-q")
    assert f": {key}: " in line and "less than or equal" in line


def test_a_run_that_would_not_fit_in_memory_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOLSIM_MEMORY_LIMIT", "2G")
    line = rejected(
        capsys,
        tmp_path,
        "run",
        BASELINE,
        "--set",
        "economy.households=5000000",
        "-q",
        "--out",
        tmp_path / "out",
    )
    assert "would need about" in line and "this machine has 2.0" in line


def test_a_sweep_that_would_not_fit_in_memory_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOLSIM_MEMORY_LIMIT", "1G")
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT.replace("economy.households = 100", "economy.households = 2000000"))
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "-w", "2")
    assert "would need about" in line and "2 runs at once" in line


# ------------------------------------------------------------ nesting and extends
def test_deeply_nested_toml(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 1000 + "]" * 1000 + "\n")
    line = rejected(capsys, tmp_path, "run", path, "-q")
    assert "nested" in line


def test_deeply_nested_tables(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "{a = " * 100 + "1" + "}" * 100 + "\n")
    line = rejected(capsys, tmp_path, "run", path, "-q")
    assert "nested more than" in line


def test_deeply_nested_override_value(tmp_path, capsys):
    line = rejected(
        capsys, tmp_path, "run", BASELINE, "--set", "x=" + "[" * 1000 + "]" * 1000, "-q"
    )
    assert "nested" in line


def test_long_extends_chain(tmp_path, capsys):
    (tmp_path / "f0.toml").write_text('name = "root"\n')
    for i in range(1, 1000):
        (tmp_path / f"f{i}.toml").write_text(f'extends = "f{i - 1}.toml"\n')
    line = rejected(capsys, tmp_path, "run", tmp_path / "f999.toml", "-q")
    assert ": extends: chain of more than" in line


def test_extends_names_the_path_tried(tmp_path, capsys):
    path = tmp_path / "child.toml"
    path.write_text('extends = "nowhere/parent.toml"\n')
    line = rejected(capsys, tmp_path, "run", path, "-q")
    assert f"{path}: extends: file not found" in line
    assert str(tmp_path / "nowhere" / "parent.toml") in line


def test_extends_a_directory(tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "child.toml"
    path.write_text('extends = "sub"\n')
    line = rejected(capsys, tmp_path, "run", path, "-q")
    assert ": extends: " in line and "not a file" in line


# ------------------------------------------------------------ command-line options
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", BASELINE, "--steps", "0"], "error: --steps: must be at least 1"),
        (["run", BASELINE, "--steps", "20000"], "error: --steps: must be at most 10,000"),
        (["run", BASELINE, "--seed", "-1"], "error: --seed: must be at least 0"),
        (["run", BASELINE, "--steps", "abc"], "error: --steps: "),
        (["run", BASELINE, "--bogus"], "error: no such option: --bogus"),
        (["run", BASELINE, "--steps"], "error: option '--steps' requires an argument"),
        (["run"], "error: missing argument SCENARIO"),
        (["run", BASELINE, "--point", "1"], "error: --point and --rep go with --from-sweep"),
        (["run", "--from-sweep", ".", "--point", "0"], "error: --from-sweep needs --point"),
        (["sweep", "x.toml", "--out", "o", "-w", "0"], "error: --workers: must be at least 1"),
        (["sweep", "x.toml", "--out", "o", "--dask-local", "0"], "error: --dask-local: must be"),
        (["sweep", "x.toml"], "error: missing option '--out'"),
        (["compare", "x.toml", "--out", "o", "-w", "-2"], "error: --workers: must be at least 1"),
    ],
)
def test_option_errors_are_one_line(tmp_path, capsys, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)
    line = rejected(capsys, tmp_path, *args)
    assert line.startswith(expected), line


def test_scheduler_must_be_an_address(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    line = rejected(
        capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "--scheduler", "not a url"
    )
    assert line.startswith("error: --scheduler 'not a url': not a scheduler address")


# ------------------------------------------------------------ output directories
def test_out_under_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    line = rejected(capsys, tmp_path, "run", BASELINE, "--out", tmp_path / "file" / "sub", "-q")
    assert "is a file, not a directory" in line


def test_out_is_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    line = rejected(capsys, tmp_path, "run", BASELINE, "--out", tmp_path / "file", "-q")
    assert line == f"error: --out {tmp_path / 'file'}: exists and is not a directory"


def test_sweep_out_under_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "file" / "o", "-w", "1")
    assert "is a file, not a directory" in line


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_out_that_cannot_be_written(tmp_path, capsys):
    # /proc takes no new files, not even from root; checked before the run.
    line = rejected(capsys, tmp_path, "run", BASELINE, "--out", "/proc/solsim-out", "-q")
    assert line.startswith("error: --out /proc/solsim-out: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_out_in_a_read_only_directory(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        line = rejected(capsys, tmp_path, "run", BASELINE, "--out", locked / "o", "-q")
        assert "not writable" in line
    finally:
        locked.chmod(0o700)


# ------------------------------------------------------------ overrides
@pytest.mark.parametrize(
    ("setting", "key", "words"),
    [
        ("economy.housholds=5", "economy.housholds", "unknown key"),
        ("shocks.scheduled.3.size=0.2", "shocks.scheduled.3", "no such element"),
        ("economy.households.x=3", "economy.households", "a value, not a table"),
        ("economy..households=3", "economy..households", "empty part"),
    ],
)
def test_run_override_errors_name_the_override(tmp_path, capsys, setting, key, words):
    line = rejected(capsys, tmp_path, "run", BASELINE, "--set", setting, "-q")
    assert line.startswith(f"error: --set {setting}: {key}: ") and words in line


@pytest.mark.parametrize(
    ("setting", "key", "words"),
    [
        ("economy.housholds=5", "economy.housholds", "not a scenario key"),
        ("replicates=0", "replicates", "greater than or equal to 1"),
        ("replicates=true", "replicates", "valid integer"),
        ("design.kind=maze", "design.kind", "must be one of"),
        ("shocks.scheduled.3.size=0.2", "shocks.scheduled.3", "no such element"),
    ],
)
def test_sweep_override_errors_name_the_override(tmp_path, capsys, setting, key, words):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    args = ["sweep", path, "--out", tmp_path / "o", "-w", "1", "--set", setting]
    line = rejected(capsys, tmp_path, *args)
    assert key in line and words in line
    assert f"--set {setting}" in line or str(path) in line


def test_set_without_equals(tmp_path, capsys):
    line = rejected(capsys, tmp_path, "run", BASELINE, "--set", "nonsense", "-q")
    assert "key.path=value" in line


# ------------------------------------------------------------ experiment designs
def test_grid_too_big_is_refused_before_it_is_made(tmp_path, capsys):
    values = "[" + ", ".join(str(0.01 * (i + 1)) for i in range(100)) + "]"
    body = EXPERIMENT.replace(
        "funds.interest_rate = [0.04, 0.08]",
        f"funds.interest_rate = {values}\nfunds.deposit_rate = {values}\n"
        f"funds.target_return = {values}\nfunds.lending_rate = {values}",
    )
    path = tmp_path / "e.toml"
    path.write_text(body)
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "-w", "1")
    assert "100,000,000 design points" in line


def test_too_many_runs(tmp_path, capsys):
    path = tmp_path / "e.toml"
    body = EXPERIMENT.replace("replicates = 1", "replicates = 1000000")
    values = ", ".join(str(0.01 * (i + 1)) for i in range(11))
    path.write_text(body.replace("[0.04, 0.08]", f"[{values}]"))
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "-w", "1")
    assert ": replicates: " in line and "runs a sweep may hold" in line


def test_every_invalid_design_point_is_listed(tmp_path, capsys):
    body = EXPERIMENT.replace(
        "funds.interest_rate = [0.04, 0.08]",
        "households.coop_employment = [0.3, 0.5, 0.7]\nhouseholds.outside_employment = [0.2, 0.6]",
    )
    path = tmp_path / "e.toml"
    path.write_text(body)
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "-w", "1")
    assert "must not exceed 1" in line and "4 design points are invalid: 1, 3, 4, 5" in line


def test_non_finite_range(tmp_path, capsys):
    body = EXPERIMENT.replace('kind = "grid"', 'kind = "lhs"\nsamples = 4').replace(
        "[0.04, 0.08]", "[0.04, inf]"
    )
    path = tmp_path / "e.toml"
    path.write_text(body)
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "-w", "1")
    assert "design.parameters.funds.interest_rate" in line and "finite" in line


def test_strict_types_in_experiments(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT.replace("replicates = 1", "replicates = true"))
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "-w", "1")
    assert ": replicates: " in line and "valid integer" in line


# ------------------------------------------------------------ sweep directories
@pytest.mark.parametrize("text", ["[1, 2]", '"manifest"', "{not json"])
def test_malformed_manifest(tmp_path, capsys, text):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    out = tmp_path / "o"
    out.mkdir()
    (out / "manifest.json").write_text(text)
    line = rejected(capsys, tmp_path, "sweep", path, "--out", out, "-w", "1")
    assert "manifest" in line


def test_malformed_manifest_on_replay(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "manifest.json").write_text("[]")
    line = rejected(capsys, tmp_path, "run", "--from-sweep", out, "--point", "0", "--rep", "0")
    assert "malformed manifest" in line


def test_a_directory_in_use_is_refused(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    out = tmp_path / "o"
    out.mkdir()
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": "now"}
    (out / ".lock").write_text(json.dumps(holder))
    line = rejected(capsys, tmp_path, "sweep", path, "--out", out, "-w", "1")
    assert f"in use by another sweep (pid {os.getpid()} on host {socket.gethostname()}" in line


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('currency = "pounds sterling!!"', "at most 12"),
        ('currency = "£\\n"', "printable"),
        ('currency = " £"', "surrounding spaces"),
        ('currency = "<b>"', "may not contain"),
        ("currency = 3", "valid string"),
    ],
)
def test_bad_currency_label(tmp_path, capsys, text, words):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT.replace("steps = 6\n", f"steps = 6\n{text}\n"))
    line = rejected(capsys, tmp_path, "sweep", path, "--out", tmp_path / "o", "-w", "1")
    assert line.startswith(f"error: {path}: currency: "), line
    assert words in line, line


# ------------------------------------------------------------ instrument terms
INSTRUMENT_TERMS = [
    (
        "[instruments.patient_capital]\nrepayment_cap = 0.9\n",
        "instruments.patient_capital.repayment_cap",
        "0.9 is below 1",
    ),
    (
        "[instruments.patient_capital]\nfloor = 1.6\nrepayment_cap = 1.5\n",
        "instruments.patient_capital.floor",
        "1.6 is above repayment_cap = 1.5",
    ),
    (
        "[instruments.non_extractive]\nsurplus_share = 0\n",
        "instruments.non_extractive.surplus_share",
        "greater than 0",
    ),
    (
        "[instruments.non_extractive]\nsurplus_share = 1.2\n",
        "instruments.non_extractive.surplus_share",
        "less than or equal to 1",
    ),
    (
        "[instruments.mutual_credit]\nwage_share = 1.2\n",
        "instruments.mutual_credit.wage_share",
        "less than or equal to 1",
    ),
    (
        "[instruments.timebank]\nactive_share = 1.5\n",
        "instruments.timebank.active_share",
        "less than or equal to 1",
    ),
    (
        "[instruments.timebank]\nactive_share = -0.1\n",
        "instruments.timebank.active_share",
        "greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(("text", "key", "words"), INSTRUMENT_TERMS)
def test_instrument_terms(tmp_path, capsys, text, key, words):
    line = rejected(capsys, tmp_path, *run_with(tmp_path, text))
    assert f": {key}: " in line and words in line


# ------------------------------------------------------------ housing institutions
HOUSING = [
    ("[instruments.clt]\nappreciation_share = 1.5\n", "instruments.clt.appreciation_share", "1"),
    ("[instruments.clt]\nappreciation_share = -0.1\n", "instruments.clt.appreciation_share", "0"),
    ("[instruments.clt]\ncure_rate = 1.01\n", "instruments.clt.cure_rate", "1"),
    ("[instruments.clt]\ncure_rate = -0.5\n", "instruments.clt.cure_rate", "0"),
    ("[instruments.clt]\nground_lease_fee = -25\n", "instruments.clt.ground_lease_fee", "0"),
    ("[instruments.clt]\nmortgage_term_months = 600\n",
     "instruments.clt.mortgage_term_months", "480"),
    ("[housing]\nmortgage_term_months = 481\n", "housing.mortgage_term_months", "480"),
    ("[instruments.housing_coop]\noperating_discount = 2\n",
     "instruments.housing_coop.operating_discount", "1"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "bound"), HOUSING)
def test_housing_settings_out_of_bounds(tmp_path, capsys, text, key, bound):
    line = rejected(capsys, tmp_path, *run_with(tmp_path, text))
    assert f": {key}: " in line and bound in line, line
    assert "bad.toml" in line, line
