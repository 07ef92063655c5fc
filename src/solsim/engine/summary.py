"""Per-run summary: one number per question a user asks of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solsim import metrics
from solsim.engine.ledger import CENTS

if TYPE_CHECKING:
    from solsim.engine.economy import Economy


def shock_start(economy: Economy) -> int | None:
    """Month of the first scheduled shock (the stress the resilience metrics measure)."""
    starts = [s.start for s in economy.scenario.shocks.scheduled]
    return min(starts) if starts else None


#: Months a firm must last to count as a five-year survivor.
FIVE_YEARS = 60


def entry_survival(economy: Economy, coop: bool, months: int = FIVE_YEARS) -> float | None:
    """Share of new firms of one kind still open ``months`` after they were founded.

    The cohort is every firm of the kind founded in the second half of the
    burn-in or in the run, at least ``months`` before its end: the survey
    anchors (co-ops ≈ 62%, conventional firms ≈ 35% at five years) follow
    start-ups from their founding, not the standing stock of firms, which
    survivors of earlier years dominate. The opening firms (founded together
    when the economy is built) are left out. None without such firms.
    """
    end = economy.clock
    first = max(economy.scenario.burn_in // 2, 1)
    last = end - months
    founded, failed = [], []
    for is_coop, born, at in economy.firm_exits:
        keep = is_coop == coop
        founded.append(born[keep])
        failed.append(np.full(int(keep.sum()), at))
    open_ = economy.firm_active & (economy.firm_is_coop == coop)
    founded.append(economy.firm_founded_at[open_])
    failed.append(np.full(int(open_.sum()), np.iinfo(np.int64).max))
    born, died = np.concatenate(founded), np.concatenate(failed)
    cohort = (born >= first) & (born <= last)
    if not cohort.any():
        return None
    return float((died[cohort] - born[cohort] > months).mean())


def summarize(economy: Economy) -> dict[str, float | int | None]:
    """Summary of a finished run.

    Resilience is measured on monthly co-op output around the first scheduled
    shock: ``drawdown`` (largest fall below the 12-month pre-shock mean, as a
    share), ``recovery_time`` (months from the shock until output is back at
    95% of the pre-shock mean; if it never is, the months from the shock to
    the end of the run, and ``recovered`` is 0), ``area_lost`` (output lost,
    in months of pre-shock output). Calibration figures: ``coop_hazard`` and
    ``firm_hazard`` (failures per firm-year over the whole run, for co-ops and
    for conventional firms), ``coop_survival_5y`` and ``firm_survival_5y`` (share
    of the firms of that kind active at month 1 that had not failed by month
    60), ``chargeoff_rate`` (net loan losses
    per year over average loans outstanding, in the calm months before the shock).
    """
    rows = economy.history
    if not rows:
        raise ValueError("the economy has not run yet")
    series = {key: np.array([row[key] for row in rows], dtype=np.float64) for key in rows[0]}
    output = series["output"]
    start = shock_start(economy)
    summary: dict[str, float | int | None] = {"steps": len(rows)}
    # Resilience needs at least one month before the shock (the pre-shock
    # level) and one from it.
    if start is not None and 2 <= start <= len(rows):
        at = start - 1  # position of month `start` in the 0-based series
        summary["shock_start"] = start
        summary["drawdown"] = metrics.drawdown(output, at)
        months = metrics.recovery_time(output, at)
        # A run that has not recovered by its end counts the months it was
        # watched (a lower bound), so averages and paired differences do not
        # silently drop the worst cases; ``recovered`` says which it is.
        summary["recovered"] = 0.0 if months is None else 1.0
        summary["recovery_time"] = len(rows) - at if months is None else months
        summary["area_lost"] = metrics.area_lost(output, at)
    else:
        summary.update(
            shock_start=start, drawdown=None, recovery_time=None, recovered=None, area_lost=None
        )
    last = rows[-1]
    for key in ("gini", "palma", "top10_share", "theil"):
        summary[f"final_{key}"] = last[key]
    summary["coop_failures"] = int(series["coop_failures"].sum())
    summary["active_coops_final"] = int(last["active_coops"])
    summary["mean_distress_share"] = float(series["distress_share"].mean())
    summary["peak_unemployment"] = float(series["unemployment"].max())
    summary["mean_velocity"] = float(np.nanmean(series["velocity"]))
    summary["mean_local_share"] = float(np.nanmean(series["local_share"]))
    summary["mean_output"] = float(output.mean())
    failures = series["failures_illiquid"].sum() + series["failures_insolvent"].sum()
    summary["illiquid_share"] = (
        float(series["failures_illiquid"].sum() / failures) if failures > 0 else None
    )
    limit = series["bank_credit_limit"]
    summary["bank_use"] = (
        float(np.mean(series["bank_credit_peak"][limit > 0] / limit[limit > 0]))
        if (limit > 0).any()
        else None
    )
    summary["bank_chargeoffs"] = float(series["bank_chargeoffs"].sum())
    summary["mean_coop_pay_ratio"] = float(series["coop_pay_ratio"].mean())
    for key in (
        "coop_local_spend_share",
        "firm_local_spend_share",
        "household_local_spend_share",
        "lm3",
    ):
        # No month with spending (a tiny economy whose co-ops all failed): no mean.
        known = series[key][~np.isnan(series[key])]
        summary[f"mean_{key}"] = float(known.mean()) if known.size else None
    summary["mean_arrears"] = float(series["arrears"].mean())
    summary["displaced"] = int(series["displaced"].sum())
    # What outside creditors wrote off of households' arrears over the run.
    summary["arrears_written_off"] = economy.arrears_written_off / CENTS
    summary["mean_rent_burden"] = float(np.nanmean(series["rent_burden"]))
    summary["mean_consumption_gini"] = float(np.nanmean(series["consumption_gini"]))
    for status in ("outside", "unemployed", "coop", "firm"):
        key = f"distress_{status}"
        summary[f"mean_{key}"] = float(series[key].mean())

    # Hazard over the whole run, recession included, like the survey anchors;
    # charge-offs over the calm months before the first shock.
    for kind, active, failures in (
        ("coop", "active_coops", "coop_failures"),
        ("firm", "active_firms", "firm_failures"),
    ):
        exposure = series[active].sum() / 12.0
        summary[f"{kind}_hazard"] = (
            float(series[failures].sum() / exposure) if exposure > 0 else None
        )
        summary[f"{kind}_survival_5y"] = entry_survival(economy, coop=kind == "coop")
    summary["firm_failures"] = int(series["firm_failures"].sum())
    summary["active_firms_final"] = int(last["active_firms"])
    summary["dividends_out"] = float(last["dividends_out"])
    calm = slice(0, (start - 1) if start else len(rows))
    loans = series["loans_outstanding"][calm]
    losses = series["net_chargeoffs"][calm]
    # No calm months (a shock in month 1) or no loans: no rate to report.
    summary["chargeoff_rate"] = (
        float(losses.sum() / loans.mean() * 12.0 / len(loans))
        if len(loans) and loans.mean() > 0
        else None
    )
    for key in ("investor_return", "community_return", "return_ratio", "community_capital_share"):
        summary[key] = last[key]
    for key in ("guarantee_paid", "aid_paid", "mc_turnover"):
        summary[key] = float(series[key].sum()) if key == "mc_turnover" else last[key]
    for key in last:
        if key.startswith("loss_"):
            summary[key] = last[key]
    return {key: _plain(value) for key, value in summary.items()}


def _plain(value):
    """JSON-friendly scalars: numpy types to Python, NaN to None."""
    if value is None:
        return None
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    value = float(value)
    return None if np.isnan(value) else value
