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
# # 03 · Sweeps and sensitivity
#
# Which settings matter most for output and co-op failures? A researcher answers
# with a *sweep*: many design points × replicate seeds, stored as Parquet files,
# read back with `solsim.results.load`, then analysed — here with Sobol
# sensitivity indices (through SALib).
#
# The same experiment runs from the command line:
# `solsim sweep EXPERIMENT.toml --out DIR` then `solsim sensitivity DIR --metric coop_failures`.
#
# After each result a **What we see** cell says what it means for the economy.
#
# Workshop time: about 30 minutes.

# %% tags=["parameters"]
HOUSEHOLDS = 200  # households in each economy
COOPS = 10  # worker co-ops
MONTHS = 36  # months per run (recession from month 24 to 35)
SAMPLES = 16  # Sobol base samples N (a power of two): N × (D + 2) design points
REPLICATES = 1  # seeds per design point
FUTURES = 12  # sampled futures in the "when would it fail?" section
WORKERS = 1  # local processes running the sweep
OUT_DIR = "../out/workshop"  # where the sweep's files go

# %%
from pathlib import Path

import matplotlib.pyplot as plt

import solsim.results
from solsim.experiments import load_experiment, run_sweep
from solsim.experiments.sensitivity import analyze

ROOT = Path.cwd() if (Path.cwd() / "scenarios").is_dir() else Path.cwd().parent
# The swept settings in words, with their units.
NAMES = {
    "funds.interest_rate": "funds' lending rate (share a year)",
    "households.local_share": "share of household spending at local businesses",
    "coops.reserve_share": "share of surplus co-ops keep as reserves",
}

# %% [markdown]
# ## The experiment
#
# An experiment file names a base scenario, a design and the replicates. Here a
# Sobol design over three parameters: the funds' lending rate, the share of
# household spending that stays local, and the share of surplus co-ops keep as
# reserves.

# %%
experiment_text = f"""
name = "workshop_sobol"
scenario = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"
replicates = {REPLICATES}
root_seed = 2024
steps = {MONTHS}

[set]
economy.households = {HOUSEHOLDS}
economy.coops = {COOPS}
economy.communities = 2

[design]
kind = "sobol"
samples = {SAMPLES}

[design.parameters]
funds.interest_rate = [0.02, 0.12]
households.local_share = [0.3, 0.8]
coops.reserve_share = [0.2, 0.8]
"""
out = Path(OUT_DIR)
out.mkdir(parents=True, exist_ok=True)
experiment_file = out / "workshop_sobol.toml"
experiment_file.write_text(experiment_text)
experiment = load_experiment(experiment_file)
print(f"{experiment.n_points} design points × {experiment.replicates} replicates")
experiment.design.head()

# %% [markdown]
# ### What we see
#
# Each row is a *design point*: one combination of the three settings. A Sobol
# design changes them in a pattern that lets us split the variation of a result
# into each setting's share (the last section).

# %% [markdown]
# ## Run the sweep
#
# Each run is written to its own Parquet file as it finishes. Rerunning the
# cell resumes: only missing runs are done. (A new parameter set gets its own
# folder, named after the experiment's hash.)

# %%
results_dir = out / f"sweep_{experiment.hash[:10]}"
sweep = run_sweep(experiment, results_dir, workers=WORKERS, progress=False)
print(sweep.line())

# %% [markdown]
# ### What we see
#
# One line: how many runs were done, how long they took, and where the files are.
# Running the cell again finishes at once — nothing is missing.

# %% [markdown]
# ## Read the results back
#
# `solsim.results.load` gives the design, the stacked monthly timeseries and
# one summary row per run, as pandas DataFrames.

# %%
results = solsim.results.load(results_dir)
design, timeseries, summaries = results
runs = results.with_design(summaries)
runs[["point", "replicate", *experiment.parameters, "mean_output", "coop_failures"]].head()

# %% [markdown]
# ### What we see
#
# One row per run: its settings, then its results — `mean_output` (sales of
# co-ops and local firms a month, currency units, averaged over the run) and
# `coop_failures` (a count over the run).

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True, layout="constrained")
for ax, parameter in zip(axes, experiment.parameters, strict=True):
    ax.scatter(runs[parameter], runs["coop_failures"], s=10, alpha=0.6)
    ax.set_xlabel(NAMES.get(parameter, parameter))
