"""What each of the core's summary metrics is, and which way is better for the community.

One declaration per metric, of the same kind an instrument gives for its
columns (:class:`~solsim.engine.instruments.contract.Column`): label, unit,
``direction`` for the community (``better`` when more is better, ``worse``
when less is, ``neutral`` when it is neither -- an investor's return, who
among philanthropy, investors and a loss layer carries a loss), a short label
and the smallest change that counts. The summary itself is computed by
:func:`solsim.engine.reporting.summarize` (``summary`` is None here: no
monthly rule makes these numbers).

The report's catalogue (:mod:`solsim.report.catalog`), its verdicts and
figures, and robustness analysis (:mod:`solsim.experiments.robustness`) all
read the direction from here, or from the instrument's column for an
instrument's metric (:func:`direction`): a metric's direction is written once.
"""

from __future__ import annotations

from solsim.engine import instruments
from solsim.engine.instruments.contract import DIRECTIONS, Column

__all__ = ["CF_PREFIX", "SUMMARY_METRICS", "declaration", "direction"]

#: Prefix of a paired counterfactual run's own summary keys (``cf_coop_hazard``).
CF_PREFIX = "cf_"


def _m(name, label, short, unit, direction, material, relative_to=None) -> Column:
    return Column(
        name,
        label,
        unit=unit,
        direction=direction,
        short=short,
        material=material,
        relative_to=relative_to,
    )


