"""The settings of browser access (docs/operations.md, "Serving a shop frontend"): CORS, the Host names
answered, end-user tokens, rate limits, persisted queries. The demo page needs none of them; all are off by
default but the Host names, which without an admin token are the loopback ones (serving.app.allowed_hosts)."""

import re
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings

from bootstrap.setting_fields import BROWSER, RATE_LIMIT_CLASSES, Names, option

# What a Host header carries, minus the port: a name, "*." and a name, an IPv4 address, a bracketed IPv6 address.
_HOST_NAME = re.compile(r"(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\]")


class BrowserSettings(BaseSettings):
    """Part of bootstrap.settings.Settings (which sets the environment prefix and the rest)."""

    cors_origins: Names = option(
        (), "an origin allowed to call from a browser, exactly", BROWSER, flags=["--cors-origin"]
    )
    jwt_secret: str | None = option(None, "HS256 secret of end-user tokens; turns tokens on", BROWSER)
    jwt_public_key: Path | None = option(
        None, "PEM public key (RSA: RS256, EC P-256: ES256) of end-user tokens", BROWSER
    )
    jwt_jwks: Path | None = option(None, "JWKS file with the public keys of end-user tokens", BROWSER)
    jwt_issuer: str | None = option(None, "the `iss` end-user tokens must carry", BROWSER)
    jwt_audience: str | None = option(None, "the `aud` end-user tokens must carry", BROWSER)
    jwt_leeway_s: float = option(30.0, "clock skew allowed on `exp` and `nbf`", BROWSER, ge=0, le=300)
    rate_limits: Names = option(
        (),
        "CLASS=LIMIT, CLASS one of recommendations, events, admin; LIMIT like 50/second",
        BROWSER,
        flags=["--rate-limit"],
    )
    allowed_hosts: Names = option(
        (),
        "a Host name the server also answers to, or *.domain; loopback names always are (docs/operations.md)",
        BROWSER,
        flags=["--allowed-host"],
    )
    trusted_proxies: Names = option(
        (), "peer address whose X-Forwarded-For names the client", BROWSER, flags=["--trusted-proxy"]
    )
    rate_limit_redis_url: str | None = option(None, "Redis counting the rate limits (default: the store's)", BROWSER)
    rate_limit_key: str = option("recommender:rl", "key prefix of the rate-limit counters")
    persisted_query_ttl_s: int = option(24 * 3600, "lifetime of an automatic persisted query in Redis", BROWSER, ge=1)
    persisted_query_max_entries: int = option(10_000, "persisted queries kept at most", BROWSER, ge=0)
    persisted_query_max_bytes: int = option(8 * 1024, "longer documents run but are not persisted", BROWSER, ge=1)
    persisted_query_key: str = option("recommender:apq", "Redis hash holding the persisted queries")

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            scheme, sep, rest = origin.partition("://")
            if scheme not in ("http", "https") or not sep or not rest or "/" in rest or "*" in origin:
                raise ValueError(f"{origin!r} is not an exact origin like https://shop.example")
        return origins

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        for host in hosts:
            if not _HOST_NAME.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name like shop.example or *.shop.example (no port)")
        return tuple(host.lower() for host in hosts)

    @field_validator("rate_limits")
    @classmethod
    def _rate_limits(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        from limits import parse_many

        for entry in entries:
            name, sep, limit = entry.partition("=")
            if not sep or name.strip() not in RATE_LIMIT_CLASSES:
                raise ValueError(f"{entry!r}: expected CLASS=LIMIT with CLASS one of {', '.join(RATE_LIMIT_CLASSES)}")
            parse_many(limit)  # ValueError on a bad limit string
        return entries

    def rate_limit_table(self) -> dict[str, str]:
        return {name.strip(): limit.strip() for name, _, limit in (e.partition("=") for e in self.rate_limits)}

    def tokens_on(self) -> bool:
        return any(v is not None for v in (self.jwt_secret, self.jwt_public_key, self.jwt_jwks))
