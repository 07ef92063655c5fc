"""Seeds of an experiment: one root ``SeedSequence``, one stream per run.

Every stream is derived as ``SeedSequence(root_seed, spawn_key=(...))``, a pure
function of the root seed and the run's coordinates, so a run's seed never
depends on which runs came before it, how many workers there were or in which
order they finished:

==========================  ==========================================
stream                      spawn key
==========================  ==========================================
replicate r, common         ``(0, r)``: the same in every design point
(point p, replicate r)      ``(1, p, r)``: independent streams
the design sample           ``(2,)``: Latin hypercube, Sobol, Morris
future f, replicate r       ``(3, f, r)``: every structure of future f
==========================  ==========================================

With common random numbers (the default) replicate r of every design point sees
the same shocks, demand draws and network, so differences between points are
paired and their variance is small. In an experiment with uncertainties, each
future has streams of its own, shared by every structure run in it: structures
are paired within a future, and futures differ in their draws as well as in
their settings.
"""

from __future__ import annotations

import numpy as np

__all__ = ["design_seed", "future_seed", "run_seed", "seed_record"]

_COMMON, _INDEPENDENT, _DESIGN, _FUTURE = 0, 1, 2, 3


def run_seed(
    root_seed: int, point: int, replicate: int, common_random_numbers: bool = True
) -> np.random.SeedSequence:
    """The seed of run (point, replicate).

    Parameters
    ----------
    root_seed
        The experiment's root seed (entropy of the root SeedSequence).
    point, replicate
        The run's coordinates.
    common_random_numbers
        True: replicate r uses one stream in every point. False: each
        (point, replicate) has its own stream.

    Examples
    --------
    >>> a = run_seed(7, point=0, replicate=3)
    >>> b = run_seed(7, point=5, replicate=3)
    >>> a.generate_state(2).tolist() == b.generate_state(2).tolist()
    True
    """
    if common_random_numbers:
        key: tuple[int, ...] = (_COMMON, int(replicate))
    else:
        key = (_INDEPENDENT, int(point), int(replicate))
    return np.random.SeedSequence(int(root_seed), spawn_key=key)


def future_seed(root_seed: int, future: int, replicate: int) -> np.random.SeedSequence:
    """The seed of replicate r in future f: the same for every structure of that future.

    Examples
    --------
    >>> a = future_seed(7, future=2, replicate=0).generate_state(2).tolist()
    >>> a == future_seed(7, future=2, replicate=0).generate_state(2).tolist()
    True
    >>> a == future_seed(7, future=3, replicate=0).generate_state(2).tolist()
    False
    """
    return np.random.SeedSequence(int(root_seed), spawn_key=(_FUTURE, int(future), int(replicate)))


def design_seed(root_seed: int) -> int:
    """An integer seed for the design sampler (SALib takes an int)."""
    sequence = np.random.SeedSequence(int(root_seed), spawn_key=(_DESIGN,))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def seed_record(sequence: np.random.SeedSequence) -> dict[str, object]:
    """The seed as stored beside a run: enough to rebuild the SeedSequence."""
    return {"entropy": int(sequence.entropy), "spawn_key": [int(k) for k in sequence.spawn_key]}
