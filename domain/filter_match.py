"""Whether a product passes a filter, decided in the domain: merchandising rules pick products by filter, and
the in-memory index answers with the same predicate (the filter tables hold it to the Redis index's answers)."""

from domain.filters import ProductFilter
from domain.models import Product
from domain.text import phrase_words, text_words


def _contains_phrase(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def has_phrase(text: str, phrase: str) -> bool:
    """The phrase's words in a row, cut as the search index cuts text (domain.text)."""
    return _contains_phrase(text_words(text), phrase_words(phrase))


def _fields_pass(product: Product, filters: ProductFilter) -> bool:
    checks = (
        filters.category is None or product.category == filters.category.lower(),
        filters.brand is None or product.brand == filters.brand.lower(),
        not filters.in_stock_only or product.in_stock,
        filters.min_price is None or product.price >= filters.min_price,
        filters.max_price is None or product.price <= filters.max_price,
        filters.min_rating is None or product.rating >= filters.min_rating,
        filters.text_match is None or has_phrase(product.description, filters.text_match),
    )
    return all(checks)


def admits(filters: ProductFilter, product: Product) -> bool:
    """Every given field holds, the product is not excluded, and it passes none of the hidden filters."""
    if product.id in filters.excluded_ids or not _fields_pass(product, filters):
        return False
    return not any(_fields_pass(product, hidden) for hidden in filters.hidden)
