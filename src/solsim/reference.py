"""Reference models with published answers, run on the engine's own kernels.

:func:`kinetic_exchange` is the kinetic (random pairwise) exchange model of
econophysics, the simplest economy whose stationary wealth distribution is known
in closed form. It books every trade through :class:`solsim.engine.ledger.Ledger`
(integer cents, double entry) and draws its randomness from one
``numpy.random.Generator`` seeded from a ``SeedSequence``, exactly as the economy
does, so that ``solsim validate`` tests the machinery the simulations use rather
than a separate toy.

Known answers (``solsim validate`` checks them):

* Random exchange with conserved money relaxes to the exponential
  (Boltzmann–Gibbs) distribution ``P(m) = exp(-m/T)/T`` with ``T = ⟨m⟩``: Gini ½,
  top-10% share ``0.1 (1 + ln 10)`` (Drăgulescu & Yakovenko 2000).
* With an individual debt limit ``m_d`` the same exponential is shifted to start
  at ``-m_d``, with temperature ``T = ⟨m⟩ + m_d``; the share of agents in debt is
  ``1 - exp(-m_d / T)`` (Drăgulescu & Yakovenko 2000, §4).
* With a saving propensity λ the distribution is close to a Gamma law of shape
  ``n = 1 + 3λ/(1 - λ)`` (Chakraborti & Chakrabarti 2000; Patriarca, Chakraborti
  & Kaski 2004); the variance of ``m/⟨m⟩`` is ``1/n`` exactly in the large-``N``
  limit, the Gamma form itself is an approximation (Lallouache, Jedidi &
  Chakraborti 2010).

This module is engine-level: numpy only, no Mesa, no I/O.

References
----------
.. [DY2000] A. Drăgulescu and V. M. Yakovenko, "Statistical mechanics of money",
   *Eur. Phys. J. B* 17, 723–729 (2000).
.. [CC2000] A. Chakraborti and B. K. Chakrabarti, "Statistical mechanics of money:
   how saving propensity affects its distribution", *Eur. Phys. J. B* 17, 167–170
   (2000).
.. [PCK2004] M. Patriarca, A. Chakraborti and K. Kaski, "Statistical model with a
   standard Γ distribution", *Phys. Rev. E* 70, 016104 (2004).
.. [LJC2010] M. Lallouache, A. Jedidi and A. Chakraborti, "Wealth distribution: To be
   or not to be a Gamma?", *Science and Culture* 76, 478–484 (2010); arXiv:1004.5109.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from solsim.engine.ledger import Ledger, from_cents, to_cents

__all__ = ["gamma_shape", "kinetic_exchange"]


def gamma_shape(saving_propensity: float) -> float:
    """Shape ``n = 1 + 3λ/(1 − λ)`` of the Gamma law fitted to the saving model [PCK2004].

    It is the shape whose variance ``1/n`` equals the stationary variance of
    ``m/⟨m⟩``, ``(1 − λ)/(1 + 2λ)``, of the mean-field saving model.
    """
    lam = float(saving_propensity)
    if not 0.0 <= lam < 1.0:
        raise ValueError(f"saving_propensity must be in [0, 1), got {saving_propensity!r}")
    return 1.0 + 3.0 * lam / (1.0 - lam)


def kinetic_exchange(
    agents: int,
    steps: int,
    saving_propensity: float = 0.0,
    debt_limit: float = 0.0,
    seed: int | np.random.SeedSequence = 0,
    initial: float = 1000.0,
) -> np.ndarray:
    r"""Random pairwise exchange with conserved money; the final balances.

    Every agent starts with ``initial``. In each of ``steps`` sweeps the agents
    are matched at random into ``agents // 2`` disjoint pairs (one random
    permutation), so every agent trades once per sweep (bar one when ``agents``
    is odd). A pair *(i, j)* pools its tradable money and splits it by a uniform
    random share ε:

    .. math::

        w_i' = \lambda w_i + \varepsilon (1 - \lambda)(w_i + w_j), \qquad
        w_j' = w_i + w_j - w_i',

    where :math:`w = m + m_d` is money above the debt limit :math:`-m_d` and
    λ the saving propensity (each keeps λ of what it has and trades the rest).
    With λ = 0 and :math:`m_d = 0` this is the model of [DY2000]; λ > 0 is
    [CC2000]; :math:`m_d > 0` lets balances fall to :math:`-m_d`, as in a
    mutual-credit system with a credit limit.

    Parameters
    ----------
    agents
        Number of agents, at least 2.
    steps
        Number of sweeps (every agent trades once per sweep).
    saving_propensity
        λ in ``[0, 1)``: the share of its money an agent keeps out of each trade.
    debt_limit
        :math:`m_d \ge 0`: how far below zero a balance may go.
    seed
        Seed of the run's one generator (an int or a ``SeedSequence``).
    initial
        Opening balance of every agent (currency units, booked in cents).

    Returns
    -------
    numpy.ndarray
        Final balances in currency units, shape ``(agents,)``; they sum exactly
        to ``agents * initial`` (to the cent).

    Notes
    -----
    Money moves only through the engine's ledger. Without a debt limit, the
    opening balances come from the outside-world account and each sweep books
    all its pairs' net transfers with one vectorised
    :meth:`~solsim.engine.ledger.Ledger.transfer` (integer cents, double entry),
    so the money stock inside the economy never changes. With a debt limit the
    balances are mutual-credit balances, moved with
    :meth:`~solsim.engine.ledger.Ledger.credit_transfer`: the opening balances
    are issued against the outside world, and the balances of all accounts,
    the world included, sum to exactly zero throughout. A pair's new split is
    floored to the cent, so a balance never passes the debt limit.

    References
    ----------
    .. [DY2000] A. Drăgulescu and V. M. Yakovenko, *Eur. Phys. J. B* 17, 723 (2000).
    .. [CC2000] A. Chakraborti and B. K. Chakrabarti, *Eur. Phys. J. B* 17, 167 (2000).

    Examples
    --------
    >>> m = kinetic_exchange(1000, 50, seed=1)
    >>> round(float(m.sum()), 2)
    1000000.0
    """
    agents = int(agents)
    steps = int(steps)
    lam = float(saving_propensity)
    if agents < 2:
        raise ValueError(f"agents must be at least 2, got {agents}")
    if steps < 0:
        raise ValueError(f"steps must be non-negative, got {steps}")
    if not 0.0 <= lam < 1.0:
        raise ValueError(f"saving_propensity must be in [0, 1), got {saving_propensity!r}")
    if not (np.isfinite(debt_limit) and debt_limit >= 0.0):
        raise ValueError(f"debt_limit must be non-negative and finite, got {debt_limit!r}")
    if not (np.isfinite(initial) and initial >= 0.0):
        raise ValueError(f"initial must be non-negative and finite, got {initial!r}")

    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(sequence)
    ledger = Ledger([("agents", agents, False)])
    account = np.arange(agents) + ledger.block("agents").start
    opening = int(to_cents(initial))
    floor = int(to_cents(debt_limit))
    mutual_credit = floor > 0
    if mutual_credit:
        book = ledger.credit_transfer
        balances = ledger.credit
    else:
        book = partial(ledger.transfer, cents=True)
        balances = ledger.cash
    # Opening balances come from the outside world (issued against it, for credit).
    book(ledger.world, account, opening, "opening")

    half = agents // 2
    keep = lam
    trade = 1.0 - lam
    for _ in range(steps):
        order = rng.permutation(agents)
        # Each side's account, gathered once (the pair's payer and payee below).
        ai = account[order[:half]]
        aj = account[order[half : 2 * half]]
        eps = rng.random(half)
        # Money above the debt limit: what each side can put into the pair.
        wi = balances[ai] + floor
        wj = balances[aj] + floor
        pool = wi + wj
        # Floats are exact here (totals far below 2**53 cents); flooring keeps
        # i's new holding within [0, pool], so j's stays there too. Without
        # saving (λ = 0) the kept part is exactly zero and the trade factor one,
        # so ``eps * pool`` is the same number with two passes fewer.
        share = eps * pool if keep == 0.0 else keep * wi + eps * trade * pool
        new_wi = np.floor(share).astype(np.int64)
        np.clip(new_wi, 0, pool, out=new_wi)
        delta = new_wi - wi  # > 0: j pays i
        gain = delta > 0
        payer = np.where(gain, aj, ai)
        payee = np.where(gain, ai, aj)
        book(payer, payee, np.abs(delta), "exchange")

    return from_cents(balances[account])
