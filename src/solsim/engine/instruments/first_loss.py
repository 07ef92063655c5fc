"""First-loss capital: a fund's capital stack as junior-first tranches.

Switched on with::

    [instruments.first_loss]
    funds = [0]                 # optional: which funds (default: every fund)

    [[instruments.first_loss.tranches]]    # listed junior first
    name = "first_loss"
    share = 0.10                # of the fund's capital (funds.capital)
    holder = "philanthropic"    # "community" | "philanthropic" | "outside"
    coupon = 0.01               # optional annual coupon (default funds.target_return)

    [[instruments.first_loss.tranches]]
    name = "senior"
    share = 0.90
    holder = "outside"

Each tranche gives either a ``share`` of the fund's capital (shares must sum to
1) or ``attachment`` and ``detachment`` points as fractions of the fund's capital
(the points must tile [0, 1] with neither overlap nor gap); all tranches use the
same form. Tranche ``[a, d]`` of a fund of capital K loses
``min(max(L - aK, 0), (d - a)K)`` of the fund's cumulative net loss L
(:func:`solsim.engine.capital.waterfall`): new losses reach the most junior
tranche first and recoveries are written back to the most senior one first.
Coupons are paid senior first out of the fund's distributable income
(:func:`solsim.engine.phases.fund_operations`).

Holders: ``community`` and ``philanthropic`` capital is held by the fund's
community holder account (inside the economy), ``outside`` capital by the
fund's outside investors, whose coupons and redemptions leave the economy. The
timeseries carries each tranche's cumulative loss as ``loss_<name>`` (summed
over funds that share the name).

The default stack (when no tranches are given) is the standard first-loss
structure of the scenario ``first_loss.toml``: 10% philanthropic first loss,
30% community capital, 60% senior outside capital.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from solsim.engine.instruments.common import check_funds
from solsim.engine.instruments.contract import (
    Control,
    Described,
    Instrument,
    InstrumentParams,
    ParamError,
    Watch,
    percent,
)
from solsim.engine.instruments.registry import register
from solsim.errors import ScenarioError

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
_TOLERANCE = 1e-9


class TrancheSpec(BaseModel):
    """One tranche of the stack: a share of capital, or attachment/detachment points."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40)]
    holder: Literal["community", "philanthropic", "outside"]
    share: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    attachment: Fraction | None = None
    detachment: Fraction | None = None
    coupon: Fraction | None = None


def _default_tranches() -> list[TrancheSpec]:
    return [
        TrancheSpec(name="first_loss", share=0.10, holder="philanthropic", coupon=0.01),
        TrancheSpec(name="community", share=0.30, holder="community"),
        TrancheSpec(name="senior", share=0.60, holder="outside"),
    ]


