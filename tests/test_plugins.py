"""Instruments are whole plugins: the contract, discovery, workers, and nothing
outside an instrument's module naming it.

The third-party package ``tests/data/plugins/solsim_emergency_grant.py`` is
announced by its ``*.dist-info/entry_points.txt``, as an installed package
would be: putting the folder on the import path installs it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import solsim
from solsim.cli import main
from solsim.engine.instruments import Column, Instrument, registry
from solsim.experiments import layout
from solsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "solsim"
PLUGINS = Path(__file__).parent / "data" / "plugins"
SCENARIOS = ROOT / "scenarios"
BASELINE = ROOT / "scenarios" / "baseline.toml"
TINY = {
    "economy.households": 150,
    "economy.coops": 8,
    "economy.communities": 2,
    "burn_in": 12,
    "steps": 12,
    "shocks.scheduled": [{"kind": "export_drop", "start": 5, "duration": 4, "size": 0.3}],
}


@contextlib.contextmanager
def installed(monkeypatch):
    """The test package on the import path (and on worker processes' path)."""
    monkeypatch.syspath_prepend(str(PLUGINS))
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(PLUGINS), path])))
    try:
        yield
    finally:
        registry.unregister("emergency_grant")
        sys.modules.pop("solsim_emergency_grant", None)
        monkeypatch.undo()
        registry._scanned = None
        registry._loaded_entry_points.clear()


