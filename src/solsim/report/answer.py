"""The funder's answer, scenario by scenario: what was set, what it did, what to watch.

For each scenario against the reference, :func:`answers` gives

* the setting in words, with the fund's size (``A 10% philanthropic first-loss
  tranche (80,000 of 800,000 fund capital)``) and the settings in detail;
* one headline sentence: the effect on the co-op failure hazard, who carried
  the losses (community holders, philanthropy, outside investors, and each
  instrument's loss layer), the outside investors' return and, when the summaries have it,
  return parity, each change with its 95% confidence interval. A change whose
  interval includes zero is "no detectable change"; one smaller than the
  metric's materiality threshold (:mod:`solsim.report.catalog`) is "too small
  to matter", never better or worse;
* surprises in words: a tranche wiped out, what each instrument declares to
  watch (a reserve or cap used up, a tool with nothing to do), a tool that
  raises the failure hazard or makes another key measure worse for the
  community, and outside investors losing money;
* the first-screen rows: each key metric's reference mean, the scenario's
  mean, the paired difference, its interval and its verdict.

Every number comes from the per-run summaries (means over replicates and
paired differences, as in :func:`solsim.experiments.compare.paired_comparison`),
from the scenario settings, or, for the instruments' watches, from the last
month of each run's timeseries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from solsim.engine.instruments import registry
from solsim.engine.instruments.contract import Described, Watch
from solsim.report import catalog as C
from solsim.report.data import ReportData, flatten_settings

#: First-screen rows, in order: a question of :data:`catalog.PREFERENCES` or a metric.
FIRST_SCREEN: tuple[str, ...] = (
    "hazard",
    "drawdown",
    "mean_distress_share",
    "final_gini",
    "lost_community",
    "lost_philanthropic",
    "lost_outside",
    "lost_layers",  # each instrument's loss layer (catalog.holders)
    "investor",
    "parity",
    "community_return",
)

#: Key measures whose worsening for the community is flagged as a surprise.
WATCHED: tuple[str, ...] = (
    "drawdown",
    "mean_distress_share",
    "final_gini",
    "lost_community",
    "community_return",
)

WIPED_OUT = 0.99  # a tranche that lost this share of itself is wiped out
USED_UP = 1.0  # currency: a reserve or cap with less than this left is used up

NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


# ------------------------------------------------------------------ settings
@dataclass(frozen=True)
class Tranche:
    """A tranche name's capital over the funds that have it, and its holder kind."""

    name: str
    holder: str
    size: float


@dataclass
class Setup:
    """What a scenario's settings say about its funds, tranches and loss layers."""

    funds: int
    capital: float  # per fund
    tranches: list[Tranche]
    # Holder of each switched-on loss layer -> its commitment (currency).
    layers: dict[str, float]
    instruments: dict[str, dict[str, Any]]

    @property
    def total_capital(self) -> float:
        return self.funds * self.capital

    def holder_of(self) -> dict[str, str]:
        return {t.name: t.holder for t in self.tranches}

    def capacity(self, holder: str) -> float:
        """What a holder can lose: its tranches' capital, or its layer's commitment."""
        if holder in self.layers:
            return self.layers[holder]
        return float(sum(t.size for t in self.tranches if t.holder == holder))


