"""Who decides: a fund's constituencies vote on its policies.

Switched on with::

    [instruments.governance]
    preset = "community"        # or "investor": votes and preferences below
    voting = "seats"            # "seats" | "one_member_one_vote" | "capital_weighted"
    rule = "weighted_median"    # a decision rule registered by name
    period_months = 12          # how often the policies are decided

    [instruments.governance.seats]       # with voting = "seats"
    borrowers = 0.3
    outside_investors = 0.2

    [instruments.governance.preferences.outside_investors]
    rate = 0.09

    [[instruments.governance.schedule]]  # optional: the community's vote share
    month = 1                            # over the run (linear in between);
    community_share = 0.2                # or a fixed community_share = 0.4

Constituencies
--------------
``borrowers`` (the members of the co-ops a fund serves), ``depositors``,
``residents`` (the households it serves), ``philanthropy`` and
``outside_investors``. The first three are the *community* constituencies.

Votes
-----
``seats``: each constituency's share is its seats (they need not sum to 1; the
total must be positive). ``one_member_one_vote``: its number of members
(co-op members, households with deposits, households served, holders of
philanthropic and of outside tranches). ``capital_weighted``: the capital it
has in the fund (deposits for depositors; the tranches each kind holds, the
community's tranches counting for residents; borrowers hold none). With
``community_share``, ``schedule`` or ``follow_capital`` the community
constituencies' share of the votes is set to that share (fixed, scheduled, or
the community's share of the fund's capital) and the others' to the rest, each
group keeping its internal proportions.

Decisions
---------
Each period, for every fund, the decision rule turns the constituencies'
preferences and votes into one value per decision:

=================  =====================================================  ==========
decision           what it sets                                           range
=================  =====================================================  ==========
``rate``           the annual lending rate of new loans                    0–0.3
``screen``         months of wages a co-op's cash must cover to borrow     0–24
``refound``        share of the chances to refound a failed co-op taken    0–1
``new_first``      whom to serve first: > 0.5 new co-ops, < 0.5 existing   0–1
``reserve``        net assets kept (share of assets) before paying out     0–1
=================  =====================================================  ==========

The rules (:data:`DECISION_RULES`, extended with :func:`register_rule`):
``weighted_median`` (the value at which half the votes prefer less and half
more: the lower weighted median; with a tie at exactly half, the lower of the
two middle values) and ``weighted_mean``.

The presets are the two labels v1 hard-coded, now outcomes of the votes:
``"community"`` gives the community constituencies 80% of the seats,
``"investor"`` gives outside investors 60%. Outside investors prefer a rate 3
points higher and twice the screen, no refounding, existing co-ops first and a
larger reserve; the community prefers the scenario's own terms
(``funds.interest_rate``, ``funds.min_buffer_months``) and refounding.

Columns (power metrics, DESIGN §3): ``community_vote_share`` (mean over funds),
``community_decision_share`` (share of the decisions so far whose outcome
equals the community constituencies' own decision by the same rule), and the
decided ``decided_rate`` and ``decided_screen`` (means over funds). Who
depends on, benefits from and carries the risk of the funds is measured in
every run, governed or not (:func:`solsim.engine.reporting.power_record`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from solsim.engine.instruments.contract import (
    Column,
    Control,
    Described,
    Instrument,
    InstrumentParams,
    ParamError,
)
from solsim.engine.instruments.registry import register
from solsim.engine.ledger import CENTS

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

CONSTITUENCIES = ("borrowers", "depositors", "residents", "philanthropy", "outside_investors")
COMMUNITY = ("borrowers", "depositors", "residents")
#: Each decision's range.
DECISIONS: dict[str, tuple[float, float]] = {
    "rate": (0.0, 0.3),
    "screen": (0.0, 24.0),
    "refound": (0.0, 1.0),
    "new_first": (0.0, 1.0),
    "reserve": (0.0, 1.0),
}


# ---------------------------------------------------------------------- decision rules
def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The lower weighted median of each row of ``values`` (decisions × voters).

    The smallest value v such that the voters preferring v or less hold at least
    half the votes. With a tie at exactly half, that is the lower of the two
    middle values (a status-quo-leaning rule: a change needs a majority).

    Parameters
    ----------
    values
        Preferences, one row per decision, one column per constituency.
    weights
        Votes per constituency (non-negative, positive total), or one row of
        votes per fund (funds × constituencies) to decide for every fund at once.

    Returns
    -------
    numpy.ndarray
        One value per decision, or funds × decisions for 2-D ``weights``.

    Examples
    --------
    >>> weighted_median(np.array([[0.05, 0.09]]), np.array([0.8, 0.2]))
    array([0.05])
    >>> weighted_median(np.array([[1.0, 2.0, 3.0]]), np.array([1.0, 1.0, 2.0]))
    array([2.])
    """
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    votes = np.asarray(weights, dtype=np.float64)
    table = np.atleast_2d(votes)
    order = np.argsort(values, axis=1, kind="stable")  # decisions × voters
    sorted_values = np.take_along_axis(values, order, axis=1)
    cum = np.cumsum(table[:, order], axis=2)  # funds × decisions × voters
    half = table.sum(axis=1)[:, None, None] / 2.0
    first = np.argmax(cum >= half - 1e-12, axis=2)  # funds × decisions
    decided = sorted_values[np.arange(values.shape[0])[None, :], first]
    return decided[0] if votes.ndim == 1 else decided


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The vote-weighted mean of each row of ``values`` (decisions × voters).

    ``weights`` as for :func:`weighted_median`.

    >>> weighted_mean(np.array([[0.05, 0.09]]), np.array([0.75, 0.25]))
    array([0.06])
    """
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    votes = np.asarray(weights, dtype=np.float64)
    table = np.atleast_2d(votes)
    decided = table @ values.T / table.sum(axis=1, keepdims=True)
    return decided[0] if votes.ndim == 1 else decided


#: Decision rules by name: (preferences: decisions × voters, votes: funds ×
#: voters) → funds × decisions (and one row of votes → one value per decision).
DECISION_RULES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "weighted_median": weighted_median,
    "weighted_mean": weighted_mean,
}


def register_rule(name: str, rule: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Make a decision rule available to ``rule = "<name>"``.

    The rule takes the preferences (decisions × constituencies) and the votes
    (funds × constituencies) and returns the decisions (funds × decisions).
    """
    DECISION_RULES[name] = rule


