"""Page cursors: the page state as compact JSON (zlib-compressed when long), HMAC-SHA256-signed, base64url.

`<payload>.<signature>`, the payload's first byte saying whether the JSON is compressed (`z`) or not (`j`).
A cursor whose bytes were changed, that another server (another key) signed, or that is not a cursor at
all fails the signature check before anything in it is read. The secret is
a setting (`cursor_secret`); unset, each server start draws one and hands it to its workers.
"""

import binascii
import json
import zlib

from adapters.signing import Signer, b64, unb64
from domain.errors import InvalidInput
from domain.pipeline.pager import PageState

VERSION = 1
COMPRESS_OVER = 256  # bytes of JSON


class SignedCursors:
    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, "cursor")

    def encode(self, state: PageState) -> str:
        body = json.dumps([VERSION, state.fingerprint, round(state.issued_at, 3), state.served], separators=(",", ":"))
        # Deep pages carry hundreds of ids: compressed; a first page's few are cheaper to send as they are.
        raw = body.encode()
        payload = b"z" + zlib.compress(raw, 6) if len(raw) > COMPRESS_OVER else b"j" + raw
        return f"{b64(payload)}.{b64(self._signer.sign(payload))}"

    def decode(self, cursor: str) -> PageState:
        payload_text, _, signature_text = cursor.partition(".")
        try:
            payload, signature = unb64(payload_text), unb64(signature_text)
        except (binascii.Error, ValueError):
            raise InvalidInput("after", "is not a cursor of this server") from None
        if not self._signer.verify(payload, signature):
            raise InvalidInput("after", "is not a cursor of this server (modified or foreign)")
        body = zlib.decompress(payload[1:]) if payload[:1] == b"z" else payload[1:]
        version, fingerprint, issued_at, served = json.loads(body)
        if version != VERSION:
            raise InvalidInput("after", "comes from another version of this server; start again")
        return PageState(fingerprint, tuple(served), float(issued_at))
