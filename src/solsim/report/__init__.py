"""Reports for funders and workshops: figures and a self-contained ``report.html``.

>>> from solsim.report import simulate, write_report  # doctest: +SKIP
>>> data = simulate({"baseline": "scenarios/baseline.toml",
...                  "clearing": "scenarios/clearing.toml"}, replicates=10)  # doctest: +SKIP
>>> write_report(data, "out/report.html")  # doctest: +SKIP

or, from a results directory written by ``solsim compare`` / ``solsim sweep``::

    write_report("out/demo")          # writes out/demo/report.html and out/demo/figures/

The page's first screen answers the funder's question: a headline sentence per
scenario and the surprises, from :func:`~solsim.report.answer.first_screen`;
each metric's label, unit, direction and materiality threshold are in
:mod:`solsim.report.catalog`. Figures are drawn with matplotlib's Agg renderer
(no display needed); see :mod:`solsim.report.figures` for each picture on its own.
"""

from __future__ import annotations

from solsim.report import catalog, figures
from solsim.report.answer import answers, first_screen
from solsim.report.data import (
    ReportData,
    comparison_table,
    from_results_dir,
    settings_diff,
    simulate,
)
from solsim.report.html import SECTIONS, render, write_report

__all__ = [
    "SECTIONS",
    "ReportData",
    "answers",
    "catalog",
    "comparison_table",
    "figures",
    "first_screen",
    "from_results_dir",
    "render",
    "settings_diff",
    "simulate",
    "write_report",
]
