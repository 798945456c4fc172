"""Recommendation ids and attribution: which page served a product, and whether an event on it counts.

Every served page gets an id that carries what attribution needs (scenario, variant, when, which
products at which positions), signed by the server, so serving stores nothing per page. An event that
names a page's id counts for that page's scenario and variant when the id is ours and unaltered, the
product was on that page, the page has a scenario, and the event comes within the attribution window.
Anything else still records the event, unattributed.
"""

from dataclasses import dataclass

from domain.events import EventKind
from domain.models import Product

DEFAULT_WINDOW_S = 24 * 3600.0
CONTROL = "control"  # the variant of a page served by the scenario's own settings
# The kinds an experiment counts, by the counter each adds to.
ATTRIBUTABLE = {EventKind.CLICK: "clicks", EventKind.ADD_TO_CART: "add_to_carts", EventKind.PURCHASE: "purchases"}


@dataclass(frozen=True)
class ServedPage:
    """What a page's id says about it."""

    scenario: str | None
    variant: str | None
    issued_at: float  # seconds since the epoch
    product_ids: tuple[str, ...]  # in page order


@dataclass(frozen=True)
class PageClaim:
    """An id's claim that it served one product: `page` is unique to the page it was issued for."""

    page: str
    scenario: str | None
    variant: str | None
    issued_at: float
    position: int  # 1-based


@dataclass(frozen=True)
class Conversion:
    """An attributed event: counted once per (page, product, kind)."""

    page: str
    scenario: str
    variant: str
    position: int
    product_id: str
    kind: EventKind
    revenue: float  # the product's price when the event came, for a PURCHASE; else 0
    at: float
    configured: bool = True  # False once the scenario is gone (metrics then label it `other`)

    @property
    def counter(self) -> str:
        return ATTRIBUTABLE[self.kind]


def conversion_of(claim: PageClaim, product: Product, kind: EventKind, at: float) -> Conversion | None:
    """The conversion an event on a claimed page makes; None for pages without a scenario."""
    if claim.scenario is None or kind not in ATTRIBUTABLE:
        return None
    revenue = product.price if kind is EventKind.PURCHASE else 0.0
    return Conversion(
        page=claim.page,
        scenario=claim.scenario,
        variant=claim.variant or CONTROL,
        position=claim.position,
        product_id=product.id,
        kind=kind,
        revenue=revenue,
        at=at,
    )
