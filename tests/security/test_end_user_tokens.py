"""End-user JWTs: a table of tokens, each with its code; the user rules of every user-scoped field."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import redis
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from tests.security.conftest import AUDIENCE, ISSUER, bearer, claims

FEATURES = '{ userFeatures(userId: "alice") { userId clicks } }'
CLICK = 'mutation { recordClick(userId: "alice", productId: "p001") { __typename } }'
RESET = 'mutation { resetUser(userId: "alice") { userId } }'
RECOMMEND = '{ recommendations(query: "warm boots", k: 3) { usedSession items { product { id } } } }'
SIMILAR = """{ similarProducts(productId: "p001", userId: "alice", blend: {weight: 0.5}, exclude: {seen: true}) {
  ... on Recommendations { usedSession strategy items { product { id } } } } }"""
FOR_YOU = '{ recommendations(userId: "alice", k: 3) { strategy usedSession } }'


@pytest.fixture
def http(app_with: Callable[..., Any], public_key_file: Path) -> Iterator[TestClient]:  # type: ignore[override]
    with app_with(jwt_public_key=public_key_file, jwt_issuer=ISSUER, jwt_audience=AUDIENCE) as client:
        yield client


def post(http: TestClient, query: str, headers: dict[str, str] | None = None) -> Any:
    return http.post("/graphql", json={"query": query}, headers=headers or {})


def bad_tokens(rsa_key: rsa.RSAPrivateKey, public_pem: bytes) -> dict[str, str]:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())

    # PyJWT refuses to sign HS256 with a PEM key, so the algorithm-confusion token is built by hand.
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims()).encode())
    confused = head + "." + b64(hmac.new(public_pem, head.encode(), hashlib.sha256).digest())
    return {
        "expired": jwt.encode(claims(exp=now - 120), rsa_key, algorithm="RS256"),
        "not yet valid": jwt.encode(claims(nbf=now + 120), rsa_key, algorithm="RS256"),
        "wrong audience": jwt.encode(claims(aud="someone-else"), rsa_key, algorithm="RS256"),
        "wrong issuer": jwt.encode(claims(iss="https://evil.test"), rsa_key, algorithm="RS256"),
        "wrong signature": jwt.encode(claims(), other, algorithm="RS256"),
        "alg none": jwt.encode(claims(), key=None, algorithm="none"),
        "hs256 with the public key": confused,
        "garbage header": "eyJnYXJiYWdl." + head.split(".")[1] + ".c2ln",
        "not a jwt": "hello",
        "oversized": "a" * 5000,
        "no sub": jwt.encode({k: v for k, v in claims().items() if k != "sub"}, rsa_key, algorithm="RS256"),
        "sub no user id": jwt.encode(claims("alice smith"), rsa_key, algorithm="RS256"),
        "sub too long": jwt.encode(claims("a" * 65), rsa_key, algorithm="RS256"),
    }


TOKEN_CASES = [
    "expired",
    "not yet valid",
    "wrong audience",
    "wrong issuer",
    "wrong signature",
    "alg none",
    "hs256 with the public key",
    "garbage header",
    "not a jwt",
    "oversized",
    "no sub",
    "sub no user id",
    "sub too long",
]


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_a_bad_token_is_unauthenticated_and_changes_nothing(
    case: str,
    http: TestClient,
    rsa_key: rsa.RSAPrivateKey,
    public_pem: bytes,
    sync_redis: redis.Redis,
    namespace: str,
) -> None:
    token = bad_tokens(rsa_key, public_pem)[case]
    for query in (CLICK, RECOMMEND, FEATURES):
        response = post(http, query, bearer(token))
        assert response.status_code == 401, (case, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        body = response.json()
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert list(sync_redis.scan_iter(f"{namespace}user:*")) == []  # nothing written


@pytest.mark.parametrize(
    "header", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer  ", "bearer a.b.c", "Token x", "Bearer " + "é" * 10]
)
def test_malformed_authorization_headers_are_unauthenticated(http: TestClient, header: str) -> None:
    response = http.post("/graphql", json={"query": FEATURES}, headers={"Authorization": header.encode()})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_valid_token_acts_for_its_subject(http: TestClient, mint: Callable[..., str]) -> None:
    alice = bearer(mint("alice"))
    assert post(http, CLICK, alice).json()["data"] == {"recordClick": {"__typename": "ClickRecorded"}}
    assert post(http, FEATURES, alice).json()["data"] == {"userFeatures": {"userId": "alice", "clicks": 1}}
    # recommendations default to the token's user: its session is blended in.
    assert post(http, RECOMMEND, alice).json()["data"]["recommendations"]["usedSession"] is True
    assert post(http, RESET, alice).json()["data"] == {"resetUser": {"userId": "alice"}}
    assert post(http, FEATURES, alice).json()["data"]["userFeatures"]["clicks"] == 0


@pytest.mark.parametrize(
    "query",
    [
        FEATURES.replace("alice", "bob"),
        CLICK.replace("alice", "bob"),
        RESET.replace("alice", "bob"),
        RECOMMEND.replace("k: 3", 'k: 3, userId: "bob"'),
        SIMILAR.replace("alice", "bob"),
        FOR_YOU.replace("alice", "bob"),
        # The demo user is a user like any other: naming it is not a way to act for the token's user.
        FEATURES.replace("alice", "demo"),
        RECOMMEND.replace("k: 3", 'k: 3, userId: "demo"'),
        SIMILAR.replace("alice", "demo"),
    ],
)
def test_naming_another_user_is_forbidden(http: TestClient, mint: Callable[..., str], query: str) -> None:
    body = post(http, query, bearer(mint("alice"))).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body


@pytest.mark.parametrize("query", [FEATURES, CLICK, RESET])
def test_without_a_token_user_reads_and_writes_are_unauthenticated(http: TestClient, query: str) -> None:
    body = post(http, query).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body


def test_without_a_token_recommendations_are_unpersonalised(http: TestClient, mint: Callable[..., str]) -> None:
    assert post(http, CLICK, bearer(mint("alice"))).status_code == 200  # alice has a session now
    anonymous = post(http, RECOMMEND.replace("k: 3", 'k: 3, userId: "alice"')).json()
    assert anonymous["data"]["recommendations"]["usedSession"] is False
    assert len(anonymous["data"]["recommendations"]["items"]) == 3
    # The same for similar items and "recommended for you": no session is read without alice's token.
    similar = post(http, SIMILAR).json()["data"]["similarProducts"]
    assert similar["usedSession"] is False and "p001" not in [i["product"]["id"] for i in similar["items"]]
    assert post(http, FOR_YOU).json()["data"]["recommendations"] == {"strategy": "POPULAR", "usedSession": False}
    assert post(http, FOR_YOU, bearer(mint("alice"))).json()["data"]["recommendations"]["strategy"] == "SESSION"


def test_without_a_token_no_history_is_read(http: TestClient, mint: Callable[..., str]) -> None:
    # The default exclusion (dismissed products) needs the user's history: anonymous callers have none.
    alice = bearer(mint("alice"))

    def ids(body: Any) -> list[str]:
        return [item["product"]["id"] for item in body.json()["data"]["recommendations"]["items"]]

    top = ids(post(http, RECOMMEND, alice))[0]
    dismiss = f'mutation {{ recordEvent(userId: "alice", productId: "{top}", kind: DISMISS) {{ __typename }} }}'
    assert post(http, dismiss, alice).json()["data"] == {"recordEvent": {"__typename": "EventRecorded"}}
    assert top not in ids(post(http, RECOMMEND, alice))
    assert top in ids(post(http, RECOMMEND.replace("k: 3", 'k: 3, userId: "alice"')))


def test_admin_needs_the_admin_token_or_the_admin_role(
    app_with: Callable[..., Any], public_key_file: Path, mint: Callable[..., str]
) -> None:
    reset = "mutation { resetIndex { __typename } }"
    with app_with(jwt_public_key=public_key_file, admin_token="s3cret") as http:
        assert post(http, reset).json()["data"]["resetIndex"]["__typename"] == "NotAuthorized"
        assert post(http, reset, bearer(mint("alice"))).json()["data"]["resetIndex"]["__typename"] == "NotAuthorized"
        assert post(http, reset, bearer(mint("ops", roles=["admin"]))).json()["data"]["resetIndex"]["__typename"] == (
            "IndexReset"
        )
        assert post(http, reset, bearer("s3cret")).json()["data"]["resetIndex"]["__typename"] == "IndexReset"


def test_hs256_secret_and_a_jwks_file(app_with: Callable[..., Any], tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    with app_with(jwt_secret="a-long-shared-secret-of-32-bytes!!") as http:
        good = jwt.encode(claims(aud=None), "a-long-shared-secret-of-32-bytes!!", algorithm="HS256")
        assert post(http, FEATURES, bearer(good)).json()["data"]["userFeatures"]["userId"] == "alice"
        forged = jwt.encode(claims(), "another-secret-of-at-least-32-bytes", algorithm="HS256")
        assert post(http, FEATURES, bearer(forged)).status_code == 401
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}))
    with app_with(jwt_jwks=jwks) as http:
        signed = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "k1"})
        assert post(http, FEATURES, bearer(signed)).json()["data"]["userFeatures"]["userId"] == "alice"
        unknown = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "k2"})
        assert post(http, FEATURES, bearer(unknown)).status_code == 401


def test_a_scenario_reads_no_user_state_for_an_anonymous_caller(http: TestClient, mint: Callable[..., str]) -> None:
    # The scenario's settings come after the identity rule, never around it.
    upsert = """mutation { upsertScenario(scenario: {name: "personal", sources: [SESSION, POPULAR],
      blend: {weight: 0.9}, rerank: {weight: 5}, exclude: {seen: true}}) { __typename } }"""
    assert post(http, upsert, bearer(mint("ops", roles=["admin"]))).json()["data"]["upsertScenario"] == {
        "__typename": "Scenario"
    }
    alice = bearer(mint("alice"))
    assert post(http, CLICK, alice).status_code == 200
    # Anonymous requests run as a placeholder user (the demo user): give it state that must stay unread.
    demo_click = 'mutation { recordClick(userId: "demo", productId: "p002") { __typename } }'
    assert post(http, demo_click, bearer(mint("demo"))).json()["data"]["recordClick"]["__typename"] == "ClickRecorded"
    query = '{ recommendations(scenario: "personal", userId: "alice", k: 3) { strategy usedSession usedRerank } }'
    anonymous = post(http, query).json()["data"]["recommendations"]
    assert anonymous == {"strategy": "POPULAR", "usedSession": False, "usedRerank": False}
    assert post(http, query, alice).json()["data"]["recommendations"]["strategy"] == "SESSION"
