"""Results of sweeps: ``solsim.results.load(DIR)``.

A short name for :mod:`solsim.experiments.results`.

>>> import solsim.results
>>> results = solsim.results.load("out/smoke")  # doctest: +SKIP
>>> results.design, results.timeseries, results.summaries  # doctest: +SKIP
"""

from __future__ import annotations

from solsim.experiments.results import Results, load, read_stacked

__all__ = ["Results", "load", "read_stacked"]
