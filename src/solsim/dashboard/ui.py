"""The dashboard page: Solara components over a :func:`~solsim.dashboard.dashboard_model` class.

Mesa's ``SolaraViz`` shows its own machinery (play and render intervals, a
threads box, page tabs, the model's raw time) and applies changed parameters
only on Reset, without saying so. A workshop participant alone needs less and
plainer: so this page is built from Solara's parts the way ``SolaraViz`` is,
with these controls:

* **Step**, **Play/Pause**, **To the end** and a **Speed** slider in months a second;
* one control per setting, its value and unit always written beside it;
  changed settings are marked and listed, and wait for **Apply and restart**
  (or **Undo changes**); the header always shows the settings in force;
* the run before the last restart stays on the plots as a dashed grey line;
* a *With and without* tab: the whole horizon twice, same seed, with a chosen
  tool and without it, overlaid, with the difference.

Importing this module imports Solara (seconds); :mod:`solsim.dashboard` does so
only when the page is asked for.
"""

from __future__ import annotations

import os
import time
from typing import Any

import reacton.ipywidgets as rw
import solara
import solara.lab
import solara.server.settings

from solsim.dashboard import (
    GRAPH_MAX_HOUSEHOLDS,
    controls,
    describe_settings,
    instrument_rows,
    opening_tool,
    tools,
    with_and_without,
)
from solsim.dashboard import figures as fig

__all__ = ["dashboard_page"]

#: Speed slider: months a second, from a slow walk to as fast as the plots draw.
SPEEDS = (1, 20, 4)

# column -> (label, format) of the numbers in the header; the instruments' summarised
# columns follow (``instrument_rows``) and show once non-zero
_HEADLINE = {
    "output": ("local output this month", "money"),
    "active_coops": ("co-ops trading", "count"),
    "distress_share": ("households in distress", "share"),
    "unemployment": ("unemployment", "share"),
    "gini": ("inequality (Gini, 0–1)", "ratio"),
}

_CSS = """
.solsim-control { margin-bottom: 14px; }
.solsim-control .v-input--selection-controls { margin-top: 0; padding-top: 0; }
.solsim-label { font-weight: 500; }
.solsim-value { font-weight: 600; color: #1f4e79; text-align: right; }
.solsim-value.solsim-changed, .solsim-was { color: #b45309; }
.solsim-help, .solsim-was { font-size: 0.78em; color: #666; line-height: 1.25; }
.solsim-was { color: #b45309; }
.solsim-apply {
    position: sticky; bottom: 0; z-index: 2; background: white;
    padding: 10px 0 6px 0; border-top: 1px solid #ddd;
}
.solsim-pending { color: #b45309; font-weight: 500; }
.solsim-settings, .solsim-pending { display: block; }
.solsim-apply, .solsim-pending, .solsim-was, .solsim-help { overflow-wrap: anywhere; }
.v-navigation-drawer__content { overflow-x: hidden; }
.solsim-group { font-weight: 700; margin: 8px 0 6px 0; color: #333; }
.solsim-difference-table table { font-size: 0.9em; }
"""


def _value_row(label: str, text: str, name: str, changed: bool = False) -> None:
    with solara.Row(justify="space-between", style={"align-items": "baseline", "gap": "8px"}):
        solara.Text(label, classes=["solsim-label"])
        classes = ["solsim-value", f"solsim-value-{name}"] + (["solsim-changed"] if changed else [])
        solara.Text(text, classes=classes)


@solara.component
def ControlInput(control, value: Any, applied: Any, on_value):
    """One setting: its label and value in words above the slider (or switch), then a line of help.

    The value stays written out, with its unit, whether or not the slider is
    touched; when it differs from the value in force the old one is shown too.
    """
    changed = control.clip(value) != control.clip(applied)
    with solara.Column(gap="2px", classes=["solsim-control", f"solsim-control-{control.name}"]):
        _value_row(control.label, control.describe(value), control.name, changed)
        if control.kind == "bool":
            solara.Switch(value=bool(value), on_value=on_value)
        else:
            solara.v.Slider(
                v_model=value,
                on_v_model=lambda v: on_value(control.clip(v)),
                min=control.min,
                max=control.max,
                step=control.step,
                hide_details=True,
                dense=True,
            )
        if changed:
            solara.Text(
                f"in force: {control.describe(applied)} — applies on restart",
                classes=["solsim-was"],
            )
        elif control.help:
            solara.Text(control.help, classes=["solsim-help"])


@solara.component
def RunControls(model, tick: int, playing, speed, on_step, on_end):
    """Step, Play/Pause, To the end, and the Speed slider."""
    running = model.running
    with solara.Card("Run", style={"margin-bottom": "8px"}):
        solara.Text(
            f"Month {model.steps} of {model.params.steps}"
            + ("" if running else " — the run is over: press Apply and restart for another"),
            style={"margin-bottom": "6px"},
        )
        with solara.Row(justify="space-between"):
            solara.Button(
                "Step", color="primary", on_click=on_step, disabled=playing.value or not running
            )
            solara.Button(
                "❚❚ Pause" if playing.value else "▶ Play",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not running,
            )
            solara.Button(
                "To the end",
                color="primary",
                outlined=True,
                on_click=on_end,
                disabled=playing.value or not running,
            )
        with solara.Column(gap="2px", classes=["solsim-control", "solsim-control-speed"]):
            _value_row("Speed", f"{speed.value} months a second", "speed")
            low, high, _ = SPEEDS
            solara.v.Slider(
                v_model=speed.value,
                on_v_model=lambda v: speed.set(int(v)),
                min=low,
                max=high,
                step=1,
                hide_details=True,
                dense=True,
            )


