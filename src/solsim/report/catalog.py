"""The metric catalogue: what each summary metric is called, its unit, which way is
better for the community, and how large a change must be to count.

Everything the report, its figures and the terminal tables say about a metric
comes from :data:`CATALOG` (the core's metrics, declared in
:mod:`solsim.engine.summaries`) or from the registered instruments'
declarations (:func:`declared`), so a metric is described in one place:

``label``
    What a reader calls it, without the unit (``co-op failure hazard``).
``short``
    A label of at most about 24 characters for terminal tables, with the unit.
``unit``
    One of :data:`UNITS`: how values and changes are written (a ``share`` is
    shown as % and its changes in percentage points, ``money`` with thousands
    separators and the scenario's currency label, ...).
``direction``
    +1 when more is better for the community, −1 when less is, 0 when it is
    neither (an investor's return, who among philanthropy, investors and an
    instrument's loss layer carries a loss). Only a metric with a direction is ever called
    better or worse, or coloured.
``material``
    The smallest change that counts, in the metric's own units (a fraction for
    shares and rates), or a fraction of a scale (``relative_to``): of the
    reference's mean (``"reference"``) or of the funds' total capital
    (``"capital"``). A change whose 95% interval excludes zero but that is
    smaller than this is reported as too small to matter, never as better or
    worse.

Some questions have several metrics, the better one not always computed:
:data:`PREFERENCES` lists, for each, the metrics in order of preference and
:func:`pick` takes the first one a table has (``investor_irr``, or
``investor_return`` in results written before summaries carried it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from solsim.engine import instruments
from solsim.engine.instruments.contract import Column, LossLayer
from solsim.engine.summaries import CF_PREFIX, SUMMARY_METRICS

#: How a unit is written: value suffix, change suffix, scale applied to both.
UNITS: dict[str, tuple[str, str, float]] = {
    "share": ("%", " pp", 100.0),
    "rate": ("% a year", " pp", 100.0),
    "money": ("", "", 1.0),
    "count": ("", "", 1.0),
    "months": (" months", " months", 1.0),
    "output_months": (" months of output", " months of output", 1.0),
    "index": ("", "", 1.0),
    "per_year": (" a year", " a year", 1.0),
    "ratio": ("×", "×", 1.0),
    "number": ("", "", 1.0),
}

Scale = Literal["reference", "capital"] | None


@dataclass(frozen=True)
class Metric:
    """One summary metric as the report describes it (see the module docstring)."""

    key: str
    label: str
    short: str
    unit: str
    direction: int = 0
    material: float = 0.0
    relative_to: Scale = None
    note: str = ""

    def threshold(self, reference_mean: float = math.nan, capital: float = math.nan) -> float:
        """The smallest change that counts, in the metric's own units (nan: unknown)."""
        if self.relative_to == "reference":
            return self.material * abs(reference_mean)
        if self.relative_to == "capital":
            return self.material * capital
        return self.material

    def threshold_text(self, reference_mean=math.nan, capital=math.nan, currency="") -> str:
        """The threshold as written in a table: ``0.50 pp``, ``5% of the reference``."""
        value = self.threshold(reference_mean, capital)
        if not math.isfinite(value):
            if self.relative_to == "reference":
                return f"{self.material * 100:g}% of the reference"
            return "—"
        return format_change(self, value, currency=currency, signed=False)


def from_column(column: Column, note: str = "") -> Metric:
    """The report's view of a declared metric (the core's or an instrument's)."""
    return Metric(
        column.name,
        column.label,
        (column.short or column.label)[:24],
        column.unit,
        column.sign,
        column.material,
        column.relative_to,
        note,
    )


