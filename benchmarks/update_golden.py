"""Regenerate the golden timeseries that ``tests/test_regression.py`` pins.

The regression test checks that small runs give, month by month, the timeseries
stored in ``tests/data``: an optimisation of the engine must not change results.
When a change to the model *means* to change them (a new rule, a recalibrated
default), regenerate the files deliberately and commit them with that change::

    .venv/bin/python benchmarks/update_golden.py

Each case is written as three files in ``tests/data``:

* ``<case>.scenario.json``: every parameter of the scenario, spelled out, so
  that changing a default does not silently change what the test runs;
* ``<case>.csv``: the timeseries, floats written with 17 significant digits
  (they read back to the same doubles);
* ``regression.json``: the cases, their seeds and months.

``--check`` compares instead of writing, and lists the columns that differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

#: Case name -> seed, months and the settings on top of solsim's defaults.
CASES: dict[str, dict] = {
    "regression_small": {
        "seed": 7,
        "steps": 36,
        "set": {
            "name": "regression_small",
            "burn_in": 24,
            "economy.households": 300,
            "economy.coops": 12,
            "economy.funds": 2,
            "economy.investors": 2,
            "economy.communities": 2,
            "shocks.scheduled": [
                {"kind": "export_drop", "start": 12, "duration": 8, "size": 0.3},
                {"kind": "job_loss", "start": 14, "duration": 1, "size": 0.1},
            ],
        },
    },
    "regression_instruments": {
        "seed": 11,
        "steps": 36,
        "set": {
            "name": "regression_instruments",
            "burn_in": 24,
            "economy.households": 400,
            "economy.coops": 16,
            "economy.funds": 2,
            "economy.investors": 2,
            "economy.communities": 2,
            "shocks.scheduled": [
                {"kind": "export_drop", "start": 10, "duration": 10, "size": 0.4},
                {"kind": "supplier_failure", "start": 12, "duration": 1, "size": 0.1},
            ],
            "instruments": {
                "first_loss": {
                    "tranches": [
                        {"name": "first_loss", "share": 0.1, "holder": "philanthropic"},
                        {"name": "community", "share": 0.3, "holder": "community"},
                        {"name": "senior", "share": 0.6, "holder": "outside"},
                    ]
                },
                "guarantee": {"coverage": 0.5, "cap_rate": 0.12, "fee": 0.01},
                "patient_capital": {"grace_months": 6, "revenue_share": 0.006},
                "mutual_credit": {"communities": 2, "intertrading": True},
            },
        },
    },
}


def scenario_for(case: dict):
    """The case's scenario: solsim's defaults with the case's settings."""
    from solsim.scenario import load_scenario

    settings = dict(case["set"])
    data: dict = {"steps": case["steps"]}
    for key in ("name", "instruments", "shocks.scheduled"):
        if key in settings:
            value = settings.pop(key)
            if key == "shocks.scheduled":
                data["shocks"] = {"scheduled": value}
            else:
                data[key] = value
    return load_scenario(None, settings, data=data)


def read_golden(path: Path) -> dict:
    """A golden CSV as ``{column: float64 array}``, every value read back exactly."""
    import csv

    import numpy as np

    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    return {
        name: np.array([float(row[i]) if row[i] else np.nan for row in body])
        for i, name in enumerate(header)
    }


def timeseries(scenario, seed: int):
    import solsim

    return solsim.run(scenario, seed=seed, agents=False).timeseries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    import numpy as np

    DATA.mkdir(parents=True, exist_ok=True)
    manifest = {}
    differ = False
    for name, case in CASES.items():
        if args.check:  # what the test runs: the stored parameters
            from solsim.scenario import load_scenario

            stored = json.loads((DATA / f"{name}.scenario.json").read_text())
            scenario = load_scenario(None, None, data=stored)
        else:
            scenario = scenario_for(case)
        frame = timeseries(scenario, case["seed"])
        manifest[name] = {
            "seed": case["seed"],
            "steps": case["steps"],
            "scenario": f"{name}.scenario.json",
            "timeseries": f"{name}.csv",
        }
        csv = DATA / f"{name}.csv"
        if args.check:
            golden = read_golden(csv)
            columns = [c for c in golden if c in frame.columns]
            a = np.column_stack([golden[c] for c in columns])
            b = frame[columns].to_numpy(float)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            changed = [c for c, ok in zip(columns, same.all(axis=0), strict=True) if not ok]
            missing = [c for c in golden if c not in frame.columns]
            print(f"{name}: {'identical' if not (changed or missing) else 'DIFFERENT'}")
            if changed:
                print(f"  changed: {', '.join(changed)}")
            if missing:
                print(f"  missing: {', '.join(missing)}")
            differ |= bool(changed or missing)
            continue
        params = scenario.model_dump(mode="json")
        (DATA / f"{name}.scenario.json").write_text(json.dumps(params, indent=2) + "\n")
        frame.to_csv(csv, index=False, float_format="%.17g")
        print(f"wrote {csv.relative_to(ROOT)} ({len(frame)} months, {frame.shape[1]} columns)")
    if not args.check:
        (DATA / "regression.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
