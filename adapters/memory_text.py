"""BM25 for the in-memory index, close to RediSearch's: name weighs 1.0 and description 0.5 (the index's
field weights), words cut as the index cuts them (domain.text) and found by their English stem as the index
finds them (`finds`). Which products match agrees with Redis; orders agree on clear cases, exact scores do not
(RediSearch normalises by document length differently)."""

import functools
import math
from collections.abc import Sequence

from py_rust_stemmers import SnowballStemmer

from domain.models import Product
from domain.text import text_words

K1, B = 1.2, 0.75
FIELD_WEIGHTS = (("name", 1.0), ("description", 0.5))
# RediSearch stems a TEXT field's words in English (Snowball), and only words of at least this many bytes.
MIN_STEM_BYTES = 4
_STEMMER = SnowballStemmer("english")


@functools.cache
def _stem(word: str) -> str:
    return str(_STEMMER.stem_word(word))


def finds(term: str, word: str) -> bool:
    """Whether a keyword search for `term` finds a document holding `word`: RediSearch looks for the term, its
    stem, and the words held under that stem (each word of MIN_STEM_BYTES or more is also held as its stem)."""
    stem = _stem(term)
    return word in (term, stem) or (len(word.encode()) >= MIN_STEM_BYTES and _stem(word) == stem)


def _weighted_counts(product: Product) -> dict[str, float]:
    counts: dict[str, float] = {}
    for field, weight in FIELD_WEIGHTS:
        for word in text_words(getattr(product, field)):
            counts[word] = counts.get(word, 0.0) + weight
    return counts


def _frequency(term: str, counts: dict[str, float]) -> float:
    return sum(count for word, count in counts.items() if finds(term, word))


def holds_all(product: Product, words: Sequence[str]) -> bool:
    held = set(text_words(product.name)) | set(text_words(product.description))
    return all(any(finds(word, each) for each in held) for word in words)


def bm25(words: Sequence[str], corpus: Sequence[Product], scored: Sequence[Product]) -> dict[str, float]:
    """Each of `scored`'s BM25 score for any of `words`, with statistics over `corpus`."""
    terms = list(dict.fromkeys(words))
    docs = {p.id: _weighted_counts(p) for p in corpus}
    average = sum(sum(c.values()) for c in docs.values()) / max(len(docs), 1)
    frequency = {t: sum(1 for c in docs.values() if _frequency(t, c)) for t in terms}
    idf = {t: math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}
    scores = {}
    for product in scored:
        counts = docs.get(product.id) or _weighted_counts(product)
        length = sum(counts.values())
        score = 0.0
        for t in terms:
            tf = _frequency(t, counts)
            if tf:
                score += idf[t] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / max(average, 1e-9)))
        scores[product.id] = score
    return scores
