"""Who is calling: the admin token, or an end-user JWT checked with PyJWT (docs/operations.md, "End-user tokens").

The accepted algorithms come from the configured key, never from the token: a secret means HS256, an
RSA public key RS256, an EC P-256 key ES256, a JWKS file the algorithm of each of its keys. So an
`alg: none` token, or an HS256 token signed with the RSA public key as its secret, is refused.
"""

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from bootstrap.settings import Settings
from domain.validation import ID_RULE, is_id
from gql.identity import Caller, NotAuthenticated

MAX_TOKEN_BYTES = 4096  # a JWT with a few claims is ~300-800 bytes; anything far larger is not ours


class TokenRejected(NotAuthenticated):
    """The request carried a token that is not a valid end-user token; the message says why."""


def _key_of_pem(path: Path) -> tuple[Any, list[str]]:
    key = load_pem_public_key(path.read_bytes())
    if isinstance(key, rsa.RSAPublicKey):
        return key, ["RS256"]
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key, ["ES256"]
    raise ValueError(f"{path}: only RSA and EC P-256 public keys are supported")


@dataclass(frozen=True)
class TokenVerifier:
    keys: Mapping[str | None, tuple[Any, list[str]]]  # by `kid` (None: the one key) → key, its algorithms
    issuer: str | None = None
    audience: str | None = None
    leeway_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "TokenVerifier | None":
        keys: dict[str | None, tuple[Any, list[str]]] = {}
        if settings.jwt_secret is not None:
            keys[None] = (settings.jwt_secret, ["HS256"])
        elif settings.jwt_public_key is not None:
            keys[None] = _key_of_pem(settings.jwt_public_key)
        elif settings.jwt_jwks is not None:
            jwks = jwt.PyJWKSet.from_json(settings.jwt_jwks.read_text())
            for jwk in jwks.keys:
                if jwk.algorithm_name not in ("RS256", "ES256"):
                    raise ValueError(f"{settings.jwt_jwks}: key {jwk.key_id} uses {jwk.algorithm_name}")
                keys[jwk.key_id] = (jwk.key, [jwk.algorithm_name])
        else:
            return None
        return cls(keys, settings.jwt_issuer, settings.jwt_audience, settings.jwt_leeway_s)

    def verify(self, token: str) -> Caller:
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRejected(f"token longer than {MAX_TOKEN_BYTES} bytes")
        try:
            kid = None if None in self.keys else jwt.get_unverified_header(token).get("kid")
            if kid not in self.keys:
                raise TokenRejected("token signed with an unknown key")
            key, algorithms = self.keys[kid]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_s,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("token expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected("token not valid yet") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("token for another audience") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("token from another issuer") from None
        except jwt.InvalidAlgorithmError:
            raise TokenRejected("token signed with an algorithm this server does not accept") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("token signature does not verify") from None
        except (jwt.InvalidTokenError, ValueError, TypeError, json.JSONDecodeError):
            raise TokenRejected("malformed token") from None
        return _caller(claims)


def _caller(claims: dict[str, Any]) -> Caller:
    sub, roles = claims.get("sub"), claims.get("roles", [])
    if not isinstance(sub, str) or not sub:
        raise TokenRejected("token without a `sub`")
    if not is_id(sub):  # else every call would be refused naming a `userId` the client never sent
        raise TokenRejected(f"the token's `sub` is not a user id ({ID_RULE})")
    if isinstance(roles, str):
        roles = roles.split()
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise TokenRejected("`roles` must be a list of strings")
    return Caller(tokens=True, user_id=sub, roles=frozenset(roles))


@dataclass(frozen=True)
class Authenticator:
    """Turns the Authorization header into a Caller; raises TokenRejected for a bad end-user token."""

    admin_token: str | None
    verifier: TokenVerifier | None

    def caller(self, authorization: str) -> tuple[Caller, bool]:
        """(the caller, whether it may run admin operations)."""
        scheme, _, presented = authorization.partition(" ")
        presented = presented.strip()
        bearer = scheme.lower() == "bearer" and bool(presented)
        if self.admin_token is not None and bearer and _same(presented, self.admin_token):
            return Caller(tokens=self.verifier is not None), True
        if self.verifier is None:
            # Tokens off: no admin token configured means everyone is admin (loopback only, see `serve`).
            return Caller(), self.admin_token is None
        if not authorization:
            return Caller(tokens=True), False
        if not bearer:
            raise TokenRejected("expected `Authorization: Bearer <token>`")
        caller = self.verifier.verify(presented)
        return caller, caller.has_admin_role


def _same(presented: str, expected: str) -> bool:
    # Constant-time: response timing must not reveal how much of a guess was right.
    return hmac.compare_digest(presented.encode(errors="replace"), expected.encode())