def setup_of(settings: Mapping[str, Any] | None) -> Setup | None:
    """The funds, capital stacks and loss layers of a scenario's settings (None if unknown)."""
    if not settings:
        return None
    from solsim.errors import ScenarioError
    from solsim.scenario import load_scenario

    try:
        scenario = load_scenario(None, None, data=dict(settings))
    except ScenarioError:
        return None
    size = scenario.economy
    n_funds, n_investors = size.n_funds, size.n_investors
    capital = float(scenario.funds.capital)
    outside_share = float(scenario.funds.outside_share)
    dumped = scenario.model_dump(mode="json").get("instruments") or {}
    instruments = {k: dict(v or {}) for k, v in dumped.items()}
    stacked: dict[str, list] = {}

    def add(name: str, holder: str, amount: float) -> None:
        if amount > 0:
            entry = stacked.setdefault(name, [holder, 0.0])
            entry[1] += amount

    # The stacks the switched-on instruments set, by fund (a later one wins).
    stacks: dict[int, list[tuple[str, str, float]]] = {}
    for name in registry.available():
        if name in instruments:
            stacks.update(registry.get(name).capital_stack(instruments[name], n_funds))
    for fund in range(n_funds):
        if fund in stacks:
            for tranche, holder, share in stacks[fund]:
                add(tranche, holder, share * capital)
        else:
            # The default stack: community capital and, if the fund has outside
            # investors (investor i backs fund i % funds), an outside tranche.
            outside = capital * outside_share if fund < n_investors else 0.0
            add("community", "community", capital - outside)
            add("outside", "outside", outside)
    layers = {}
    for name, layer in registry.loss_layers():
        if name in instruments:
            params = scenario.instruments[name]
            size_of = layer.size
            layers[layer.holder] = (
                float(size_of(params, n_funds, size.n_guarantors)) if size_of else 0.0
            )
    return Setup(
        funds=n_funds,
        capital=capital,
        tranches=[Tranche(name, holder, amount) for name, (holder, amount) in stacked.items()],
        layers=layers,
        instruments=instruments,
    )


