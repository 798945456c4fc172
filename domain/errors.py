"""One exception tree for the whole package, so callers can catch what the service can say."""


class RecommenderError(Exception):
    """Base of every error the service raises on purpose."""


class InvalidInput(RecommenderError):
    """A caller-supplied value is out of range or malformed.

    `argument` is the dotted path of the offending argument in domain terms (e.g. `filters.min_price`)
    so entrypoints can name it in their own vocabulary.
    """

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument
        self.message = message


class ProductNotFound(RecommenderError):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"no product with id {product_id!r}")
        self.product_id = product_id


class CatalogError(RecommenderError):
    """A catalog file is malformed; the message names the product and field."""


class StoreUnavailable(RecommenderError):
    """The data store cannot be reached (down, restarting, still loading, too slow): retry later."""