# ---------------------------------------------------------------------- settings
class Preferences(BaseModel):
    """What a constituency wants (unset: the preset's or the scenario's value)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    rate: float | None = None
    screen: float | None = None
    refound: float | None = None
    new_first: float | None = None
    reserve: float | None = None

    @model_validator(mode="after")
    def _in_range(self) -> Preferences:
        for decision, (low, high) in DECISIONS.items():
            value = getattr(self, decision)
            if value is not None and not low <= value <= high:
                raise ParamError(decision, f"{value:g} is outside [{low:g}, {high:g}]")
        return self


class SchedulePoint(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    month: Annotated[int, Field(ge=0, le=100_000)]
    community_share: Annotated[float, Field(ge=0.0, le=1.0)]


Preset = Literal["community", "investor"]


class GovernanceParams(InstrumentParams):
    """Settings of ``[instruments.governance]`` (see the module docstring)."""

    preset: Preset = "community"
    voting: Literal["seats", "one_member_one_vote", "capital_weighted"] = "seats"
    rule: str = "weighted_median"
    period_months: Annotated[int, Field(ge=1, le=120)] = 12
    seats: dict[str, Annotated[float, Field(ge=0.0, le=1e9)]] = Field(default_factory=dict)
    preferences: dict[str, Preferences] = Field(default_factory=dict)
    community_share: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    schedule: list[SchedulePoint] = Field(default_factory=list)
    follow_capital: bool = False

    @model_validator(mode="after")
    def _check(self) -> GovernanceParams:
        if self.rule not in DECISION_RULES:
            raise ParamError(
                "rule",
                f"unknown decision rule {self.rule!r}; valid: {', '.join(sorted(DECISION_RULES))}",
            )
        for table, name in (("seats", self.seats), ("preferences", self.preferences)):
            for key in name:
                if key not in CONSTITUENCIES:
                    raise ParamError(
                        f"{table}.{key}",
                        f"unknown constituency; valid: {', '.join(CONSTITUENCIES)}",
                    )
        if self.voting == "seats" and sum(self.seats_with_preset().values()) <= 0:
            raise ParamError("seats", "the seats must sum to a positive total")
        months = [point.month for point in self.schedule]
        if months != sorted(months):
            raise ParamError("schedule", "points must be in order of month")
        given = [
            key
            for key, on in (
                ("community_share", self.community_share is not None),
                ("schedule", bool(self.schedule)),
                ("follow_capital", self.follow_capital),
            )
            if on
        ]
        if len(given) > 1:
            raise ParamError(
                given[1],
                f"give one of community_share, schedule and "
                f"follow_capital, not {' and '.join(given)}",
            )
        return self

    def seats_with_preset(self) -> dict[str, float]:
        """The preset's seats, overridden by those given."""
        return {**PRESET_SEATS[self.preset], **self.seats}


#: Seats of each preset: the community holds 80% of the votes, or investors 60%.
PRESET_SEATS: dict[str, dict[str, float]] = {
    "community": {
        "borrowers": 0.3,
        "depositors": 0.2,
        "residents": 0.3,
        "philanthropy": 0.1,
        "outside_investors": 0.1,
    },
    "investor": {
        "borrowers": 0.1,
        "depositors": 0.1,
        "residents": 0.1,
        "philanthropy": 0.1,
        "outside_investors": 0.6,
    },
}


