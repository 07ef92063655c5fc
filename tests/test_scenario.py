"""Scenario files: loading, extends, overrides and clear errors."""

from __future__ import annotations

import pytest

import solsim
from solsim.scenario import parse_override, scenario_hash


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_baseline_loads_with_the_documented_sizes(baseline_path):
    scenario = solsim.load_scenario(baseline_path)
    assert scenario.economy.households == 2000
    assert scenario.economy.n_coops == 60
    assert scenario.economy.n_funds == 2
    assert scenario.steps == 120
    (shock,) = scenario.shocks.scheduled
    assert (shock.kind, shock.start, shock.duration, shock.size) == ("export_drop", 24, 12, 0.3)


def test_overrides_use_dotted_paths(baseline_path):
    scenario = solsim.load_scenario(
        baseline_path, {"economy.households": 5000, "coops.wage": 2000.5}
    )
    assert scenario.economy.households == 5000
    assert scenario.coops.wage == 2000.5


def test_extends_merges_tables_and_resolves_relative_paths(tmp_path, baseline_path):
    (tmp_path / "base.toml").write_text(baseline_path.read_text())
    child = write(
        tmp_path,
        "child.toml",
        'extends = "base.toml"\nname = "child"\n[economy]\nhouseholds = 500\n',
    )
    scenario = solsim.load_scenario(child)
    assert scenario.name == "child"
    assert scenario.economy.households == 500
    # Co-ops are a density per household: the child's 500 households get 15.
    assert scenario.economy.n_coops == 15
    assert scenario.shocks.scheduled[0].start == 24


def test_parse_override_reads_toml_values():
    assert parse_override("economy.households=5000") == ("economy.households", 5000)
    assert parse_override("funds.backstop=outside") == ("funds.backstop", "outside")
    assert parse_override("a.b=0.25") == ("a.b", 0.25)
    assert parse_override("a.b=true") == ("a.b", True)
    with pytest.raises(ValueError, match=r"key\.path=value"):
        parse_override("no-equals-sign")


def test_hash_is_stable_and_sensitive(baseline_path):
    a = scenario_hash(solsim.load_scenario(baseline_path))
    assert a == scenario_hash(solsim.load_scenario(baseline_path))
    assert a != scenario_hash(solsim.load_scenario(baseline_path, {"economy.households": 10}))


BAD = [
    ("not toml", "economy = [[[", "(file)", "not valid TOML"),
    ("unknown key", "[economy]\nhousholds = 5\n", "economy.housholds", "unknown key"),
    ("wrong type", '[economy]\nhouseholds = "many"\n', "economy.households", "valid integer"),
    ("negative count", "[economy]\ncoops = -3\n", "economy.coops", "greater than or equal to 1"),
    (
        "probability",
        "[households]\nlocal_share = 1.5\n",
        "households.local_share",
        "less than or equal to 1",
    ),
    (
        "late shock",
        "steps = 12\n[[shocks.scheduled]]\nkind = 'export_drop'\nstart = 30\nsize = 0.3\n",
        "shocks.scheduled.0.start",
        "after the last month (12)",
    ),
    (
        "unknown shock",
        "[[shocks.scheduled]]\nkind = 'meteor'\nstart = 3\nsize = 1\n",
        "shocks.scheduled.0.kind",
        "export_drop",
    ),
    (
        "missing graph file",
        "[graph]\nkind = 'file'\npath = 'nowhere.graphml'\n",
        "graph.path",
        "file not found",
    ),
    (
        "unknown instrument",
        "[instruments.magic]\nx = 1\n",
        "instruments.magic",
        "unknown instrument",
    ),
    (
        "money beyond its bound",
        "[households]\ninitial_cash = 1e11\n",
        "households.initial_cash",
        "less than or equal to 10000000",
    ),
    (
        "count beyond its bound",
        "[economy]\nhouseholds = 6000000\n",
        "economy.households",
        "less than or equal to 5000000",
    ),
    (
        "employment shares",
        "[households]\ncoop_employment = 0.7\noutside_employment = 0.5\n",
        "households",
        "must not exceed 1",
    ),
]


@pytest.mark.parametrize(("label", "text", "key", "reason"), BAD, ids=[b[0] for b in BAD])
def test_bad_scenarios_name_file_key_and_reason(tmp_path, label, text, key, reason):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(solsim.ScenarioError) as info:
        solsim.load_scenario(path)
    error = info.value
    assert error.file == str(path)
    assert error.key == key
    assert reason in error.reason
    assert str(error) == f"{path}: {key}: {error.reason}"
    assert "\n" not in str(error)


def test_missing_scenario_file(tmp_path):
    with pytest.raises(solsim.ScenarioError, match="file not found"):
        solsim.load_scenario(tmp_path / "nope.toml")


def test_circular_extends(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(solsim.ScenarioError, match="circular extends"):
        solsim.load_scenario(tmp_path / "a.toml")


def test_bad_override_is_a_scenario_error(baseline_path):
    with pytest.raises(solsim.ScenarioError) as info:
        solsim.load_scenario(baseline_path, {"economy.housholds": 5})
    assert info.value.key == "economy.housholds"
