"""Render a ProductFilter to a RediSearch query string. All escaping lives here.

TAG values are lower-cased (categories and brands are stored lower-case) and every ASCII character
that is not a letter or digit is backslash-escaped, so no value can close the `{...}`
or start an operator. TEXT is searched as an exact phrase of the words RediSearch itself would cut
the text into (domain.text): a quoted phrase of separator-free words has nothing left to escape or inject.
"""

import string
from collections.abc import Sequence

from adapters.redis.price_ladder import number, numeric_clause, price_clause
from domain.filters import ProductFilter
from domain.text import phrase_words

MATCH_ALL = "*"

# Even "_" is escaped: a TAG value of a lone "_" is a syntax error unescaped.
_PLAIN_ASCII = frozenset(string.ascii_letters + string.digits)


def escape_id(value: str) -> str:
    """A product id as an exact (case-sensitive) TAG value: ids keep their case, unlike slugs."""
    if value.isascii() and value.isalnum():  # most ids: nothing to escape (a search among 200 ids builds 200)
        return value
    return "".join(ch if ch in _PLAIN_ASCII or not ch.isascii() else "\\" + ch for ch in value)


def escape_tag(value: str) -> str:
    """A category or brand: stored lower-case, matched case-insensitively."""
    return escape_id(value.lower())


def pid_set(product_ids: Sequence[str]) -> str:
    """These products, as a TAG set on `pid`."""
    return f"@pid:{{{'|'.join(escape_id(product_id) for product_id in product_ids)}}}"


def exclusion_clause(product_ids: tuple[str, ...]) -> str:
    """Every product but these: a negated TAG set on `pid`, inside the KNN pre-filter."""
    return "-" + pid_set(product_ids)


def _field_parts(filters: ProductFilter, price_ladder: bool) -> list[str]:
    parts = []
    if filters.category is not None:
        parts.append(f"@category:{{{escape_tag(filters.category)}}}")
    if filters.brand is not None:
        parts.append(f"@brand:{{{escape_tag(filters.brand)}}}")
    if filters.in_stock_only:
        parts.append("@in_stock:{true}")
    if filters.min_price is not None or filters.max_price is not None:
        bounds = (filters.min_price, filters.max_price)
        parts.append(price_clause(*bounds) if price_ladder else numeric_clause(*bounds))
    if filters.min_rating is not None:
        parts.append(f"@rating:[{number(filters.min_rating)} +inf]")
    if filters.text_match is not None:
        words = phrase_words(filters.text_match)  # never empty: ProductFilter refuses punctuation alone
        parts.append(f'@description:"{" ".join(words)}"')
    return parts


def hidden_clause(hidden: ProductFilter, price_ladder: bool = True) -> str:
    """Every product but those passing `hidden` (a HIDE rule's filter): its fields, grouped and negated."""
    return f"-({' '.join(_field_parts(hidden, price_ladder))})"


def filter_clause(filters: ProductFilter, price_ladder: bool = True, exclusion: bool = True) -> str:
    """The pre-filter part of a hybrid query, `*` when nothing is filtered.

    Price bounds go through the ladder's TAG fields (adapters.redis.price_ladder) unless `price_ladder` is off,
    and excluded ids are negated on `pid` unless `exclusion` is off: for an index created before those fields
    existed (adapters.redis.index_fields). Hidden filters are always negated in the clause.
    """
    parts = _field_parts(filters, price_ladder)
    parts += [hidden_clause(hidden, price_ladder) for hidden in filters.hidden]
    if filters.excluded_ids and exclusion:
        parts.append(exclusion_clause(filters.excluded_ids))
    return " ".join(parts) if parts else MATCH_ALL


def keyword_query(words: Sequence[str], clause: str, every: bool = False) -> str:
    """Any (or, with `every`, all) of the words in name or description, within the pre-filter; BM25 ranks.

    The words come cut by domain.text at the index's own separators, so none holds a character of the
    query syntax; they are braced in parentheses all the same so the group binds before the filter.
    """
    terms = (" " if every else "|").join(dict.fromkeys(word for word in words if word))
    match = f"@name|description:({terms})"
    return match if clause == MATCH_ALL else f"({match}) {clause}"


def knn_query(
    clause: str,
    k: int,
    *,
    ef_runtime: int | None = None,
    hybrid_policy: str | None = None,
    batch_size: int | None = None,
) -> str:
    """The hybrid KNN query; a knob left at None is not written, so RediSearch's choice applies.

    RediSearch rejects hybrid attributes on an unfiltered query, so they are only written after a filter,
    and EF_RUNTIME together with ADHOC_BF (brute force has no graph to search), so it is left out there.
    """
    filtered = clause != MATCH_ALL
    attributes = []
    if ef_runtime is not None and not (filtered and hybrid_policy == "ADHOC_BF"):
        attributes.append(f"EF_RUNTIME {int(ef_runtime)}")
    if filtered:
        if hybrid_policy is not None:
            attributes.append(f"HYBRID_POLICY {hybrid_policy}")
        if batch_size is not None:
            attributes.append(f"BATCH_SIZE {int(batch_size)}")
    knobs = "".join(f" {a}" for a in attributes)
    return f"({clause})=>[KNN {k} @embedding $vec{knobs} AS vector_score]"
