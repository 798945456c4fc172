"""The whole HTTP + GraphQL stack on the in-memory adapters: no Redis, no model, seconds to start."""

from starlette.testclient import TestClient

from adapters.catalog_file import JsonCatalog
from adapters.embedder import DIM, MODEL_NAME
from adapters.memory import HashingEmbedder, InMemoryProductIndex, StaticCatalog
from adapters.memory_users import InMemoryUserFeatureStore
from bootstrap.settings import Settings
from domain.models import Product, Vector
from serving.app import create_app
from tests.conftest import CATALOG

ITEMS = JsonCatalog(CATALOG, MODEL_NAME, DIM).load()


def memory_app(items: list[tuple[Product, Vector]] = ITEMS, **settings: object) -> TestClient:
    """A client of that stack over `items` (the shipped catalog unless given), with these settings."""
    return TestClient(
        create_app(
            Settings(**settings),  # type: ignore[arg-type]
            embedder=HashingEmbedder(DIM),
            index=InMemoryProductIndex(),
            users=InMemoryUserFeatureStore(),
            catalog=StaticCatalog(items),
        ),
        base_url="http://localhost",  # no admin token: the server answers loopback names only
    )
