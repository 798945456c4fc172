"""Apps with end-user tokens, rate limits or persisted queries on, over the real Redis and model."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from adapters.embedder import FastEmbedEmbedder
from adapters.redis.embedded import EmbeddedRedis
from bootstrap.settings import Settings
from serving.app import create_app

ISSUER, AUDIENCE = "https://auth.shop.test", "recommender"

AppFactory = Callable[..., Any]


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def public_key_file(tmp_path: Path, public_pem: bytes) -> Path:
    path = tmp_path / "public.pem"
    path.write_bytes(public_pem)
    return path


def claims(sub: str = "alice", **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, **overrides}


@pytest.fixture
def mint(rsa_key: rsa.RSAPrivateKey) -> Callable[..., str]:
    def sign(sub: str = "alice", **overrides: Any) -> str:
        return jwt.encode(claims(sub, **overrides), rsa_key, algorithm="RS256")

    return sign


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app_with(settings: Settings, embedder: FastEmbedEmbedder) -> Callable[..., Any]:
    """`with app_with(jwt_secret=...) as http:` — the real stack with these settings changed."""

    @contextmanager
    def start(**changes: Any) -> Iterator[TestClient]:
        with TestClient(create_app(settings.model_copy(update=changes), embedder=embedder)) as client:
            yield client

    return start


@pytest.fixture
def sync_redis(redis_server: EmbeddedRedis) -> Iterator[redis.Redis]:
    """A blocking client for inspecting keys next to a TestClient (which runs its own event loop)."""
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()
