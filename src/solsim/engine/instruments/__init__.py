"""Risk-sharing instruments: one contract, one module each, registered by name.

The contract is written at the top of :mod:`solsim.engine.instruments.contract`;
the registry (built-ins, the ``solsim.instruments`` entry-point group) is
:mod:`solsim.engine.instruments.registry`. Helpers several instruments share
are in :mod:`solsim.engine.instruments.common`.
"""

from __future__ import annotations

from solsim.engine.instruments.contract import (
    Column,
    Control,
    Instrument,
    InstrumentParams,
    LossLayer,
    ParamError,
)
from solsim.engine.instruments.registry import (
    ENTRY_POINT_GROUP,
    available,
    build,
    declared,
    get,
    loss_layers,
    register,
    validate_instruments,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Column",
    "Control",
    "Instrument",
    "InstrumentParams",
    "LossLayer",
    "ParamError",
    "available",
    "build",
    "declared",
    "get",
    "loss_layers",
    "register",
    "validate_instruments",
]
