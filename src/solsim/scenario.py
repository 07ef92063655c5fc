"""Scenario files: TOML, ``extends`` chains, dotted overrides, validation.

A scenario file is TOML whose tables mirror :class:`~solsim.engine.params.Scenario`::

    extends = "baseline.toml"   # optional: start from another file (relative path)
    name = "guarantee"

    [instruments.guarantee]
    coverage = 0.5

A child file's tables are merged into its parent's key by key; lists (such as
``shocks.scheduled``) are replaced whole. Overrides (``{"economy.households": 5000}``
or ``--set economy.households=5000``) are applied last. Every problem becomes a
:class:`~solsim.errors.ScenarioError` naming the file, the key path and the reason.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from solsim.engine.params import Scenario
from solsim.errors import ScenarioError

__all__ = [
    "OverrideError",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "parse_override",
    "scenario_hash",
    "set_dotted",
    "shown",
]


#: Tables nested deeper than this are refused (the schema is four levels deep).
MAX_DEPTH = 32
#: At most this many files in an ``extends`` chain.
MAX_EXTENDS = 32


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of tables and lists in ``value``, counting no further than ``limit + 1``."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def check_depth(file: str, data: Any, key: str = "(file)") -> None:
    """Refuse tables or lists nested more than :data:`MAX_DEPTH` deep."""
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise ScenarioError(
            file, key, f"tables or lists nested more than {MAX_DEPTH} deep; this is not a scenario"
        )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "(file)", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(str(path), "(file)", "is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "(file)", f"cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "(file)", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(
            str(path), "(file)", f"nested too deeply to read (at most {MAX_DEPTH} levels)"
        ) from None
    check_depth(str(path), data)
    return data


def _merge(base: dict[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _resolve(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a file and the chain of files it extends, merged parent first."""
    path = path.resolve() if path.exists() else path
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError(str(seen[-1]), "extends", f"circular extends: {chain}")
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError(
            str(seen[-1]),
            "extends",
            f"chain of more than {MAX_EXTENDS} files (from {seen[0].name}); "
            "flatten some of them into one",
        )
    data = _read_toml(path)
    parent_name = data.pop("extends", None)
    graph = data.get("graph")
    if isinstance(graph, dict) and isinstance(graph.get("path"), str):
        graph["path"] = str((path.parent / graph["path"]).resolve())
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise ScenarioError(str(path), "extends", "must be a file name (string)")
    parent_path = path.parent / parent_name
    if not parent_path.exists():
        raise ScenarioError(
            str(path), "extends", f"file not found: {parent_name} (looked for {parent_path})"
        )
    if not parent_path.is_file():
        raise ScenarioError(str(path), "extends", f"{parent_path} is not a file")
    return _merge(_resolve(parent_path, (*seen, path)), data)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key.path=value`` as given on the command line.

    The value is read as a TOML value (``5000``, ``0.3``, ``true``, ``"x"``,
    ``[1, 2]``); anything that is not valid TOML is taken as a plain string.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--set expects key.path=value, got {text!r}")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise ValueError(f"--set {key}: the value is nested too deeply") from None
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise ValueError(f"--set {key}: the value is nested more than {MAX_DEPTH} deep")
    return key, value


class OverrideError(ValueError):
    """A dotted key path that cannot be set in the data (``key``: where it failed)."""

    def __init__(self, key: str, reason: str):
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


def _plain(value: Any) -> Any:
    """numpy scalars to Python scalars (pydantic and JSON want plain values)."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        return item()
    return value


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` (``a.b.c``; list elements by index, ``shocks.scheduled.0.size``)
    in ``data``, in place. Missing tables are created; list elements are not.

    Raises
    ------
    OverrideError
        Naming the part of the path that is wrong.
    """
    parts = key.split(".")
    if not all(part.strip() for part in parts):
        raise OverrideError(key, "empty part in the key path")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            index = int(part) if part.isdigit() else -1
            if not 0 <= index < len(node):
                raise OverrideError(
                    where, f"no such element (the list has {len(node)}; index from 0)"
                )
            if last:
                node[index] = _plain(value)
            else:
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = _plain(value)
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict | list):
                    raise OverrideError(where, "is a value, not a table")
                node = child
        else:  # pragma: no cover - guarded above
            raise OverrideError(".".join(parts[:depth]), "is a value, not a table")


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with dotted ``overrides`` set (see :func:`set_dotted`).

    The one implementation of dotted-key overrides: ``solsim run``, ``sweep``,
    ``compare`` and :func:`load_scenario` all use it.
    """
    data = copy.deepcopy(dict(data))
    for key, value in overrides.items():
        set_dotted(data, key, value)
    return data


def _error_from_validation(file: str, exc: ValidationError) -> ScenarioError:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    # Root-level checks put the key path at the start of their message.
    if not location and ": " in message:
        location, _, message = message.partition(": ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    extra = len(exc.errors()) - 1
    if extra:
        message += f" (and {extra} more problem{'s' if extra > 1 else ''})"
    return ScenarioError(file, location or "(file)", message)


def shown(value: Any) -> str:
    """An override's value as it was typed (TOML spelling)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return str(value)


def _blame_override(error: ScenarioError, overrides: Mapping[str, Any] | None) -> ScenarioError:
    """Name the override, not the file, when an override set the faulty key."""
    for key in overrides or {}:
        if error.key == key or error.key.startswith(f"{key}."):
            return ScenarioError(f"--set {key}={shown(overrides[key])}", error.key, error.reason)
    return error


def load_scenario(
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load, merge, override and validate a scenario.

    Parameters
    ----------
    path
        A TOML scenario file; ``None`` starts from the defaults (or ``data``).
    overrides
        Dotted key paths to values, applied after the file is merged.
    data
        A scenario as a dict, used instead of a file.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        With the file, the key path and the reason.
    """
    file = str(path) if path is not None else "<scenario>"
    if path is not None:
        merged = _resolve(Path(path))
    else:
        if data is not None and not isinstance(data, Mapping):
            raise ScenarioError(file, "(file)", "a scenario must be a table of settings")
        check_depth(file, data or {})
        merged = copy.deepcopy(dict(data or {}))
    for key, value in (overrides or {}).items():
        try:
            set_dotted(merged, key, value)
        except OverrideError as exc:
            raise ScenarioError(f"--set {key}={shown(value)}", exc.key, exc.reason) from None
    graph = merged.get("graph")
    if (
        isinstance(graph, dict)
        and graph.get("kind") == "file"
        and graph.get("path")
        and not Path(graph["path"]).exists()
    ):
        raise ScenarioError(file, "graph.path", f"file not found: {graph['path']}")
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise _blame_override(_error_from_validation(file, exc), overrides) from None
    except ValueError as exc:
        location, _, message = str(exc).partition(": ")
        raise _blame_override(ScenarioError(file, location, message), overrides) from None
    scenario._source = file
    return scenario


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON: equal settings, equal hash."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