axes[0].set_ylabel("co-op failures (count, one run)")
fig.suptitle("Co-op failures against each setting: one dot per run")
plt.show()
for parameter in experiment.parameters:
    rho = runs[parameter].corr(runs["coop_failures"], method="spearman")
    print(f"rank correlation with co-op failures: {rho:+.2f}  {NAMES.get(parameter, parameter)}")

# %% [markdown]
# ### What we see
#
# A cloud that slopes down means more of that setting goes with fewer failures,
# one that slopes up the opposite; a flat cloud means it hardly matters, on its
# own, over this range. The printed rank correlations put a number on the slope
# (−1 to +1); with the default 80 runs, one between about −0.2 and +0.2 cannot
# be told from no slope at all.
#
# The channel behind local spending is the local multiplier: every unit a
# household spends at a local co-op becomes a member's wage, which is spent again
# locally, while a unit spent on imports leaves the economy. More local spending
# means more sales for every co-op, thicker cash buffers, and fewer failures:
# its correlation is clearly negative. The lending rate works through the
# co-ops' debt service: dearer loans leave less cash, and its correlation is
# positive, more failures at higher rates. The share of surplus kept as reserves
# hardly shows on its own over this range.
# %%
monthly = timeseries.merge(design, on="point")
monthly["local spending"] = monthly["households.local_share"].round(1)
ax = (
    (monthly.groupby(["step", "local spending"])["output"].median() / 1e3)
    .unstack()
    .plot(figsize=(8, 3), xlabel="month", ylabel="co-op sales a month (thousands)")
)
ax.set_title("Local output over time, by share of spending kept local (median of runs)")
ax.axvspan(24, 36, color="tab:red", alpha=0.1)
ax.legend(title="local share", fontsize=7, ncols=2)
plt.show()
by_share = runs.groupby(runs["households.local_share"].round(1))[["drawdown", "coop_failures"]]
table = by_share.mean()
table["drawdown"] *= 100
table.columns = ["fall in output in the recession (%)", "co-op failures (count)"]
table.rename_axis("local share").round(1)

# %% [markdown]
# ### What we see
#
# The higher the share of spending kept local, the higher the line: the
# multiplier at work. All lines fall when the recession (shaded) cuts export
# orders. The table says how much: the fall in output below its pre-recession
# level is about the same share whatever the local share (and so larger in
# currency units where output is larger), because the multiplier that lifts
# local sales in good times also passes the lost export income on. What a larger
# local market does cushion is the co-ops: fewer of them fail. (The run ends as
# the recession does, at month 36, so the lines do not show the recovery.)
# %% [markdown]
# ## Sobol indices
#
# First-order index S1: the share of a metric's variance a parameter explains on
# its own; total index ST: including its interactions. The error bars are 95%
# bootstrap intervals — with few samples they are wide; raise `SAMPLES` for
# sharper answers. Noisy metrics such as `area_lost` or `final_gini` need more
# samples and replicates than this workshop-sized sweep.

# %%
indices = {metric: analyze(results, metric) for metric in ("mean_output", "coop_failures")}
indices["coop_failures"]

# %% [markdown]
# ### What we see
#
# One row per setting. S1 near 1 means that setting alone explains almost all of
# the variation in co-op failures; ST above S1 means it also matters through
# interactions with the others — or, with one run per design point
# (`REPLICATES = 1`), that the seed's luck is counted in, as an interaction.
# `S1_conf` and `ST_conf` are the half-widths of the 95% intervals: with a
# workshop-sized sweep they are wide, and an index can even come out above 1 or
# below 0 — impossible for the true value, a sign of too few samples, not of a
# strange economy.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3), layout="constrained")
for ax, (metric, table) in zip(axes, indices.items(), strict=True):
    y = range(len(table))
    ax.errorbar(
        table["S1"], [i - 0.1 for i in y], xerr=table["S1_conf"], fmt="o", label="alone (S1)"
    )
    ax.errorbar(
        table["ST"],
        [i + 0.1 for i in y],
        xerr=table["ST_conf"],
        fmt="s",
        label="with interactions (ST)",
    )
    ax.set_yticks(list(y), [NAMES.get(p, p) for p in table["parameter"]])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_title({"mean_output": "Local output", "coop_failures": "Co-op failures"}[metric])
    ax.set_xlabel("Sobol index (share of variance explained)")
