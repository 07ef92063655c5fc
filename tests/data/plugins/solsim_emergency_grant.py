"""An instrument from outside solsim: emergency grants to households in distress.

A foundation outside the community pays each household that cannot cover its
essentials this month what it is short, up to ``amount``; the household spends
the grant on those essentials at once, like its other spending. The package
announces the instrument through the ``solsim.instruments`` entry point (see
``solsim_emergency_grant-0.1.dist-info/entry_points.txt``); nothing in solsim
names it.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field

from solsim.engine.instruments import Column, Control, Instrument, InstrumentParams
from solsim.engine.ledger import CENTS
from solsim.engine.phases import spend_locally


class EmergencyGrantParams(InstrumentParams):
    amount: Annotated[float, Field(ge=0.0, le=10_000.0)] = 300.0


class EmergencyGrant(Instrument):
    """Grants from outside to households short of essentials."""

    name = "emergency_grant"
    Params = EmergencyGrantParams
    columns = (
        Column("grant_paid", "emergency grants paid", "money", summary="final", key=True,
               off=0.0, plain="paid in emergency grants"),
        Column("grant_households", "households granted this month", "count", summary="mean"),
    )  # fmt: skip
    control = Control(
        "amount",
        "Emergency grant",
        "up to {} a month per household",
        "A foundation pays households short of essentials what they lack, up to this amount.",
    )

    def setup(self, economy) -> None:
        self.paid = 0.0
        self.granted = 0

    def start_run(self, economy) -> None:
        self.paid = 0.0

    def distress(self, economy, ctx: dict[str, Any]) -> None:
        e = economy
        distressed = np.asarray(ctx["distressed"], dtype=bool)
        grant = np.where(distressed, np.minimum(e.hh_shortfall, self.params.amount), 0.0)
        takers = np.flatnonzero(grant > 0)
        self.granted = int(takers.size)
        if takers.size == 0:
            return
        paid = e.ledger.transfer(e.ledger.world, e.hh_account[takers], grant[takers], "grants")
        spent = np.zeros(e.n_households)
        spent[takers] = paid / CENTS
        _, sales = spend_locally(e, spent)
        e.firm_sales_local = e.firm_sales_local + sales
        e.firm_revenue = e.firm_revenue + sales
        e.hh_shortfall = np.maximum(e.hh_shortfall - spent, 0.0)
        ctx["distressed"] = distressed & ((e.hh_shortfall > 0.01) | (e.hh_housing_gap > 0.01))
        self.paid += float(paid.sum()) / CENTS

    def record(self, economy) -> dict[str, float]:
        return {"grant_paid": self.paid, "grant_households": float(self.granted)}
