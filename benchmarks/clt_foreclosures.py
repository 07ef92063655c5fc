"""The land trust's foreclosure ratio, measured over many replicates.

Runs ``scenarios/clt.toml`` under the stress of the ``clt`` variant of the
stylised facts (:data:`solsim.facts.VARIANTS`: the standard recession with
housing costs up 25% over its months) for seeds ``first`` … ``last − 1`` and
prints land-trust and market owners' foreclosures per owner-year and their
ratio with a 95% confidence interval (:func:`solsim.facts.foreclosure_ratio`,
replicates as clusters). ``solsim validate`` measures the same ratio on its
own twenty replicates; this script measures it as precisely as one likes::

    .venv/bin/python benchmarks/clt_foreclosures.py --first 0 --last 100

Add ``--cure-rate 0`` to see the lower price's channel alone.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import solsim
from solsim.facts import VARIANTS, foreclosure_ratio
from solsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=0, help="first seed")
    parser.add_argument("--last", type=int, default=100, help="one past the last seed")
    parser.add_argument("--cure-rate", type=float, default=None, help="override cure_rate")
    args = parser.parse_args()
    overrides = {"shocks.scheduled": VARIANTS["clt"]["shocks.scheduled"]}
    if args.cure_rate is not None:
        overrides["instruments.clt.cure_rate"] = args.cure_rate
    scenario = load_scenario(ROOT / "scenarios" / "clt.toml", overrides)
    rows = []
    for seed in range(args.first, args.last):
        ts = solsim.run(scenario, seed=seed, agents=False).timeseries
        rows.append(
            {
                "clt_foreclosures": ts["clt_foreclosures"].sum(),
                "clt_owner_years": ts["clt_owners"].sum() / 12.0,
                "market_foreclosures": ts["market_foreclosures"].sum(),
                "market_owner_years": ts["market_owners"].sum() / 12.0,
                "clt_cures": ts["clt_cures"].sum(),
                "clt_due": ts["clt_due"].sum(),
            }
        )
    runs = pd.DataFrame(rows)
    total = runs.sum()
    ratio, se = foreclosure_ratio(runs)
    print(f"{len(runs)} replicates (seeds {args.first}-{args.last - 1})")
    for kind in ("clt", "market"):
        events, years = total[f"{kind}_foreclosures"], total[f"{kind}_owner_years"]
        rate = events / years
        print(f"{kind}: {events:.0f} foreclosures in {years:,.0f} owner-years = {rate:.3%} a year")
    print(f"ratio {ratio:.3f}, 95% CI [{ratio - 1.96 * se:.3f}, {ratio + 1.96 * se:.3f}]")
    print(f"cured {total['clt_cures']:.0f} of {total['clt_due']:.0f} owners due for foreclosure")


if __name__ == "__main__":
    main()
