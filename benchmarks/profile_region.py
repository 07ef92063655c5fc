"""Where a month of the region-scale economy spends its time, phase by phase.

Two views of one run of the baseline scaled to 100,000 households (2,000 co-ops,
20 funds), 120 months:

* **per phase**: each phase function of :mod:`solsim.engine.phases` that
  :func:`~solsim.engine.phases.run_month` calls (and ``record``, and every
  instrument hook) is wrapped with a CPU-time counter for the run. The engine
  itself is not changed: ``run_month`` looks its phases up in the module at
  call time, so replacing them there is enough.
* **pyinstrument**: a sampling profile of the whole run (build included), its
  heaviest frames.

Run it alone::

    .venv/bin/python benchmarks/profile_region.py [--households 100000] [--html out.html]
"""

from __future__ import annotations

import argparse
import collections
import functools
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

#: The phases ``run_month`` calls, in order, then the metrics row: (module, function).
PHASES = (
    ("phases", "apply_shocks"),
    ("phases", "labour_market"),
    ("phases", "firm_staffing"),
    ("bank", "set_limits"),
    ("phases", "pay_wages"),
    ("phases", "household_spending"),
    ("phases", "trade"),
    ("phases", "debt_service"),
    ("bank", "service"),
    ("phases", "fund_operations"),
    ("phases", "enter_firms"),
    ("phases", "fund_distributions"),
    ("phases", "surplus_split"),
    ("phases", "exit_and_distress"),
    ("reporting", "record"),
)


def region_overrides(households: int) -> dict[str, int]:
    """The baseline scaled with households: one co-op per 50, one fund per 5,000."""
    return {
        "economy.households": households,
        "economy.coops": max(1, households // 50),
        "economy.funds": max(2, households // 5000),
    }


def _label(module: str, name: str) -> str:
    return name if module == "phases" else f"{module}.{name}"


def phase_times(households: int = 100_000, steps: int = 120, seed: int = 0) -> dict[str, object]:
    """CPU seconds per phase over one run (build excluded), and the step total.

    Returns
    -------
    dict
        ``phases``: ``{name: seconds}`` in month order (instrument hooks called
        inside a phase count in that phase); ``step``: CPU seconds of all the
        ``Economy.step`` calls; ``build``: CPU seconds to build the model;
        ``steps``: months run.
    """
    from solsim.engine import bank, phases, reporting
    from solsim.engine.economy import Economy
    from solsim.model import SolidarityEconomy

    modules = {"phases": phases, "bank": bank, "reporting": reporting}
    spent: collections.Counter[str] = collections.Counter()
    originals = {(module, name): getattr(modules[module], name) for module, name in PHASES}

    def timed(name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start

        return wrapper

    original_step = Economy.step
    try:
        for (module, name), fn in originals.items():
            setattr(modules[module], name, timed(_label(module, name), fn))
        Economy.step = timed("step", original_step)
        start = time.process_time()
        model = SolidarityEconomy(
            BASELINE, seed=seed, overrides=region_overrides(households), agents=False
        )
        build = time.process_time() - start
        for _ in range(steps):
            model.step()
    finally:
        for (module, name), fn in originals.items():
            setattr(modules[module], name, fn)
        Economy.step = original_step
    # ``run_month`` also calls instrument hooks between phases and resets a few
    # arrays: whatever the wrapped phases do not cover.
    labels = [_label(module, name) for module, name in PHASES]
    covered = sum(spent[label] for label in labels)
    table = {label: spent[label] for label in labels}
    table["other (hooks between phases, month set-up)"] = max(spent["step"] - covered, 0.0)
    return {"phases": table, "step": spent["step"], "build": build, "steps": steps}


def pyinstrument_profile(households: int = 100_000, steps: int = 120, html: Path | None = None):
    """A pyinstrument profile of one whole run (build and months): its text tree."""
    from pyinstrument import Profiler

    import solsim

    profiler = Profiler(interval=0.001)
    profiler.start()
    solsim.run(BASELINE, seed=0, steps=steps, overrides=region_overrides(households), agents=False)
    profiler.stop()
    if html is not None:
        html.write_text(profiler.output_html())
    return profiler.output_text(unicode=False, color=False, show_all=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML view here")
    args = parser.parse_args()
    result = phase_times(args.households, args.steps)
    total = result["step"]
    print(f"build {result['build']:.2f} s CPU; {result['steps']} months {total:.2f} s CPU")
    for name, seconds in result["phases"].items():
        share = seconds / total if total else 0.0
        per_month = 1e3 * seconds / result["steps"]
        print(f"  {name:45s} {per_month:7.2f} ms/month  {share:6.1%}")
    print(pyinstrument_profile(args.households, args.steps, args.html))


if __name__ == "__main__":
    main()