NOTES: dict[str, str] = {
    "coop_hazard": "co-op failures per co-op-year over the run",
    "foreclosure_rate_market": "market owners with a mortgage displaced, per owner-year",
    "control_share": "homes held by community institutions, co-ops' assets and community "
    "funds' cash, over local assets",
    "coop_failure_hazard": "co-op failures per co-op-year over the run",
    "investor_irr": "money-weighted annual return of outside capital, on the dated monthly "
    "flows, the capital still at work valued at the end",
    "investor_return": "annualised total-value multiple of outside capital, to the end of the "
    "run (ignores when capital left; the IRR does not)",
    "return_parity": "the community's gain against the paired run without the instrument, per "
    "unit of the outside investors' net gain; 1 is equal, undefined when they gained nothing",
    "hazard_illiquid": "failures of firms that could not pay though they covered their costs, "
    "per firm-year",
    "hazard_insolvent": "failures of firms that did not cover their costs, per firm-year",
    "job_years_lost": "extra person-years of unemployment from the shock on, against the "
    "paired run without it (or the months before it)",
    "community_return": "wages from local co-ops and firms, patronage and deposit interest "
    "paid to households over the run (not outside wages or benefits)",
}
# The core's metrics, declared with their direction in the engine (one place,
# which robustness analysis reads too).
_METRICS = tuple(from_column(c, NOTES.get(c.name, "")) for c in SUMMARY_METRICS)

CATALOG: dict[str, Metric] = {m.key: m for m in _METRICS}

#: Questions answered by the first of several metrics that a table has.
PREFERENCES: dict[str, tuple[str, ...]] = {
    "hazard": ("coop_hazard", "coop_failure_hazard", "coop_failures"),
    "investor": ("investor_irr", "investor_return"),
    "parity": ("return_parity",),
}

#: Holder kinds of fund capital, in the order sentences name them; the holders
#: of the instruments' loss layers follow (:func:`holders`).
TRANCHE_HOLDERS: tuple[str, ...] = ("community", "philanthropic", "outside")
_HOLDER_NAMES: dict[str, str] = {
    "community": "community holders",
    "philanthropic": "philanthropy",
    "outside": "outside investors",
}
_HOLDER_POSSESSIVE: dict[str, str] = {
    "community": "their",
    "philanthropic": "its",
    "outside": "their",
}


def layers() -> dict[str, LossLayer]:
    """The registered instruments' loss-absorbing layers, by holder."""
    return {layer.holder: layer for _name, layer in instruments.loss_layers()}


def holders() -> tuple[str, ...]:
    """Every holder that can carry a loss: the tranches' kinds, then the layers' holders."""
    return TRANCHE_HOLDERS + tuple(h for h in layers() if h not in TRANCHE_HOLDERS)


def holder_name(holder: str) -> str:
    """A holder in words: ``community holders``, or a layer's declared name."""
    layer = layers().get(holder)
    return layer.name if layer is not None else _HOLDER_NAMES.get(holder, holder)


def holder_possessive(holder: str) -> str:
    return _HOLDER_POSSESSIVE.get(holder, "its")


def declared() -> dict[str, Metric]:
    """Metrics the registered instruments declare, by key.

    Each declared column gives its label, unit, direction and materiality;
    each loss layer a ``lost_<holder>`` row (what the layer paid, neither
    better nor worse for the community: it carries losses by design).
    """
    out: dict[str, Metric] = {}
    for _name, column in instruments.declared():
        out[column.name] = from_column(column)
    for holder, layer in layers().items():
        key = f"lost_{holder}"
        out[key] = Metric(key, f"paid by {layer.name}", f"lost: {holder}"[:24], "money",
                          0, 0.001, "capital")  # fmt: skip
    return out


def key_metrics() -> tuple[str, ...]:
    """The summarised columns the instruments mark as key, in hook order."""
    return tuple(c.name for _n, c in instruments.declared() if c.key and c.summary is not None)


def pick(columns, question: str) -> str | None:
    """The preferred metric for ``question`` (see :data:`PREFERENCES`) among ``columns``."""
    present = set(columns)
    return next((key for key in PREFERENCES[question] if key in present), None)


def info(key: str) -> Metric:
    """The catalogue entry of a metric; a plain one, guessed from the name, if absent."""
    if key in CATALOG:
        return CATALOG[key]
    found = declared().get(key)
    if found is not None:
        return found
    if key.startswith(CF_PREFIX):
        # A paired counterfactual's own figure: the metric's unit, no direction.
        own = info(key.removeprefix(CF_PREFIX))
        return Metric(key, f"{own.label} (paired run without)",
                      f"cf: {own.short}"[:24], own.unit, 0, own.material,
                      own.relative_to)  # fmt: skip
    name = key.removeprefix("mean_").replace("_", " ")
    if key.startswith("loss_"):
        tranche = key.removeprefix("loss_").replace("_", " ")
        return Metric(key, f"loss of the {tranche} tranche", f"loss: {tranche}"[:24], "money",
                      0, 0.001, "capital")  # fmt: skip
    if key.endswith(("_share", "_rate")) or "share" in key:
        return Metric(key, name, f"{name}, %"[:24], "share", 0, 0.005)
    if key.endswith(("_paid", "_return", "_written_off", "chargeoffs", "turnover", "arrears")):
        return Metric(key, name, name[:24], "money", 0, 0.01, "reference")
    return Metric(key, name, name[:24], "number", 0, 0.05, "reference")


