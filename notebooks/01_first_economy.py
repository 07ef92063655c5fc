# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · A first solidarity economy
#
# In this notebook we build a small community economy — households, worker
# co-ops, two community loan funds and a few outside investors on a trade graph —
# run it through a recession, and look at its agents the way any
# [Mesa](https://mesa.readthedocs.io) model is inspected: `agents_by_type`,
# `AgentSet.select` / `agg`, and a `DataCollector`.
#
# After each result a **What we see** cell says what happened in the economy and
# why. Money is in the model's currency units; one step is one month.
#
# Workshop time: about 20 minutes. Change the sizes in the next cell and rerun
# everything (*Run → Run All Cells*).

# %% tags=["parameters"]
HOUSEHOLDS = 300  # households in the economy
COOPS = 12  # worker co-ops
MONTHS = 48  # one step is one month
SEED = 1  # the run's random seed: same seed, same run

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import mesa
import numpy as np

import solsim
from solsim.report import figures

# The scenario files live in scenarios/ at the top of the repository.
ROOT = Path.cwd() if (Path.cwd() / "scenarios").is_dir() else Path.cwd().parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

# %% [markdown]
# ## The scenario
#
# A scenario is a TOML file. `baseline.toml` is a small community economy with
# the standard stress: export demand falls 30% at month 24 for 12 months. Any key
# can be overridden; here we shrink the economy so it runs in a blink.

# %%
print(BASELINE.read_text())

# %%
overrides = {
    "economy.households": HOUSEHOLDS,
    "economy.coops": COOPS,
    "economy.communities": 2,
    "steps": MONTHS,
}
model = solsim.SolidarityEconomy(BASELINE, seed=SEED, overrides=overrides)
model.params.economy

# %% [markdown]
# ## Agents, the Mesa way
#
# Each household, co-op, fund, investor and guarantor is a `mesa.Agent`. Their
# attributes read the engine's arrays, so they are always up to date.

# %%
{kind.__name__: len(agents) for kind, agents in model.agents_by_type.items()}

# %% [markdown]
# ### What we see
#
# Most agents are households: they work (in a co-op, for an outside employer, or
# not at all), buy essentials and hold savings. The co-ops sell to households, to
# each other and to outside buyers (exports). The fund lends to co-ops from
# capital that the community and outside investors put in; the guarantor only
# acts when a guarantee is switched on (notebook 02).

# %%
households = model.agents_by_type[solsim.Household]
coops = model.agents_by_type[solsim.Coop]
first = households[0]
first, first.employment, first.cash, first.net_worth

# %% [markdown]
# ### What we see
#
# One household: where it works, its cash, and its net worth — cash plus bank
# deposits, mutual-credit balance and, for a co-op member, its share of the
# co-op. The agent reads these from the engine's arrays, so they are always the
# current month's.

# %% [markdown]
# A `DataCollector` records what we ask for each month: model-level numbers and
# attributes of one agent type.

# %%
collector = mesa.DataCollector(
    model_reporters={
        "active co-ops": lambda m: len(m.agents_by_type[solsim.Coop].select(lambda c: c.active)),
        "households in distress": lambda m: len(
            m.agents_by_type[solsim.Household].select(lambda h: h.distressed)
        ),
    },
    agenttype_reporters={solsim.Household: {"cash": "cash", "employment": "employment"}},
)
for _ in range(MONTHS):
    model.step()
    collector.collect(model)

axes = collector.get_model_vars_dataframe().plot(
    subplots=True, figsize=(8, 4), xlabel="month", legend=False
)
axes[0].set_ylabel("co-ops")
axes[1].set_ylabel("households")
for ax, title in zip(axes, ["Co-ops still trading", "Households in distress"], strict=True):
    ax.set_title(title, fontsize=10)
    ax.axvspan(23, 35, color="tab:red", alpha=0.1)  # the recession (the collector counts from 0)
plt.tight_layout()
plt.show()

# %% [markdown]
# ### What we see
#
# The shaded months are the recession: outside buyers cut their orders by 30%.
# The channel runs through the co-ops: they sell less, so they pay their members
# less and some run out of cash and fail; failed co-ops' members lose their
# income, and households that can no longer pay for essentials and housing are
# *in distress*. The number of co-ops can also rise: new co-ops are founded when
# there is demand and people to staff them. Distress need not move in step with
# the recession — households first draw on their savings, so it can rise late,
# when savings run out.
# %% [markdown]
# ## Asking questions of the agents
#
# `select` filters an AgentSet, `agg` reduces an attribute over it, `groupby`
# splits it.

# %%
distressed = households.select(lambda h: h.distressed)
members = households.select(lambda h: h.employment == "coop")
print(f"{len(distressed)} households in distress at month {model.economy.month}")
print(f"mean cash of co-op members: {members.agg('cash', np.mean):,.0f}")
print(f"mean cash of everyone:      {households.agg('cash', np.mean):,.0f}")
households.groupby("employment").count()

# %% [markdown]
# ### What we see
#
# `groupby("employment").count()` says how the households earn a living at the
# end of the run: most work outside the local economy, some in a co-op, some not
# at all. Compare the two means printed above: a co-op member's cash comes from
# the co-op's wage and its share of surplus (patronage), which is why it tracks
# how well the co-ops sell.

# %%
active = coops.select(lambda c: c.active)
print(f"{len(active)} of {len(coops)} co-ops trading; biggest by members:")
sorted(((c.members, round(c.revenue), c.index) for c in active), reverse=True)[:5]