class FirstLossParams(InstrumentParams):
    """Settings of ``[instruments.first_loss]``.

    Attributes
    ----------
    tranches
        The stack, junior first (see the module docstring).
    funds
        Indices of the funds that get this stack; None means every fund.
    """

    tranches: Annotated[list[TrancheSpec], Field(min_length=1)] = Field(
        default_factory=_default_tranches
    )
    funds: list[Annotated[int, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _check_stack(self) -> FirstLossParams:
        tranches = self.tranches
        seen: dict[str, int] = {}
        for i, t in enumerate(tranches):
            if t.name in seen:
                raise ParamError(
                    f"tranches.{i}.name",
                    f"duplicate tranche name {t.name!r} (also tranche {seen[t.name]})",
                )
            seen[t.name] = i
            has_points = t.attachment is not None or t.detachment is not None
            if t.share is not None and has_points:
                raise ParamError(
                    f"tranches.{i}", "give share, or attachment and detachment, not both"
                )
            if t.share is None and (t.attachment is None or t.detachment is None):
                raise ParamError(f"tranches.{i}", "give share, or both attachment and detachment")
        by_share = [t.share is not None for t in tranches]
        if any(by_share) and not all(by_share):
            i = by_share.index(not by_share[0])
            raise ParamError(
                f"tranches.{i}",
                "every tranche must use the same form: all shares, or all attachment/detachment",
            )
        if by_share[0]:
            total = sum(t.share for t in tranches)
            if abs(total - 1.0) > _TOLERANCE:
                raise ParamError("tranches", f"shares sum to {total:g}, not 1")
        else:
            self._check_points()
        if self.funds is not None:
            for i, fund in enumerate(self.funds):
                if fund in self.funds[:i]:
                    raise ParamError(f"funds.{i}", f"fund {fund} is listed twice")
        return self

    def _check_points(self) -> None:
        tranches = self.tranches
        for i, t in enumerate(tranches):
            if t.detachment <= t.attachment + _TOLERANCE:
                raise ParamError(
                    f"tranches.{i}.detachment",
                    f"must be above the attachment point ({t.attachment:g})",
                )
            if i == 0:
                if t.attachment > _TOLERANCE:
                    raise ParamError(
                        "tranches.0.attachment",
                        f"the most junior tranche must attach at 0, got {t.attachment:g}",
                    )
                continue
            prev = tranches[i - 1]
            if t.attachment < prev.detachment - _TOLERANCE:
                raise ParamError(
                    f"tranches.{i}.attachment",
                    f"overlaps tranche {prev.name!r} [{prev.attachment:g}, {prev.detachment:g}]"
                    " (list tranches junior first)",
                )
            if t.attachment > prev.detachment + _TOLERANCE:
                raise ParamError(
                    f"tranches.{i}.attachment",
                    f"leaves a gap [{prev.detachment:g}, {t.attachment:g}] "
                    f"after tranche {prev.name!r}",
                )
        last = tranches[-1]
        if abs(last.detachment - 1.0) > _TOLERANCE:
            raise ParamError(
                f"tranches.{len(tranches) - 1}.detachment",
                "the most senior tranche must detach at 1 (the whole fund), "
                f"got {last.detachment:g}",
            )

    def fractions(self) -> list[float]:
        """Each tranche's share of fund capital, junior first."""
        if self.tranches[0].share is not None:
            return [t.share for t in self.tranches]
        return [t.detachment - t.attachment for t in self.tranches]


def _fraction(tranche: Mapping[str, Any]) -> float:
    """A tranche's share of its fund's capital, from either form of the table."""
    if tranche.get("share") is not None:
        return float(tranche["share"])
    return float(tranche["detachment"]) - float(tranche["attachment"])


def _shares(params: FirstLossParams) -> list[dict[str, Any]]:
    """The stack as tables with shares (attachment points turned into shares)."""
    tranches = [t.model_dump(mode="json", exclude_none=True) for t in params.tranches]
    for t in tranches:
        if "share" not in t:
            t["share"] = t.pop("detachment") - t.pop("attachment")
    if len(tranches) == 1:
        tranches.append({"name": "senior", "share": 0.0, "holder": "outside"})
    return tranches


def _junior_share(params: FirstLossParams) -> float:
    """The dashboard's value: the junior tranche's share."""
    return float(_shares(params)[0]["share"])


def _with_junior_share(table: dict[str, Any], share: float) -> dict[str, Any]:
    """The table with the junior tranche at ``share``; the most senior takes the rest.

    Tranches between them keep their shares, and at least 5% stays senior, so
    the stack stays valid.
    """
    tranches = _shares(FirstLossParams.model_validate(table))
    middle = sum(t["share"] for t in tranches[1:-1])
    share = min(float(share), round(1.0 - middle - 0.05, 2))
    tranches[0]["share"] = share
    tranches[-1]["share"] = 1.0 - share - middle
    return {**table, "tranches": tranches}


@register
class FirstLoss(Instrument):
    """Replace the pro-rata capital stack of each chosen fund by a junior-first one."""

    name = "first_loss"
    Params = FirstLossParams
    control = Control(
        "share",
        "First-loss capital",
        "{}% of each fund's capital",
        "A junior slice of each community fund's capital that takes loan losses first, "
        "so the community and outside investors above it lose later.",
        get=lambda params: _junior_share(params),
        set=lambda table, share: _with_junior_share(table, share),
        high=0.5,
    )
    watches = (
        Watch(
            "never",
            "loss_*",
            "The first-loss tranche had nothing to absorb: no loan loss reached the "
            "funds' capital in any run.",
            changed=True,
            warning=False,
        ),
    )

    @classmethod
    def capital_stack(
        cls, settings: Mapping[str, Any], n_funds: int
    ) -> dict[int, list[tuple[str, str, float]]]:
        funds = settings.get("funds")
        covered = sorted(set(funds)) if funds is not None else range(n_funds)
        stack = [(t["name"], t["holder"], _fraction(t)) for t in settings.get("tranches") or []]
        return {fund: stack for fund in covered if fund < n_funds}

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        tranches = settings.get("tranches") or []
        funds = settings.get("funds")
        covered = len(set(funds)) if funds is not None else context.funds
        junior = tranches[0]
        size = _fraction(junior) * context.capital * covered
        phrase = (
            f"a {percent(_fraction(junior))} {junior['holder']} first-loss tranche "
            f"({context.money(size)} of {context.money(context.total_capital)} fund capital)"
        )
        stack = ", ".join(
            f"{percent(_fraction(t))} {t['holder']} "
            f"({context.money(_fraction(t) * context.capital * covered)}, “{t['name']}”)"
            for t in tranches
        )
        where = "each fund" if covered == context.funds else f"{covered} of {context.funds} funds"
        return phrase, f"first-loss capital in {where}, junior first: {stack}"

    def setup(self, economy: Economy) -> None:
        p: FirstLossParams = self.params
        funds = check_funds(economy, self.name, p.funds)
        capital = economy.scenario.funds.capital
        target = economy.scenario.funds.target_return
        n_outside = economy.n_outside_investors
        for fund in funds:
            for i, t in enumerate(p.tranches):
                # Outside investor i backs fund i % funds: without one the
                # tranche would silently become community capital.
                if t.holder == "outside" and fund >= n_outside:
                    raise ScenarioError(
                        economy.scenario.source,
                        f"instruments.first_loss.tranches.{i}.holder",
                        f"fund {fund} has no outside investor (economy.investors = {n_outside})",
                    )
            economy.set_capital_stack(
                fund,
                [
                    (t.name, fraction * capital, t.holder)
                    for t, fraction in zip(p.tranches, p.fractions(), strict=True)
                ],
                sequential=True,
                coupon=[target if t.coupon is None else t.coupon for t in p.tranches],
            )
