"""Random pairwise exchange written the per-agent Mesa way, to time solsim against.

One ``mesa.Agent`` per trader; every step the model activates all traders in a
random order (``model.agents.shuffle_do("step")``), as Mesa's Boltzmann wealth
example does. The exchange rule is not the example's "give one unit to a random
other agent" but the one :func:`solsim.reference.kinetic_exchange` uses, so that
both relax to the same exponential distribution (Gini ½) and their Gini
coefficients can be compared:

* the active trader picks a random other trader;
* the pair pools its money (integer cents) and the active trader takes a
  uniform random share ε of the pool, floored to the cent; the other keeps the
  rest.

The difference from solsim's reference model is only the matching: here each
trader starts one trade per step with a random partner (so it takes part in
about two), there the traders are paired by one random permutation per sweep
(one trade each). Both are the same Markov chain on the same stationary law.

Run it alone to see its timing::

    .venv/bin/python benchmarks/mesa_boltzmann.py --agents 10000 --steps 100
"""

from __future__ import annotations

import argparse
import time

import mesa
import numpy as np


class Trader(mesa.Agent):
    """A trader with a balance in cents."""

    def __init__(self, model: BoltzmannExchange, cents: int):
        super().__init__(model)
        self.cents = cents

    def step(self) -> None:
        model = self.model
        other = model.traders[self.random.randrange(model.n_traders - 1)]
        if other is self:  # choose among the others: the last one stands in for self
            other = model.traders[-1]
        pool = self.cents + other.cents
        mine = int(self.random.random() * pool)  # floored to the cent
        self.cents = mine
        other.cents = pool - mine


class BoltzmannExchange(mesa.Model):
    """``agents`` traders with ``initial`` currency units each.

    Parameters
    ----------
    agents
        Number of traders (at least 2).
    initial
        Opening balance of each trader (currency units).
    seed
        Seed of the model's random generators.
    """

    def __init__(self, agents: int = 10_000, initial: float = 1000.0, seed: int = 0):
        super().__init__(rng=seed)
        if agents < 2:
            raise ValueError(f"agents must be at least 2, got {agents}")
        cents = round(initial * 100)
        self.traders = [Trader(self, cents) for _ in range(agents)]
        self.n_traders = agents

    def step(self) -> None:
        self.agents.shuffle_do("step")

    def balances(self) -> np.ndarray:
        """Balances in currency units, in creation order."""
        return np.array([t.cents for t in self.traders], dtype=np.float64) / 100.0


def run(agents: int = 10_000, steps: int = 100, seed: int = 0) -> tuple[np.ndarray, float]:
    """Build and run the model; return the final balances and the seconds it took."""
    start = time.perf_counter()
    model = BoltzmannExchange(agents, seed=seed)
    for _ in range(steps):
        model.step()
    return model.balances(), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from solsim.metrics import gini

    balances, seconds = run(args.agents, args.steps, args.seed)
    print(f"{args.agents} traders x {args.steps} steps: {seconds:.2f} s, Gini {gini(balances):.4f}")


if __name__ == "__main__":
    main()
