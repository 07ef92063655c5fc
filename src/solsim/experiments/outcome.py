"""Outcome expressions: which runs count as a case of interest.

An outcome is a comparison or a boolean over a sweep's summary columns::

    coop_hazard > 0.12
    drawdown >= 0.2 and not recovered
    0.05 < chargeoff_rate <= 0.2 or firm_failures > 3

The text is parsed with Python's own parser (:func:`ast.parse`, expression
mode) and the tree is then walked against a whitelist: names of columns,
numbers, ``True``/``False``, the six comparisons (chained too), ``and``,
``or``, ``not`` and unary minus. Nothing else is accepted and nothing is ever
evaluated as Python: the walk computes each node over the summary table's
columns itself. A bare column name means "is non-zero" (``tranche_wiped_out``);
a comparison with a missing value (NaN) is false.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Outcome", "OutcomeError", "parse_outcome"]

#: Longest expression accepted (a guard against pathological input).
MAX_LENGTH = 500

_COMPARISONS: dict[type, tuple[Callable, str]] = {
    ast.Gt: (operator.gt, ">"),
    ast.GtE: (operator.ge, ">="),
    ast.Lt: (operator.lt, "<"),
    ast.LtE: (operator.le, "<="),
    ast.Eq: (operator.eq, "=="),
    ast.NotEq: (operator.ne, "!="),
}
_WORDS = {
    ">": "is above",
    ">=": "is at least",
    "<": "is below",
    "<=": "is at most",
    "==": "is",
    "!=": "is not",
}


class OutcomeError(ValueError):
    """An outcome expression outside the grammar, or naming an unknown column."""


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome expression.

    Attributes
    ----------
    text
        The expression as written.
    columns
        The summary columns it reads, in order of appearance.
    """

    text: str
    tree: ast.expr
    columns: tuple[str, ...]

    def check(self, available: Iterable[str]) -> None:
        """Raise :class:`OutcomeError` naming the first unknown column and the valid ones."""
        valid = sorted(set(available))
        for name in self.columns:
            if name not in valid:
                raise OutcomeError(
                    f"{self.text!r}: unknown column {name!r}; valid: {', '.join(valid)}"
                )

    def evaluate(self, table: pd.DataFrame) -> np.ndarray:
        """The outcome of every row of ``table``: a boolean array."""
        self.check(table.columns)
        value = _evaluate(self.tree, table)
        return _truth(value, len(table))

    def describe(self, name: Callable[[str], str] = str, value=None) -> str:
        """The expression in words: ``co-op failure hazard is above 12% a year``.

        Parameters
        ----------
        name
            A column's name in words.
        value
            ``value(column, number)``: a number in the column's unit (default
            ``:g``).
        """
        return _describe(self.tree, name, value or (lambda _column, number: f"{number:g}"))


def parse_outcome(text: str) -> Outcome:
    """Parse an outcome expression (see the module docstring).

    Raises
    ------
    OutcomeError
        Saying what is outside the grammar.
    """
    if not isinstance(text, str) or not text.strip():
        raise OutcomeError("empty outcome expression; e.g. 'coop_hazard > 0.12'")
    if len(text) > MAX_LENGTH:
        raise OutcomeError(f"outcome expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise OutcomeError(f"{text!r}: not an expression ({exc.msg})") from None
    columns: list[str] = []
    _check(tree, text, columns, depth=0)
    return Outcome(text=text.strip(), tree=tree, columns=tuple(dict.fromkeys(columns)))


def _outside(text: str, what: str) -> OutcomeError:
    return OutcomeError(
        f"{text!r}: {what} is outside the outcome grammar (column names, numbers, "
        "comparisons, and, or, not)"
    )


def _check(node: ast.AST, text: str, columns: list[str], depth: int) -> None:
    if depth > 50:
        raise OutcomeError(f"{text!r}: nested too deeply")
    if isinstance(node, ast.Name):
        columns.append(node.id)
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or (
            isinstance(node.value, int | float) and math.isfinite(node.value)
        ):
            return
        raise _outside(text, f"the constant {node.value!r}")
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And | ast.Or):
        for value in node.values:
            _check(value, text, columns, depth + 1)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        _check(node.operand, text, columns, depth + 1)
        return
    if isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARISONS:
                raise _outside(text, f"the operator {type(op).__name__}")
        for part in (node.left, *node.comparators):
            _check(part, text, columns, depth + 1)
        return
    raise _outside(text, ast.unparse(node) if isinstance(node, ast.expr) else "this")


def _truth(value, n: int) -> np.ndarray:
    """Booleans from a column or a number: non-zero and not missing is true."""
    array = np.broadcast_to(np.asarray(value), (n,))
    if array.dtype == bool:
        return array.copy()
    numbers = array.astype(np.float64)
    return np.isfinite(numbers) & (numbers != 0)


def _evaluate(node: ast.AST, table: pd.DataFrame):
    n = len(table)
    if isinstance(node, ast.Name):
        return pd.to_numeric(table[node.id], errors="coerce").to_numpy(dtype=np.float64)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BoolOp):
        parts = [_truth(_evaluate(v, table), n) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return combine.reduce(parts)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, table)
        if isinstance(node.op, ast.Not):
            return ~_truth(operand, n)
        return -np.asarray(operand, dtype=np.float64)
    if isinstance(node, ast.Compare):
        result = np.ones(n, dtype=bool)
        left = _evaluate(node.left, table)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, table)
            with np.errstate(invalid="ignore"):
                result &= np.broadcast_to(
                    np.asarray(_COMPARISONS[type(op)][0](left, right), dtype=bool), (n,)
                )
            left = right
        return result
    raise AssertionError("checked by parse_outcome")  # pragma: no cover


def _describe(node: ast.AST, name, value) -> str:
    if isinstance(node, ast.Name):
        return name(node.id)
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.BoolOp):
        word = " and " if isinstance(node.op, ast.And) else " or "
        return word.join(_describe(v, name, value) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            inner = node.operand
            if isinstance(inner, ast.Name):
                return f"no {name(inner.id)}"
            return f"not ({_describe(inner, name, value)})"
        return f"−{_describe(node.operand, name, value)}"
    if isinstance(node, ast.Compare):
        parts = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            symbol = _COMPARISONS[type(op)][1]
            if isinstance(left, ast.Name) and isinstance(right, ast.Constant):
                parts.append(f"{name(left.id)} {_WORDS[symbol]} {value(left.id, right.value)}")
            elif isinstance(right, ast.Name) and isinstance(left, ast.Constant):
                flipped = {">": "<", ">=": "<=", "<": ">", "<=": ">="}.get(symbol, symbol)
                parts.append(f"{name(right.id)} {_WORDS[flipped]} {value(right.id, left.value)}")
            else:
                parts.append(
                    f"{_describe(left, name, value)} {symbol} {_describe(right, name, value)}"
                )
            left = right
        return " and ".join(parts)
    return ast.unparse(node)  # pragma: no cover
