"""Timebank: households trade care and services for hours, one hour = one hour.

A timebank is mutual credit (:mod:`solsim.engine.instruments.mutual_credit`, the
same :class:`~solsim.engine.credit.CreditNetwork` machinery)
whose unit is the hour: whoever gives an hour of help earns one hour, whoever
receives one owes one, whatever the help was. Balances are booked in hundredths
of an hour on a ledger of their own (the instrument's ``ledger``: same account
layout as the money ledger, cash never used), so hours never mix with money or
with a currency mutual-credit network running alongside; they sum to exactly
zero in each timebank.

Each community runs its own timebank. Members are the share ``members`` of
households, and only the share ``active_share`` of them trade (timebank
evaluations find 7-20% of members active; most never trade); both are chosen
by a fixed low-discrepancy rule on the index, so switching the timebank on does
not shift the run's random stream, and the active are a subset of the members.

In the ``spending`` phase, an active member short of essentials asks for help:
care, childcare, repairs, cooking — the part of essential spending that
services can replace, at most ``service_share`` of its essential spending,
valued at ``hour_value`` per hour, rounded up to the hundredth of an hour so
that help met in full covers that part in full. It can owe up to
``hour_limit`` hours. Active members who are not short and hold hours ask for
everyday help with ``spend_share`` of them: services they would otherwise
have bought, so the cash stays with them (at most ``service_share`` of what
they imported this month, booked as imports the outside world returns). This is
how those who give time — mostly the unemployed and underemployed — turn their
hours into cash they need not spend. Active members offer time: ``hours_unemployed`` a
month if unemployed; ``hours_employed`` if in work, plus, for members of a
co-op on short pay, the hours the pay cut freed. In each timebank requests are
met as far as the hours on offer allow, and the hours are given pro rata to
the time offered, so most hours come from the unemployed and the
underemployed; each hour moves one hour from the receiver's balance to the
giver's, and each hour of help a short member receives replaces ``hour_value``
of essential spending it could not pay in cash (its shortfall falls, and with
it the arrears it would run up).

Metrics (per month): ``tb_hours`` (hours exchanged; summed over the run),
``tb_positive`` (hours held in positive balances), ``tb_in_debt`` (share of
members owing hours), ``tb_relief`` (essential spending replaced by help,
currency; summed), ``tb_lifted`` (households whose shortfall the help covered
in full and whose rent was paid: lifted out of distress; summed),
``tb_short`` (active members short of essentials; averaged),
``tb_cash_kept`` (cash members kept by receiving everyday help in hours;
summed) and
``tb_giver_share`` (the smallest share of members who gave half the hours
given since month 1: how concentrated giving is; summarised by its final value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from solsim.engine.codes import UNEMPLOYED
from solsim.engine.credit import CreditNetwork
from solsim.engine.instruments.common import select_members
from solsim.engine.instruments.contract import (
    Column,
    Control,
    Described,
    Instrument,
    InstrumentParams,
    percent,
)
from solsim.engine.instruments.registry import register
from solsim.engine.ledger import CENTS, Ledger
from solsim.engine.params import MONTHLY_MAX, Probability

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["Timebank", "TimebankParams", "giver_share"]

# Hours are booked in hundredths, like cents.
HUNDREDTHS = CENTS


class TimebankParams(InstrumentParams):
    """Settings of ``[instruments.timebank]``."""

    members: Probability = 1.0
    # Timebank evaluations find most members never trade: 7-20% are active.
    active_share: Probability = 0.18
    hour_value: float = Field(default=18.0, gt=0.0, le=MONTHLY_MAX)
    service_share: Probability = 0.3
    # Hours: a limit of a million hours, and at most every hour of a month given.
    hour_limit: float = Field(default=20.0, ge=0.0, le=1e6)
    hours_unemployed: float = Field(default=30.0, ge=0.0, le=744.0)
    hours_employed: float = Field(default=5.0, ge=0.0, le=744.0)
    spend_share: Probability = 0.5


@register
class Timebank(Instrument):
    """Community timebanks of households (see the module docstring)."""

    name = "timebank"
    Params = TimebankParams
    columns = (
        Column("tb_hours", "timebank hours exchanged", "number", summary="sum"),
        Column("tb_positive", "timebank hours in credit", "number"),
        Column("tb_in_debt", "timebank members owing hours", "share"),
        Column(
            "tb_relief", "essentials covered by timebank hours", "money", "better", summary="sum"
        ),
        Column(
            "tb_lifted",
            "households the timebank lifted out of distress",
            "count",
            "better",
            summary="sum",
        ),
        Column("tb_short", "active timebank members short of essentials", "count", summary="mean"),
        Column(
            "tb_cash_kept",
            "cash kept by receiving services in hours",
            "money",
            "better",
            summary="sum",
        ),
        Column(
            "tb_giver_share",
            "smallest share of members who gave half the timebank hours",
            "share",
            summary="final",
        ),
    )
    control = Control(
        None,
        "Timebank",
        help="Households trade hours of care and services, so a household short of cash "
        "can get help without paying for it.",
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        detail = (
            f"timebanks: {percent(settings.get('members', 1.0))} of households, an hour worth "
            f"{context.money(settings.get('hour_value', 0))}"
        )
        return "timebanks", detail

    params: TimebankParams
    agent_attributes = ("timebank_hours",)

    def agent_value(self, economy: Economy, name: str, account: int) -> float:
        """``timebank_hours``: the agent's balance in hours (0 outside the timebank)."""
        if name != "timebank_hours" or account >= self.ledger.n_accounts:
            return 0.0
        return float(self.ledger.credit[account]) / HUNDREDTHS

    def setup(self, economy: Economy) -> None:
        e, p = economy, self.params
        main = e.ledger
        n = int(e.hh_community.max(initial=0)) + 1
        # Mirror the money ledger's layout so an agent's account is the same here.
        blocks = [(name, block.size, False) for name, block in main.blocks.items()]
        blocks = [b for b in blocks if b[0] != "world"]
        self.ledger = Ledger([*blocks, ("timebank_commons", n, False)])
        self.member = select_members(e.n_households, p.members)
        # The active members: the same rule at a smaller share picks a subset of
        # the members, spread evenly over the index.
        self.active = select_members(e.n_households, p.members * p.active_share)
        commons = self.ledger.block("timebank_commons").start + np.arange(n)
        self.net = CreditNetwork(self.ledger, e.hh_account, e.hh_community, n, commons)
        self.net.limit[:] = np.where(self.member, round(p.hour_limit * HUNDREDTHS), 0)
        self.exchanged = 0
        self.essential = 0
        self.relief = 0.0
        self.lifted = 0
        self.short = 0
        self.kept = 0.0
        # Hours each household has given since month 1 (hundredths).
        self.given = np.zeros(e.n_households, dtype=np.int64)

    def start_run(self, economy: Economy) -> None:
        self.given[:] = 0

    def start_month(self, economy: Economy) -> None:
        self.exchanged = 0
        self.essential = 0
        self.relief = 0.0
        self.lifted = 0
        self.short = 0
        self.kept = 0.0

    def spending(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e, p, net = economy, self.params, self.net
        shortfall = np.asarray(ctx["shortfall"], dtype=np.float64)
        short = self.active & (shortfall > 0.01)
        self.short = int(short.sum())
        replaceable = np.minimum(shortfall, p.service_share * e.hh_essential)
        # Hours asked for are rounded up to the hundredth, so help that is met in
        # full covers the whole replaceable shortfall, not all but a fraction of
        # an hour's worth (which left the household distressed).
        want = np.ceil(replaceable / p.hour_value * HUNDREDTHS - 1e-9).astype(np.int64)
        need = np.where(short, np.minimum(want, net.room()), 0)
        # Active members holding hours use part of them for everyday help, which
        # is how those who give most of the time earn hours back.
        held = np.maximum(net.balance(), 0)
        extra = np.where(self.active & ~short, np.floor(p.spend_share * held), 0).astype(np.int64)
        ask = need + extra
        offer = np.where(self.active, np.floor(self.hours_offered(e) * HUNDREDTHS), 0.0)
        asked = np.bincount(net.net, ask, minlength=net.n_nets)
        offered = np.bincount(net.net, offer, minlength=net.n_nets)
        met = np.minimum(np.divide(offered, asked, out=np.zeros(net.n_nets), where=asked > 0), 1.0)
        given = np.floor(ask * met[net.net]).astype(np.int64)
        if not given.any():
            return
        households = np.arange(e.n_households)
        self.given += net.spread(households, given, households, offer, "timebank_hours")
        self.exchanged += int(given.sum())
        essential = np.minimum(given, need)
        self.essential += int(essential.sum())
        relief = np.minimum(essential / HUNDREDTHS * p.hour_value, replaceable)
        self.relief += float(relief.sum())
        after = shortfall - relief
        # Lifted out of distress: essentials now covered and the rent paid.
        lifted = (shortfall > 0.01) & (after <= 0.01) & (e.hh_housing_gap <= 0.01)
        self.lifted += int(lifted.sum())
        ctx["shortfall"] = np.maximum(after, 0.0)
        self._keep_cash(e, ctx, given - essential)

    def _keep_cash(self, e: Economy, ctx: dict[str, Any], everyday: np.ndarray) -> None:
        """Everyday help received in hours replaces services the household bought
        in cash this month: that much of its imported spending was not needed,
        and the cash stays with it (booked as imports returned by the outside
        world, at most ``service_share`` of what it imported this month).
        """
        p = self.params
        if not everyday.any():
            return
        purchases = np.asarray(ctx.get("purchases", np.zeros(e.purchase.nnz)), dtype=np.float64)
        local = np.bincount(e.purchase_row, purchases, minlength=e.n_households) / CENTS
        imported = np.maximum(e.hh_consumption - local, 0.0)
        kept = np.minimum(everyday / HUNDREDTHS * p.hour_value, p.service_share * imported)
        who = np.flatnonzero(kept >= 0.01)
        if who.size == 0:
            return
        paid = e.ledger.transfer(e.ledger.world, e.hh_account[who], kept[who], "timebank_services")
        self.kept += int(paid.sum()) / CENTS

    def hours_offered(self, economy: Economy) -> np.ndarray:
        """Hours each household could give this month.

        The unemployed offer ``hours_unemployed``; members of a co-op that cut
        pay offer the hours the cut freed on top of ``hours_employed``
        (``(1 − pay ratio) × (hours_unemployed − hours_employed)``); everyone
        else ``hours_employed``. So help comes mostly from those out of work or
        on short time, whose hours replace what the receivers would have had to
        pay for in cash.
        """
        e, p = economy, self.params
        employer = e.hh_employer
        at_firm = employer >= 0
        pay = np.where(at_firm, e.firm_pay_ratio[np.maximum(employer, 0)], 1.0)
        spare = np.clip(1.0 - pay, 0.0, 1.0) * max(p.hours_unemployed - p.hours_employed, 0.0)
        return np.where(employer == UNEMPLOYED, p.hours_unemployed, p.hours_employed + spare)

    def record(self, economy: Economy) -> dict[str, float]:
        balance = self.net.balance()[self.member]
        hours = self.exchanged / HUNDREDTHS
        return {
            "tb_hours": hours,
            "tb_positive": float(np.maximum(balance, 0).sum()) / HUNDREDTHS,
            "tb_in_debt": float((balance < 0).mean()) if balance.size else 0.0,
            "tb_relief": self.relief,
            "tb_lifted": float(self.lifted),
            "tb_short": float(self.short),
            "tb_cash_kept": self.kept,
            "tb_giver_share": giver_share(self.given[self.member]),
        }


def giver_share(given: np.ndarray) -> float:
    """The smallest share of members who together gave at least half the hours.

    ``given``: hours each member gave. Members are ranked by hours given, most
    first; the share is ``k / n`` for the smallest ``k`` whose hours reach half
    the total (0.5 when every member gave the same; near 0 when a few gave
    nearly all). NaN when no hours were given. Unit: share of members.
    """
    total = int(given.sum())
    if given.size == 0 or total == 0:
        return float("nan")
    ranked = np.sort(given)[::-1]
    k = int(np.searchsorted(np.cumsum(ranked), total / 2.0)) + 1
    return k / given.size
