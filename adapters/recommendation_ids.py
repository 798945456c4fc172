"""Recommendation ids: a served page's scenario, variant, time and products, signed, base64url.

Layout (big-endian), then a 16-byte HMAC-SHA256 tag over all of it (adapters.signing, purpose
`recommendation`: a page cursor never verifies as an id, nor an id as a cursor):

    version (1) | issued_at seconds (4) | nonce (8) | scenario (2 + n) | variant (2 + m) | 3 bytes per item

A length of 0xFFFF stands for "none". Each item is the first 3 bytes of BLAKE2b of its product id, in
page order, so the id says where a product was without spelling its id out: 3 bytes instead of the id
keeps a 100-item page's id near 450 characters. Two product ids share a tag with probability 2^-24,
so a product that was not on the page passes as one that was about k / 16.7 M of the time (k = page
size); the signature makes every other part exact. The nonce makes each page's id unique, so two
identical pages served in the same second count their events apart.
"""

import binascii
import hashlib
import secrets
import struct

from adapters.signing import Signer, b64, unb64
from domain.attribution import PageClaim, ServedPage

VERSION = 1
TAG_BYTES = 3
SIGNATURE_BYTES = 16
NONE = 0xFFFF
_HEAD = struct.Struct(">BI8s")
_LENGTH = struct.Struct(">H")
MAX_ID_CHARS = 4096  # a 100-item page's id is far shorter; anything longer is not ours


def product_tag(product_id: str) -> bytes:
    return hashlib.blake2b(product_id.encode(), digest_size=TAG_BYTES).digest()


def _text(value: str | None) -> bytes:
    if value is None:
        return _LENGTH.pack(NONE)
    raw = value.encode()
    if len(raw) >= NONE:
        raise ValueError("scenario and variant names are shorter than 65535 bytes")
    return _LENGTH.pack(len(raw)) + raw


def _read_text(payload: bytes, at: int) -> tuple[str | None, int]:
    (length,) = _LENGTH.unpack_from(payload, at)
    at += _LENGTH.size
    if length == NONE:
        return None, at
    return payload[at : at + length].decode(), at + length


class SignedRecommendationIds:
    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, "recommendation", SIGNATURE_BYTES)

    def issue(self, page: ServedPage) -> str:
        head = _HEAD.pack(VERSION, int(page.issued_at), secrets.token_bytes(8))
        tags = b"".join(product_tag(product_id) for product_id in page.product_ids)
        payload = head + _text(page.scenario) + _text(page.variant) + tags
        return b64(payload + self._signer.sign(payload))

    def claim(self, recommendation_id: str, product_id: str) -> PageClaim | None:
        payload = self._verified(recommendation_id)
        if payload is None:
            return None
        _, issued_at, nonce = _HEAD.unpack_from(payload)
        scenario, at = _read_text(payload, _HEAD.size)
        variant, at = _read_text(payload, at)
        tags, tag = payload[at:], product_tag(product_id)
        for position, start in enumerate(range(0, len(tags), TAG_BYTES), start=1):
            if tags[start : start + TAG_BYTES] == tag:
                return PageClaim(f"{issued_at:x}{nonce.hex()}", scenario, variant, float(issued_at), position)
        return None

    def _verified(self, recommendation_id: str) -> bytes | None:
        """The payload of an unaltered id of ours in this version, else None."""
        if not 0 < len(recommendation_id) <= MAX_ID_CHARS:
            return None
        try:
            raw = unb64(recommendation_id)
        except (binascii.Error, ValueError):
            return None
        payload, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
        if len(payload) < _HEAD.size + 2 * _LENGTH.size or not self._signer.verify(payload, signature):
            return None
        return payload if payload[0] == VERSION else None