def default_preferences(rate: float, screen: float, reserve: float) -> dict[str, dict[str, float]]:
    """Each constituency's preferences around the scenario's own terms.

    The community wants the scenario's terms, refounding and new co-ops first
    (borrowers a point less on the rate, depositors half a point more: they are
    paid out of it); outside investors want 3 points more, twice the screen, no
    refounding, existing (proven) co-ops first and twice the reserve;
    philanthropy sits between (a point more, half as much screen again, some
    refounding, no preference whom to serve).
    """
    community = {"rate": rate, "screen": screen, "refound": 1.0, "new_first": 1.0,
                 "reserve": reserve}  # fmt: skip
    return {
        "borrowers": {**community, "rate": max(rate - 0.01, 0.0)},
        "depositors": {**community, "rate": rate + 0.005},
        "residents": dict(community),
        "philanthropy": {"rate": rate + 0.01, "screen": 1.5 * screen, "refound": 0.5,
                         "new_first": 0.5, "reserve": min(1.5 * reserve, 1.0)},
        "outside_investors": {"rate": rate + 0.03, "screen": 2.0 * screen, "refound": 0.0,
                              "new_first": 0.0, "reserve": min(2.0 * reserve, 1.0)},
    }  # fmt: skip


@register
class Governance(Instrument):
    """Constituencies vote on each fund's lending policy (see the module docstring)."""

    name = "governance"
    Params = GovernanceParams
    columns = (
        Column("community_vote_share", "community constituencies' share of the votes", "share",
               direction="better", summary="mean", key=True, short="community votes",
               power="decides"),
        Column("community_decision_share", "decisions that matched the community's choice",
               "share", direction="better", summary="final", short="community decisions",
               power="decides"),
        Column("decided_rate", "lending rate decided", "share", direction="worse",
               summary="mean", short="rate decided", power="decides"),
        Column("decided_screen", "lending screen decided, months of wages", "number",
               direction="worse", summary="mean", short="screen decided", power="decides"),
    )  # fmt: skip
    control = Control(
        None,
        "Who decides",
        help="The funds' lending rate, screen and whom they serve are decided by the votes "
        "of their constituencies: borrowers, depositors, residents, philanthropy and "
        "outside investors.",
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        preset = settings.get("preset", "community")
        voting = str(settings.get("voting", "seats")).replace("_", "-")
        detail = (
            f"governance: {preset}-preset votes ({voting}), decided by "
            f"{str(settings.get('rule', 'weighted_median')).replace('_', ' ')} every "
            f"{settings.get('period_months', 12)} months"
        )
        if settings.get("schedule"):
            points = settings["schedule"]
            detail += (
                f"; community votes from {points[0]['community_share']:.0%} to "
                f"{points[-1]['community_share']:.0%}"
            )
        return f"{preset}-governed funds", detail

    # ------------------------------------------------------------------ set-up
    def setup(self, economy: Economy) -> None:
        p: GovernanceParams = self.params
        fp = economy.scenario.funds
        prefs = default_preferences(fp.interest_rate, fp.min_buffer_months, fp.net_asset_target)
        for constituency, given in p.preferences.items():
            prefs[constituency].update(given.model_dump(exclude_none=True))
        # Preferences as a matrix: decisions × constituencies.
        self.preferences = np.array(
            [[prefs[c][d] for c in CONSTITUENCIES] for d in DECISIONS], dtype=np.float64
        )
        self.community = np.array([c in COMMUNITY for c in CONSTITUENCIES])
        self.rule = DECISION_RULES[p.rule]
        self.decisions = 0
        self.matched = 0
        self.ready = False
        self.vote_share = np.zeros(economy.n_funds)
        self.decided = np.zeros((len(DECISIONS), economy.n_funds))

    def start_run(self, economy: Economy) -> None:
        """Month 1 decides afresh; the decision tallies restart."""
        self.decisions = 0
        self.matched = 0
        self.ready = False

    # ------------------------------------------------------------------ votes
    def members(self, e: Economy) -> np.ndarray:
        """Members of each constituency per fund (funds × constituencies)."""
        F = e.n_funds
        staff = e.hh_employer >= 0
        coop_member = np.zeros(e.n_households, dtype=bool)
        coop_member[staff] = (
            e.firm_is_coop[e.hh_employer[staff]] & e.firm_active[e.hh_employer[staff]]
        )
        t = e.tranches
        holders = np.diff(t.holdings.indptr).astype(np.float64)
        return np.column_stack(
            [
                np.bincount(e.hh_fund, coop_member, minlength=F),
                np.bincount(e.hh_fund, e.hh_deposit > 0, minlength=F),
                np.bincount(e.hh_fund, minlength=F).astype(np.float64),
                np.bincount(t.fund, holders * t.held_by("philanthropic"), minlength=F),
                np.bincount(t.fund, holders * t.held_by("outside"), minlength=F),
            ]
        )

    def capital(self, e: Economy) -> np.ndarray:
        """Capital each constituency has in each fund (funds × constituencies)."""
        F = e.n_funds
        t = e.tranches
        held = {
            kind: np.bincount(t.fund, t.balance * t.held_by(kind), minlength=F)
            for kind in ("community", "philanthropic", "outside")
        }
        return np.column_stack(
            [
                np.zeros(F),
                e.fund_deposits() / CENTS,
                held["community"],
                held["philanthropic"],
                held["outside"],
            ]
        )

    def votes(self, e: Economy) -> np.ndarray:
        """Each constituency's votes in each fund (funds × constituencies), summing to 1."""
        p: GovernanceParams = self.params
        if p.voting == "seats":
            seats = p.seats_with_preset()
            raw = np.tile([seats.get(c, 0.0) for c in CONSTITUENCIES], (e.n_funds, 1))
        elif p.voting == "one_member_one_vote":
            raw = self.members(e)
        else:
            raw = self.capital(e)
        raw = np.asarray(raw, dtype=np.float64)
        total = raw.sum(axis=1, keepdims=True)
        # A fund with nobody to vote keeps the preset's seats.
        fallback = np.array([p.seats_with_preset().get(c, 0.0) for c in CONSTITUENCIES])
        raw = np.where(total > 0, raw, fallback)
        share = raw / raw.sum(axis=1, keepdims=True)
        target = self.community_target(e)
        if target is not None:
            share = _rescale(share, self.community, target)
        return share

    def community_target(self, e: Economy) -> np.ndarray | None:
        """The community's vote share the schedule or its capital sets, per fund."""
        p: GovernanceParams = self.params
        if p.community_share is not None:
            return np.full(e.n_funds, p.community_share)
        if p.schedule:
            months = [point.month for point in p.schedule]
            shares = [point.community_share for point in p.schedule]
            # The burn-in stands at the schedule's start; month 1 is the run's first.
            month = 0 if e.burning_in else e.month
            return np.full(e.n_funds, float(np.interp(month, months, shares)))
        if p.follow_capital:
            capital = self.capital(e)
            total = capital.sum(axis=1)
            community = capital[:, self.community].sum(axis=1)
            return np.divide(community, total, out=np.zeros(e.n_funds), where=total > 0)
        return None

    # ------------------------------------------------------------------ decisions
    def decide(self, economy: Economy) -> None:
        e = economy
        p: GovernanceParams = self.params
        if self.ready and (e.month - 1) % p.period_months:
            return
        self.ready = True
        votes = self.votes(e)
        # Every fund at once: decisions × funds.
        decided = np.asarray(self.rule(self.preferences, votes)).T
        # What the community constituencies would decide alone, where they vote.
        community_votes = np.where(self.community, votes, 0.0)
        voting = community_votes.sum(axis=1) > 0
        matched = 0
        if voting.any():
            own = np.asarray(self.rule(self.preferences, community_votes[voting])).T
            matched = int(np.isclose(decided[:, voting], own).sum())
        self.vote_share = votes[:, self.community].sum(axis=1)
        self.decided = decided
        if not e.burning_in:
            self.decisions += decided.size
            self.matched += matched
        rate, screen, refound, new_first, reserve = decided
        e.fund_rate[:] = rate
        e.fund_buffer_months[:] = screen
        e.fund_refound[:] = refound
        e.fund_priority[:] = np.where(new_first > 0.5, 1, np.where(new_first < 0.5, -1, 0))
        e.fund_net_asset_target[:] = reserve
        e.fund_governance[:] = np.where(self.vote_share >= 0.5, "community", "investor")

    # ------------------------------------------------------------------ record
    def record(self, economy: Economy) -> dict[str, float]:
        return {
            "community_vote_share": float(self.vote_share.mean()),
            "community_decision_share": self.matched / self.decisions if self.decisions else 1.0,
            "decided_rate": float(self.decided[0].mean()),
            "decided_screen": float(self.decided[1].mean()),
        }


def _rescale(share: np.ndarray, community: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Votes with the community group's total set to ``target``, each group keeping
    its internal proportions (equal shares within a group that had none)."""
    out = np.empty_like(share)
    for mask, total in ((community, target), (~community, 1.0 - target)):
        group = share[:, mask]
        held = group.sum(axis=1, keepdims=True)
        even = np.full_like(group, 1.0 / max(mask.sum(), 1))
        proportions = np.where(held > 0, group / np.where(held > 0, held, 1.0), even)
        out[:, mask] = proportions * np.asarray(total)[:, None]
    return out
