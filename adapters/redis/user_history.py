"""A user's history entries: `<kind code><epoch ms in base 36>|<product id>`, e.g. `Vmiu2b9kg|p001`.

Base 36 writes today's epoch milliseconds in 8 characters instead of 13; entries written by earlier
versions, `<kind code>|<epoch ms>|<product id>`, read the same (their second character is the `|`, never a
base-36 digit).
"""

import numpy as np

from domain.events import Event, EventKind

KIND_CODES = {EventKind.VIEW: "V", EventKind.CLICK: "C", EventKind.ADD_TO_CART: "A", EventKind.PURCHASE: "P"}
KIND_CODES[EventKind.DISMISS] = "D"
KINDS = {code: kind for kind, code in KIND_CODES.items()}


def encode_event(event: Event) -> str:
    stamp = np.base_repr(round(event.at * 1000), 36).lower()
    return f"{KIND_CODES[event.kind]}{stamp}|{event.product_id}"


def decode_event(raw: bytes) -> Event:
    text = raw.decode()
    if text[1:2] == "|":  # an earlier version's entry
        code, at_ms, product_id = text.split("|", 2)
        return Event(product_id, KINDS[code], int(at_ms) / 1000.0)
    stamp, product_id = text[1:].split("|", 1)
    return Event(product_id, KINDS[text[0]], int(stamp, 36) / 1000.0)