# Thresholds are about a twentieth of the baseline's level or the resolution a
# funder would act on: 0.5 pp a year of failure hazard (the baseline's is about
# 9% a year), 1 pp of drawdown, 0.1 pp of households in distress, 0.005 of
# Gini, 0.25 pp a year of investor return, 0.1% of the funds' capital for a loss.
# fmt: off
SUMMARY_METRICS: tuple[Column, ...] = (
    _m("coop_hazard", "co-op failure hazard", "failure hazard, %/yr", "rate", "worse", 0.005),
    # The same, as summaries before conventional firms named it.
    _m("coop_failure_hazard", "co-op failure hazard", "failure hazard, %/yr", "rate", "worse",
       0.005),
    _m("hazard_illiquid", "failure hazard, illiquid (all firms)", "illiquid hazard, %/yr",
       "rate", "worse", 0.0025),
    _m("hazard_insolvent", "failure hazard, insolvent (all firms)", "insolvent hazard, %/yr",
       "rate", "worse", 0.0025),
    _m("coop_hazard_illiquid", "co-op failure hazard, illiquid", "co-op illiquid, %/yr", "rate",
       "worse", 0.0025),
    _m("coop_hazard_insolvent", "co-op failure hazard, insolvent", "co-op insolvent, %/yr",
       "rate", "worse", 0.0025),
    _m("coop_failures", "co-op failures", "co-op failures", "count", "worse", 0.05, "reference"),
    _m("drawdown", "output drawdown", "output drawdown, %", "share", "worse", 0.01),
    _m("recovery_time", "recovery time", "recovery, months", "months", "worse", 1.0),
    _m("recovered", "runs recovered by the end", "recovered, %", "share", "better", 0.05),
    _m("area_lost", "output lost", "output lost, months", "output_months", "worse", 0.1),
    _m("job_years_lost", "job-years lost to the shock (person-years)", "job-years lost",
       "number", "worse", 0.05, "reference"),
    _m("excess_failures", "co-op failures beyond the baseline", "excess failures", "count",
       "worse", 0.5),
    _m("active_coops_final", "active co-ops at the end", "active co-ops at end", "count",
       "better", 0.05, "reference"),
    _m("coop_survival_5y", "co-op five-year survival", "5-year survival, %", "share", "better",
       0.02),
    _m("mean_distress_share", "households in distress (monthly mean)", "in distress, %",
       "share", "worse", 0.001),
    _m("peak_unemployment", "peak unemployment", "peak unemployment, %", "share", "worse", 0.005),
    _m("final_gini", "Gini of net worth at the end", "Gini at end", "index", "worse", 0.005),
    _m("final_palma", "Palma ratio at the end", "Palma at end", "index", "worse", 0.02),
    _m("final_top10_share", "top 10% wealth share", "top 10% share, %", "share", "worse", 0.005),
    _m("final_theil", "Theil index at the end", "Theil at end", "index", "worse", 0.005),
    _m("consumption_gini_final", "Gini of consumption at the end", "consumption Gini at end",
       "index", "worse", 0.005),
    _m("mean_consumption_gini", "Gini of consumption (monthly mean)", "consumption Gini",
       "index", "worse", 0.005),
    # Conventional firms: reported, neither better nor worse for the community here.
    _m("firm_hazard", "conventional firms' failure hazard", "firm hazard, %/yr", "rate",
       "neutral", 0.005),
    _m("firm_hazard_illiquid", "conventional firms' failure hazard, illiquid",
       "firm illiquid, %/yr", "rate", "neutral", 0.0025),
    _m("firm_hazard_insolvent", "conventional firms' failure hazard, insolvent",
       "firm insolvent, %/yr", "rate", "neutral", 0.0025),
    _m("firm_failures", "conventional firm failures", "firm failures", "count", "neutral", 0.05,
       "reference"),
    _m("active_firms_final", "conventional firms open at the end", "firms open at end", "count",
       "neutral", 0.05, "reference"),
    _m("firm_survival_5y", "conventional firms' five-year survival", "firm 5-year survival, %",
       "share", "neutral", 0.02),
    _m("dividends_out", "dividends paid to owners outside", "dividends out", "money", "neutral",
       0.01, "reference"),
    _m("mean_velocity", "velocity of money", "velocity, a year", "per_year", "better", 0.02,
       "reference"),
    _m("mean_local_share", "local share of spending", "local spending, %", "share", "better",
       0.005),
    _m("lm3", "LM3 over the run", "LM3", "number", "better", 0.01),
    _m("mean_lm3", "LM3 (monthly mean)", "LM3, monthly mean", "number", "better", 0.01),
    _m("mean_output", "co-op output (monthly mean)", "output a month", "money", "better", 0.01,
       "reference"),
    _m("mean_arrears", "household arrears", "arrears", "money", "worse", 0.05, "reference"),
    _m("displaced", "households displaced", "displaced", "count", "worse", 0.05, "reference"),
    # Housing (solsim.engine.housing): the market's owners and renters, and who
    # controls the community's assets.
    _m("displaced_total", "households displaced, every tenure", "displaced, all", "count",
       "worse", 0.05, "reference"),
    _m("foreclosure_rate_market", "market owners' foreclosures a year", "foreclosures, %/yr",
       "rate", "worse", 0.001),
    _m("eviction_rate_market", "market renters' evictions a year", "evictions, %/yr", "rate",
       "worse", 0.001),
    _m("mean_owner_burden", "market owners' housing burden", "owner burden, %", "share",
       "worse", 0.005),
    _m("final_house_price_index", "house prices at the end (month 1 = 1)", "house prices",
       "index", "neutral", 0.01),
    _m("control_share", "local assets under community control", "community control, %",
       "share", "better", 0.005),
    # Outside investors: their return is neither better nor worse for the community.
    _m("investor_irr", "outside investors' return (IRR)", "investor IRR, %/yr", "rate",
       "neutral", 0.0025),
    _m("investor_net_gain", "outside investors' net gain", "investor net gain", "money",
       "neutral", 0.01, "reference"),
    _m("investor_invested", "outside capital committed", "outside capital", "money", "neutral",
       0.01, "reference"),
    # The running total-value multiple of the timeseries, as summaries before the
    # money-weighted IRR replaced it.
    _m("investor_return", "outside investors' return (value multiple)", "investor return, %/yr",
       "rate", "neutral", 0.0025),
    _m("return_parity", "return parity (community gain ÷ investors' gain)", "return parity",
       "ratio", "better", 0.1),
    _m("community_gain", "community's gain against the run without the instrument",
       "community gain", "money", "better", 0.01, "reference"),
    _m("community_return", "local wages, patronage and interest paid to households",
       "local household income", "money", "better", 0.01, "reference"),
    _m("community_equity", "community's equity in the funds at the end", "community equity",
       "money", "better", 0.01, "reference"),
    _m("community_capital_in", "community holders' capital committed", "community capital in",
       "money", "neutral", 0.01, "reference"),
    _m("chargeoff_rate", "net charge-offs (calm months)", "charge-offs, %/yr", "rate",
       "neutral", 0.0025),
    _m("bank_use", "bank credit drawn ÷ lines", "bank credit use, %", "share", "neutral", 0.01),
    _m("community_capital_share", "community share of fund capital", "community capital, %",
       "share", "neutral", 0.01),
    # The funds' books (solsim.engine.fund_books): what loans lost and who
    # absorbed it. Net assets belong to the depositors, so more is better; the
    # others say who carried a loss, neither better nor worse in themselves.
    _m("net_chargeoffs_cum", "net loan charge-offs over the run", "net charge-offs", "money",
       "neutral", 0.01, "reference"),
    _m("recoveries", "recoveries on defaulted loans", "recoveries", "money", "neutral", 0.01,
       "reference"),
    _m("allowance_final", "loan-loss allowance at the end", "allowance at end", "money",
       "neutral", 0.01, "reference"),
    _m("fund_net_assets_final", "funds' net assets at the end", "fund net assets at end",
       "money", "better", 0.01, "reference"),
    _m("tranche_wiped_out", "runs with a tranche wiped out", "tranche wiped out, %", "share",
       "neutral", 0.05),
    # Who carried the losses, derived per run from the tranche losses and the
    # instruments' loss layers (solsim.report.answer.holder_losses). Only the
    # community's own loss is worse for the community; the others carry losses
    # by design. A layer's row comes from its declaration.
    _m("lost_community", "lost by community holders", "lost: community", "money", "worse",
       0.001, "capital"),
    _m("lost_philanthropic", "lost by philanthropy", "lost: philanthropy", "money", "neutral",
       0.001, "capital"),
    _m("lost_outside", "lost by outside investors", "lost: investors", "money", "neutral", 0.001,
       "capital"),
    # Power and incidence (DESIGN §3): who depends on whom, who benefits, who
    # carries the risk (solsim.engine.reporting.power_record).
    _m("outside_dependency", "outside investors' share of the funds' funding",
       "outside dependency, %", "share", "worse", 0.01),
    _m("outside_hhi", "concentration of outside funders' holdings (HHI)", "outside HHI",
       "index", "worse", 0.01),
    _m("benefit_bottom40_share", "surplus paid to households reaching the bottom 40%",
       "benefit to bottom 40%, %", "share", "better", 0.01),
    _m("community_loss_share", "share of fund losses the community carried",
       "community loss share, %", "share", "neutral", 0.02),
)
# fmt: on
_BY_NAME: dict[str, Column] = {column.name: column for column in SUMMARY_METRICS}


def declaration(key: str) -> Column | None:
    """The declaration of a summary metric: the core's, else an instrument's column."""
    found = _BY_NAME.get(key)
    if found is not None:
        return found
    return next((c for _name, c in instruments.declared() if c.name == key), None)


def direction(key: str) -> int:
    """+1 when more of ``key`` is better for the community, −1 when less is, 0 neither.

    A paired counterfactual's own figure (``cf_<key>``) and an undeclared key
    have no direction.
    """
    column = None if key.startswith(CF_PREFIX) else declaration(key)
    return DIRECTIONS[column.direction] if column is not None else 0
