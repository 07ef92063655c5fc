"""Helpers several instruments share: which funds and which members they reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solsim.errors import ScenarioError

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["check_funds", "select_members"]


def check_funds(economy: Economy, instrument: str, funds: list[int] | None) -> list[int]:
    """The funds an instrument applies to; a missing fund is a scenario error."""
    if funds is None:
        return list(range(economy.n_funds))
    for i, fund in enumerate(funds):
        if fund >= economy.n_funds:
            raise ScenarioError(
                economy.scenario.source,
                f"instruments.{instrument}.funds.{i}",
                f"no fund {fund}: economy.funds = {economy.n_funds} (funds are numbered from 0)",
            )
    return list(funds)


def select_members(n: int, share: float) -> np.ndarray:
    """A share of ``n`` items picked without randomness, spread evenly over indices.

    Item *i* is picked when the fractional part of *i* × (golden ratio − 1) is
    below ``share``: a low-discrepancy sequence, so any run of indices holds close
    to ``share`` of members, and the run's random stream is untouched.
    """
    return (np.arange(n) * 0.6180339887498949) % 1.0 < share
