"""Mesa agents as thin facades over the engine's arrays.

Each agent holds only its position (``index``) within its kind; every attribute
reads the arrays of :class:`~solsim.engine.economy.Economy`, so a Mesa user can
query ``model.agents_by_type[Household]``, use AgentSet methods and collect
attributes with ``mesa.DataCollector`` while the engine keeps stepping the
arrays. Money attributes are read-only: money moves only through the ledger.
Behavioural settings (a household's essential spending, a co-op's wage) can be
written and the engine uses them from the next month on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from solsim.engine.codes import OUTSIDE, UNEMPLOYED
from solsim.engine.ledger import CENTS

if TYPE_CHECKING:
    from solsim.engine.economy import Economy


class _Facade(mesa.Agent):
    """Common part: the index, the economy, and the ledger account."""

    kind: str = ""

    def __init__(self, model: mesa.Model, index: int):
        # ``model`` is a :class:`solsim.model.SolidarityEconomy` (which imports this
        # module, so the facades name it only in words): it holds ``economy``.
        super().__init__(model)
        self.index = int(index)

    @property
    def economy(self) -> Economy:
        return self.model.economy

    @property
    def account(self) -> int:
        return self.economy.ledger.block(self._block).start + self.index

    _block = ""

    @property
    def cash(self) -> float:
        """Cash balance, in currency."""
        return float(self.economy.ledger.cash[self.account]) / CENTS

    @property
    def mc_balance(self) -> float:
        """Mutual-credit balance (0 where the agent does not take part)."""
        return float(self.economy.ledger.credit[self.account]) / CENTS

    def __getattr__(self, name: str):
        # Attributes instruments declare (``agent_attributes``): the running
        # instrument's value, or 0.0 when the instrument is off.
        if name.startswith("_") or "model" not in self.__dict__:
            raise AttributeError(name)
        for instrument in self.economy.instruments:
            if name in instrument.agent_attributes:
                return instrument.agent_value(self.economy, name, self.account)
        # Not running: declared by an instrument that is off, or nobody's.
        from solsim.engine.instruments import registry

        if any(name in registry.get(n).agent_attributes for n in registry.available()):
            return 0.0
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def net_worth(self) -> float:
        return self.cash + self.mc_balance

    def __repr__(self) -> str:
        return f"{type(self).__name__}(index={self.index}, cash={self.cash:.2f})"


class Household(_Facade):
    """A household: cash, deposits, mutual credit, work and spending needs."""

    kind = "household"
    _block = "households"

    @property
    def deposit(self) -> float:
        return float(self.economy.hh_deposit[self.index]) / CENTS

    @property
    def net_worth(self) -> float:
        """Cash + deposit + mutual credit + equal share of its co-op's net worth."""
        return float(self.economy.household_net_worth()[self.index])

    @property
    def employer(self) -> Coop | Firm | None:
        """The co-op or conventional firm this household works in, or None (outside job or none)."""
        employer = int(self.economy.hh_employer[self.index])
        return self.model.firm_agent(employer) if employer >= 0 else None

    @property
    def employment(self) -> str:
        """``"coop"``, ``"firm"`` (a conventional firm), ``"outside"`` or ``"unemployed"``."""
        employer = int(self.economy.hh_employer[self.index])
        if employer >= 0:
            return "coop" if self.economy.firm_is_coop[employer] else "firm"
        return {OUTSIDE: "outside", UNEMPLOYED: "unemployed"}[employer]

    @property
    def income(self) -> float:
        return float(self.economy.hh_income[self.index])

    @property
    def distressed(self) -> bool:
        return bool(self.economy.hh_distressed[self.index])

    @property
    def community(self) -> int:
        return int(self.economy.hh_community[self.index])

    @property
    def essential_spending(self) -> float:
        return float(self.economy.hh_essential[self.index])

    @essential_spending.setter
    def essential_spending(self, value: float) -> None:
        self.economy.hh_essential[self.index] = max(float(value), 0.0)

    @property
    def housing_cost(self) -> float:
        return float(self.economy.hh_housing[self.index])

    @housing_cost.setter
    def housing_cost(self, value: float) -> None:
        self.economy.hh_housing[self.index] = max(float(value), 0.0)


