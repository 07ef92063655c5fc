"""Risk-sharing instruments: one contract, one module each, registered by name.

The contract
============

An instrument is a class that derives from :class:`Instrument` and is registered
with :func:`register`. A scenario switches it on with a table named after it::

    [instruments.guarantee]
    coverage = 0.5

Each instrument declares

``name``
    The registry key (``[instruments.<name>]``).
``Params``
    A pydantic model (``extra="forbid"``) of its settings. The scenario's table is
    validated against it, so unknown keys and out-of-range values are rejected
    with the key path.

and may implement any of these hooks, which the engine calls in this order within
a month (each receives the :class:`~solsim.engine.economy.Economy`, and some a
context dict of phase arrays it may read and update in place):

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
``new_loans``        when funds grant loans. ``ctx["coop"]`` (co-ops, one loan
                     each) and ``ctx["fund"]`` name them; their terms are set.
``clearing``         after surplus split, before exit: act on the month's surplus
                     (mutual credit pays part of patronage in credit here).
                     Netting obligations belongs in ``settle``, before cash moves.
``losses``           when failing co-ops' loans default (at exit). ``ctx["coop"]``,
                     ``ctx["fund"]``, ``ctx["principal"]`` and ``ctx["loss"]``
                     (currency, per defaulted loan, net of recoveries) describe
                     them; an instrument that absorbs part of a loss (a guarantee)
                     pays the fund through the ledger and lowers ``ctx["loss"]``.
                     What is left goes through each fund's tranche waterfall.
``distress``         after exit. ``ctx["distressed"]`` (bool, per household); an
                     instrument may pay distressed households (mutual aid).
``record``           end of month: return a dict of metric columns for the
                     timeseries (floats; the same keys every month).
===================  ================================================================

Rules every instrument keeps:

* It reads and writes economy state only through whole arrays: no Python loop
  over agents.
* Money moves only through ``economy.ledger.transfer`` (cash, double entry) or
  ``economy.ledger.credit_transfer`` (mutual credit, sums to zero), never by
  writing balances directly.
* Randomness comes only from ``economy.rng`` (the engine's own phases draw from
  ``economy.streams``, so an instrument's draws never shift them).
* ``record`` returns the same keys every month, so the timeseries is rectangular.

Adding an instrument means writing one module that implements this contract and
adding one line to :data:`_BUILTIN` below (or calling :func:`register` from your
own package). Switched-on instruments run in ``_BUILTIN`` order, then others by
name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from solsim.engine.economy import Economy


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

    def __init__(self, params: InstrumentParams):
        self.params = params

    def setup(self, economy: Economy) -> None:
        """Prepare state before month 1."""

    def start_run(self, economy: Economy) -> None:
        """Restart tallies and commitments at the end of the burn-in."""

    def start_month(self, economy: Economy) -> None:
        """Act at the start of a month (after shocks and the labour market)."""

    def spending(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Cover part of households' essential shortfall."""

    def settle(self, economy: Economy) -> None:
        """Net or settle trade credit before it is paid in cash."""

    def new_loans(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """See loans just granted (mark them covered, change their terms)."""

    def losses(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Absorb part of the losses on defaulted loans."""

    def clearing(self, economy: Economy) -> None:
        """Settle or net obligations."""

    def distress(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Support distressed households."""

    def record(self, economy: Economy) -> dict[str, float]:
        """Metric columns for this month."""
        return {}


_REGISTRY: dict[str, type[Instrument]] = {}

# name -> module; modules are imported on first use so that a broken optional
# instrument cannot stop the core from importing.
_BUILTIN: dict[str, str] = {
    "first_loss": "solsim.engine.instruments.first_loss",
    "guarantee": "solsim.engine.instruments.guarantee",
    "patient_capital": "solsim.engine.instruments.patient_capital",
    "mutual_credit": "solsim.engine.instruments.mutual_credit",
    "timebank": "solsim.engine.instruments.timebank",
    "mutual_aid": "solsim.engine.instruments.mutual_aid",
}


def register(cls: type[Instrument]) -> type[Instrument]:
    """Register an instrument class under ``cls.name`` (usable as a decorator)."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"an instrument named {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtins() -> None:
    for name, module in _BUILTIN.items():
        if name not in _REGISTRY:
            importlib.import_module(module)


def available() -> list[str]:
    """Names of every registered instrument, sorted."""
    _load_builtins()
    return sorted(_REGISTRY)


def get(name: str) -> type[Instrument]:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown instrument {name!r}; valid: {', '.join(available()) or 'none'}"
        ) from None


def validate_instruments(tables: dict[str, Any]) -> dict[str, InstrumentParams]:
    """Validate ``[instruments.*]`` tables into each instrument's parameter model.

    Raises
    ------
    ValueError
        With the key path (``instruments.<name>.<key>``) and the reason.
    """
    _load_builtins()
    validated: dict[str, InstrumentParams] = {}
    for name, table in tables.items():
        if isinstance(table, InstrumentParams):
            validated[name] = table
            continue
        if name not in _REGISTRY:
            raise ValueError(
                f"instruments.{name}: unknown instrument; valid: {', '.join(available()) or 'none'}"
            )
        if table is None or table is True:
            table = {}
        if not isinstance(table, dict):
            raise ValueError(f"instruments.{name}: expected a table of settings")
        try:
            validated[name] = _REGISTRY[name].Params.model_validate(table)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc, message = [*first["loc"]], first["msg"].removeprefix("Value error, ")
            error = first.get("ctx", {}).get("error")
            if isinstance(error, ParamError):
                loc, message = [*loc, error.key], error.reason
            path = ".".join(str(part) for part in ("instruments", name, *loc))
            raise ValueError(f"{path}: {message}") from None
    return validated


def build(validated: dict[str, InstrumentParams]) -> list[Instrument]:
    """Instantiate switched-on instruments: built-ins in ``_BUILTIN`` order, then others by name.

    The order is fixed whatever was imported first, so hooks run in the same
    order in every process.
    """
    _load_builtins()
    builtin = list(_BUILTIN)
    names = sorted(
        validated,
        key=lambda name: (0, builtin.index(name), "") if name in builtin else (1, 0, name),
    )
    return [_REGISTRY[name](validated[name]) for name in names]
