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
# Workshop time: about 30 minutes.

# %% tags=["parameters"]
HOUSEHOLDS = 200  # households in each economy
COOPS = 10  # worker co-ops
MONTHS = 36  # months per run (recession from month 24 to 35)
SAMPLES = 16  # Sobol base samples N (a power of two): N × (D + 2) design points
REPLICATES = 1  # seeds per design point
WORKERS = 1  # local processes running the sweep
OUT_DIR = "../out/workshop"  # where the sweep's files go

# %%
from pathlib import Path

import matplotlib.pyplot as plt

import solsim.results
from solsim.experiments import load_experiment, run_sweep
from solsim.experiments.sensitivity import analyze

ROOT = Path.cwd() if (Path.cwd() / "scenarios").is_dir() else Path.cwd().parent

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
# ## Read the results back
#
# `solsim.results.load` gives the design, the stacked monthly timeseries and
# one summary row per run, as pandas DataFrames.

# %%
results = solsim.results.load(results_dir)
design, timeseries, summaries = results
runs = results.with_design(summaries)
runs[["point", "replicate", *experiment.parameters, "mean_output", "coop_failures"]].head()

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True, layout="constrained")
for ax, parameter in zip(axes, experiment.parameters, strict=True):
    ax.scatter(runs[parameter], runs["coop_failures"], s=10, alpha=0.6)
    ax.set_xlabel(parameter)
axes[0].set_ylabel("co-op failures")
plt.show()
# %%
monthly = timeseries.merge(design, on="point")
monthly["local spending"] = monthly["households.local_share"].round(1)
monthly.groupby(["step", "local spending"])["output"].median().unstack().plot(
    figsize=(8, 3), ylabel="median output", xlabel="month"
)
plt.show()
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

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3), layout="constrained")
for ax, (metric, table) in zip(axes, indices.items(), strict=True):
    y = range(len(table))
    ax.errorbar(table["S1"], [i - 0.1 for i in y], xerr=table["S1_conf"], fmt="o", label="S1")
    ax.errorbar(table["ST"], [i + 0.1 for i in y], xerr=table["ST_conf"], fmt="s", label="ST")
    ax.set_yticks(list(y), table["parameter"])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_title(metric)
    ax.legend()
plt.show()

# %% [markdown]
# **Try:** add `instruments.guarantee.coverage = [0.0, 0.9]` to the design (with
# `scenario` set to `guarantee.toml`), or run the sweep on more cores with
# `WORKERS = 2`.
