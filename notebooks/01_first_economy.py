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

# %%
households = model.agents_by_type[solsim.Household]
coops = model.agents_by_type[solsim.Coop]
first = households[0]
first, first.employment, first.cash, first.net_worth

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

collector.get_model_vars_dataframe().plot(subplots=True, figsize=(8, 4), xlabel="month")
plt.show()
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

# %%
active = coops.select(lambda c: c.active)
print(f"{len(active)} of {len(coops)} co-ops trading; biggest by members:")
sorted(((c.members, round(c.revenue), c.index) for c in active), reverse=True)[:5]

# %% [markdown]
# The agent-level table the collector kept, one row per household and month:

# %%
cash = collector.get_agenttype_vars_dataframe(solsim.Household)
cash.groupby(["Step", "employment"])["cash"].median().unstack().plot(
    figsize=(8, 3), ylabel="median cash", xlabel="month"
)
plt.show()
# %% [markdown]
# ## The model's own metrics
#
# Every month the engine records resilience, circulation, inequality and
# risk-and-return metrics (`model.timeseries`), and a per-run summary.

# %%
ts = model.timeseries
fig, axes = plt.subplots(1, 3, figsize=(12, 3), layout="constrained")
for ax, column in zip(axes, ["output", "distress_share", "gini"], strict=True):
    ax.plot(ts["step"], ts[column])
    ax.axvspan(24, 35, color="tab:red", alpha=0.1)  # the recession
    ax.set_title(column)
    ax.set_xlabel("month")
plt.show()

# %%
{
    k: v
    for k, v in model.summary.items()
    if k in ("drawdown", "recovery_time", "coop_failures", "final_gini", "mean_distress_share")
}

# %% [markdown]
# ## Who holds the wealth?
#
# The Lorenz curve of household net worth (cash, deposits, mutual credit and a
# member's share of its co-op), from `solsim.metrics`.

# %%
net_worth = np.array(households.get("net_worth"))
population, share = solsim.metrics.lorenz(net_worth)
plt.figure(figsize=(4, 4))
plt.plot(population, share, label=f"Gini {solsim.metrics.gini(net_worth):.2f}")
plt.plot([0, 1], [0, 1], ":", color="grey")
plt.xlabel("share of households")
plt.ylabel("share of net worth")
plt.legend()
plt.show()
# %% [markdown]
# ## The trade graph
#
# `model.graph` is a networkx graph of who buys from whom and who works where.
# The report's picture colours each agent by type and state.

# %%
print(model.graph)
figures.network_figure(model)

# %% [markdown]
# **Try:** set `HOUSEHOLDS = 150` or `SEED = 2` in the parameters cell and run
# all cells again. Does the recession hit harder in a smaller economy?
