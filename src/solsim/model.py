"""The Mesa face of an economy: :class:`SolidarityEconomy`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from solsim.agents import Coop, Firm, Fund, Guarantor, Household, Investor
from solsim.engine.economy import Economy
from solsim.engine.network import TradeNetwork, generate_network
from solsim.engine.params import Scenario
from solsim.engine.reporting import summarize
from solsim.errors import ScenarioError
from solsim.scenario import load_scenario


def build_network(scenario: Scenario, rng: np.random.Generator) -> TradeNetwork:
    """The trade network a scenario asks for: generated, or loaded from its file."""
    g = scenario.graph
    size = scenario.economy
    if g.kind == "file":
        from solsim.graph import GraphFileError, load_network

        try:
            return load_network(g.path, n_communities=size.n_communities)
        except GraphFileError as exc:
            raise ScenarioError(scenario.source, "graph.path", str(exc)) from None
    network = generate_network(
        g.kind,
        n_households=size.households,
        n_coops=size.n_firms,
        n_communities=size.n_communities,
        purchase_edges=g.purchase_edges,
        supply_edges=g.supply_edges,
        within_community=g.within_community,
        rewire=g.rewire,
        rng=rng,
        supply_feedback=g.supply_feedback,
    )
    # The last firm columns are conventional firms; the network is the same for both.
    network.n_conventional = size.n_conventional
    return network


class SolidarityEconomy(mesa.Model):
    """A solidarity economy as a Mesa model.

    State lives in the vectorised :class:`~solsim.engine.economy.Economy`
    (``model.economy``); the agents are facades over its arrays, so
    ``model.agents_by_type[Household]``, AgentSet queries and
    ``mesa.DataCollector`` work as in any Mesa model.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a path to a TOML scenario file, or None for defaults.
    seed
        Seed of the run's one random generator (``model.rng``): an int or a
        ``numpy.random.SeedSequence``.
    overrides
        Dotted key paths to values (``{"economy.households": 500}``).
    agents
        Create Mesa agent facades (default). With False the model runs on the
        arrays alone, which saves time and memory at 10^6 households.

    Notes
    -----
    At scale. The engine needs only sparse matrices and arrays, and a month
    costs about twelve times as much at 10^6 households as at 10^5 (under half
    a second). What does not scale the same way is the Mesa and networkx face,
    so at 10^6 households (measured on a 2-core machine; see
    ``benchmarks/RESULTS.md``):

    * agent facades (one ``mesa.Agent`` per household) take about 10 s and
      0.4 GB more to create: pass ``agents=False`` (``solsim run`` and sweeps
      do) and read state from ``model.economy``'s arrays;
    * :attr:`graph` (networkx) is built only when first read, which takes about
      a minute and 2 GB more for 5 million purchase edges; :attr:`space` builds
      on it. Nothing in a run reads either.

    A million-household run with ``agents=False`` peaks under 1 GB.

    Attributes
    ----------
    params : Scenario
        The validated scenario this model runs. (``model.scenario`` is Mesa's own.)
    economy : Economy
        Arrays, ledger and instruments.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        seed: int | np.random.SeedSequence = 0,
        overrides: dict[str, Any] | None = None,
        agents: bool = True,
    ):
        super().__init__(rng=seed)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario, overrides)
        elif overrides:
            data = scenario.model_dump(mode="json")
            source = scenario.source
            scenario = load_scenario(None, overrides, data=data)
            scenario._source = source
        self.params = scenario
        network = build_network(scenario, self.rng)
        self.economy = Economy(scenario, network, self.rng)
        self.households: list[Household] = []
        self.coops: list[Coop] = []
        self.firms: list[Firm] = []
        if agents:
            self._create_agents()

    def _create_agents(self) -> None:
        e = self.economy
        self.households = list(
            Household.create_agents(self, e.n_households, list(range(e.n_households)))
        )
        coops = np.flatnonzero(e.firm_is_coop).tolist()
        self.coops = list(Coop.create_agents(self, len(coops), coops))
        firms = np.flatnonzero(~e.firm_is_coop).tolist()
        self.firms = list(Firm.create_agents(self, len(firms), firms))
        self.funds = list(Fund.create_agents(self, e.n_funds, list(range(e.n_funds))))
        n_investors = e.n_outside_investors + e.n_funds
        self.investors = list(Investor.create_agents(self, n_investors, list(range(n_investors))))
        self.guarantors = list(
            Guarantor.create_agents(self, e.n_guarantors, list(range(e.n_guarantors)))
        )

    def firm_agent(self, row: int) -> Coop | Firm:
        """The agent of firm ``row`` of the firm arrays (a co-op or a conventional firm).

        Co-ops and conventional firms share the firm arrays, so a firm's row is
        not its position in ``model.coops`` or ``model.firms``.
        """
        agents = self.coops if self.economy.firm_is_coop[row] else self.firms
        # Rank of ``row`` among the firms of its kind: the agents are created in row order.
        kind = self.economy.firm_is_coop == self.economy.firm_is_coop[row]
        return agents[int(np.count_nonzero(kind[:row]))]

    def step(self) -> None:
        """One month."""
        self.economy.step()
        if self.economy.month >= self.params.steps:
            self.running = False

    # ------------------------------------------------------------ results
    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per month run so far (DESIGN §3 metrics)."""
        return pd.DataFrame(self.economy.history)

    @property
    def summary(self) -> dict[str, Any]:
        return summarize(self.economy)

    # ------------------------------------------------------------ network views
    @cached_property
    def graph(self):
        """The trade graph as a networkx DiGraph (built on first use)."""
        from solsim.graph import to_networkx

        e = self.economy
        return to_networkx(
            e.network,
            employer=e.hh_employer,
            extra_nodes={
                "fund": e.n_funds,
                "investor": e.n_outside_investors + e.n_funds,
                "guarantor": e.n_guarantors,
            },
        )

    @cached_property
    def space(self) -> mesa.discrete_space.Network:
        """A Mesa ``Network`` space over :attr:`graph` (no layout: fine for large graphs)."""
        from mesa.discrete_space import Network

        return Network(self.graph, random=self.random, layout=None)
