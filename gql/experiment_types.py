"""A/B statistics as GraphQL shows them, and the admin read `scenarioStats`."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import UNSET

from domain import experiments
from domain.times import epoch_seconds
from gql.admin import AdminRead
from gql.arguments import arg
from gql.context import Info

strawberry.enum(
    experiments.Metric,
    description="A proportion compared between variants: CTR (clicks / impressions) or CONVERSION "
    "(purchases / requests).",
)


@strawberry.type(description="What one variant of a scenario served and what it earned, in the window.")
class VariantStats:
    variant: str = strawberry.field(description="The variant's name; `control` is the scenario's own settings.")
    requests: int = strawberry.field(description="Pages served.")
    impressions: int = strawberry.field(description="Items on those pages.")
    clicks: int = strawberry.field(description="Attributed CLICK events.")
    add_to_carts: int = strawberry.field(description="Attributed ADD_TO_CART events.")
    purchases: int = strawberry.field(description="Attributed PURCHASE events.")
    revenue: float = strawberry.field(
        description="Sum of the purchased products' prices when each PURCHASE was recorded."
    )
    ctr: float = strawberry.field(description="clicks / impressions; 0 without impressions.")
    conversion_rate: float = strawberry.field(description="purchases / requests; 0 without requests.")

    @classmethod
    def from_domain(cls, v: experiments.VariantCounts) -> "VariantStats":
        return cls(
            variant=v.variant,
            requests=v.requests,
            impressions=v.impressions,
            clicks=v.clicks,
            add_to_carts=v.add_to_carts,
            purchases=v.purchases,
            revenue=v.revenue,
            ctr=v.ctr,
            conversion_rate=v.conversion_rate,
        )


@strawberry.type(
    description="One variant against control on one metric: a two-sided two-proportion z-test (pooled variance) "
    'for the p-value, and the delta method on log(rate ratio) for the interval (docs/api.md, "Experiments").'
)
class VariantComparison:
    variant: str = strawberry.field(description="The variant compared with control.")
    metric: experiments.Metric = strawberry.field(description="The proportion compared.")
    lift: float = strawberry.field(
        description="Relative lift: the variant's rate / control's rate - 1 (0.1 = 10 % better); 0 when control's "
        "rate is 0."
    )
    lower95: float = strawberry.field(description="Lower end of the lift's 95 % confidence interval.")
    upper95: float = strawberry.field(description="Upper end of the lift's 95 % confidence interval.")
    p_value: float = strawberry.field(
        description="Two-sided p-value of 'no difference'; 1 when there is nothing to compare."
    )
    significant: bool = strawberry.field(description="pValue < 0.05: the difference is unlikely to be chance.")

    @classmethod
    def from_domain(cls, c: experiments.Comparison) -> "VariantComparison":
        return cls(
            variant=c.variant,
            metric=c.metric,
            lift=c.lift,
            lower95=c.lower95,
            upper95=c.upper95,
            p_value=c.p_value,
            significant=c.significant,
        )


@strawberry.type(description="A scenario's A/B results in a time window, with a verdict per variant and metric.")
class ScenarioStats:
    scenario: str = strawberry.field(description="The scenario asked for.")
    variants: list[VariantStats] = strawberry.field(
        description="control first (zeros when it served nothing), then every variant that served, by name."
    )
    comparison: list[VariantComparison] = strawberry.field(
        description="Each non-control variant against control, on CTR and on CONVERSION."
    )

    @classmethod
    def from_domain(cls, s: experiments.ScenarioStats) -> "ScenarioStats":
        return cls(
            scenario=s.scenario,
            variants=[VariantStats.from_domain(v) for v in s.variants],
            comparison=[VariantComparison.from_domain(c) for c in s.comparison],
        )


def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else epoch_seconds(moment)


@strawberry.type
class ExperimentQueries:
    @strawberry.field(
        description="A scenario's variants and their comparison with control, from the hourly counters (admin). "
        "Hours are counted whole: every hour the window touches is included.",
        extensions=[AdminRead()],
    )
    async def scenario_stats(
        self,
        info: Info,
        name: Annotated[str, arg("The scenario's name.")],
        from_: Annotated[
            datetime | None,
            strawberry.argument(
                name="from",
                description="Start of the window (UTC if no zone); omitted: 7 days "
                "before `to`. Counters older than the retention (30 days by default) are gone.",
            ),
        ] = UNSET,
        to: Annotated[datetime | None, arg("End of the window (UTC if no zone); omitted: now.")] = UNSET,
    ) -> ScenarioStats:
        start = None if from_ is UNSET else _seconds(from_)
        end = None if to is UNSET else _seconds(to)
        return ScenarioStats.from_domain(await info.context.service.scenario_stats(name, start, end))
