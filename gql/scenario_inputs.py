"""What an admin sends to save a scenario: `ScenarioInput` with its rules and variants, and their domain values.

A value the domain refuses is named by its path in the input (`scenario.variants[1].blend.weight`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import strawberry

from domain import rules as domain_rules
from domain import scenarios
from domain.errors import InvalidInput
from domain.source_kinds import SourceKind
from domain.times import epoch_seconds
from gql.recommendation_types import DiversityInput
from gql.types import BlendInput, ProductFilter, RerankInput
from gql.user_types import ExcludeInput

T = TypeVar("T")

# Registered on the domain's enums themselves: resolvers pass domain values straight through.
strawberry.enum(
    SourceKind,
    name="Source",
    description="A source of candidates, tried in a scenario's order until one yields some: QUERY (the query text, "
    "by the request's search mode; only when a query is given), SESSION (near the user's session vector; skipped "
    "when a query is searched), BEHAVIOUR (engaged with together with the user's recent products; skipped when a "
    "query is searched), POPULAR (most "
    "engaged of the last days, topped up with the best rated), TRENDING (rising engagement), TOP_RATED (best "
    "rated; always answers, and ends every scenario's order that does not name it).",
)
strawberry.enum(
    domain_rules.RuleAction,
    description="What a rule does to the products it applies to: BOOST (up by `weight`), BURY (down by `weight`), "
    "PIN (the listed products at `position`), HIDE (never shown; wins over a PIN on the same product).",
)

SOURCES_DOC = "Sources in fallback order: the first that yields candidates serves. Omitted: the default order."
FILTERS_DOC = "Pre-filters of every request of the scenario (a request's own `filters` replace them)."
EXCLUDE_DOC = "What to leave out (a request's own `exclude` replaces it)."
BLEND_DOC = "Session-vector blending (a request's own `blend` replaces it)."
RERANK_DOC = "Affinity re-ranking (a request's own `rerank` replaces it)."
DIVERSITY_DOC = "Diversity of the page (a request's own `diversity` replaces it)."
K_DOC = "Page size, 1 to 100 (a request's own `k` replaces it)."
RULES_DOC = "Merchandising rules, at most 50, applied in the pipeline."


def _optional(description: str) -> Any:
    return strawberry.field(default=strawberry.UNSET, description=description)


def _given(value: T | None) -> T | None:
    return None if value is strawberry.UNSET else value


@contextmanager
def under(path: str, *, replacing: str | None = None) -> Iterator[None]:
    """A value refused inside it is named under `path` (its own first part swapped out when `replacing` it)."""
    try:
        yield
    except InvalidInput as exc:
        argument = exc.argument
        if replacing is not None and argument.startswith(f"{replacing}."):
            argument = argument[len(replacing) + 1 :]
        raise InvalidInput(f"{path}.{argument}", exc.message) from exc


def _seconds(value: datetime | None) -> float | None:
    if value is None or value is strawberry.UNSET:
        return None
    return epoch_seconds(value)


@strawberry.input(description="A merchandising rule: applies to the products that match `match` or are listed.")
class RuleInput:
    action: domain_rules.RuleAction = strawberry.field(description="What the rule does.")
    match: ProductFilter | None = _optional("The products it applies to, by attribute.")
    product_ids: list[strawberry.ID] | None = _optional("The products it applies to, by id (PIN places these).")
    weight: float | None = _optional("BOOST and BURY only: how far, 0 to 10, in the units of the final score.")
    position: int | None = _optional("PIN only: the 1-based place on the page, 1 to the scenario's k (10).")
    active_from: datetime | None = _optional("Inactive before this time; omitted: from now on.")
    active_until: datetime | None = _optional("Inactive from this time on, after activeFrom; omitted: no end.")

    def to_domain(self, path: str) -> domain_rules.Rule:
        match = _given(self.match)
        with under(f"{path}.match", replacing="filters"):
            matched = None if match is None else match.to_domain()
        return domain_rules.Rule(
            action=self.action,
            match=matched,
            product_ids=tuple(str(i) for i in _given(self.product_ids) or ()),
            weight=_given(self.weight),
            position=_given(self.position),
            active_from=_seconds(self.active_from),
            active_until=_seconds(self.active_until),
        )


def _settings(given: Any, path: str) -> scenarios.Settings:
    """The settings an input sets (its UNSET and null fields set nothing)."""

    def some(name: str) -> Any:
        return _given(getattr(given, name))

    sources, rules, exclude = some("sources"), some("rules"), some("exclude")
    with under(path):
        return scenarios.Settings(
            sources=None if sources is None else tuple(sources),
            filters=None if some("filters") is None else some("filters").to_domain(),
            exclude=None if exclude is None else exclude.to_domain(),
            blend=None if some("blend") is None else some("blend").to_domain(),
            rerank=None if some("rerank") is None else some("rerank").to_domain(),
            diversity=None if some("diversity") is None else some("diversity").to_domain(),
            k=some("k"),
            rules=None if rules is None else tuple(r.to_domain(f"rules[{i}]") for i, r in enumerate(rules)),
        )


@strawberry.input(
    description="An A/B variant of a scenario: its share of the users, and the settings it overrides (each "
    "optional; the scenario's own settings are the variant named `control`)."
)
class VariantInput:
    name: str = strawberry.field(description="1-64 characters from A-Z a-z 0-9 _ . -; not `control`, not repeated.")
    share: float = strawberry.field(description="Share of the scenario's users, 0 to 1; the shares sum to at most 1.")
    sources: list[SourceKind] | None = _optional(SOURCES_DOC)
    filters: ProductFilter | None = _optional(FILTERS_DOC)
    exclude: ExcludeInput | None = _optional(EXCLUDE_DOC)
    blend: BlendInput | None = _optional(BLEND_DOC)
    rerank: RerankInput | None = _optional(RERANK_DOC)
    diversity: DiversityInput | None = _optional(DIVERSITY_DOC)
    k: int | None = _optional(K_DOC)
    rules: list[RuleInput] | None = _optional(RULES_DOC + " Given, they replace the scenario's.")

    def to_domain(self, path: str) -> scenarios.Variant:
        return scenarios.Variant(self.name, self.share, _settings(self, path))


@strawberry.input(description="A named pipeline configuration: the defaults of every request naming it.")
class ScenarioInput:
    name: str = strawberry.field(description="1-64 characters from A-Z a-z 0-9 _ . -; saving a name again replaces it.")
    description: str | None = _optional(
        "What the scenario is for, up to 1024 characters; tab, line feed and carriage return are the only control "
        "characters it may hold."
    )
    sources: list[SourceKind] | None = _optional(SOURCES_DOC)
    filters: ProductFilter | None = _optional(FILTERS_DOC)
    exclude: ExcludeInput | None = _optional(EXCLUDE_DOC)
    blend: BlendInput | None = _optional(BLEND_DOC)
    rerank: RerankInput | None = _optional(RERANK_DOC)
    diversity: DiversityInput | None = _optional(DIVERSITY_DOC)
    k: int | None = _optional(K_DOC)
    rules: list[RuleInput] | None = _optional(RULES_DOC)
    variants: list[VariantInput] | None = _optional(
        "A/B variants; each user is assigned one by a stable hash of (scenario, userId), the rest get the scenario's "
        "own settings (`control`)."
    )

    def to_domain(self) -> scenarios.Scenario:
        variants = _given(self.variants) or []
        return scenarios.Scenario(
            name=self.name,
            description=_given(self.description),
            settings=_settings(self, "scenario"),
            variants=tuple(v.to_domain(f"scenario.variants[{i}]") for i, v in enumerate(variants)),
        )
