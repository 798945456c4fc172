"""How the text files users hand in (catalogs, event files, evaluation datasets, scenario files) become text."""

from collections.abc import Callable, Iterable, Iterator

# UTF-8 as Windows editors (Notepad, Excel's "CSV UTF-8") save it: with a byte-order mark first. Read as plain
# UTF-8 the mark stays in the text as U+FEFF, which JSON refuses and which would join the first line's id.
ENCODING = "utf-8-sig"


def numbered_lines(
    binary: Iterable[bytes], not_text: Callable[[int, UnicodeDecodeError], None]
) -> Iterator[tuple[int, str]]:
    """(number from 1, text) of each line; a line that is not UTF-8 goes to `not_text`, which raises (the reader
    names the line) or returns (the reader skips it), so no byte is ever replaced. Only the first line can begin
    with the mark: a U+FEFF anywhere else is the file's text."""
    for number, line in enumerate(binary, start=1):
        try:
            text = line.decode(ENCODING if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            not_text(number, exc)
            continue
        yield number, text
