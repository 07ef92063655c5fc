"""The dashboard without a browser: controls, the model factory, figures, the command."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas.testing as pd_testing
import pytest

pytest.importorskip("solara", reason="the dashboard needs the viz extra")

import solsim.dashboard as dashboard
from solsim.dashboard import figures
from solsim.engine.instruments import available
from solsim.model import SolidarityEconomy

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def base():
    return dashboard.default_scenario()


def test_there_is_a_control_per_size_instrument_and_shock(base):
    params = dashboard.model_params(base)
    for name in ("households", "coops", "export_drop", "shock_start", "shock_months", "seed"):
        assert name in params
    for name in available():
        assert name in params, f"no control for instrument {name}"
    for name, spec in params.items():
        assert spec["type"] in ("SliderInt", "SliderFloat", "Checkbox"), name
        if spec["type"] != "Checkbox":
            assert spec["min"] <= spec["value"] <= spec["max"], name
    # The instruments the issue names get sliders, not just on/off switches.
    for name in {"first_loss", "guarantee", "mutual_credit", "mutual_aid"} & set(available()):
        assert params[name]["type"] == "SliderFloat" or params[name]["type"] == "SliderInt", name
        assert params[name]["min"] == 0  # 0 switches the instrument off


def test_the_model_signature_lists_every_control(base):
    cls = dashboard.dashboard_model(base)
    signature = inspect.signature(cls.__init__)
    names = [p for p in signature.parameters if p != "self"]
    assert names == list(dashboard.controls(base))
    assert all(p.kind is p.KEYWORD_ONLY for p in list(signature.parameters.values())[1:])
    # Mesa passes its own `scenario` on Reset only to models that take one.
    assert "scenario" not in signature.parameters


def test_slider_values_become_scenario_overrides(base):
    overrides = dashboard.settings_to_overrides(
        base, {"households": 120, "coops": 6, "export_drop": 0.5, "shock_start": 6}
    )
    assert overrides["economy.households"] == 120
    assert overrides["economy.coops"] == 6
    assert overrides["instruments"] == {}
    [shock] = overrides["shocks.scheduled"]
    assert shock == {"kind": "export_drop", "start": 6, "duration": 12, "size": 0.5}
    # No recession at 0; out-of-range values are clipped into the slider's range.
    overrides = dashboard.settings_to_overrides(base, {"export_drop": 0, "households": 1})
    assert overrides["shocks.scheduled"] == []
    assert overrides["economy.households"] == 20


def test_unknown_settings_are_rejected(base):
    with pytest.raises(TypeError, match="unknown dashboard setting"):
        dashboard.settings_to_overrides(base, {"housholds": 100})


@pytest.mark.skipif("guarantee" not in available(), reason="guarantee not registered")
def test_an_instrument_slider_switches_it_on_with_that_value(base):
    cls = dashboard.dashboard_model(base)
    model = cls(guarantee=0.4)
    assert model.params.instruments["guarantee"].coverage == pytest.approx(0.4)
    assert "guarantee" not in cls(guarantee=0.0).params.instruments


@pytest.mark.skipif("first_loss" not in available(), reason="first_loss not registered")
def test_the_first_loss_slider_builds_a_valid_stack(base):
    model = dashboard.dashboard_model(base)(first_loss=0.2)
    tranches = model.params.instruments["first_loss"].tranches
    assert tranches[0].share == pytest.approx(0.2)
    assert sum(t.share for t in tranches) == pytest.approx(1.0)


def test_the_model_builds_and_steps_with_slider_values(base):
    cls = dashboard.dashboard_model(base)
    settings = {
        name: (c.max if c.kind == "bool" else (c.min + c.max) / 2)
        for name, c in dashboard.controls(base).items()
        if name not in ("households", "coops", "shock_start")
    }
    model = cls(households=60, coops=4, shock_start=2, **settings)
    assert isinstance(model, SolidarityEconomy)
    assert model.params.economy.households == 60
    assert set(model.params.instruments) == set(available())  # every slider above 0
    for _ in range(4):
        model.step()
    assert model.economy.month == 4
    assert model.steps == 4
    assert len(model.timeseries) == 4
    assert np.isfinite(model.timeseries["output"]).all()


def test_same_settings_same_run(base):
    cls = dashboard.dashboard_model(base)
    a, b = cls(households=80, seed=5), cls(households=80, seed=5)
    for _ in range(3):
        a.step()
        b.step()
    # Drawing the graph must not touch the run's random stream.
    dashboard.trade_layout(a)
    a.step()
    b.step()
    assert a.timeseries.equals(b.timeseries)


def test_figures_render_to_png(base):
    model = dashboard.dashboard_model(base)(households=60, coops=4)
    for _ in range(2):
        model.step()
    assert figures.png(dashboard.metrics_figure(model)).startswith(PNG)
    assert figures.png(dashboard.graph_figure(model)).startswith(PNG)
    previous = model.timeseries
    assert figures.png(dashboard.metrics_figure(model, previous)).startswith(PNG)
    layout = dashboard.trade_layout(model)
    assert layout["households"].shape == (60, 2)
    # Firms of both kinds are drawn: 4 co-ops and the conventional firms.
    assert layout["coops"].shape == (model.economy.n_firms, 2)


def test_the_base_scenario_comes_from_a_file(monkeypatch):
    path = ROOT / "scenarios" / "baseline.toml"
    monkeypatch.setenv(dashboard.SCENARIO_ENV, str(path))
    base = dashboard.base_scenario()
    assert base.name == "baseline"
    params = dashboard.model_params(base)
    assert params["households"]["value"] == base.economy.households
    assert params["export_drop"]["value"] == pytest.approx(0.3)


def test_every_control_reads_as_words_with_its_unit(base):
    specs = dashboard.controls(base)
    assert specs["households"].describe(200) == "200 households"
    assert specs["export_drop"].describe(0.3) == "30% of its usual level"
    assert specs["export_drop"].describe(0) == "no recession"
    assert specs["shock_months"].describe(12) == "12 months"
    for name in dashboard.tools(base):
        control = specs[name]
        assert control.describe(0) == "off", name
        assert control.describe(control.max) not in ("off", ""), name
        assert control.help, f"{name}: no line saying what the tool does"
    if "guarantee" in specs:
        assert specs["guarantee"].describe(0.5) == "50% of each defaulted loan"
    labels = [c.label for c in specs.values()]
    assert all(label[0].isupper() and "_" not in label for label in labels), labels


def test_money_sliders_have_usable_steps(base):
    # A sanity cap (1e8) as the top of a slider made its smallest step 1e6.
    for name, control in dashboard.controls(base).items():
        if control.kind != "bool":
            assert (control.max - control.min) / control.step <= 1000, name


def test_the_header_line_names_the_settings_in_force(base):
    line = dashboard.describe_settings(base, {})
    assert line.startswith("200 households · 10 co-ops · no risk-sharing tools")
    assert "exports −30% from month 24 for 12 months" in line
    if "guarantee" in dashboard.tools(base):
        line = dashboard.describe_settings(base, {"guarantee": 0.5, "export_drop": 0, "seed": 3})
        assert "Loan guarantee 50% of each defaulted loan" in line
        assert "no recession" in line and line.endswith("seed 3")
    model = dashboard.dashboard_model(base)(households=80, seed=4)
    assert model.settings["households"] == 80 and model.settings["seed"] == 4
    assert set(model.settings) == set(dashboard.controls(base))


@pytest.mark.skipif("guarantee" not in available(), reason="guarantee not registered")
def test_with_and_without_runs_the_same_seed_twice(base):
    cls = dashboard.dashboard_model(base)
    settings = {"households": 60, "coops": 4, "seed": 2}
    comparison = dashboard.with_and_without(cls, settings, "guarantee")
    assert comparison.value == pytest.approx(0.5)  # off in the settings: its usual cover
    assert comparison.value_text == "50% of each defaulted loan"
    assert len(comparison.with_tool) == len(comparison.without) == base.steps
    assert comparison.summary_with.get("guarantee_paid", 0) >= 0
    assert comparison.summary_without.get("guarantee_paid", 0) == 0
    # The run without the tool is the plain run on that seed, month for month.
    plain = cls(**settings)
    while plain.running:
        plain.step()
    pd_testing.assert_frame_equal(comparison.without, plain.timeseries)
    # The slider's own value is used when it switches the tool on; asking again is cached.
    stronger = dashboard.with_and_without(cls, {**settings, "guarantee": 0.8}, "guarantee")
    assert stronger.value == pytest.approx(0.8)
    assert dashboard.with_and_without(cls, settings, "guarantee") is comparison
    rows = {metric: (a, b, d) for metric, a, b, d in comparison.rows()}
    assert "co-ops that failed" in rows
    # The compared tool's key figure shows even when it paid nothing ...
    assert rows["paid by the guarantor"][0] == figures.fmt(
        comparison.summary_with.get("guarantee_paid", 0.0), "money"
    )
    # ... other tools' only once they did something in either run.
    assert "budget allocated" not in " ".join(rows)
    assert comparison.headline().startswith("With loan guarantee (50% of each defaulted loan), ")
    assert figures.png(figures.comparison_figure(comparison)).startswith(PNG)
    with pytest.raises(KeyError, match="no such tool"):
        dashboard.with_and_without(cls, settings, "households")


def test_large_economies_get_the_graph_in_words(base):
    model = dashboard.dashboard_model(base)(households=dashboard.GRAPH_MAX_HOUSEHOLDS + 20)
    model.step()
    lines = figures.graph_summary(model)
    assert lines[0].startswith(f"{dashboard.GRAPH_MAX_HOUSEHOLDS + 20} households: ")
    assert "co-ops" in lines[1] and "buys from" in lines[-1]


def _render(page):
    import reacton.core
    import solara

    # Jupyter wraps a displayed element in Solara's embedded app layout.
    element = reacton.core._wrap(page, reacton.core.jupyter_decorator_components)
    return solara.render(element, handle_error=False)


def test_page_runs_as_in_a_notebook():
    """Render ``page`` the way Jupyter displays it: step, change a setting, apply it."""
    import ipyvuetify as v
    import ipywidgets
    import reacton.core

    page = dashboard.page
    assert isinstance(page, reacton.core.Element)
    _box, rc = _render(page)
    try:

        def text(cls):
            return [w.children for w in rc.find(v.Html, class_=cls).widgets]

        assert text("solsim-month") == [["Month 0 of 120"]]
        step = rc.find(v.Btn, children=["Step"])
        step.widget.click()
        first = text("solsim-output")
        step.widget.click()
        assert text("solsim-month") == [["Month 2 of 120"]]
        assert text("solsim-output") != first
        assert len(rc.find(ipywidgets.Image).widgets) == 2  # metrics and trade graph

        # A slider's value shows beside it at once; the run keeps its settings until applied.
        sliders = rc.find(v.Slider).widgets
        assert len(sliders) == 1 + sum(
            c.kind != "bool" for c in dashboard.controls(dashboard.DashboardEconomy.base).values()
        )  # Speed, then one per setting
        [households] = [s for s in sliders if (s.min, s.max) == (20, 2000)]
        households.v_model = 150
        value = rc.find(v.Html, children=["150 households"]).widget
        assert "solsim-value-households" in value.class_
        before = text("solsim-settings")
        assert before[0][0].startswith("Settings in force: 200 households")
        # "not applied yet", in the header and above the button
        assert len(rc.find(v.Html, class_="solsim-pending").widgets) == 2
        rc.find(v.Btn, children=["Apply and restart"]).widget.click()
        assert text("solsim-settings")[0][0].startswith("Settings in force: 150 households")
        assert text("solsim-month") == [["Month 0 of 120"]]
        assert len(rc.find(v.Html, class_="solsim-pending").widgets) == 0
    finally:
        rc.close()


def test_mesa_solaraviz_still_runs_the_model(base):
    """The model and its ``model_params`` stay usable in Mesa's own SolaraViz."""
    import ipyvuetify as v
    from mesa.visualization import SolaraViz

    cls = dashboard.dashboard_model(base)
    page = SolaraViz(cls(households=60, coops=4), model_params=dashboard.model_params(base))
    _box, rc = _render(page)
    try:
        rc.find(v.Btn, children=["Step"]).widget.click()
        labels = [w.label for w in rc.find(v.Slider).widgets]
        assert "Households" in labels
    finally:
        rc.close()


def test_server_command_is_local_and_offline(tmp_path):
    from solsim.cli.dashboard import server_command, server_env

    command = server_command("127.0.0.1", 8123)
    assert command[1:5] == ["-m", "solara", "run", "solsim.dashboard.app:page"]
    assert "--no-check-version" in command and "--production" in command
    scenario = ROOT / "scenarios" / "baseline.toml"
    env = server_env(scenario)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env[dashboard.SCENARIO_ENV] == str(scenario.resolve())


def test_dashboard_command_rejects_a_bad_scenario_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[economy]\nhouseholds = -1\n")
    result = subprocess.run(
        [sys.executable, "-m", "solsim", "dashboard", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(f"error: {bad}: economy.households:")