# %% [markdown]
# ### What we see
#
# Each tuple is (members, this month's revenue in currency units, co-op number).
# Co-ops of the same size can sell very different amounts: revenue depends on how
# many households buy from them and on their outside orders, not only on how many
# people work there.

# %% [markdown]
# The agent-level table the collector kept, one row per household and month:

# %%
cash = collector.get_agenttype_vars_dataframe(solsim.Household)
ax = (
    cash.groupby(["Step", "employment"])["cash"]
    .median()
    .unstack()
    .plot(figsize=(8, 3), xlabel="month", ylabel="median cash (currency units)")
)
ax.set_title("Median household cash, by where the household works")
ax.axvspan(24, 36, color="tab:red", alpha=0.1)
ax.legend(title="works", labels=["in a co-op", "outside", "unemployed"][: len(ax.get_lines())])
plt.show()

# %% [markdown]
# ### What we see
#
# Co-op members' cash moves with the co-ops' sales: it falls when their co-op
# sells less, and rises again as sales recover. Households with an outside job
# are paid by employers outside the local economy, so the recession in *export*
# demand hardly touches their wage. The unemployed live on benefits, which also
# come from outside; their line moves as people lose and find jobs.
# %% [markdown]
# ## The model's own metrics
#
# Every month the engine records resilience, circulation, inequality and
# risk-and-return metrics (`model.timeseries`), and a per-run summary.

# %%
ts = model.timeseries
panels = {
    "output": ("Local output", "co-op sales a month (thousands)", 1e-3),
    "distress_share": ("Households in distress", "% of households", 100),
    "gini": ("Inequality of net worth", "Gini (0 = equal, 1 = one holds all)", 1),
}
fig, axes = plt.subplots(1, 3, figsize=(12, 3), layout="constrained")
for ax, (column, (title, unit, scale)) in zip(axes, panels.items(), strict=True):
    ax.plot(ts["step"], ts[column] * scale)
    ax.axvspan(24, 36, color="tab:red", alpha=0.1)  # the recession
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.set_xlabel("month")
plt.show()

before, during = ts[ts["step"] == 24].iloc[0], ts[ts["step"].between(25, 36)]
print(f"output: {before['output']:,.0f} in month 24, lowest {during['output'].min():,.0f}")
print(f"Gini:   {before['gini']:.3f} in month 24, {during['gini'].iloc[-1]:.3f} in month 36")

# %% [markdown]
# ### What we see
#
# Output drops as soon as the recession starts: export orders fall, and the
# co-ops' members, paid less, spend less at other co-ops — the local multiplier
# working in reverse. It recovers when outside demand returns, but only as far as
# the co-ops that survived can take it.
#
# Inequality can *fall* in a recession, as the printed Gini may show: a member's
# net worth includes its share of the co-op, and the co-ops lose most, so the
# better-off households lose more than the rest. That is not good news: nobody
# at the bottom gained.

# %%
summary = model.summary
print(f"fall in output, peak to trough:      {100 * summary['drawdown']:.1f}%")
print(f"months to recover the pre-recession level: {summary['recovery_time']}")
print(f"co-op failures over the run:         {summary['coop_failures']:.0f}")
print(f"households in distress, on average:  {100 * summary['mean_distress_share']:.2f}%")
print(f"inequality at the end (Gini):        {summary['final_gini']:.3f}")

# %% [markdown]
# ### What we see
#
# The run in five numbers — the ones the later notebooks compare across tools.
# The recovery time is in months from the end of the recession (`None` or `nan`
# when output never got back). Each number is one random history: change `SEED`
# and they change, which is why notebook 02 runs many.

# %% [markdown]
# ## Who holds the wealth?
#
# The Lorenz curve of household net worth (cash, deposits, mutual credit and a
# member's share of its co-op), from `solsim.metrics`.

# %%
net_worth = np.array(households.get("net_worth"))
population, share = solsim.metrics.lorenz(net_worth)
plt.figure(figsize=(4.5, 4.5))
plt.plot(population, share, label=f"this economy (Gini {solsim.metrics.gini(net_worth):.2f})")
plt.plot([0, 1], [0, 1], ":", color="grey", label="everyone equal (Gini 0)")
plt.title("Who holds the wealth: Lorenz curve")
plt.xlabel("share of households, poorest first")
plt.ylabel("share of all net worth")
plt.legend(fontsize=8)
plt.show()
poorest_half = np.interp(0.5, population, share)
print(f"the poorest half of households hold {100 * poorest_half:.0f}% of the net worth")

# %% [markdown]
# ### What we see
#
# The curve sits below the diagonal: the poorest households hold less than their
# share of the wealth. The further it bows away, the higher the Gini (twice the
# area between the two lines). Co-op membership and savings put some households
# well up the curve; the unemployed, on benefits, sit at its start.
# %% [markdown]
# ## The trade graph
#
# `model.graph` is a networkx graph of who buys from whom and who works where.
# The report's picture colours each agent by type and state.

# %%
print(model.graph)
figures.network_figure(model)

# %% [markdown]
# ### What we see
#
# Households buy from a handful of co-ops, mostly in their own community, and
# co-ops buy inputs from each other. That web is the channel of the recession's
# spread: a co-op that loses export orders pays its members less, and they buy
# less from the co-ops they trade with. Failed co-ops are the ones the shock and
# its knock-on effects pushed out of cash.

# %% [markdown]
# **Try:** set `HOUSEHOLDS = 150` or `SEED = 2` in the parameters cell and run
# all cells again. Does the recession hit harder in a smaller economy?
