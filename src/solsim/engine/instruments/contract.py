"""The instrument contract: what one module declares to be a whole instrument.

An instrument is one module holding a class that derives from :class:`Instrument`
and is registered by name (:mod:`solsim.engine.instruments.registry`). A
scenario switches it on with a table named after it::

    [instruments.guarantee]
    coverage = 0.5

Nothing outside the instrument's module names it: the engine runs its hooks,
the run's timeseries and summaries take its declared columns, and comparisons,
sensitivity, the report and the dashboard read its declarations.

What an instrument declares
===========================

``name``
    The registry key (``[instruments.<name>]``).
``Params``
    A pydantic model (derived from :class:`InstrumentParams`) of its settings.
    The scenario's table is validated against it, so unknown keys and
    out-of-range values are rejected with the key path.
``columns``
    The timeseries columns its ``record`` hook writes, each a :class:`Column`:
    label, unit, direction for the community (``better`` when higher is better,
    ``worse`` when higher is worse, ``neutral``), how a run is summarised
    (``final``, ``sum``, ``mean``, ``peak``; the summary carries the column's
    name), whether it belongs among the metrics comparisons and the report
    show first (``key``), and its value in runs where the instrument is off
    (``off``; such a column is in every run's timeseries, so scenarios with and
    without the instrument compare pair by pair).
``control``
    Its key setting for a dashboard control (a :class:`Control`), or None for an
    on/off switch.
``loss_layers``
    The layers it adds to the funds' loss identity (:class:`LossLayer`): who
    absorbs part of a loss (a guarantor), the column that sums what it paid,
    and how large its commitment is. The report's losses table sums the
    tranches' losses and the declared layers.
``watches``
    Surprises the report flags (:class:`Watch`): a reserve run out, a tool
    that had nothing to do.
``agent_attributes`` and ``agent_value``
    Attributes the instrument adds to the Mesa agent facades (a timebank's
    ``timebank_hours``), so ``model.agents`` and a DataCollector can read them;
    0.0 in runs without the instrument.
``household_claims``
    Optional: what each household owns of money the instrument holds in its
    own accounts (a mutual-aid pool's balance, shared among its members),
    in currency. Household net worth, and so the wealth Gini, counts it.
``describe`` and ``capital_stack``
    Class methods the report calls to put the settings in words and to know
    the capital stacks the instrument sets (defaults: the settings as
    ``key value`` pairs; no stack).

Its **state** is its own: arrays and tallies live on the instrument object
(``self``), which the engine keeps for the whole run; the instrument reads the
economy's arrays and writes only through its hooks. Its **ledger blocks**
(pools, intertrading accounts) are added in ``setup`` with
``economy.ledger.add_block``.

Hooks
=====

An instrument may implement any of these hooks; the engine calls them in this
order within a month. Each receives the :class:`~solsim.engine.economy.Economy`,
and some a context dict of phase arrays it may read and update in place.

===================  ================================================================
hook                 called
===================  ================================================================
``setup``            once, after the economy is built and before month 1: add ledger
                     blocks (pools, intertrading accounts), set capital stacks or
                     lending terms.
``start_run``        once, at the end of the burn-in (``scenario.burn_in`` > 0),
                     before month 1: zero cumulative tallies and restore what
                     the instrument committed (a guarantor's reserve), so that
                     month 1 starts from the steady state with the instrument
                     as the scenario sets it.
``start_month``      after shocks and the labour market, before wages.
``wages``            when firms pay wages, after they drew on the bank. ``ctx["due"]``
                     (cents per firm: the wage bill at planned pay) and
                     ``ctx["planned"]`` (the planned share of full pay); an
                     instrument that pays part of it in another medium (mutual
                     credit) adds what each firm paid to ``ctx["paid"]`` and what
                     each household received to ``ctx["per_worker"]`` (cents); the
                     firm pays the rest in cash, as far as its cash goes.
``spending``         after households spent their cash. ``ctx["shortfall"]``
                     (float, per household) is essential spending not yet covered;
                     an instrument that pays part of it lowers it. Households whose
                     shortfall stays positive are distressed this month.
                     ``ctx["coop_sales"]`` (co-ops' local sales, currency; add to it
                     in place) and ``ctx["purchases"]`` (cents each household paid
                     each co-op, aligned with ``economy.purchase.data``).
``settle``           in debt service, after this month's input invoices were booked
                     (``economy.payable``, cents per supply edge) and before trade
                     credit is paid in cash: net obligations or pay part of them in
                     another medium (mutual credit), lowering ``economy.payable``.
``decide``           at the start of the funds' month, before deposit interest and
                     lending: set fund policy (``economy.fund_rate``,
                     ``fund_buffer_months``, ``fund_refound``, ``fund_priority``,
                     ``fund_net_asset_target``, ``fund_governance``).
``payout``           when funds pay out net assets above their target.
                     ``ctx["payout"]`` (currency per fund) is what they will pay
                     households; an instrument that takes part of it moves the
                     money out of the fund through the ledger and lowers it.
``new_loans``        when funds grant loans. ``ctx["coop"]`` (co-ops, one loan
                     each) and ``ctx["fund"]`` name them; their terms are set.
``clearing``         after surplus split, before exit: act on the month's surplus
                     (mutual credit pays part of patronage in credit here).
                     Netting obligations belongs in ``settle``, before cash moves.
``losses``           when failing co-ops' loans default (at exit), after the funds'
                     allowance and net assets have taken what they can.
                     ``ctx["coop"]``, ``ctx["fund"]``, ``ctx["principal"]`` and
                     ``ctx["loss"]`` (currency, per defaulted loan, net of
                     recoveries) describe them; ``ctx["remaining"]`` (``int64``
                     cents per fund) is the loss still to absorb. An instrument
                     with a layer (a guarantee, declared in ``loss_layers``) pays
                     funds through the ledger and lowers ``ctx["remaining"]`` by
                     exactly what it paid each; the rest reaches the tranches and
                     the backstop (:mod:`solsim.engine.fund_books`).
``distress``         after exit. ``ctx["distressed"]`` (bool, per household); an
                     instrument may pay distressed households (mutual aid).
``housing_arrears``  after the month's arrears are booked, before anyone is
                     displaced. ``ctx["displaced"]`` (indices of households
                     behind on housing for ``eviction_months``): an instrument
                     that houses some (``economy.hh_housing_payee`` is its
                     account) may cure their arrears through the ledger, hold
                     off, or add its own foreclosures, replacing the array.
``arrivals``         after displaced households and movers left. ``ctx["arrived"]``
                     (indices whose places newcomers now hold; the market
                     houses them) and ``ctx["displaced"]``: an instrument may
                     house newcomers in the homes it holds.
``record``           end of month: return the declared columns' values (floats; the
                     same keys every month).
===================  ================================================================

Rules every instrument keeps:

* It reads and writes economy state only through whole arrays: no Python loop
  over agents.
* Money moves only through ``economy.ledger.transfer`` (cash, double entry) or
  ``economy.ledger.credit_transfer`` (mutual credit, sums to zero), never by
  writing balances directly.
* Randomness comes only from ``economy.rng`` or a stream of its own,
  ``economy.stream("<name>")`` (the engine's own phases draw from
  ``economy.streams``, so an instrument's draws never shift them).
* ``record`` returns exactly the declared columns, every month.

A new instrument is one module implementing this contract, registered with
:func:`~solsim.engine.instruments.registry.register` or announced to every
process through the ``solsim.instruments`` entry-point group (see
``docs/instruments.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = [
    "DIRECTIONS",
    "SUMMARIES",
    "UNITS",
    "Column",
    "Control",
    "Described",
    "Instrument",
    "InstrumentParams",
    "LossLayer",
    "ParamError",
    "Watch",
    "percent",
    "summarise",
]

#: Units a column may declare: how the report writes its values and changes.
UNITS: tuple[str, ...] = (
    "share",
    "rate",
    "money",
    "count",
    "months",
    "output_months",
    "index",
    "per_year",
    "ratio",
    "number",
)

Direction = Literal["better", "worse", "neutral"]
#: Which way is better for the community, as a sign: higher better (+1), worse (−1).
DIRECTIONS: dict[str, int] = {"better": 1, "worse": -1, "neutral": 0}

Summary = Literal["final", "sum", "mean", "peak"]
#: How a run's monthly column becomes one number.
SUMMARIES: tuple[str, ...] = ("final", "sum", "mean", "peak")


def summarise(values: ArrayLike, rule: str) -> float | None:
    """One number for a run's monthly column by a summary rule.

    ``final`` is the last month's value; ``sum``, ``mean`` and ``peak`` skip
    months without a value (NaN). None when no month has one.

    >>> summarise([1.0, 3.0, 2.0], "peak"), summarise([1.0, 3.0, 2.0], "sum")
    (3.0, 6.0)
    """
    series = np.asarray(values, dtype=np.float64)
    if rule not in SUMMARIES:
        raise ValueError(f"unknown summary rule {rule!r}; valid: {', '.join(SUMMARIES)}")
    if rule == "final":
        value = series[-1] if series.size else np.nan
    else:
        known = series[~np.isnan(series)]
        if not known.size:
            return None
        value = {"sum": np.sum, "mean": np.mean, "peak": np.max}[rule](known)
    return None if np.isnan(value) else float(value)


@dataclass(frozen=True)
class Column:
    """One timeseries column an instrument (or the core) declares.

    Parameters
    ----------
    name
        The column's key in the timeseries (and in summaries when ``summary`` is set).
    label
        What a reader calls it, without the unit (``guarantee payouts``).
    unit
        One of :data:`UNITS`.
    direction
        ``better`` when more is better for the community, ``worse`` when less is,
        ``neutral`` otherwise. Only a column with a direction is called better
        or worse in a comparison.
    summary
        How a run is summarised (one of :data:`SUMMARIES`), or None for a column
        kept in the timeseries only.
    key
        Whether the summary belongs among the metrics comparisons, the report's
        tables and figures and the dashboard show first.
    off
        The column's value in runs where the instrument is off, or None to leave
        it out of those runs.
    short
        A label of at most about 24 characters for terminal tables (default: the label).
    plain
        Everyday words for a workshop's dashboard (``paid by the guarantor``;
        default: the label).
    material
        The smallest change that counts, in the column's units or as a fraction
        of ``relative_to``.
    relative_to
        ``"reference"`` (the reference scenario's mean), ``"capital"`` (the
        funds' total capital) or None (``material`` is absolute).
    power
        Which of the due-diligence questions the summary answers in the report's
        "who decides, who benefits, who carries the risk" section: ``decides``,
        ``benefits`` or ``risk`` (None: none of them).
    """

    name: str
    label: str
    unit: str = "number"
    direction: Direction = "neutral"
    summary: Summary | None = None
    key: bool = False
    off: float | None = None
    short: str = ""
    plain: str = ""
    material: float = 0.01
    relative_to: Literal["reference", "capital"] | None = "reference"
    power: Literal["decides", "benefits", "risk"] | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"column {self.name!r}: unit {self.unit!r}; valid: {UNITS}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"column {self.name!r}: direction {self.direction!r}")
        if self.summary is not None and self.summary not in SUMMARIES:
            raise ValueError(f"column {self.name!r}: summary {self.summary!r}")

    @property
    def sign(self) -> int:
        """+1, −1 or 0: the direction as a sign."""
        return DIRECTIONS[self.direction]


@dataclass(frozen=True)
class Control:
    """An instrument's key setting, as a dashboard control.

    Parameters
    ----------
    setting
        The parameter the control sets (a numeric field of ``Params``), or
        None for an on/off switch. A value of 0 switches the instrument off.
    label
        The control's title (``Loan guarantee``).
    unit
        How its value reads, with ``{}`` for the number (``{}% of each defaulted loan``).
    help
        One or two sentences: what the instrument does.
    get
        Optional: the control's value from a validated ``Params`` (for a setting
        that is not one field, e.g. a tranche's share).
    set
        Optional: the instrument's table from the scenario's table (or ``{}``) and
        the control's value.
    high
        Optional: the control's upper end (default: from the field's bounds).
    """

    setting: str | None
    label: str
    unit: str = "{}"
    help: str = ""
    get: Callable[[Any], float] | None = None
    set: Callable[[dict[str, Any], float], dict[str, Any]] | None = None
    high: float | None = None


@dataclass(frozen=True)
class LossLayer:
    """A layer that absorbs part of the funds' losses, between their own net assets
    and their tranches (:mod:`solsim.engine.fund_books`).

    Parameters
    ----------
    holder
        Who carries the layer (``guarantor``): the losses table calls its column
        ``lost_<holder>``.
    name
        The holder in words (``the guarantor``).
    column
        The cumulative column of what the layer paid (a column the instrument
        declares).
    size
        The layer's commitment from the instrument's settings and the economy's
        size (``Params``, ``n_funds``, ``n_guarantors`` → currency), or None.
    layer
        The layer's name in the funds' loss identity: the engine reports what
        it absorbed as ``absorbed_<layer>`` (the guarantee's is ``guarantee``).
        The instrument's ``losses`` hook lowers ``ctx["remaining"]`` (``int64``
        cents per fund) by exactly what it paid into each fund.
    """

    holder: str
    name: str
    column: str
    size: Callable[[Any, int, int], float] | None = None
    layer: str = ""

    def __post_init__(self) -> None:
        if not self.layer:
            object.__setattr__(self, "layer", self.holder)


@dataclass(frozen=True)
class Watch:
    """A surprise the report flags in a scenario with the instrument switched on.

    Parameters
    ----------
    kind
        ``ran_out``: in how many runs the column's last month is below one
        currency unit (a reserve or a cap used up); ``never``: the column's
        summary is zero in every run (the instrument had nothing to do).
    column
        The column watched; a name ending in ``*`` watches every summary column
        with that prefix (``loss_*``: every tranche's loss).
    message
        The flag's text; ``{count}`` and ``{runs}`` are filled in.
    paid
        ``ran_out`` only: count only runs in which this column is positive.
    changed
        Flag only when the scenario's settings of the instrument differ from the
        reference's.
    warning
        A warning (True) or a note (False).
    """

    kind: Literal["ran_out", "never"]
    column: str
    message: str
    paid: str | None = None
    changed: bool = False
    warning: bool = True


@dataclass(frozen=True)
class Described:
    """What the report knows when it puts an instrument's settings in words.

    ``funds`` and ``capital`` (per fund, currency) are the economy's;
    ``money`` writes an amount with the scenario's currency; ``layer`` is the
    instrument's loss layer's size (None without one).
    """

    funds: int
    capital: float
    money: Callable[[float], str]
    layer: float | None = None

    @property
    def total_capital(self) -> float:
        return self.funds * self.capital


def percent(fraction: float) -> str:
    """A fraction as a percentage in words: ``0.1`` → ``10%``."""
    return f"{float(fraction) * 100:g}%"


class InstrumentParams(BaseModel):
    """Base of every instrument's settings: unknown keys are errors, numbers must
    be finite and types are strict (as in :mod:`solsim.engine.params`)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ParamError(ValueError):
    """A bad setting found by a whole-table check, with its key path in the table.

    Raise it from a ``Params`` validator so the user sees the exact key, e.g.
    ``ParamError("tranches.1.attachment", "overlaps tranche 'junior' [0, 0.1]")``
    becomes ``instruments.first_loss.tranches.1.attachment: overlaps ...``.
    """

    def __init__(self, key: str, reason: str):
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class Instrument:
    """Base class of the instrument contract (all hooks are no-ops by default)."""

    name: ClassVar[str] = ""
    Params: ClassVar[type[InstrumentParams]] = InstrumentParams
    columns: ClassVar[tuple[Column, ...]] = ()
    control: ClassVar[Control | None] = None
    loss_layers: ClassVar[tuple[LossLayer, ...]] = ()

    watches: ClassVar[tuple[Watch, ...]] = ()
    #: Attributes the instrument adds to every Mesa agent facade (names; 0.0
    #: when the instrument is off or the agent takes no part), read through
    #: :meth:`agent_value`.
    agent_attributes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: InstrumentParams):
        self.params = params

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        """The instrument's settings in words: a short phrase that can start a
        sentence (``a 50% loan guarantee``) and a detail line.

        ``settings`` is the scenario's validated table, as plain data.
        """
        label = cls.control.label if cls.control is not None else cls.name.replace("_", " ")
        shown = ", ".join(f"{key} {value}" for key, value in settings.items())
        return label[0].lower() + label[1:], f"{label[0].lower() + label[1:]}: {shown}"

    @classmethod
    def capital_stack(
        cls, settings: Mapping[str, Any], n_funds: int
    ) -> dict[int, list[tuple[str, str, float]]]:
        """The capital stacks the instrument sets, for the report's loss tables.

        Returns, for each fund whose stack it replaces, its tranches junior first
        as ``(name, holder kind, share of the fund's capital)``.
        """
        return {}

    def setup(self, economy: Economy) -> None:
        """Prepare state before month 1."""

    def start_run(self, economy: Economy) -> None:
        """Restart tallies and commitments at the end of the burn-in."""

    def start_month(self, economy: Economy) -> None:
        """Act at the start of a month (after shocks and the labour market)."""

    def wages(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Pay part of the wages that cash and bank credit cannot cover."""

    def spending(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Cover part of households' essential shortfall."""

    def settle(self, economy: Economy) -> None:
        """Net or settle trade credit before it is paid in cash."""

    def new_loans(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """See loans just granted (mark them covered, change their terms)."""

    def payout(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Take part of the funds' surplus payout (``ctx["payout"]``, currency per fund)."""

    def decide(self, economy: Economy) -> None:
        """Set the funds' policies before they act this month (rate, screen, ...)."""

    def losses(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Absorb part of the losses on defaulted loans."""

    def clearing(self, economy: Economy) -> None:
        """Settle or net obligations."""

    def distress(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Support distressed households."""

    def housing_arrears(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Cure, hold off or add to the month's displacements of households it houses."""

    def arrivals(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """House newcomers in the homes it holds."""

    def record(self, economy: Economy) -> dict[str, float]:
        """The declared columns' values this month."""
        return {}

    def household_claims(self, economy: Economy) -> np.ndarray | None:
        """Each household's claim on money the instrument holds (currency), or None.

        :meth:`~solsim.engine.economy.Economy.household_net_worth` adds it, so
        balances an instrument holds for its members (a pool) count as theirs.
        """
        return None

    def agent_value(self, economy: Economy, name: str, account: int) -> float:
        """The value of one of :attr:`agent_attributes` for the agent whose money
        ledger account is ``account``."""
        raise AttributeError(name)
