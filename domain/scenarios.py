"""Named scenarios: a pipeline configuration a shop saves under a name, and A/B variants of it.

A request names a scenario; the settings it gives are layered, each layer winning over the one before:
the scenario's own settings, then its variant's overrides (for the user's variant), then the arguments the
request gave itself. A setting no layer gives keeps the request's default.

A user's variant comes from a stable hash of (scenario, user): uniform in [0, 1), cut by the variants'
cumulative shares, the rest being the scenario's own settings (the variant named `control`). A user keeps
their variant as long as the shares do not change.
"""

import hashlib
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from domain.diversity import DiversitySettings
from domain.filters import BlendSettings, ExcludeSettings, ProductFilter, RerankSettings
from domain.rules import Rule
from domain.source_kinds import SourceKind

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

CONTROL = "control"  # the name of a scenario's own settings among its variants

# A request of any use case (RecommendRequest, SimilarRequest, ...): a frozen dataclass whose fields named
# like a setting take it.
R = TypeVar("R", bound="DataclassInstance")


@dataclass(frozen=True)
class Settings:
    """What a scenario, a variant or a request sets; None: not set here (a layer below decides)."""

    sources: tuple[SourceKind, ...] | None = None
    filters: ProductFilter | None = None
    exclude: ExcludeSettings | None = None
    blend: BlendSettings | None = None
    rerank: RerankSettings | None = None
    diversity: DiversitySettings | None = None
    k: int | None = None
    rules: tuple[Rule, ...] | None = None

    def over(self, base: "Settings") -> "Settings":
        """These settings where they are set, `base`'s elsewhere."""
        return replace(base, **self.given())

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


NOTHING_SET = Settings()
SETTING_NAMES = frozenset(f.name for f in fields(Settings))


@dataclass(frozen=True)
class Variant:
    name: str
    share: float  # of the scenario's users, 0 to 1
    settings: Settings = NOTHING_SET  # overrides of the scenario's settings


def bucket(scenario: str, user_id: str) -> float:
    """Where a user falls in [0, 1) for a scenario: the same place on every instance and every day."""
    digest = hashlib.sha256(f"{scenario}\n{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


@dataclass(frozen=True)
class Served:
    """The scenario and variant serving one request, and the settings they give it."""

    scenario: str | None = None
    variant: str | None = None
    settings: Settings = NOTHING_SET

    def applied(self, request: R, given: frozenset[str]) -> R:
        """`request` with these settings in each field it has and the caller did not give (`given`)."""
        if self.scenario is None:
            return request
        names = {f.name for f in fields(request)}
        changes = {name: value for name, value in self.settings.given().items() if name in names - given}
        return replace(request, **changes, scenario=self.scenario, variant=self.variant)


NO_SCENARIO = Served()


@dataclass(frozen=True)
class Scenario:
    name: str
    settings: Settings = NOTHING_SET
    description: str | None = None
    variants: tuple[Variant, ...] = ()
    updated_at: float = 0.0  # seconds since the epoch, set when saved

    def variant_for(self, user_id: str) -> Variant | None:
        """The user's variant; None for the scenario's own settings (control)."""
        point, edge = bucket(self.name, user_id), 0.0
        for variant in self.variants:
            edge += variant.share
            if point < edge:
                return variant
        return None

    def serving(self, user_id: str) -> Served:
        variant = self.variant_for(user_id)
        if variant is None:
            return Served(self.name, CONTROL, self.settings)
        return Served(self.name, variant.name, variant.settings.over(self.settings))