def _shown(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def describe_setting(
    settings: Mapping[str, Any] | None,
    reference_settings: Mapping[str, Any] | None,
    reference: str,
    currency: str = "",
) -> tuple[str, list[str]]:
    """What a scenario changes, as a headline phrase and detail lines.

    The phrase starts the headline sentence (``A 10% philanthropic first-loss
    tranche (80,000 of 800,000 fund capital)``); the details give each changed
    instrument's settings and every other changed setting (``key: reference →
    value``).
    """
    if not settings or not reference_settings:
        return "", []
    setup = setup_of(settings)
    own = dict(settings.get("instruments") or {})
    theirs = dict(reference_settings.get("instruments") or {})
    tools = [name for name in own if own[name] != theirs.get(name)]
    phrases, details = [], []
    known = set(registry.available())
    for name in tools:
        if name not in known or setup is None:
            phrases.append(f"the {name.replace('_', ' ')} instrument")
            continue
        instrument = registry.get(name)
        layers = [setup.layers.get(layer.holder) for layer in instrument.loss_layers]
        context = Described(
            funds=setup.funds,
            capital=setup.capital,
            money=lambda amount: C.money(amount, currency),
            layer=layers[0] if layers else None,
        )
        phrase, detail = instrument.describe(setup.instruments.get(name, own[name]), context)
        phrases.append(phrase)
        details.append(detail)
    dropped = [name for name in theirs if name not in own]
    base = flatten_settings(reference_settings)
    mine = flatten_settings(settings)
    others = [
        key
        for key in sorted(set(base) | set(mine))
        if key not in ("name", "description")
        and not key.startswith("instruments.")
        and base.get(key) != mine.get(key)
    ]
    details += [f"{key}: {_shown(base.get(key))} → {_shown(mine.get(key))}" for key in others]
    details += [f"without {name.replace('_', ' ')} (which {reference} has)" for name in dropped]
    if len(phrases) == 1:
        phrase = phrases[0]
    elif phrases:
        count = NUMBER_WORDS[len(phrases)] if len(phrases) < len(NUMBER_WORDS) else len(phrases)
        phrase = f"{count} tools together ({_join(_short(p) for p in phrases)})"
    elif len(others) == 1:
        key = others[0]
        phrase = f"{key} = {_shown(mine.get(key))} instead of {_shown(base.get(key))}"
    elif others:
        phrase = f"{len(others)} changed settings ({_join(others)})"
    elif dropped:
        phrase = f"no {_join(n.replace('_', ' ') for n in dropped)}"
    else:
        phrase = f"the same settings as {reference}"
    if phrases and others:
        phrase += f", with {len(others)} other changed setting{'s' if len(others) > 1 else ''}"
    return phrase[0].upper() + phrase[1:], details


def _short(phrase: str) -> str:
    """A tool's phrase without its bracketed amounts (for a list of several)."""
    return phrase.split(" (", 1)[0]


def _join(items) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------ losses
def holder_losses(summaries: pd.DataFrame, setups: Mapping[str, Setup | None]) -> pd.DataFrame:
    """Per run, what each kind of holder lost: ``lost_community``, ``lost_philanthropic``,
    ``lost_outside`` (tranche losses by holder) and ``lost_<holder>`` for each
    instrument's loss layer (what the layer paid, from its declared column).

    A scenario whose settings are unknown gets NaN (its tranches' holders are
    unknown); a tranche a scenario does not have lost nothing.
    """
    out = summaries[["scenario", "replicate"]].copy()
    layers = C.layers()
    for holder in C.holders():
        out[f"lost_{holder}"] = np.nan
    for name, rows in summaries.groupby("scenario", sort=False):
        setup = setups.get(name)
        if setup is None:
            continue
        index = rows.index
        holders = setup.holder_of()
        for holder in C.TRANCHE_HOLDERS:
            columns = [f"loss_{t}" for t, h in holders.items() if h == holder]
            present = [c for c in columns if c in rows]
            total = rows[present].fillna(0.0).sum(axis=1) if present else 0.0
            out.loc[index, f"lost_{holder}"] = total
        for holder, layer in layers.items():
            paid = rows[layer.column].fillna(0.0) if layer.column in rows else 0.0
            out.loc[index, f"lost_{holder}"] = paid
    return out


# ------------------------------------------------------------------ the answer
@dataclass
class Row:
    """One first-screen metric of one scenario: levels, paired change, interval, verdict."""

    key: str
    reference_mean: float
    mean: float
    difference: float
    ci_low: float
    ci_high: float
    n: int
    verdict: C.Verdict

    @property
    def metric(self) -> C.Metric:
        return C.info(self.key)


@dataclass
class Flag:
    """A surprise (``warning``) or a tool that had nothing to do (``note``), in words."""

    kind: str
    text: str


@dataclass
class Answer:
    """The first screen of one scenario (see the module docstring)."""

    scenario: str
    description: str
    setting: str
    details: list[str]
    headline: str
    flags: list[Flag] = field(default_factory=list)
    rows: dict[str, Row] = field(default_factory=dict)
    #: Phrases of the headline that are better or worse for the community (material
    #: changes with an interval excluding zero): (text, "good" | "bad").
    highlights: list[tuple[str, str]] = field(default_factory=list)


def first_screen_metrics(columns) -> list[str]:
    """The first-screen metrics that ``columns`` has, preferred ones chosen."""
    keys = []
    for item in FIRST_SCREEN:
        if item == "lost_layers":
            keys += [f"lost_{h}" for h in C.layers() if f"lost_{h}" in set(columns)]
            continue
        key = C.pick(columns, item) if item in C.PREFERENCES else item
        if key is not None and key in set(columns):
            keys.append(key)
    return keys


def _augmented(data: ReportData, setups: Mapping[str, Setup | None]) -> pd.DataFrame:
    losses = holder_losses(data.summaries, setups)
    frame = data.summaries.drop(
        columns=[c for c in losses.columns if c.startswith("lost_")], errors="ignore"
    )
    return frame.merge(losses, on=["scenario", "replicate"], how="left")


def _paired(frame: pd.DataFrame, names: list[str], reference: str, metrics: list[str]):
    from solsim.experiments.compare import paired_comparison

    design = pd.DataFrame({"point": np.arange(len(names)), "scenario": names})
    runs = frame.drop(columns=["point"], errors="ignore").merge(design, on="scenario")
    runs = runs.drop(columns="scenario")
    for metric in metrics:
        runs[metric] = pd.to_numeric(runs[metric], errors="coerce").astype(float)
    return paired_comparison(runs, design, reference, metrics).set_index(["scenario", "metric"])


class _Context:
    """What every sentence of one report shares."""

    def __init__(self, data: ReportData):
        self.data = data
        self.currency = data.currency
        self.reference = data.reference
        self.names = data.scenario_names
        self.setups = {name: setup_of(data.scenarios.get(name)) for name in self.names}
        ref_setup = self.setups.get(self.reference)
        self.capital = ref_setup.total_capital if ref_setup else math.nan
        self.frame = _augmented(data, self.setups)
        # Holder rows only where some scenario has that holder at all.
        kept = []
        for key in first_screen_metrics(self.frame.columns):
            if key.startswith("lost_") and not self._holder_exists(key.removeprefix("lost_")):
                continue
            kept.append(key)
        self.metrics = kept
        self.table = _paired(self.frame, self.names, self.reference, self.metrics)
        # Phrases of the sentence being written that are better or worse for the
        # community: (text, "good" | "bad").
        self.highlights: list[tuple[str, str]] = []

    def _holder_exists(self, holder: str) -> bool:
        values = self.frame[f"lost_{holder}"]
        if values.fillna(0.0).abs().sum() > 0:
            return True
        return any(s is not None and s.capacity(holder) > 0 for s in self.setups.values())

    def row(self, name: str, key: str) -> Row | None:
        if (name, key) not in self.table.index:
            return None
        r = self.table.loc[(name, key)]
        capital = self.setups[name].total_capital if self.setups.get(name) else self.capital
        judged = C.verdict(
            key, r["difference"], r["ci_low"], r["ci_high"], r["reference_mean"], capital
        )
        return Row(
            key,
            float(r["reference_mean"]),
            float(r["mean"]),
            float(r["difference"]),
            float(r["ci_low"]),
            float(r["ci_high"]),
            int(r["n"]),
            judged,
        )

    # -------------------------------------------------------------- words
    def value(self, key: str, value: float) -> str:
        return C.format_value(key, value, self.currency)

    def change(self, row: Row) -> str:
        """``−0.24 pp, 95% CI −0.78 to +0.30``."""
        d, ci = C.format_interval(row.key, row.difference, row.ci_low, row.ci_high, self.currency)
        return f"{d}, {ci}"

    def interval(self, row: Row) -> str:
        """The interval alone, as levels (``95% CI 36,781 to 51,535``)."""
        _, ci = C.format_interval(row.key, row.difference, row.ci_low, row.ci_high, self.currency)
        return ci.replace("+", "")

    def from_to(self, row: Row) -> str:
        """``from 9.10% to 7.52% a year``: the unit once when both ends share it."""
        before = self.value(row.key, row.reference_mean)
        after = self.value(row.key, row.mean)
        suffix = C.UNITS[row.metric.unit][0]
        if suffix.startswith(" ") and before.endswith(suffix) and after.endswith(suffix):
            before = before.removesuffix(suffix)
        elif suffix.startswith("% ") and before.endswith(suffix) and after.endswith(suffix):
            before = before.removesuffix(suffix) + "%"
        return f"from {before} to {after}"

    def effect(self, row: Row, subject: str) -> str:
        """A change in words, honest about what the replicates can tell."""
        status = row.verdict.status
        if status == "same":
            return f"no detectable change in {subject} (the same in every run)"
        if status == "undetectable":
            return f"no detectable change in {subject} ({self.change(row)})"
        verb = "rose" if row.difference > 0 else "fell"
        if status == "single":
            return f"{subject} went {self.from_to(row)} (one pair of runs: no interval)"
        if status == "small":
            capital = self.capital
            threshold = row.metric.threshold_text(row.reference_mean, capital, self.currency)
            return (
                f"{subject} {verb} by too little to matter ({self.change(row)}; "
                f"less than the {threshold} that counts)"
            )
        if row.verdict.css in ("good", "bad"):
            self.highlights.append((f"{verb} {self.from_to(row)}", row.verdict.css))
        return f"{subject} {verb} {self.from_to(row)} ({self.change(row)})"


def _holder_clause(ctx: _Context, name: str) -> str:
    """Who carried the losses in a scenario: each holder's mean loss, against what it
    could lose and against the reference."""
    setup = ctx.setups.get(name)
    rows = {h: ctx.row(name, f"lost_{h}") for h in C.holders() if f"lost_{h}" in ctx.metrics}
    layers = C.layers()
    rows = {h: r for h, r in rows.items() if r is not None and math.isfinite(r.mean)}
    if not rows:
        return ""

    def before(r: Row) -> float:
        return r.reference_mean if math.isfinite(r.reference_mean) else 0.0

    losing = [h for h, r in rows.items() if r.mean > 0]
    if not losing:
        earlier = [
            f"{C.holder_name(h)} lost nothing against {ctx.value(r.key, before(r))} in "
            f"{ctx.reference} ({ctx.change(r)})"
            for h, r in rows.items()
            if before(r) > 0
        ]
        if not earlier:
            return f"no holder lost anything in any run (nor in {ctx.reference})"
        return "no holder lost anything in any run: " + "; ".join(earlier)
    parts, spared = [], []
    for holder, r in rows.items():
        capacity = setup.capacity(holder) if setup is not None else 0.0
        who = C.holder_name(holder)
        verb = "paid" if holder in layers else "lost"
        if r.mean == 0 and before(r) == 0:
            if capacity > 0:
                spared.append(who)
            continue
        amount = ctx.value(r.key, r.mean) if r.mean > 0 else "nothing"
        text = f"{who} {verb} {amount}"
        if capacity > 0:
            what = "reserve" if holder in layers else "capital"
            whose = C.holder_possessive(holder)
            text += f" of {whose} {ctx.value(r.key, capacity)} {what}"
        notes = []
        if len(losing) > 1 and r.mean > 0:
            notes.append(_share_words(r.mean / sum(rows[h].mean for h in losing)))
        if before(r) == 0:
            # Nothing in the reference: the paired change is the loss itself.
            notes.append(f"none in {ctx.reference}; {ctx.interval(r)}")
        elif r.verdict.status == "same":
            notes.append(f"no detectable change from {ctx.reference}: the same in every run")
        elif r.verdict.status == "undetectable":
            notes.append(
                f"no detectable change from {ctx.value(r.key, before(r))} in "
                f"{ctx.reference}: {ctx.change(r)}"
            )
        else:
            notes.append(f"{ctx.reference}: {ctx.value(r.key, before(r))}; {ctx.change(r)}")
        parts.append(f"{text} ({'; '.join(notes)})")
    if spared:
        paid_only = all(w in {C.holder_name(h) for h in layers} for w in spared)
        verb = "paid" if paid_only else "lost"
        parts.append(f"{_join(spared)} {verb} nothing")
    return "; ".join(parts)


def _share_words(share: float) -> str:
    if share >= 0.995:
        return "all of the losses"
    if share >= 0.9:
        return f"nearly all of the losses ({share * 100:.0f}%)"
    return f"{share * 100:.0f}% of the losses"


def _investor_clause(ctx: _Context, name: str) -> str:
    key = C.pick(ctx.metrics, "investor")
    row = ctx.row(name, key) if key else None
    if row is None:
        return ""
    subject = "outside investors' return"
    if not math.isfinite(row.mean):
        return "there was no outside capital"
    own = ctx.value(key, row.mean)
    earned = f"outside investors earned {own}" if row.mean >= 0 else f"{subject} was {own}"
    status = row.verdict.status
    if status == "same":
        return f"{earned}, as in {ctx.reference}: no detectable change (the same in every run)"
    if status == "undetectable":
        return f"{earned}, no detectable change ({ctx.change(row)})"
    if status in ("material", "single"):
        return f"{earned} instead of {ctx.value(key, row.reference_mean)} ({ctx.change(row)})"
    return f"{earned}; " + ctx.effect(row, subject)


def _generic_clause(ctx: _Context, name: str, question: str) -> str:
    key = C.pick(ctx.metrics, question) if question in C.PREFERENCES else question
    row = ctx.row(name, key) if key else None
    if row is None or not math.isfinite(row.reference_mean):
        return ""
    return ctx.effect(row, _subject(row.metric))


def _subject(metric: C.Metric) -> str:
    """A metric as the subject of a clause: "co-op failures", "the co-op failure hazard"."""
    return metric.label if metric.unit == "count" else f"the {metric.label}"


def _flags(ctx: _Context, name: str) -> list[Flag]:
    data, setup = ctx.data, ctx.setups.get(name)
    runs = data.summaries[data.summaries["scenario"] == name]
    n = len(runs)
    flags: list[Flag] = []
    # A tranche wiped out (or more than half lost on average).
    for tranche in setup.tranches if setup else []:
        column = f"loss_{tranche.name}"
        if column not in runs or tranche.size <= 0:
            continue
        losses = pd.to_numeric(runs[column], errors="coerce").fillna(0.0)
        wiped = int((losses >= WIPED_OUT * tranche.size).sum())
        mean = float(losses.mean())
        described = (
            f"the “{tranche.name}” tranche ({tranche.holder}, "
            f"{C.money(tranche.size, ctx.currency)})"
        )
        lost = f"{C.money(mean, ctx.currency)} on average, {mean / tranche.size * 100:.0f}% of it"
        if wiped:
            flags.append(
                Flag(
                    "warning",
                    f"{_cap(described)} was wiped out in {wiped} of {n} runs (it lost {lost}).",
                )
            )
        elif mean >= 0.5 * tranche.size:
            flags.append(Flag("warning", f"{_cap(described)} lost {lost}."))
    # What each switched-on instrument asks to watch (a reserve run out, a tool
    # with nothing to do).
    own = (data.scenarios.get(name) or {}).get("instruments") or {}
    theirs = (data.scenarios.get(ctx.reference) or {}).get("instruments") or {}
    last = _last_months(data.timeseries, name)
    for tool in registry.available():
        if tool not in own:
            continue
        for watch in registry.get(tool).watches:
            if watch.changed and own.get(tool) == theirs.get(tool):
                continue
            text = _watched(watch, runs, last)
            if text:
                flags.append(Flag("warning" if watch.warning else "note", text))
    # A tool that raises the failure hazard, or worsens another key measure.
    hazard = C.pick(ctx.metrics, "hazard")
    for key in ([hazard] if hazard else []) + [k for k in WATCHED if k in ctx.metrics]:
        row = ctx.row(name, key)
        if row is None or row.verdict.status != "material" or row.verdict.better >= 0:
            continue
        verb = "rose" if row.difference > 0 else "fell"
        subject = _subject(row.metric)
        if key == hazard:
            text = f"It raises {subject}: {ctx.from_to(row)} ({ctx.change(row)})."
        else:
            text = (
                f"Worse for the community: {subject} {verb} {ctx.from_to(row)} ({ctx.change(row)})."
            )
        flags.append(Flag("warning", text))
    investor = C.pick(ctx.metrics, "investor")
    row = ctx.row(name, investor) if investor else None
    if row is not None and math.isfinite(row.mean) and row.mean < 0:
        flags.append(
            Flag(
                "warning",
                f"Outside investors lost money: their return was "
                f"{ctx.value(investor, row.mean)} on average.",
            )
        )
    return flags


def _watched(watch: Watch, runs: pd.DataFrame, last: pd.DataFrame | None) -> str:
    """A watch's flag text for one scenario's runs, or "" when it does not fire."""
    if watch.kind == "never":
        if watch.column.endswith("*"):
            columns = [c for c in runs.columns if c.startswith(watch.column[:-1])]
            if not columns:
                return watch.message.format(count=0, runs=len(runs))
        elif watch.column in runs:
            columns = [watch.column]
        else:
            return ""
        values = runs[columns].apply(pd.to_numeric, errors="coerce")
        if not values.notna().to_numpy().any() and not watch.column.endswith("*"):
            return ""
        total = float(values.fillna(0.0).abs().to_numpy().sum())
        return watch.message.format(count=0, runs=len(runs)) if total == 0 else ""
    if last is None or watch.column not in last:
        return ""
    used = last[watch.column] < USED_UP
    if watch.paid is not None:
        if watch.paid not in last:
            return ""
        used &= last[watch.paid] > 0
    count = int(used.sum())
    return watch.message.format(count=count, runs=len(last)) if count else ""


def _last_months(timeseries: pd.DataFrame | None, name: str) -> pd.DataFrame | None:
    if timeseries is None or timeseries.empty or "scenario" not in timeseries:
        return None
    own = timeseries[timeseries["scenario"] == name]
    if own.empty:
        return None
    return own.sort_values("step").groupby("replicate").tail(1)


def _cap(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


@dataclass
class FirstScreen:
    """Everything the first screen shows: the metrics, the reference in one
    sentence, each scenario's rows and each other scenario's answer."""

    metrics: list[str]
    reference_line: str
    rows: dict[str, dict[str, Row]]
    answers: list[Answer]
    capital: float
    funds: int | None
    fund_capital: float | None


def first_screen(data: ReportData) -> FirstScreen:
    """The answer for each scenario against the reference (see the module docstring)."""
    ctx = _Context(data)
    reference_settings = data.scenarios.get(ctx.reference)
    answers = []
    for name in ctx.names:
        if name == ctx.reference:
            continue
        settings = data.scenarios.get(name)
        setting, details = describe_setting(
            settings, reference_settings, ctx.reference, ctx.currency
        )
        ctx.highlights = []
        clauses = [
            _generic_clause(ctx, name, "hazard"),
            _holder_clause(ctx, name),
            _investor_clause(ctx, name),
            _generic_clause(ctx, name, "parity"),
        ]
        body = "; ".join(c for c in clauses if c)
        subject = setting or name
        rows = {key: ctx.row(name, key) for key in ctx.metrics}
        answers.append(
            Answer(
                scenario=name,
                description=(settings or {}).get("description", ""),
                setting=setting,
                details=details,
                headline=f"{subject}: {body}." if body else f"{subject}.",
                flags=_flags(ctx, name),
                rows={k: r for k, r in rows.items() if r is not None},
                highlights=list(ctx.highlights),
            )
        )
    rows = {}
    for name in ctx.names:
        own = {key: ctx.row(name, key) for key in ctx.metrics}
        rows[name] = {k: r for k, r in own.items() if r is not None}
    setup = ctx.setups.get(ctx.reference)
    return FirstScreen(
        metrics=ctx.metrics,
        reference_line=_reference_line(ctx),
        rows=rows,
        answers=answers,
        capital=ctx.capital,
        funds=setup.funds if setup else None,
        fund_capital=setup.capital if setup else None,
    )


def answers(data: ReportData) -> list[Answer]:
    """The answer for each scenario other than the reference, in scenario order."""
    return first_screen(data).answers


def _reference_line(ctx: _Context) -> str:
    """The reference in one sentence: failure hazard, losses, investors' return."""
    name = ctx.reference
    parts = []
    hazard = C.pick(ctx.metrics, "hazard")
    row = ctx.row(name, hazard) if hazard else None
    if row is not None and math.isfinite(row.mean):
        parts.append(f"the {row.metric.label} was {ctx.value(hazard, row.mean)}")
    lost = [(h, ctx.row(name, f"lost_{h}")) for h in C.holders() if f"lost_{h}" in ctx.metrics]
    lost = [(h, r) for h, r in lost if r is not None and math.isfinite(r.mean)]
    if lost and all(r.mean == 0 for _, r in lost):
        parts.append("no holder lost anything in any run")
    else:
        verbs = dict.fromkeys(C.layers(), "paid")
        parts += [
            f"{C.holder_name(h)} {verbs.get(h, 'lost')} {ctx.value(r.key, r.mean)}"
            for h, r in lost
            if r.mean > 0
        ]
    investor = C.pick(ctx.metrics, "investor")
    row = ctx.row(name, investor) if investor else None
    if row is not None and math.isfinite(row.mean):
        value = ctx.value(investor, row.mean)
        parts.append(
            f"outside investors earned {value}"
            if row.mean >= 0
            else f"outside investors' return was {value}"
        )
    return f"In {name}, {_join(parts)}." if parts else ""
