"""BM25 for the in-memory index, close to RediSearch's: name weighs 1.0 and description 0.5 (the index's
field weights), words cut as the index cuts them (domain.text). Orders agree with Redis on clear cases;
exact scores do not (RediSearch normalises by document length differently)."""

import math
from collections.abc import Sequence

from domain.models import Product
from domain.text import text_words

K1, B = 1.2, 0.75
FIELD_WEIGHTS = (("name", 1.0), ("description", 0.5))


def _weighted_counts(product: Product) -> dict[str, float]:
    counts: dict[str, float] = {}
    for field, weight in FIELD_WEIGHTS:
        for word in text_words(getattr(product, field)):
            counts[word] = counts.get(word, 0.0) + weight
    return counts


def holds_all(product: Product, words: Sequence[str]) -> bool:
    held = set(text_words(product.name)) | set(text_words(product.description))
    return all(word in held for word in words)


def bm25(words: Sequence[str], corpus: Sequence[Product], scored: Sequence[Product]) -> dict[str, float]:
    """Each of `scored`'s BM25 score for any of `words`, with statistics over `corpus`."""
    terms = list(dict.fromkeys(words))
    docs = {p.id: _weighted_counts(p) for p in corpus}
    average = sum(sum(c.values()) for c in docs.values()) / max(len(docs), 1)
    frequency = {t: sum(1 for c in docs.values() if t in c) for t in terms}
    idf = {t: math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}
    scores = {}
    for product in scored:
        counts = docs.get(product.id) or _weighted_counts(product)
        length = sum(counts.values())
        score = 0.0
        for t in terms:
            tf = counts.get(t, 0.0)
            if tf:
                score += idf[t] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / max(average, 1e-9)))
        scores[product.id] = score
    return scores