def label(key: str, currency: str = "") -> str:
    """A metric's label with its unit, for tables and axes: ``output drawdown (%)``;
    counts and indices go without one (``co-op failures``, ``Gini at the end``)."""
    metric = info(key)
    unit = unit_name(metric, currency)
    return f"{metric.label} ({unit})" if unit else metric.label


def unit_name(metric: Metric, currency: str = "", change: bool = False) -> str:
    """The unit in words: ``%``, ``pp``, ``% a year``, ``months``, the currency, ..."""
    if metric.unit == "money":
        return currency or "currency units"
    if metric.unit in ("share", "rate"):
        if change:
            return "pp" if metric.unit == "share" else "pp a year"
        return UNITS[metric.unit][0].strip()
    return UNITS[metric.unit][1 if change else 0].strip()


# ------------------------------------------------------------------ numbers
MINUS = "−"


def _decimals(reference: float, significant: int = 2, most: int = 6) -> int:
    """Decimals that show ``significant`` digits of ``reference`` (none for big ones)."""
    if not math.isfinite(reference) or reference == 0:
        return 0
    return int(min(most, max(0, significant - 1 - math.floor(math.log10(abs(reference))))))


def plain(value: float, decimals: int, signed: bool = False) -> str:
    """A number with thousands separators, fixed decimals, a true minus sign, never
    in scientific notation; ``signed`` adds ``+`` to positive numbers."""
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return "0" if decimals == 0 else text
    if value < 0:
        return MINUS + text
    return "+" + text if signed else text


def number(value: float, significant: int = 3) -> str:
    """A level to about three significant digits: 0.301, 14.2, 25.9, 3,940,780."""
    if value is None or not math.isfinite(value):
        return "—"
    if abs(value) >= 100 or float(value).is_integer():
        return plain(value, 0)
    return plain(value, _decimals(value, significant, most=6))


def money(
    value: float,
    currency: str = "",
    signed: bool = False,
    decimals: int | None = None,
    millions: bool | None = None,
) -> str:
    """Money with the currency label: ``£79,515``, ``−1.07 million EUR``, ``80,000``.

    A label that is a symbol (``£``, ``$``) goes before the number, a word or
    code (``EUR``) after it; amounts of a million or more are written in millions.
    """
    if value is None or not math.isfinite(value):
        return "—"
    if millions is None:
        millions = abs(value) >= 1e6
    if decimals is None:
        if millions:
            decimals = 2 if abs(value) < 1e7 else 1
        else:
            whole = abs(value) >= 100 or float(value).is_integer()
            decimals = 0 if whole else _decimals(value, 3, most=2)
    text = plain(value / 1e6 if millions else value, decimals, signed)
    sign = text[0] if text[0] in "+" + MINUS else ""
    digits = text[len(sign) :] + (" million" if millions else "")
    if currency and not currency[0].isalpha():
        return f"{sign}{currency}{digits}"
    return f"{sign}{digits} {currency}" if currency else f"{sign}{digits}"


def format_value(metric: Metric | str, value: float, currency: str = "", bare: bool = False) -> str:
    """A level with its unit: ``11.9%``, ``3.65% a year``, ``14.2 months``, ``£79,515``.

    ``bare`` leaves out words a table's row label already gives (``3.65%``,
    ``14.2``); a percent sign and the currency stay.
    """
    metric = info(metric) if isinstance(metric, str) else metric
    if value is None or not math.isfinite(value):
        return "—"
    if metric.unit == "money":
        return money(value, currency)
    suffix, _, scale = UNITS[metric.unit]
    if bare:
        suffix = "%" if suffix.startswith("%") else ""
    scaled = value * scale
    if metric.unit in ("share", "rate"):
        decimals = 1 if abs(scaled) >= 10 else (3 if 0 < abs(scaled) < 0.1 else 2)
        return plain(scaled, decimals) + suffix
    return number(scaled) + suffix


