"""What the benchmark asks: the `recommendations` document and the query texts it sends."""

import json
from collections.abc import Callable, Iterator

USER_ID = "bench-user"
CATEGORY = "footwear"
CLICKED = ("p009", "p010", "p012")  # footwear: the user's session vector and affinities point here
K = 10

# The API docs' example selection: every item field, the clause, the flags and the stage timings.
# `timings` comes last so the client can read it from the tail of the body without parsing the rest.
DOCUMENT = """query Bench($q: String!, $user: ID!, $category: String!, $k: Int!) {
  recommendations(query: $q, userId: $user, filters: {category: $category, inStockOnly: true},
                  blend: {enabled: true, weight: 0.3}, rerank: {enabled: true, weight: 0.15}, k: $k) {
    items { product { id name brand price rating inStock } vectorDistance affinityBonus score }
    filterClause usedSession usedRerank
    timings { embedMs searchMs rerankMs totalMs }
  }
}"""

CLICK = """mutation Click($user: ID!, $product: ID!) {
  recordClick(userId: $user, productId: $product) { __typename }
}"""

# The "cached" scenario cycles through these eight.
REPEATED = (
    "waterproof boots for muddy trails",
    "lightweight running shoes",
    "warm winter boots with good grip",
    "comfortable shoes for long walks",
    "boots for snow and ice",
    "breathable trail runners for summer",
    "sturdy shoes for climbing approach",
    "cosy slippers for the house",
)

_ADJECTIVES = (
    "light", "warm", "sturdy", "cheap", "durable", "comfy", "stylish", "rugged", "quiet", "compact",
    "breathable", "padded", "minimal", "vintage", "sporty", "classic", "soft", "grippy", "wide", "slim",
)  # fmt: skip
_COLOURS = ("black", "red", "blue", "green", "grey", "brown", "white", "orange", "navy", "olive", "tan", "teal")
_NOUNS = (
    "boots", "shoes", "sneakers", "sandals", "slippers", "trainers", "runners", "hikers", "loafers", "clogs",
    "mules", "waders", "galoshes", "moccasins", "espadrilles", "brogues",
)  # fmt: skip
_USES = (
    "rainy hikes", "city walks", "trail running", "winter commutes", "beach days", "gym sessions",
    "long flights", "office wear", "snowy mornings", "weekend trips", "muddy trails", "summer festivals",
    "rock scrambles", "dog walks", "marathon training", "garden work",
)  # fmt: skip
SPACE = len(_ADJECTIVES) * len(_COLOURS) * len(_NOUNS) * len(_USES)
_STRIDE = 7919  # prime, coprime with SPACE: consecutive indices land far apart in the space


def fresh_text(i: int) -> str:
    """The i-th of SPACE distinct query texts: a new one on every request, never a cache hit."""
    n = (i * _STRIDE) % SPACE
    n, adjective = divmod(n, len(_ADJECTIVES))
    n, colour = divmod(n, len(_COLOURS))
    use, noun = divmod(n, len(_NOUNS))
    return f"{_ADJECTIVES[adjective]} {_COLOURS[colour]} {_NOUNS[noun]} for {_USES[use]}"


def request_body(text: str) -> bytes:
    variables = {"q": text, "user": USER_ID, "category": CATEGORY, "k": K}
    return json.dumps({"query": DOCUMENT, "variables": variables}).encode()


def body_source(cached: bool, counter: Iterator[int]) -> Callable[[], bytes]:
    """A function giving the next request body; `counter` is shared so fresh texts never repeat."""
    if cached:
        prebuilt = [request_body(text) for text in REPEATED]
        return lambda: prebuilt[next(counter) % len(prebuilt)]
    return lambda: request_body(fresh_text(next(counter)))