@solara.component
def SettingsPanel(specs, draft: dict, applied: dict, on_change, on_apply, on_undo):
    """Every setting by group, and the sticky Apply and restart footer."""
    pending = [n for n, c in specs.items() if c.clip(draft[n]) != c.clip(applied[n])]
    with solara.Card("Settings"):
        group = None
        for name, control in specs.items():
            if control.group != group:
                group = control.group
                solara.Text(group, classes=["solsim-group"])
            ControlInput(
                control,
                draft[name],
                applied[name],
                lambda v, name=name: on_change(name, v),
            )
        with solara.Column(gap="6px", classes=["solsim-apply"]):
            if pending:
                changes = "; ".join(
                    f"{specs[n].label}: {specs[n].describe(applied[n])} → "
                    f"{specs[n].describe(draft[n])}"
                    for n in pending
                )
                solara.Text(
                    f"Not applied yet — {changes}. Apply and restart to run with "
                    "them; the run so far stays on the plots, dashed.",
                    classes=["solsim-pending"],
                )
            else:
                solara.Text("These are the settings in force.", classes=["solsim-help"])
            # Wrapping, so that a second button never widens the sidebar over the page.
            with solara.Row(style={"flex-wrap": "wrap", "row-gap": "4px"}):
                solara.Button(
                    "Apply and restart",
                    color="warning" if pending else "primary",
                    on_click=on_apply,
                    classes=["solsim-apply-button"],
                )
                if pending:
                    solara.Button("Undo changes", text=True, on_click=on_undo)


@solara.component
def Header(model, tick: int, n_pending: int):
    """The month, the settings in force and this month's numbers."""
    rows = model.timeseries
    row = rows.iloc[-1].to_dict() if len(rows) else {}
    in_recession = any(
        s.start <= model.steps < s.start + s.duration
        for s in model.params.shocks.scheduled
        if s.kind == "export_drop"
    )
    with solara.Card(style={"margin-bottom": "6px"}):
        with solara.Row(style={"align-items": "baseline", "gap": "14px"}):
            solara.Text(
                f"Month {model.steps} of {model.params.steps}",
                classes=["solsim-month"],
                style={"font-size": "1.3em", "font-weight": "bold"},
            )
            if in_recession:
                solara.Text("recession under way", style={"color": "#c0392b"})
        solara.Text(
            "Settings in force: " + describe_settings(model.base, model.settings),
            classes=["solsim-settings"],
            style={"color": "#444", "font-size": "0.9em"},
        )
        if n_pending:
            solara.Text(
                f"{n_pending} changed setting{'s' if n_pending > 1 else ''} in the sidebar "
                "not applied yet: press Apply and restart to use "
                f"{'them' if n_pending > 1 else 'it'}.",
                classes=["solsim-pending"],
                style={"font-size": "0.9em"},
            )
        with solara.Row(gap="22px", style={"flex-wrap": "wrap", "margin-top": "6px"}):
            tools_shown = instrument_rows(when=True)
            for column, (label, kind) in {**_HEADLINE, **tools_shown}.items():
                optional = column in tools_shown
                if column not in row or (optional and not row[column]):
                    continue
                with solara.Column(gap="0px"):
                    solara.Text(label, style={"font-size": "0.75em", "color": "#666"})
                    solara.Text(
                        fig.fmt(row[column], kind),
                        classes=[f"solsim-{column.replace('_', '-')}"],
                        style={"font-size": "1.1em"},
                    )


def _image(data: bytes, cls: str):
    return rw.Image(value=data, format="png", layout={"width": "100%"}, _dom_classes=[cls])


