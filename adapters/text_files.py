"""How the text files users hand in (catalogs, event files, evaluation datasets, scenario files) become text."""

# UTF-8 as Windows editors (Notepad, Excel's "CSV UTF-8") save it: with a byte-order mark first. Read as plain
# UTF-8 the mark stays in the text as U+FEFF, which JSON refuses and which would join the first line's id.
ENCODING = "utf-8-sig"


def line_text(line: bytes, number: int) -> str:
    """Line `number` (from 1) of a file read as bytes; raises UnicodeDecodeError.

    Only the first line can begin with the mark: a U+FEFF anywhere else is the file's text."""
    return line.decode(ENCODING if number == 1 else "utf-8")
