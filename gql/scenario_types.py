"""A saved scenario as GraphQL shows it (the settings it gives, its rules and variants), and the admin results."""

from datetime import datetime
from typing import Annotated

import strawberry

from domain import filters, rules, scenarios
from domain.source_kinds import SourceKind
from domain.times import utc_moment
from gql.product_types import NotAuthorized
from gql.scenario_inputs import BLEND_DOC, DIVERSITY_DOC, EXCLUDE_DOC, FILTERS_DOC, K_DOC, RERANK_DOC, SOURCES_DOC


def _time(seconds: float | None) -> datetime | None:
    return None if seconds is None else utc_moment(seconds)


@strawberry.type(description="Pre-filters as a scenario or rule saved them; null fields do not filter.")
class FilterSettings:
    category: str | None = strawberry.field(description="Only this category.")
    brand: str | None = strawberry.field(description="Only this brand.")
    min_price: float | None = strawberry.field(description="Lowest price, inclusive.")
    max_price: float | None = strawberry.field(description="Highest price, inclusive.")
    min_rating: float | None = strawberry.field(description="Lowest rating, inclusive.")
    in_stock_only: bool = strawberry.field(description="Only products in stock.")
    text_match: str | None = strawberry.field(description="Only products whose description holds this phrase.")

    @classmethod
    def of(cls, f: filters.ProductFilter | None) -> "FilterSettings | None":
        if f is None:
            return None
        return cls(
            category=f.category,
            brand=f.brand,
            min_price=f.min_price,
            max_price=f.max_price,
            min_rating=f.min_rating,
            in_stock_only=f.in_stock_only,
            text_match=f.text_match,
        )


@strawberry.type(description="What a scenario leaves out, as `ExcludeInput` set it.")
class ExcludeSettings:
    seen: bool = strawberry.field(description="Products the user viewed or clicked.")
    dismissed: bool = strawberry.field(description="Products the user dismissed.")
    purchased: bool = strawberry.field(description="Products the user bought.")
    product_ids: list[strawberry.ID] = strawberry.field(description="These products.")


@strawberry.type(description="Session-vector blending, as `BlendInput` set it.")
class BlendSettings:
    enabled: bool = strawberry.field(description="Blend when the user has a session vector.")
    weight: float = strawberry.field(description="Share of the session vector, 0 to 1.")
    dismissed_weight: float = strawberry.field(description="How far searches move from dismissed products, 0 to 1.")
    behaviour_weight: float | None = strawberry.field(
        description="Weight of what other shoppers did (co-engagement), 0 to 1; null: the server's setting."
    )


@strawberry.type(description="Affinity re-ranking, as `RerankInput` set it.")
class RerankSettings:
    enabled: bool = strawberry.field(description="Re-rank when the user has affinities.")
    weight: float = strawberry.field(description="w in score = distance - w*ln(1 + affinity).")


@strawberry.type(description="Diversity of the page, as `DiversityInput` set it.")
class DiversitySettings:
    weight: float = strawberry.field(description="MMR weight, 0 (relevance order) to 1 (spread).")
    max_per_category: int | None = strawberry.field(description="At most this many of one category.")
    max_per_brand: int | None = strawberry.field(description="At most this many of one brand.")


@strawberry.type(description="A merchandising rule as saved.")
class Rule:
    action: rules.RuleAction = strawberry.field(description="What the rule does.")
    match: FilterSettings | None = strawberry.field(description="The products it applies to, by attribute.")
    product_ids: list[strawberry.ID] = strawberry.field(description="The products it applies to, by id.")
    weight: float | None = strawberry.field(description="BOOST and BURY: how far, in the units of the final score.")
    position: int | None = strawberry.field(description="PIN: the 1-based place on the page.")
    active_from: datetime | None = strawberry.field(description="Inactive before this time; null: no start.")
    active_until: datetime | None = strawberry.field(description="Inactive from this time on; null: no end.")

    @classmethod
    def of(cls, r: rules.Rule) -> "Rule":
        return cls(
            action=r.action,
            match=FilterSettings.of(r.match),
            product_ids=[strawberry.ID(i) for i in r.product_ids],
            weight=r.weight,
            position=r.position,
            active_from=_time(r.active_from),
            active_until=_time(r.active_until),
        )


