"""Small runs give exactly the timeseries stored in ``tests/data``.

The engine is optimised often; its results must not move when it is. Each case
in ``tests/data/regression.json`` names a scenario with every parameter spelled
out (``<case>.scenario.json``), a seed, and the timeseries it produced
(``<case>.csv``, 17 significant digits). A change that *means* to change
results regenerates these files deliberately::

    .venv/bin/python benchmarks/update_golden.py

Columns added to the timeseries since the files were written are not checked;
columns removed are an error.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import solsim
from solsim.scenario import load_scenario

DATA = Path(__file__).parent / "data"
CASES = json.loads((DATA / "regression.json").read_text())

# Tight enough that one cent in the money stock (about 4e-9 of it) fails;
# loose enough for last-bit differences in floating-point metrics.
RTOL = 1e-9
ATOL = 1e-12
REGENERATE = "if the change is meant, regenerate: .venv/bin/python benchmarks/update_golden.py"


def read_golden(path: Path) -> dict[str, np.ndarray]:
    """Columns of a golden CSV as float64 arrays (empty cells are NaN)."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    return {
        name: np.array([float(row[i]) if row[i] else np.nan for row in body])
        for i, name in enumerate(header)
    }


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    name = request.param
    spec = CASES[name]
    data = json.loads((DATA / spec["scenario"]).read_text())
    scenario = load_scenario(None, None, data=data)
    result = solsim.run(scenario, seed=spec["seed"], steps=spec["steps"], agents=False)
    return name, read_golden(DATA / spec["timeseries"]), result.timeseries


def test_same_months_and_columns(case):
    name, golden, timeseries = case
    missing = [column for column in golden if column not in timeseries.columns]
    assert not missing, f"{name}: columns gone from the timeseries: {missing}; {REGENERATE}"
    assert len(timeseries) == len(golden["step"]), f"{name}: months differ; {REGENERATE}"


def test_timeseries_unchanged(case):
    name, golden, timeseries = case
    problems = []
    for column, expected in golden.items():
        if column not in timeseries.columns:
            continue  # reported by test_same_months_and_columns
        actual = timeseries[column].to_numpy(dtype=np.float64)
        close = np.isclose(actual, expected, rtol=RTOL, atol=ATOL, equal_nan=True)
        if not close.all():
            month = int(np.argmin(close))
            problems.append(
                f"{column} (first at row {month}: {actual[month]!r} != golden {expected[month]!r})"
            )
    assert not problems, f"{name}: results changed: " + "; ".join(problems) + f"; {REGENERATE}"


def test_golden_files_are_what_the_script_writes():
    """The stored cases are the script's: same seeds and months."""
    import importlib.util

    script = Path(__file__).parent.parent / "benchmarks" / "update_golden.py"
    spec = importlib.util.spec_from_file_location("update_golden", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.CASES) == sorted(CASES)
    for name, case in module.CASES.items():
        assert CASES[name]["seed"] == case["seed"]
        assert CASES[name]["steps"] == case["steps"]