@pytest.fixture
def grant(monkeypatch):
    with installed(monkeypatch):
        yield


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main([*args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ the contract
def test_every_builtin_records_exactly_its_declared_columns():
    """A switched-on instrument writes its declared columns, every month, and no others."""
    tables = {name: {} for name in registry.BUILTIN}
    tables["mutual_credit"] = {"communities": 2, "intertrading": True}
    # Short tenors, so that loans close within the run and their shares are defined.
    tables["patient_capital"] = {"tenor_months": 3, "grace_months": 0}
    tables["non_extractive"] = {"tenor_months": 3, "grace_months": 0}
    scenario = load_scenario(BASELINE, {**TINY, "economy.guarantors": 1}).model_copy()
    scenario = load_scenario(
        None, None, data={**scenario.model_dump(mode="json"), "instruments": tables}
    )
    # A seed in which every tool has something to do (in some, the housing
    # co-ops' hardship fund leaves the timebank no one to help in a year).
    result = solsim.run(scenario, seed=4, agents=False)
    for name in registry.BUILTIN:
        for column in registry.get(name).columns:
            assert column.name in result.timeseries, (name, column.name)
            assert result.timeseries[column.name].notna().any(), (name, column.name)
            if column.summary is not None:
                assert column.name in result.summary, (name, column.name)


def test_a_column_declared_off_is_in_runs_without_the_instrument():
    result = solsim.run(load_scenario(BASELINE, TINY), seed=1, agents=False)
    for _name, column in registry.declared():
        if column.off is not None:
            assert (result.timeseries[column.name] == column.off).all()
        else:
            assert column.name not in result.timeseries


def test_bad_declarations_are_refused():
    with pytest.raises(ValueError, match="unit"):
        Column("x", "x", "furlongs")
    with pytest.raises(ValueError, match="summary"):
        Column("x", "x", "money", summary="median")

    class Clash(Instrument):
        name = "clash"
        columns = (Column("guarantee_paid", "again", "money"),)

    with pytest.raises(ValueError, match="columns already declared: guarantee_paid"):
        registry.register(Clash)
    assert "clash" not in registry.available()


def test_a_record_that_breaks_its_declaration_is_an_error():
    class Liar(Instrument):
        name = "liar"
        columns = (Column("liar_count", "count", "count"),)

        def record(self, economy):
            return {"something_else": 1.0}

    registry.register(Liar)
    try:
        scenario = load_scenario(BASELINE, {**TINY, "instruments.liar": {}})
        with pytest.raises(ValueError, match="declared columns are \\['liar_count'\\]"):
            solsim.run(scenario, seed=1, agents=False)
    finally:
        registry.unregister("liar")


# ------------------------------------------------------------------ nothing else names it
#: Where no instrument may be named: the engine core, the run's reporting
#: (records and summaries), the experiments (sweeps, compare, sensitivity), the
#: report, the dashboard and the command line, and the Mesa face.
GUARDED = [
    *sorted((SRC / "engine").glob("*.py")),
    *sorted((SRC / "experiments").glob("*.py")),
    *sorted((SRC / "report").glob("*.py")),
    *sorted((SRC / "dashboard").glob("*.py")),
    *sorted((SRC / "cli").glob("*.py")),
    SRC / "runner.py",
    SRC / "results.py",
    SRC / "agents.py",
    SRC / "model.py",
]


def forbidden_names() -> dict[str, re.Pattern]:
    """Each built-in instrument's name, its columns, and its column prefixes."""
    words: set[str] = set()
    for name in registry.BUILTIN:
        cls = registry.get(name)
        words.add(name)
        names = [c.name for c in cls.columns]
        words.update(names)
        words.update(w.column.removesuffix("*") for w in cls.watches)
        # A prefix two of its columns share (``mc_``), so a name built up from
        # it (``"mc_" + key``) fails too.
        prefixes = [n.split("_")[0] + "_" for n in names]
        words.update(p for p in prefixes if prefixes.count(p) > 1)
    # Prefixes that are the core's own vocabulary too: the tranches' losses, the
    # community's and outside holders' accounts and returns.
    words -= {"loss_", "community_", "outside_"}
    patterns = {}
    for word in sorted(words):
        if word.endswith("_"):
            patterns[word] = re.compile(rf"[\"'{{]{re.escape(word)}")
        else:
            patterns[word] = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")
    return patterns


def test_nothing_outside_an_instrument_names_it():
    patterns = forbidden_names()
    assert "guarantee" in patterns and "mc_turnover" in patterns and "mc_" in patterns
    found = []
    for path in GUARDED:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for word, pattern in patterns.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {word}: {line.strip()}")
    assert not found, "instrument names outside their modules:\n" + "\n".join(found)


def test_the_grep_catches_a_name_and_a_built_up_name(tmp_path):
    patterns = forbidden_names()
    lines = ['    key = "mc_" + "turnover"', "    paid = row['aid_paid']", "# a guarantee"]
    for line in lines:
        assert any(p.search(line) for p in patterns.values()), line
    assert not any(p.search("    guarantors = e.n_guarantors") for p in patterns.values())


# ------------------------------------------------------------------ a third party
def test_an_instrument_from_an_entry_point_runs(grant):
    assert "emergency_grant" in registry.available()
    overrides = {**TINY, "instruments.emergency_grant.amount": 250.0}
    result = solsim.run(load_scenario(BASELINE, overrides), seed=2, agents=False)
    assert result.timeseries["grant_paid"].iloc[-1] > 0
    assert result.summary["grant_paid"] == result.timeseries["grant_paid"].iloc[-1]
    without = solsim.run(load_scenario(BASELINE, TINY), seed=2, agents=False)
    assert (without.timeseries["grant_paid"] == 0).all()
    assert "grant_households" not in without.timeseries


def experiment(folder: Path) -> Path:
    grant = folder / "grant.toml"
    grant.write_text(
        f'extends = "{BASELINE}"\nname = "grant"\n[instruments.emergency_grant]\namount = 250.0\n'
    )
    path = folder / "compare.toml"
    path.write_text(
        f"""
name = "grant"
replicates = 3
root_seed = 5
steps = 12
[design]
kind = "scenarios"
reference = "baseline"
[design.scenarios]
baseline = "{BASELINE}"
grant = "grant.toml"
[set]
economy.households = 150
economy.coops = 8
economy.communities = 2
burn_in = 12
shocks.scheduled = [{{ kind = "export_drop", start = 5, duration = 4, size = 0.3 }}]
"""
    )
    return path


def same_bytes(a: Path, b: Path) -> None:
    for sub in (layout.RUNS, layout.SUMMARIES):
        names = sorted(p.relative_to(a) for p in (a / sub).rglob("*.parquet"))
        assert names == sorted(p.relative_to(b) for p in (b / sub).rglob("*.parquet"))
        for rel in names:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


@pytest.mark.slow
def test_third_party_instrument_in_sweeps_compare_report_and_dashboard(
    grant, tmp_path, capsys, monkeypatch
):
    from solsim.experiments.executors import make_executor
    from solsim.experiments.spec import load_experiment
    from solsim.experiments.sweep import run_sweep
    from solsim.report import figures

    drawn = []
    original = figures.differences_figure

    def differences(comparison, reference, metrics, *args, **kwargs):
        drawn.extend(metrics)
        return original(comparison, reference, metrics, *args, **kwargs)

    monkeypatch.setattr(figures, "differences_figure", differences)
    path = experiment(tmp_path)
    out = tmp_path / "one"
    code, text, err = cli(capsys, "compare", str(path), "--out", str(out), "-w", "1")
    assert code == 0, err
    # Summaries and compare's table carry the declared column, with its label.
    summaries = pd.concat(pd.read_parquet(p) for p in (out / layout.SUMMARIES).rglob("*.parquet"))
    assert "grant_paid" in summaries and summaries["grant_paid"].max() > 0
    table = pd.read_csv(out / "comparison.csv")
    row = table.query("scenario == 'grant' and metric == 'grant_paid'").iloc[0]
    assert row["difference"] > 0
    assert "| grant_paid |" in (out / "comparison.md").read_text()
    assert "grant: Emergency grant:" in " ".join(text.split())  # the setting in words
    # The report: its difference table and the paired-difference figure.
    html = (out / "report.html").read_text()
    assert "emergency grants paid" in html
    from solsim.report import catalog
    from solsim.report.data import key_metrics
    from solsim.report.figures import FOREST_METRICS

    assert "grant_paid" in key_metrics() and "grant_paid" not in FOREST_METRICS
    assert "grant_paid" in drawn  # the paired-difference figure
    assert catalog.info("grant_paid").label == "emergency grants paid"

    # Processes and a Dask LocalCluster give the bytes of --workers 1.
    exp = load_experiment(path)
    assert run_sweep(exp, tmp_path / "two", workers=2, progress=False).complete
    same_bytes(out, tmp_path / "two")
    executor = make_executor(dask_local=2)
    try:
        assert run_sweep(exp, tmp_path / "dask", executor=executor, progress=False).complete
    finally:
        executor.close()
    same_bytes(out, tmp_path / "dask")

    # The dashboard: a slider over the declared key setting, and its columns.
    from solsim.dashboard import controls, instrument_rows

    spec = controls(load_scenario(BASELINE, TINY))["emergency_grant"]
    assert (spec.label, spec.kind, spec.value) == ("Emergency grant", "float", 0.0)
    assert spec.max >= 300.0
    assert instrument_rows()["grant_paid"] == ("paid in emergency grants", "money")


@pytest.mark.slow
def test_third_party_instrument_in_sensitivity(grant, tmp_path, capsys):
    path = tmp_path / "sobol.toml"
    path.write_text(
        f"""
name = "grant-sobol"
scenario = "{BASELINE}"
replicates = 1
root_seed = 5
steps = 8
[set]
economy.households = 120
economy.coops = 6
economy.communities = 2
burn_in = 6
shocks.scheduled = [{{ kind = "export_drop", start = 3, duration = 3, size = 0.3 }}]
instruments.emergency_grant.amount = 100.0
[design]
kind = "sobol"
samples = 4
[design.parameters]
instruments.emergency_grant.amount = [0.0, 400.0]
households.local_share = [0.3, 0.8]
"""
    )
    out = tmp_path / "out"
    assert cli(capsys, "sweep", str(path), "--out", str(out), "-w", "1")[0] == 0
    code, _, err = cli(capsys, "sensitivity", str(out), "--metric", "grant_paid")
    assert code == 0, err
    table = pd.read_csv(out / "sensitivity" / "grant_paid.csv")
    assert list(table["parameter"]) == [
        "instruments.emergency_grant.amount",
        "households.local_share",
    ]
    assert np.isfinite(table["ST"]).all()


# ------------------------------------------------------------------ the tutorial
def test_the_tutorial_runs(monkeypatch):
    """docs/instruments.md: its Python blocks, run in order, write and run an instrument."""
    text = (ROOT / "docs" / "instruments.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "tutorial"}
    try:
        for block in blocks:
            exec(compile(block, "docs/instruments.md", "exec", dont_inherit=True), namespace)
        pilot, plain = namespace["pilot"], namespace["plain"]
        members = pilot.timeseries["income_members"].iloc[0]
        assert pilot.summary["income_paid"] == pytest.approx(250.0 * members * 24)
        assert (plain.timeseries["income_paid"] == 0).all()
        from solsim.report import catalog

        assert catalog.label("income_paid") == "basic income paid (currency units)"
    finally:
        registry.unregister("basic_income")


# ------------------------------------------------------------------ import cycles
def module_imports(package: Path) -> dict[str, set[str]]:
    """solsim module -> solsim modules it imports when it is imported (typing-only
    imports under ``if TYPE_CHECKING`` and imports inside functions left out)."""
    import ast

    root = package.parent
    modules = {
        ".".join(f.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): f
        for f in package.rglob("*.py")
    }
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("solsim"):
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    edges[name].add(child if child in modules else node.module)
            elif isinstance(node, ast.Import):
                edges[name].update(a.name for a in node.names if a.name.startswith("solsim"))
    return {name: {m for m in found if m in modules and m != name} for name, found in edges.items()}


def test_no_import_cycles_below_the_command_line():
    import networkx as nx

    edges = module_imports(SRC)
    graph = nx.DiGraph([(a, b) for a, found in edges.items() for b in found])
    # The command-line package and its commands import each other by design.
    cycles = [c for c in nx.simple_cycles(graph) if not all(m.startswith("solsim.cli") for m in c)]
    assert not cycles
    # The two the contract once had: agents <-> model, and the engine's ring.
    assert "solsim.model" not in edges["solsim.agents"]
    assert "solsim.engine.instruments.registry" in edges["solsim.engine.params"]


def test_agents_read_the_attributes_instruments_declare():
    from solsim.model import SolidarityEconomy

    small = {"economy.households": 200, "economy.coops": 6}
    with_timebank = SolidarityEconomy(SCENARIOS / "timebank.toml", seed=0, overrides=small)
    for _ in range(3):
        with_timebank.step()
    hours = [agent.timebank_hours for agent in with_timebank.agents]
    assert any(h != 0 for h in hours) and sum(hours) == pytest.approx(0.0, abs=1e-9)
    without = SolidarityEconomy(SCENARIOS / "baseline.toml", seed=0, overrides=small)
    household = next(iter(without.agents))
    assert household.timebank_hours == 0.0  # declared, but the timebank is off
    with pytest.raises(AttributeError, match="no attribute 'not_a_thing'"):
        household.not_a_thing
