"""The instrument registry: which instruments exist, found by name.

Instruments come from three places, all giving the same registry in every
process (the one driving a sweep, its worker processes and Dask workers):

* the built-in modules listed in :data:`BUILTIN`, imported on first use so a
  broken optional instrument cannot stop the core from importing;
* the ``solsim.instruments`` entry-point group: a package announces its
  instrument as ``name = "package.module:Class"`` (or ``"package.module"``, a
  module that registers itself), and every process finds it on import;
* :func:`register`, called by hand (in the driving process only: a worker
  process does not run that call; use an entry point for instruments a sweep
  runs on workers).

Switched-on instruments run in :data:`BUILTIN` order, then others by name, so
hooks run in the same order whatever was imported first.
"""

from __future__ import annotations

import importlib
import sys
from importlib import metadata
from typing import Any

from pydantic import ValidationError

from solsim.engine.instruments.contract import (
    Column,
    Instrument,
    InstrumentParams,
    LossLayer,
    ParamError,
)

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "available",
    "build",
    "declared",
    "get",
    "import_modules",
    "loss_layers",
    "plugin_modules",
    "register",
    "unregister",
    "validate_instruments",
]

#: The entry-point group through which packages announce instruments.
ENTRY_POINT_GROUP = "solsim.instruments"

_REGISTRY: dict[str, type[Instrument]] = {}

#: Built-in instruments, name -> module, in the order their hooks run.
BUILTIN: dict[str, str] = {
    "first_loss": "solsim.engine.instruments.first_loss",
    "guarantee": "solsim.engine.instruments.guarantee",
    "patient_capital": "solsim.engine.instruments.patient_capital",
    "non_extractive": "solsim.engine.instruments.non_extractive",
    "mutual_credit": "solsim.engine.instruments.mutual_credit",
    "timebank": "solsim.engine.instruments.timebank",
    "mutual_aid": "solsim.engine.instruments.mutual_aid",
    "governance": "solsim.engine.instruments.governance",
    "participatory_budget": "solsim.engine.instruments.participatory_budget",
    "clt": "solsim.engine.instruments.clt",
    "housing_coop": "solsim.engine.instruments.housing_coop",
}

# Entry points already loaded (by their value), so a name seen twice loads once.
_loaded_entry_points: set[str] = set()


def register(cls: type[Instrument]) -> type[Instrument]:
    """Register an instrument class under ``cls.name`` (usable as a decorator).

    Raises
    ------
    ValueError
        When the class has no name, another class holds the name, or two of its
        columns share a name with each other or with another instrument's.
    """
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    if cls.__module__ not in BUILTIN.values():
        # Built-ins first, so a clash is reported against them, whatever the order.
        _load()
    existing = _REGISTRY.get(cls.name)
    # The same class imported again (a module reloaded) replaces itself.
    where = (cls.__module__, cls.__qualname__)
    if existing is not None and (existing.__module__, existing.__qualname__) != where:
        raise ValueError(f"an instrument named {cls.name!r} is already registered")
    names = [column.name for column in cls.columns]
    taken = {
        c.name for other in _REGISTRY.values() if other.name != cls.name for c in other.columns
    }
    clash = sorted({n for n in names if names.count(n) > 1} | (set(names) & taken))
    if clash:
        raise ValueError(f"instrument {cls.name!r}: columns already declared: {', '.join(clash)}")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Forget the instrument registered under ``name`` (one registered by hand, or a test's)."""
    _REGISTRY.pop(name, None)


# The import path the entry points were last read on: reading them scans every
# installed distribution, so it is done again only when the path changes.
_scanned: tuple[str, ...] | None = None


def _load() -> None:
    """Import built-ins and announced instruments not yet registered."""
    global _scanned
    for name, module in BUILTIN.items():
        if name not in _REGISTRY:
            importlib.import_module(module)
    path = tuple(sys.path)
    if path == _scanned:
        return
    _scanned = path
    for point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if point.value in _loaded_entry_points or point.name in _REGISTRY:
            continue
        _loaded_entry_points.add(point.value)
        loaded = point.load()
        if isinstance(loaded, type) and issubclass(loaded, Instrument):
            register(loaded)
        if point.name not in _REGISTRY:
            raise ValueError(
                f"entry point {ENTRY_POINT_GROUP}:{point.name} = {point.value!r} "
                f"registers no instrument named {point.name!r}"
            )


def available() -> list[str]:
    """Names of every registered instrument, in the order their hooks run."""
    _load()
    return _ordered(_REGISTRY)


def _ordered(names) -> list[str]:
    builtin = list(BUILTIN)
    return sorted(
        names,
        key=lambda name: (0, builtin.index(name), "") if name in builtin else (1, 0, name),
    )


def get(name: str) -> type[Instrument]:
    """The instrument class registered under ``name``.

    Raises
    ------
    KeyError
        With the valid names, when none is.
    """
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown instrument {name!r}; valid: {', '.join(available()) or 'none'}"
        ) from None


def declared() -> list[tuple[str, Column]]:
    """Every registered instrument's columns as ``(instrument, column)``, in hook order."""
    return [(name, column) for name in available() for column in _REGISTRY[name].columns]


def plugin_modules() -> tuple[str, ...]:
    """Modules of the registered instruments that are not built in, sorted.

    A sweep hands them to its workers (:func:`import_modules`), so an instrument
    registered by hand in the driving process runs there too.
    """
    _load()
    builtin = set(BUILTIN.values())
    return tuple(sorted({c.__module__ for c in _REGISTRY.values()} - builtin - {"__main__"}))


def import_modules(modules: tuple[str, ...] | list[str]) -> None:
    """Import instrument modules (each registers its instrument) not yet imported."""
    for module in modules:
        if module not in sys.modules:
            importlib.import_module(module)


def loss_layers() -> list[tuple[str, LossLayer]]:
    """Every registered instrument's loss-absorbing layers as ``(instrument, layer)``."""
    return [(name, layer) for name in available() for layer in _REGISTRY[name].loss_layers]


def validate_instruments(tables: dict[str, Any]) -> dict[str, InstrumentParams]:
    """Validate ``[instruments.*]`` tables into each instrument's parameter model.

    Raises
    ------
    ValueError
        With the key path (``instruments.<name>.<key>``) and the reason.
    """
    _load()
    validated: dict[str, InstrumentParams] = {}
    for name, table in tables.items():
        if isinstance(table, InstrumentParams):
            validated[name] = table
            continue
        if name not in _REGISTRY:
            raise ValueError(
                f"instruments.{name}: unknown instrument; valid: {', '.join(available()) or 'none'}"
            )
        if table is None or table is True:
            table = {}
        if not isinstance(table, dict):
            raise ValueError(f"instruments.{name}: expected a table of settings")
        try:
            validated[name] = _REGISTRY[name].Params.model_validate(table)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc, message = [*first["loc"]], first["msg"].removeprefix("Value error, ")
            error = first.get("ctx", {}).get("error")
            if isinstance(error, ParamError):
                loc, message = [*loc, error.key], error.reason
            path = ".".join(str(part) for part in ("instruments", name, *loc))
            raise ValueError(f"{path}: {message}") from None
    return validated


def build(validated: dict[str, InstrumentParams]) -> list[Instrument]:
    """Instantiate switched-on instruments, in the order their hooks run."""
    _load()
    return [_REGISTRY[name](validated[name]) for name in _ordered(validated)]