@solara.component
def ThisRun(model, tick: int, previous):
    """The metrics over time (previous run dashed) and the trade graph."""
    month = model.steps
    frame, text = previous if previous is not None else (None, "")
    metrics = solara.use_memo(
        lambda: fig.png(fig.metrics_figure(model, frame)), [id(model), month, id(frame)]
    )
    small = model.params.economy.households <= GRAPH_MAX_HOUSEHOLDS
    states = fig.agent_states(model) if small else None
    # Redraw the graph only when a colour changed, not every month.
    key = hash((tuple(states[0]), tuple(states[1]))) if small else month
    graph = solara.use_memo(
        lambda: fig.png(fig.graph_figure(model)) if small else None, [id(model), key]
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(style={"flex": "1 1 540px", "min-width": "420px"}):
            _image(metrics, "solsim-metrics")
            caption = "Shaded: the recession."
            if frame is not None:
                caption += f" Dashed grey: the previous run ({text})."
            solara.Text(caption, classes=["solsim-help"])
        with solara.Column(style={"flex": "1 1 400px", "min-width": "340px"}):
            if small:
                _image(graph, "solsim-graph")
            else:
                with solara.Column(classes=["solsim-graph-summary"]):
                    solara.Markdown(
                        f"**The trade graph in numbers** — with more than "
                        f"{GRAPH_MAX_HOUSEHOLDS} households a drawing is a hairball.\n\n"
                        + "\n".join(f"- {line}" for line in fig.graph_summary(model))
                    )


@solara.component
def WithAndWithout(model_cls, settings: dict, tool):
    """Two whole runs, same seed, with the chosen tool and without it."""
    base = model_cls.base
    names = tools(base)
    labels = {label: name for name, label in names.items()}
    frozen = tuple(sorted(settings.items()))
    task = solara.lab.use_task(
        lambda: with_and_without(model_cls, dict(frozen), tool.value),
        dependencies=[frozen, tool.value],
    )
    done = task.finished and not task.error
    comparison = task.value if done else None
    # Hooks run on every render in the same order, so the picture's memo sits here.
    image = solara.use_memo(
        lambda: fig.png(fig.comparison_figure(comparison)) if comparison else None,
        [id(comparison)],
    )
    with solara.Column(gap="8px"):
        with solara.Row(style={"align-items": "center", "gap": "16px"}):
            solara.Select(
                "Tool to compare",
                values=list(labels),
                value=names[tool.value],
                on_value=lambda label: tool.set(labels[label]),
                style={"max-width": "260px"},
            )
            solara.Text(
                "Both runs take the settings in force and the same seed, so they meet the "
                "same shocks and random draws: what differs is the tool's doing.",
                classes=["solsim-help"],
                style={"max-width": "560px"},
            )
        if task.error:
            solara.Error(f"the comparison failed: {task.exception}")
            return
        if comparison is None:
            solara.Text("Running the economy with and without the tool…")
            solara.ProgressLinear(True)
            return
        solara.Text(comparison.headline(), classes=["solsim-headline"], style={"font-weight": 500})
        _image(image, "solsim-comparison")
        with solara.Column(classes=["solsim-difference-table"]):
            solara.Markdown(fig.summary_table(comparison.rows()))
        solara.Text(
            "This is one random history. In a small economy a co-op more or less can be "
            "luck: change the seed and look again, or see notebook 02, which runs many "
            "seeds and gives 95% confidence intervals.",
            classes=["solsim-help"],
        )


def dashboard_page(model_cls):
    """The dashboard as a Solara element over ``model_cls`` (a dashboard model class).

    Each browser session, or notebook display, renders its own copy with its
    own economy.
    """
    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        # Solara reports usage to an outside service (and looks up the machine's
        # public address) when a page is first shown, in a notebook too; the
        # dashboard sends nothing off the machine unless the user asks for it.
        solara.server.settings.telemetry.mixpanel_enable = False
    base = model_cls.base
    specs = controls(base)
    starting = {name: c.value for name, c in specs.items()}
    names = list(tools(base))
    first_tool = opening_tool(names)

    @solara.component
    def Dashboard():
        initial = solara.use_memo(lambda: model_cls(**starting), [])
        model = solara.use_reactive(initial)
        tick = solara.use_reactive(0)
        playing = solara.use_reactive(False)
        speed = solara.use_reactive(SPEEDS[2])
        draft = solara.use_reactive(dict(starting))
        previous = solara.use_reactive(None)
        tool = solara.use_reactive(next((n for n in names if initial.settings.get(n)), first_tool))
        current = model.value
        applied = current.settings

        def redraw():
            tick.set(tick.value + 1)

        def play():
            # Steps in a thread until paused, finished or replaced by a restart.
            m = model.value
            while playing.value and m.running and model.value is m:
                started = time.monotonic()
                m.step()
                redraw()
                time.sleep(max(0.0, 1.0 / speed.value - (time.monotonic() - started)))
            if not m.running:
                playing.set(False)

        solara.lab.use_task(play, dependencies=[playing.value, id(current)])

        def step():
            current.step()
            redraw()

        def to_end():
            while current.running:
                current.step()
            redraw()

        def apply():
            playing.set(False)
            if current.steps:
                previous.set((current.timeseries, describe_settings(base, applied)))
            model.set(model_cls(**draft.value))
            redraw()

        pending = sum(c.clip(draft.value[n]) != c.clip(applied[n]) for n, c in specs.items())
        solara.Style(_CSS)
        with solara.AppBar():
            solara.AppBarTitle(f"solsim · {base.name}")
        with solara.Sidebar():
            RunControls(current, tick.value, playing, speed, step, to_end)
            SettingsPanel(
                specs,
                draft.value,
                applied,
                lambda name, value: draft.set({**draft.value, name: value}),
                apply,
                lambda: draft.set(dict(applied)),
            )
        Header(current, tick.value, pending)
        with solara.lab.Tabs(lazy=True):
            with solara.lab.Tab("This run"):
                ThisRun(current, tick.value, previous.value)
            with solara.lab.Tab("With and without"):
                WithAndWithout(model_cls, dict(applied), tool)

    return Dashboard()
