"""solsim: agent-based simulation of the solidarity economy.

Households, worker co-ops, community funds, guarantors and investors on a trade
graph; risk-sharing instruments switched on and off in scenario files; a
vectorised numpy engine under a Mesa face.

>>> import solsim
>>> result = solsim.run("scenarios/baseline.toml", seed=0)  # doctest: +SKIP
>>> result.timeseries, result.summary, result.model  # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from solsim import clearing, metrics
from solsim.agents import Coop, Firm, Fund, Guarantor, Household, Investor
from solsim.engine.params import Scenario
from solsim.errors import ScenarioError
from solsim.model import SolidarityEconomy
from solsim.runner import RunResult, run
from solsim.scenario import load_scenario

try:
    __version__ = version("solsim")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Coop",
    "Firm",
    "Fund",
    "Guarantor",
    "Household",
    "Investor",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SolidarityEconomy",
    "__version__",
    "clearing",
    "load_scenario",
    "metrics",
    "run",
]
