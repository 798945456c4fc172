"""Shared fixtures: one embedded Redis with Search and one loaded model for the whole run.

Each test gets its own key namespace (index name, product and user prefixes), so tests never share keys.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from starlette.testclient import TestClient

from adapters.catalog_file import JsonCatalog
from adapters.embedder import FastEmbedEmbedder
from adapters.memory import InMemoryPopularity, InMemoryProductIndex, StaticCatalog
from adapters.memory_co_engagement import InMemoryCoEngagement
from adapters.memory_experiments import InMemoryExperimentCounters
from adapters.memory_users import InMemoryUserFeatureStore
from adapters.recommendation_ids import SignedRecommendationIds
from adapters.redis.co_engagement import RedisCoEngagement
from adapters.redis.connection import RedisConnection, connect
from adapters.redis.embedded import EmbeddedRedis
from adapters.redis.experiments import RedisExperimentCounters
from adapters.redis.index import RedisProductIndex
from adapters.redis.popularity import RedisPopularity
from adapters.redis.schema import IndexConfig
from adapters.redis.search_query import filter_clause
from adapters.redis.users import RedisUserFeatureStore
from bootstrap.settings import Settings
from domain.models import Product, Vector
from domain.service import RecommenderService
from serving.app import create_app
from tests.clock import FakeClock
from tests.graphql_client import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalog.json"
ID_SECRET = "tests-recommendation-id-secret"  # the services' signing secret for recommendation ids


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def embedder() -> FastEmbedEmbedder:
    model_dir = Settings().model_dir
    return FastEmbedEmbedder(model_dir if model_dir.is_absolute() else ROOT / model_dir)


@pytest.fixture(scope="session")
def catalog_items(embedder: FastEmbedEmbedder) -> list[tuple[Product, Vector]]:
    return JsonCatalog(CATALOG, embedder.model_name, embedder.dim).load()


@pytest.fixture
def namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}:"


@pytest.fixture
async def redis_conn(redis_server: EmbeddedRedis) -> AsyncIterator[RedisConnection]:
    connection = connect(redis_server.url)
    yield connection
    await connection.aclose()


@pytest.fixture
def redis_client(redis_conn: RedisConnection) -> aioredis.Redis:
    """The redis-py client of `redis_conn`, for arranging and inspecting keys directly."""
    return redis_conn.client


@pytest.fixture
async def redis_index(
    redis_conn: RedisConnection, namespace: str, catalog_items: list[tuple[Product, Vector]]
) -> AsyncIterator[RedisProductIndex]:
    index = RedisProductIndex(redis_conn, IndexConfig(name=f"{namespace}idx", prefix=f"{namespace}product:"))
    await index.recreate()
    await index.upsert(catalog_items)
    yield index
    await redis_conn.client.execute_command("FT.DROPINDEX", index.name, "DD")


@pytest.fixture
async def memory_index(catalog_items: list[tuple[Product, Vector]]) -> InMemoryProductIndex:
    index = InMemoryProductIndex(describe=filter_clause)  # reports the clause Redis would run
    await index.upsert(catalog_items)
    return index


@pytest.fixture
def clock() -> FakeClock:
    """The services' clock: time stands still unless a test advances it."""
    return FakeClock()


@pytest.fixture
def redis_service(
    redis_index: RedisProductIndex,
    redis_conn: RedisConnection,
    namespace: str,
    embedder: FastEmbedEmbedder,
    catalog_items: list[tuple[Product, Vector]],
    clock: FakeClock,
) -> RecommenderService:
    """The real thing: Redis Search, Redis user features and the ONNX model."""
    return RecommenderService(
        embedder=embedder,
        index=redis_index,
        users=RedisUserFeatureStore(redis_conn, prefix=f"{namespace}user:"),
        catalog=StaticCatalog(catalog_items),
        clock=clock,
        popularity=RedisPopularity(redis_conn, prefix=namespace),
        co_engagement=RedisCoEngagement(redis_conn, prefix=namespace),
        ids=SignedRecommendationIds(ID_SECRET),
        experiments=RedisExperimentCounters(redis_conn, prefix=namespace),
    )


@pytest.fixture
def memory_service(
    memory_index: InMemoryProductIndex,
    embedder: FastEmbedEmbedder,
    catalog_items: list[tuple[Product, Vector]],
    clock: FakeClock,
) -> RecommenderService:
    return RecommenderService(
        embedder=embedder,
        index=memory_index,
        users=InMemoryUserFeatureStore(),
        catalog=StaticCatalog(catalog_items),
        clock=clock,
        popularity=InMemoryPopularity(),
        co_engagement=InMemoryCoEngagement(),
        ids=SignedRecommendationIds(ID_SECRET),
        experiments=InMemoryExperimentCounters(),
    )


@pytest.fixture(params=["memory", "redis"])
def service(request: pytest.FixtureRequest) -> RecommenderService:
    """Behaviour tables run on both: the fake must not drift from the real adapters."""
    return request.getfixturevalue(f"{request.param}_service")  # type: ignore[no-any-return]


@pytest.fixture
def settings(redis_server: EmbeddedRedis, namespace: str) -> Settings:
    return Settings(
        redis_url=redis_server.url,
        index_name=f"{namespace}idx",
        key_prefix=f"{namespace}product:",
        catalog=CATALOG,
        allowed_hosts=("testserver",),  # the name Starlette's TestClient sends
    ).namespaced(namespace)


@pytest.fixture
def http(settings: Settings, embedder: FastEmbedEmbedder) -> Iterator[TestClient]:
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


@pytest.fixture
def gql(http: TestClient) -> GraphQLClient:
    return GraphQLClient(http)