def change_decimals(metric: Metric, *values: float) -> tuple[int, bool]:
    """Decimals shared by a change and its interval, and whether money is written
    in millions.

    ``values`` are the change and, optionally, the interval's two ends: two
    significant digits of the interval's half-width (of the change itself
    without an interval).
    """
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    millions = metric.unit == "money" and bool(finite) and max(finite) >= 1e6
    scale = 1e-6 if millions else UNITS[metric.unit][2]
    d, *interval = values
    half = (interval[1] - interval[0]) / 2 if len(interval) == 2 else math.nan
    if math.isfinite(half) and half > 0:
        reference = half
    else:
        reference = d if d is not None and math.isfinite(d) else 0.0
    return _decimals(reference * scale, 2, most=4), millions


def format_change(
    metric: Metric | str,
    value: float,
    *,
    currency: str = "",
    decimals: int | None = None,
    millions: bool | None = None,
    signed: bool = True,
    unit: bool = True,
) -> str:
    """A change with its unit: ``+0.45 pp``, ``−5.5``, ``+£44,158``, ``−1.07 million``."""
    metric = info(metric) if isinstance(metric, str) else metric
    if value is None or not math.isfinite(value):
        return "—"
    if decimals is None:
        decimals, millions = change_decimals(metric, value)
    if metric.unit == "money":
        return money(value, currency, signed=signed, decimals=decimals, millions=millions)
    _, suffix, scale = UNITS[metric.unit]
    return plain(value * scale, decimals, signed) + (suffix if unit else "")


def format_interval(
    metric: Metric | str, d: float, low: float, high: float, currency: str = ""
) -> tuple[str, str]:
    """A change and its interval: (``−0.24 pp``, ``95% CI −0.78 to +0.30``)."""
    metric = info(metric) if isinstance(metric, str) else metric
    decimals, millions = change_decimals(metric, d, low, high)
    same = {"currency": currency, "decimals": decimals, "millions": millions}
    change = format_change(metric, d, **same)
    if not (math.isfinite(low) and math.isfinite(high)):
        return change, "one pair: no interval"
    # Money keeps its label and "million" at both ends; other units are those of the change.
    unit = metric.unit == "money"
    lo = format_change(metric, low, unit=unit, **same)
    hi = format_change(metric, high, unit=unit, **same)
    return change, f"95% CI {lo} to {hi}"


# ------------------------------------------------------------------ verdicts
@dataclass(frozen=True)
class Verdict:
    """What a paired difference says.

    ``status`` is ``same`` (identical in every run), ``single`` (one pair, no
    interval), ``undetectable`` (the interval includes 0), ``small`` (it
    excludes 0, but the change is below the materiality threshold) or
    ``material``. ``better`` is +1 / −1 for a material change of a metric with
    a direction, 0 otherwise.
    """

    status: str
    better: int = 0

    @property
    def detectable(self) -> bool:
        return self.status in ("small", "material")

    @property
    def css(self) -> str:
        """``good``, ``bad``, ``sig`` (material, no direction) or ``""``."""
        if self.status != "material":
            return ""
        return {1: "good", -1: "bad"}.get(self.better, "sig")


def verdict(
    metric: Metric | str,
    difference: float,
    low: float,
    high: float,
    reference_mean: float = math.nan,
    capital: float = math.nan,
) -> Verdict:
    """Judge a paired difference with its 95% interval (see :class:`Verdict`)."""
    metric = info(metric) if isinstance(metric, str) else metric
    if not math.isfinite(difference):
        return Verdict("undetectable")
    if difference == 0 and low == 0 and high == 0:
        return Verdict("same")
    if not (math.isfinite(low) and math.isfinite(high)):
        return Verdict("single")
    if low <= 0 <= high:
        return Verdict("undetectable")
    threshold = metric.threshold(reference_mean, capital)
    if math.isfinite(threshold) and abs(difference) < threshold:
        return Verdict("small")
    sign = 1 if difference > 0 else -1
    return Verdict("material", sign * metric.direction)
