"""Words of free text as the search index cuts them, so a phrase filter means the same on every store."""

import string

from domain.errors import InvalidInput

# RediSearch's default tokenizer separators. The rule lives here, not in the Redis adapter, because the
# in-memory store must cut text at exactly the same characters for the two to agree.
TEXT_SEPARATORS = frozenset(" \t\n\r\f\v,./(){}[]:;\\~!@#$%^&*-=+|'`\"<>?")
# RediSearch lower-cases the ASCII letters of indexed text and leaves every other letter as written.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def text_words(text: str) -> list[str]:
    """The words an index holds for `text`: ASCII letters lower-cased, any other letter as written ("CAFÉ" is held
    as "cafÉ", which no lower-case query names); stop words are kept (the index keeps them)."""
    return [word.translate(_ASCII_LOWER) for word in _cut(text)]


def query_words(text: str) -> list[str]:
    """The words of a query or a phrase, lower-cased whole: they match text written in lower case."""
    return [word.lower() for word in _cut(text)]


def _cut(text: str) -> list[str]:
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in TEXT_SEPARATORS or not ch.isprintable():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


def phrase_words(text: str) -> list[str]:
    """The words of a phrase filter. RediSearch matches a phrase's consecutive repeats ("go go") against
    a single occurrence, so they are collapsed: every store then matches what Redis really matches."""
    words = query_words(text)
    return [word for i, word in enumerate(words) if i == 0 or word != words[i - 1]]


def check_phrase(argument: str, text: str) -> str:
    """A phrase of punctuation alone would match everything or nothing depending on the store: refuse it."""
    if not phrase_words(text):
        raise InvalidInput(argument, "has no searchable words (only punctuation)")
    return text


# Left out of keyword searches: the index keeps stop words (phrase filters need them), and in a small
# catalog BM25 still gives "for" or "my" enough weight to rank noise (make eval: HYBRID natural-language
# nDCG@10 rose with them dropped; docs/benchmarks-history.md, "More ways to recommend").
_STOP_WORDS = "a an and are as at be but by for from has have i in into is it its me my of on or our so that the their"
KEYWORD_STOP_WORDS = frozenset((_STOP_WORDS + " them this to was we with without you your").split(" "))


def keyword_terms(text: str) -> list[str]:
    """The words a keyword search looks for: the index's words without stop words (all of them if only
    stop words were given)."""
    words = list(dict.fromkeys(query_words(text)))
    kept = [word for word in words if word not in KEYWORD_STOP_WORDS]
    return kept or words
