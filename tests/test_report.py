"""The funder report: figures, tables and the self-contained report.html."""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solsim.report import SECTIONS, ReportData, comparison_table, simulate, write_report
from solsim.report import figures as F
from solsim.report.data import flatten_settings, from_results_dir, settings_diff
from solsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
TINY = {
    "economy.households": 120,
    "economy.coops": 8,
    "economy.funds": 2,
    "economy.investors": 2,
    "economy.communities": 2,
    # Month 1 from the opening balances, so paired scenarios share it exactly.
    "burn_in": 0,
    "steps": 30,
    "shocks.scheduled": [{"kind": "export_drop", "start": 12, "duration": 6, "size": 0.4}],
}
# Attributes that load a resource: none may point at the network.
EXTERNAL = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def tiny_data() -> ReportData:
    """Two scenarios (the second with dearer loans) × 3 replicates of a tiny economy."""
    dear = load_scenario(BASELINE, {**TINY, "funds.interest_rate": 0.12, "name": "dear_loans"})
    return simulate(
        {"baseline": BASELINE, "dear_loans": dear}, replicates=3, seed=11, overrides=TINY
    )


@pytest.fixture(scope="module")
def written(tiny_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(tiny_data, out)


# ---------------------------------------------------------------- the page
def test_report_is_one_self_contained_file(written):
    page = written.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "<link" not in page  # no external style sheets
    assert "<script" not in page  # nothing to run, nothing to fetch
    # Every image is embedded.
    sources = re.findall(r'<img[^>]*\ssrc="([^"]*)"', page)
    assert sources, "no figures in the page"
    assert all(s.startswith("data:image/png;base64,") for s in sources)


def test_every_section_is_present_in_order(written):
    page = written.read_text(encoding="utf-8")
    positions = []
    for anchor, title in SECTIONS:
        match = re.search(rf'<section id="{anchor}"><h2>{re.escape(title)}</h2>', page)
        assert match, f"section {title!r} missing"
        positions.append(match.start())
    assert positions == sorted(positions)
    # Every section shows content: a figure, a table or a settings block.
    for chunk in page.split("<section ")[1:]:
        assert re.search(r"<img|<table|<pre", chunk), chunk[:80]


def test_figures_are_saved_as_png_and_svg(written):
    folder = written.parent / "figures"
    expected = {
        "output",
        "coop_survival",
        "distress",
        "gini",
        "lorenz",
        "losses",
        "returns",
        "differences",
        "network",
    }
    assert {p.stem for p in folder.glob("*.png")} == expected
    assert {p.stem for p in folder.glob("*.svg")} == expected
    # Shareable: the usual permissions under the umask, not the temporary file's 0600.
    mask = os.umask(0)
    os.umask(mask)
    modes = {p.stat().st_mode & 0o777 for p in [written, *folder.iterdir()]}
    assert modes == {0o666 & ~mask}
    for name in expected:
        assert (folder / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        root = ET.parse(folder / f"{name}.svg").getroot()
        assert root.tag.endswith("svg")
    page = written.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(expected)


def test_report_names_scenarios_and_the_changed_setting(written):
    page = written.read_text(encoding="utf-8")
    assert "dear_loans" in page and "baseline" in page
    assert "[funds]\ninterest_rate = 0.12  # baseline: 0.08" in page
    assert 'replicates per scenario</td><td class="key">3' in page


def test_write_report_needs_a_path_for_in_memory_data(tiny_data):
    with pytest.raises(ValueError, match="out_path"):
        write_report(tiny_data)


# ---------------------------------------------------------------- the data
def test_simulate_uses_common_random_numbers(tiny_data):
    ts = tiny_data.timeseries
    assert set(ts["scenario"]) == {"baseline", "dear_loans"}
    assert ts.groupby("scenario")["replicate"].nunique().tolist() == [3, 3]
    # Month 1 is before any loan matters: the same seed gives the same first month.
    first = ts[ts["step"] == 1].set_index(["scenario", "replicate"])["output"]
    assert np.allclose(first["baseline"].to_numpy(), first["dear_loans"].to_numpy())
    # Different replicates differ.
    assert first["baseline"].nunique() == 3
    hh = tiny_data.households
    assert len(hh) == 2 * 3 * 120
    assert {"scenario", "replicate", "household", "net_worth"} <= set(hh.columns)


def test_comparison_table_is_paired():
    rng = np.random.default_rng(0)
    base = rng.normal(10.0, 3.0, 8)
    summaries = pd.DataFrame(
        {
            "scenario": ["ref"] * 8 + ["plus"] * 8,
            "replicate": list(range(8)) * 2,
            "coop_failures": np.concatenate([base, base + 2.0]),
        }
    )
    data = ReportData(
        timeseries=pd.DataFrame(),
        summaries=summaries,
        households=None,
        scenarios={},
        reference="ref",
    )
    table = comparison_table(data).set_index(["scenario", "metric"])
    row = table.loc[("plus", "coop_failures")]
    # A constant shift is recovered exactly, with no spread: the pairs cancel the noise.
    assert row["difference"] == pytest.approx(2.0)
    assert row["ci_low"] == pytest.approx(2.0)
    assert row["ci_high"] == pytest.approx(2.0)
    assert row["n"] == 8
    assert table.loc[("ref", "coop_failures"), "difference"] == 0.0


def test_bands_are_quantiles_across_replicates():
    ts = pd.DataFrame(
        {
            "scenario": ["a"] * 21,
            "replicate": range(21),
            "step": [1] * 21,
            "gini": np.linspace(0.0, 1.0, 21),
        }
    )
    row = F.bands(ts, "gini").iloc[0]
    assert (row["low"], row["median"], row["high"]) == pytest.approx((0.05, 0.5, 0.95))


def test_lorenz_table_of_equal_wealth_is_the_diagonal():
    hh = pd.DataFrame(
        {"scenario": "a", "replicate": np.repeat([0, 1], 50), "net_worth": np.full(100, 7.0)}
    )
    table = F.lorenz_table(hh, points=11)
    assert np.allclose(table["median"], table["population"])
    assert np.allclose(table["low"], table["high"])


def test_settings_diff_lists_only_what_changed():
    ref = {"name": "a", "steps": 12, "funds": {"rate": 0.06, "tenor": 60}, "instruments": {}}
    other = {
        "name": "b",
        "steps": 12,
        "funds": {"rate": 0.06, "tenor": 84},
        "instruments": {"guarantee": {"coverage": 0.5, "funds": None}},
    }
    diff = settings_diff({"a": ref, "b": other}, "a")
    assert diff[["key", "reference", "value"]].values.tolist() == [
        ["funds.tenor", 60, 84],
        ["instruments.guarantee.coverage", None, 0.5],
    ]
    assert flatten_settings({"shocks": {"scheduled": [{"start": 3}]}}) == {
        "shocks.scheduled.0.start": 3
    }


def test_network_figure_draws_households_only_for_small_economies(tiny_data):
    model = tiny_data.models["baseline"]
    small = F.network_figure(model, max_households=300)
    assert "120 households" in small.axes[0].get_title()
    large = F.network_figure(model, max_households=50)
    assert "not drawn" in large.axes[0].get_title()
    # Co-ops and funds always appear (8 co-ops + 2 funds, as square and diamond markers).
    labels = [t.get_text() for t in large.axes[0].get_legend().get_texts()]
    assert any(label.startswith("co-op") for label in labels) and "fund" in labels


# ---------------------------------------------------------------- from a sweep
EXPERIMENT = """
name = "tiny_compare"
description = "Two scenarios of a tiny economy."
replicates = 2
root_seed = 5
steps = 24
agents = "final"

[set]
economy.households = 100
economy.coops = 8
economy.communities = 2
economy.investors = 2
shocks.scheduled = [{{ kind = "export_drop", start = 10, duration = 6, size = 0.4 }}]

[design]
kind = "scenarios"
reference = "baseline"

[design.scenarios]
baseline = "{baseline}"
dear_loans = "dear.toml"
"""


@pytest.mark.slow
def test_compare_writes_report_html(tmp_path):
    from typer.testing import CliRunner

    from solsim.cli import app

    (tmp_path / "dear.toml").write_text(
        f'extends = "{BASELINE}"\nname = "dear_loans"\n[funds]\ninterest_rate = 0.12\n'
    )
    experiment = tmp_path / "tiny.toml"
    experiment.write_text(EXPERIMENT.format(baseline=BASELINE))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["compare", str(experiment), "--out", str(out), "--workers", "1", "-q"]
    )
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    # The path stays whole, on the line or on its own when the line would be too wide.
    assert "report written to" in result.output
    assert str(out / "report.html") in result.output
    assert not EXTERNAL.search(page)
    for _, title in SECTIONS:
        assert f"<h2>{title}</h2>" in page
    # Read back from disk: agent tables give the Lorenz curves, the experiment the settings.
    data = from_results_dir(out, network=False)
    assert data.households is not None and len(data.households) == 2 * 2 * 100
    assert data.reference == "baseline"
    assert "interest_rate = 0.12  # baseline: 0.08" in page
    assert f"solsim compare {experiment} --out {out}" in page
    assert (out / "figures" / "lorenz.svg").exists()
    assert (out / "figures" / "network.png").exists()


# ---------------------------------------------------------------- who decides
def test_who_decides_lines_hold_to_the_summaries(tiny_data, written):
    """Each number in a scenario's line is its mean in the summaries, written as
    the line writes it."""
    from solsim.report.catalog import money
    from solsim.report.power import power_lines

    lines = power_lines(tiny_data)
    assert [line.scenario for line in lines] == tiny_data.scenario_names
    page = written.read_text(encoding="utf-8")
    for line in lines:
        runs = tiny_data.summaries[tiny_data.summaries["scenario"] == line.scenario]
        assert {"community_loss_share", "outside_dependency", "net_chargeoffs_cum"} <= set(
            line.figures
        )
        for key, value in line.figures.items():
            if key in runs:
                assert value == pytest.approx(pd.to_numeric(runs[key]).mean()), key
        figures = line.figures
        assert f"{figures['community_loss_share'] * 100:.0f}% of the funds' net charge-offs" in (
            line.text
        )
        assert money(figures["net_chargeoffs_cum"]) in line.text
        assert f"provided {figures['outside_dependency'] * 100:.0f}%" in line.text
        # No vote in these scenarios: the line says so rather than inventing one.
        assert "no vote is modelled" in line.text
        assert html.escape(line.text) in page


def test_who_decides_names_the_votes_of_a_governed_fund():
    from solsim.report.power import power_lines

    governed = load_scenario(
        BASELINE,
        {**TINY, "name": "investor_run", "instruments": {"governance": {"preset": "investor"}}},
    )
    data = simulate({"baseline": BASELINE, "investor_run": governed}, replicates=2, seed=3,
                    overrides=TINY)  # fmt: skip
    line = power_lines(data)[1]
    # The instrument's declared "who decides" summaries, each with its label.
    assert line.figures["community_vote_share"] == pytest.approx(0.3)
    assert "community constituencies' share of the votes 30%" in line.text
    assert line.figures["decided_rate"] == pytest.approx(governed.funds.interest_rate + 0.03)
    assert f"lending rate decided {line.figures['decided_rate'] * 100:.1f}%" in line.text