fig.legend(*axes[-1].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8)
plt.show()
for metric, table in indices.items():
    top = table.sort_values("ST", ascending=False).iloc[0]
    print(
        f"{metric}: the setting that matters most is {NAMES.get(top.parameter, top.parameter)} "
        f"(ST {top.ST:.2f} ± {top.ST_conf:.2f})"
    )

# %% [markdown]
# ### What we see
#
# The printed lines name the setting with the largest total index for each
# result. Local output is a clear case: the share of spending kept local
# explains nearly all of its variation on its own, the other two settings almost
# none. Co-op failures are not: they are counts of a few events that the seed's
# luck moves a lot. Where the error bars of two settings overlap, this sweep
# cannot rank them; raise `SAMPLES` (and `REPLICATES`, since a single run per
# point mixes the seed's luck into the variance) to separate them. What the
# indices measure is the range swept: a setting that barely matters between 0.2
# and 0.8 could matter a lot outside it.

# %% [markdown]
# **Try:** add `instruments.guarantee.coverage = [0.0, 0.9]` to the design (with
# `scenario` set to `guarantee.toml`), or run the sweep on more cores with
# `WORKERS = 2`.
#
# ## When would it fail? Structures across uncertain futures
#
# Sensitivity asks which settings matter. A funder asks something else: *under
# which futures does my structure fail, and which structure holds up best across
# futures nobody can predict?* An `[uncertainties]` table samples futures (here
# the recession's depth and length, and how volatile co-op demand is) and runs
# every structure in every future, on that future's own random streams.

# %%
futures_text = f"""
name = "workshop_futures"
replicates = 1
root_seed = 7
steps = {MONTHS}

[set]
economy.households = {HOUSEHOLDS}
economy.coops = {COOPS}
economy.communities = 2

[design]
kind = "scenarios"
reference = "baseline"

[design.scenarios]
baseline = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"
guarantee = "{(ROOT / "scenarios" / "guarantee.toml").as_posix()}"

[uncertainties]
samples = {FUTURES}

[uncertainties.parameters.depth]
path = "shocks.scheduled.0.size"
range = [0.1, 0.5]
label = "the recession's depth"
unit = "share"

[uncertainties.parameters.length]
path = "shocks.scheduled.0.duration"
range = [3, 12]
label = "the recession's length"
unit = "months"

[uncertainties.parameters.volatility]
path = "coops.demand_volatility"
range = [0.1, 0.4]
label = "co-op demand volatility"
"""
futures_file = Path(OUT_DIR) / "workshop_futures.toml"
futures_file.write_text(futures_text)
futures = load_experiment(futures_file)
run_sweep(futures, Path(OUT_DIR) / "futures", workers=WORKERS, progress=False)
futures_results = solsim.results.load(Path(OUT_DIR) / "futures")
futures.design.head()

# %% [markdown]
# ### Scenario discovery
#
# Which futures push the co-op failure hazard into its worst quarter? PRIM (from
# the EMA Workbench) looks for a box of futures where that happens most often;
# each box is restated in words.

# %%
from solsim.experiments.discovery import discover, discovery_inputs
from solsim.report.futures import box_sentences

hazard = futures_results.summaries["coop_hazard"]
outcome = f"coop_hazard > {hazard.quantile(0.75):.3f}"
x, y, parsed = discovery_inputs(futures_results, outcome)
found = discover(x, y, outcome=outcome, max_boxes=1)
factors = futures_results.experiment["uncertainties"]
for sentence in box_sentences(found, parsed, factors):
    print(sentence)
found.scores

# %% [markdown]
# ### What we see
#
# The sentence says how often the outcome happens inside the box (its density)
# and what share of all such runs the box holds (its coverage). The feature
# scores rank the factors by how much they tell about the outcome. With a dozen
# futures the box is rough; the command line does the same on a finished sweep:
# `solsim discover DIR --outcome "coop_hazard > 0.15"`.

# %%
from solsim.experiments.robustness import robustness
from solsim.report.futures import robustness_figure

robust = robustness(futures_results, {"coop_hazard": -1, "drawdown": -1}, ["coop_hazard < 0.15"])
robustness_figure(robust)

# %% [markdown]
# ### What we see
#
# Regret is how far a structure falls short of the best structure in the same
# future (0 where it is the best): the bars show the worst and the 90th
# percentile across futures, the dot the mean. The last panel is the share of
# futures in which each structure keeps the failure hazard below 15% a year. A
# structure with a lower mean can still have the larger worst case: that is the
# question robustness asks. From the shell: `solsim robustness DIR`.
