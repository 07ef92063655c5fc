"""Experiments at scale: designs × replicates, run through an executor, stored as Parquet.

An *experiment* is a TOML file naming a base scenario, a design (grid, Latin
hypercube, Sobol, Morris, a user's table, or a list of named scenario files) and
a number of replicates. :func:`run_sweep` runs every (design point, replicate)
pair through an executor (in-process, local processes or Dask) and writes one
Parquet file per run; :func:`solsim.results.load` reads them back; the
:mod:`~solsim.experiments.compare` and :mod:`~solsim.experiments.sensitivity`
modules analyse them.

>>> from solsim.experiments import load_experiment, run_sweep  # doctest: +SKIP
>>> experiment = load_experiment("experiments/smoke.toml")  # doctest: +SKIP
>>> run_sweep(experiment, "out/smoke", workers=2)  # doctest: +SKIP
>>> results = solsim.results.load("out/smoke")  # doctest: +SKIP
"""

from __future__ import annotations

from solsim.experiments.results import Results, load
from solsim.experiments.spec import Experiment, load_experiment
from solsim.experiments.sweep import SweepReport, run_sweep

__all__ = ["Experiment", "Results", "SweepReport", "load", "load_experiment", "run_sweep"]
