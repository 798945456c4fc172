"""HMAC signing of the opaque tokens the server hands out (page cursors, recommendation ids).

Each kind of token signs with its own key, derived from the one secret and the token's purpose, so a
token of one kind never verifies as another (a cursor is not a recommendation id, nor the reverse).
"""

import base64
import hashlib
import hmac


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    """Raises binascii.Error or ValueError for anything but unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: str, purpose: str, size: int = hashlib.sha256().digest_size) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret must be at least 16 characters")
        if not 16 <= size <= hashlib.sha256().digest_size:
            raise ValueError("signatures are 16 to 32 bytes")
        self._key = hashlib.sha256(purpose.encode() + b":" + secret.encode()).digest()
        self.size = size

    def sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[: self.size]

    def verify(self, payload: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(signature, self.sign(payload))