@strawberry.interface(description="The settings a scenario or variant gives its requests; null: not set here.")
class PipelineSettings:
    sources: list[SourceKind] | None = strawberry.field(description=SOURCES_DOC)
    filters: FilterSettings | None = strawberry.field(description=FILTERS_DOC)
    exclude: ExcludeSettings | None = strawberry.field(description=EXCLUDE_DOC)
    blend: BlendSettings | None = strawberry.field(description=BLEND_DOC)
    rerank: RerankSettings | None = strawberry.field(description=RERANK_DOC)
    diversity: DiversitySettings | None = strawberry.field(description=DIVERSITY_DOC)
    k: int | None = strawberry.field(description=K_DOC)
    rules: list[Rule] | None = strawberry.field(description="Merchandising rules.")


def _settings(s: scenarios.Settings) -> dict[str, object]:
    def some(value: object, build: type) -> object:
        return None if value is None else build(**vars(value))

    return {
        "sources": None if s.sources is None else list(s.sources),
        "filters": FilterSettings.of(s.filters),
        "exclude": _exclude(s.exclude),
        "blend": some(s.blend, BlendSettings),
        "rerank": some(s.rerank, RerankSettings),
        "diversity": some(s.diversity, DiversitySettings),
        "k": s.k,
        "rules": None if s.rules is None else [Rule.of(r) for r in s.rules],
    }


def _exclude(e: filters.ExcludeSettings | None) -> ExcludeSettings | None:
    if e is None:
        return None
    ids = [strawberry.ID(i) for i in e.product_ids]
    return ExcludeSettings(seen=e.seen, dismissed=e.dismissed, purchased=e.purchased, product_ids=ids)


@strawberry.type(description="An A/B variant of a scenario: its share of the users and what it overrides.")
class Variant(PipelineSettings):
    name: str = strawberry.field(description="The variant's name, as results and statistics show it.")
    share: float = strawberry.field(description="Share of the scenario's users, 0 to 1.")

    @classmethod
    def of(cls, v: scenarios.Variant) -> "Variant":
        return cls(name=v.name, share=v.share, **_settings(v.settings))  # type: ignore[arg-type]


@strawberry.type(description="A named pipeline configuration: the defaults of every request naming it.")
class Scenario(PipelineSettings):
    name: str = strawberry.field(description="What requests pass as `scenario`.")
    description: str | None = strawberry.field(description="What the scenario is for.")
    variants: list[Variant] = strawberry.field(description="A/B variants; the rest of the users get `control`.")
    updated_at: datetime = strawberry.field(description="When it was last saved (UTC).")

    @classmethod
    def of(cls, s: scenarios.Scenario) -> "Scenario":
        return cls(
            name=s.name,
            description=s.description,
            variants=[Variant.of(v) for v in s.variants],
            updated_at=utc_moment(s.updated_at),
            **_settings(s.settings),  # type: ignore[arg-type]
        )


@strawberry.type(description="The scenario was deleted; requests naming it are refused from now on.")
class ScenarioDeleted:
    name: str = strawberry.field(description="The deleted scenario.")


@strawberry.type(description="No scenario has this name.")
class ScenarioNotFound:
    message: str = strawberry.field(description="Human-readable explanation.")
    name: str = strawberry.field(description="The name that was not found.")


UpsertScenarioResult = Annotated[
    Scenario | NotAuthorized,
    strawberry.union("UpsertScenarioResult", description="The saved scenario, or why nothing was saved."),
]
DeleteScenarioResult = Annotated[
    ScenarioDeleted | ScenarioNotFound | NotAuthorized,
    strawberry.union("DeleteScenarioResult", description="The deletion, or why nothing was deleted."),
]
