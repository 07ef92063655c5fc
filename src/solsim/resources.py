"""Will a run fit in memory? An estimate from the scenario's sizes, checked before it starts.

The engine keeps a few arrays per household, per trade edge and per co-op, and
one row of metrics per month. Measured peaks (``tracemalloc``, baseline
economy, 2 000 to 100 000 households) are about 800 bytes per household with
five purchase edges; the estimate below doubles the per-agent terms to leave
room for temporaries and adds the interpreter's own footprint. A run whose
estimate exceeds the memory this machine has is refused with both numbers,
rather than dying with a ``MemoryError`` (or being killed) part way through.

``SOLSIM_MEMORY_LIMIT`` (bytes, or with a ``K``/``M``/``G`` suffix) lowers the
limit, e.g. on a shared machine.
"""

from __future__ import annotations

import os

from solsim.engine.params import Scenario
from solsim.errors import ScenarioError

__all__ = ["check_memory", "estimate_bytes", "memory_limit"]

#: Bytes per household, per trade edge, per co-op, per month of the timeseries.
PER_HOUSEHOLD = 600
PER_EDGE = 200
PER_COOP = 4_000
PER_MONTH = 2_000
#: The interpreter, numpy, pandas and the engine's modules.
BASE = 300_000_000


def estimate_bytes(scenario: Scenario) -> int:
    """Peak memory of one run of ``scenario``, in bytes (an overestimate)."""
    e = scenario.economy
    households = e.households
    coops = e.n_firms
    edges = households * scenario.graph.purchase_edges + coops * scenario.graph.supply_edges
    agents = households + coops + e.n_funds + e.n_investors + e.n_guarantors + e.n_communities
    months = scenario.steps + scenario.burn_in
    return int(
        BASE + PER_HOUSEHOLD * agents + PER_EDGE * edges + PER_COOP * coops + PER_MONTH * months
    )


def _parse_size(text: str) -> int | None:
    text = text.strip().upper().removesuffix("B")
    scale = {"K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}.get(text[-1:], 1)
    try:
        return int(float(text.rstrip("KMGT")) * scale)
    except ValueError:
        return None


def memory_limit() -> int | None:
    """Bytes a run may use: the machine's memory, or ``SOLSIM_MEMORY_LIMIT`` if lower."""
    limit = None
    try:
        import psutil

        limit = int(psutil.virtual_memory().total)
    except Exception:  # pragma: no cover - psutil missing or unsupported platform
        pass
    override = os.environ.get("SOLSIM_MEMORY_LIMIT")
    if override:
        value = _parse_size(override)
        if value is not None and value > 0:
            limit = value if limit is None else min(limit, value)
    return limit


def _gb(n: float) -> str:
    return f"{n / 1e9:.0f}" if n >= 10e9 else f"{n / 1e9:.1f}"


def check_memory(scenario: Scenario, copies: int = 1, what: str | None = None) -> None:
    """Refuse a run (or ``copies`` runs at once) that would not fit in memory.

    Raises
    ------
    ScenarioError
        ``economy.households: would need about 37 GB; this machine has 23``.
    """
    limit = memory_limit()
    if limit is None:
        return
    need = estimate_bytes(scenario) * max(1, copies)
    if need > limit:
        e = scenario.economy
        runs = f" ({copies} runs at once)" if copies > 1 else ""
        raise ScenarioError(
            what or scenario.source,
            "economy.households",
            f"{e.households:,} households, {e.n_firms:,} co-ops and "
            f"{e.households * scenario.graph.purchase_edges:,} purchase edges{runs} would need "
            f"about {_gb(need)} GB; this machine has {_gb(limit)}",
        )