class _Firm(_Facade):
    """What both kinds of firm share; ``index`` is the firm's row in the firm arrays."""

    _block = "firms"

    @property
    def active(self) -> bool:
        return bool(self.economy.firm_active[self.index])

    @property
    def members(self) -> int:
        return int((self.economy.hh_employer == self.index).sum())

    @property
    def wage(self) -> float:
        return float(self.economy.firm_wage[self.index])

    @wage.setter
    def wage(self, value: float) -> None:
        self.economy.firm_wage[self.index] = max(float(value), 0.0)

    @property
    def revenue(self) -> float:
        return float(self.economy.firm_revenue[self.index])

    @property
    def reserves(self) -> float:
        return float(self.economy.firm_reserves[self.index])

    @property
    def loan(self) -> float:
        """Loan principal outstanding."""
        e = self.economy
        return float(e.loan_principal[self.index]) / CENTS if e.loan_active[self.index] else 0.0

    @property
    def community(self) -> int:
        return int(self.economy.firm_community[self.index])

    @property
    def age(self) -> int:
        """Months since this co-op (or the one refounded in its place) started."""
        return int(self.economy.firm_age[self.index])

    @property
    def net_worth(self) -> float:
        return float(self.economy.firm_net_worth()[self.index])


class Coop(_Firm):
    """A worker co-operative: cash, members, sales, reserves and its loan."""

    kind = "coop"


class Firm(_Firm):
    """A conventional local firm: cash, staff, sales and its owner.

    Its staff are its ``members`` (employees: they own none of it); its
    dividends go to its owner, outside the community unless ``firms.owner``
    is ``"local"``.
    """

    kind = "firm"

    @property
    def owner(self) -> int | None:
        """The household that owns it, or None when it is owned outside the community."""
        owner = int(self.economy.firm_owner[self.index])
        return owner if owner >= 0 else None


class Fund(_Facade):
    """A community loan fund: cash, loan book, deposits and capital stack."""

    kind = "fund"
    _block = "funds"

    @property
    def loans_outstanding(self) -> float:
        return float(self.economy.fund_loans()[self.index]) / CENTS

    @property
    def deposits(self) -> float:
        return float(self.economy.fund_deposits()[self.index]) / CENTS

    @property
    def cumulative_loss(self) -> float:
        """Net charge-offs to date: defaulted principal less recoveries (before any
        layer absorbed them)."""
        return float(self.economy.fund_cum_loss[self.index])

    @property
    def allowance(self) -> float:
        """The loan-loss allowance set aside against its loans (currency)."""
        return float(self.economy.books.allowance[self.index]) / CENTS

    @property
    def net_assets(self) -> float:
        """Its own equity: cash + loans − allowance − deposits − interest owed −
        capital at work in its tranches (see ``solsim.engine.fund_books``)."""
        return float(self.economy.fund_net_assets()[self.index])

    @property
    def defaulted_principal(self) -> float:
        """Principal of every loan that has defaulted, before any recovery."""
        return float(self.economy.fund_gross_loss[self.index])

    @property
    def controlled_by(self) -> str:
        """Who holds the majority of its votes: ``"community"`` (also when no
        instrument puts its policy to a vote) or ``"investor"``."""
        return str(self.economy.fund_governance[self.index])

    @property
    def net_worth(self) -> float:
        """Cash + loans − deposits: what its capital holders own."""
        return self.cash + self.mc_balance + self.loans_outstanding - self.deposits


class Investor(_Facade):
    """A capital holder in fund tranches; outside investors' returns leave the economy.

    Investors ``0..I-1`` are outside investors; then one community holder per fund
    (the community's own pooled capital), which is local.
    """

    kind = "investor"

    @property
    def local(self) -> bool:
        return self.index >= self.economy.n_outside_investors

    @property
    def account(self) -> int:
        return int(self.economy.investor_account(self.index))

    @property
    def capital(self) -> float:
        """Balance of the tranches it holds (after losses and redemptions)."""
        t = self.economy.tranches
        return float(t.holdings.T.dot(t.balance)[self.index])

    @property
    def net_worth(self) -> float:
        return self.cash + self.capital


class Guarantor(_Facade):
    """A foundation or public agency whose reserve backs guarantees."""

    kind = "guarantor"
    _block = "guarantors"

    @property
    def reserve(self) -> float:
        return self.cash
