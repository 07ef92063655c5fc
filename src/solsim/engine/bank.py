"""The outside bank: credit lines that give co-ops working capital, and take it away.

A conventional lender outside the community (ledger block ``bank``, external)
offers each active co-op a credit line (DESIGN §1):

* **Limit.** ``bank.limit_months`` × the co-op's mean revenue over the last
  three months, times the bank's *stance*. The stance tightens with the export
  multiplier (``bank.procyclicality``: 0 ignores the cycle, 1 cuts limits one
  for one with export demand), after defaults (``bank.default_sensitivity`` ×
  the month's charge-offs ÷ the credit it extends, recovering a twelfth of the way
  back each month), and under a ``credit_crunch`` shock (limits × (1 − size)).
* **Draws.** A co-op short of cash for wages, inputs, trade credit or loan
  service draws on its line, up to the limit.
* **Service.** Interest at ``bank.rate`` a year on what is drawn leaves the
  community each month. Credit above a (cut) limit must be repaid at once, and
  a co-op repays what it can of the rest out of cash above its reserve target
  (``coops.reserve_target_months`` of its wage bill), before any of that cash
  could go out as patronage. A co-op that cannot pay
  interest or the forced repayment is unable to meet its obligations this
  month (one step towards failure): this is how money becomes scarce.
* **Defaults.** When a co-op fails, the bank recovers what it can from the
  co-op's remaining cash; the rest is charged off in the bank's books
  (``economy.bank_chargeoffs_month``), outside the community.

Every movement is a ledger transfer; credit drawn is a claim of the bank held in
cents (``economy.bank_drawn``), changed only by draws, repayments and
charge-offs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solsim.engine.ledger import to_cents

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["charge_off", "draw", "service", "set_limits"]

#: Months of revenue the limit looks back over.
WINDOW = 3


def set_limits(e: Economy) -> None:
    """This month's credit limits (cents per co-op), from recent revenue and the stance."""
    bp = e.scenario.bank
    # The stance recovers a twelfth of the way back to normal each month.
    e.bank_stance += (1.0 - e.bank_stance) / 12.0
    cycle = 1.0 - bp.procyclicality * (1.0 - e.export_multiplier)
    factor = max(e.bank_stance * cycle * e.credit_crunch, 0.0)
    recent = e.firm_revenue_window.mean(axis=0)
    e.bank_limit = np.where(e.firm_active, to_cents(bp.limit_months * recent * factor), 0)
    e.bank_peak_month = int(e.bank_drawn.sum())


def draw(e: Economy, need_cents: np.ndarray) -> np.ndarray:
    """Co-ops whose cash is below ``need_cents`` draw the difference, within their limit.

    Returns the cents drawn per co-op.
    """
    room = np.maximum(e.bank_limit - e.bank_drawn, 0)
    want = np.maximum(need_cents - e.firm_cash, 0)
    take = np.where(e.firm_active, np.minimum(room, want), 0)
    if not take.any():
        return take
    paid = e.ledger.transfer(e.bank_account, e.firm_account, take, "bank_draws", cents=True)
    e.bank_drawn += paid
    e.bank_peak_month = max(e.bank_peak_month, int(e.bank_drawn.sum()))
    return paid


def service(e: Economy) -> None:
    """Interest, forced repayment above the limit, voluntary repayment out of spare cash."""
    bp = e.scenario.bank
    ledger = e.ledger
    cash = e.firm_cash.clip(0)
    interest = np.ceil(e.bank_drawn * (bp.rate + e.rate_shock) / 12.0).astype(np.int64)
    forced = np.maximum(e.bank_drawn - e.bank_limit, 0)
    due = interest + forced
    pay = np.minimum(due, cash)
    paid = ledger.transfer(e.firm_account, e.bank_account, pay, "bank_service", cents=True)
    e.firm_paid_out += paid / 100.0
    # Interest first; what is left of the payment repays principal.
    interest_paid = np.minimum(paid, interest)
    e.bank_interest_month = int(interest_paid.sum())
    e.bank_drawn -= paid - interest_paid
    # Unpaid interest is added to what is owed.
    e.bank_drawn += interest - interest_paid
    e.firm_unable |= (paid < due) & e.firm_active
    # Voluntary repayment out of cash above the co-op's reserve target.
    members = e.firm_workers()
    buffer = to_cents(e.scenario.coops.reserve_target_months * members * e.firm_wage)
    spare = np.maximum(e.firm_cash - buffer, 0)
    repay = np.minimum(spare, e.bank_drawn)
    repaid = ledger.transfer(e.firm_account, e.bank_account, repay, "bank_service", cents=True)
    e.firm_paid_out += repaid / 100.0
    e.bank_drawn -= repaid


def charge_off(e: Economy, failing: np.ndarray) -> None:
    """Failing co-ops repay the bank what their cash allows; the rest is charged off."""
    owed = e.bank_drawn[failing]
    if not owed.any():
        return
    ledger = e.ledger
    recovered = np.minimum(owed, e.firm_cash[failing].clip(0))
    paid = ledger.transfer(
        e.firm_account[failing], e.bank_account, recovered, "bank_recoveries", cents=True
    )
    lost = int((owed - paid).sum())
    e.bank_chargeoffs_month += lost
    extended = int(e.bank_limit.sum())
    if extended > 0:
        e.bank_stance = max(
            e.bank_stance - e.scenario.bank.default_sensitivity * lost / extended, 0.1
        )
    e.bank_drawn[failing] = 0
