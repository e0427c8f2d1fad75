"""The one exception type for bad input, so every loader reports problems the same way."""

from __future__ import annotations

import unicodedata
from pathlib import Path


def printable(text: str) -> str:
    """``text`` safe to print on one line: control, format (bidi) and undecodable characters escaped.

    A file name may hold a newline, a right-to-left override or bytes that are
    not UTF-8 (Python keeps those as lone surrogates); none of them may split,
    reorder or crash a one-line message.

    >>> printable("export\\nmade.csv"), printable("bad\\udcff.csv"), printable("caf\u00e9 \u202eevil")
    ('export\\\\nmade.csv', 'bad\\\\xff.csv', 'café \\\\u202eevil')
    """
    if text.isprintable() and text.isascii():
        return text
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":  # a byte that was not UTF-8, kept by Python as a surrogate
            out.append(f"\\x{ord(char) - 0xDC00:02x}" if 0xDC80 <= ord(char) <= 0xDCFF else f"\\u{ord(char):04x}")
        elif category in ("Cc", "Cf", "Zl", "Zp"):
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


class InputError(ValueError):
    """Bad input, located as precisely as we can: file, row and column.

    ``row`` is the row number as a spreadsheet program shows it (1-based,
    header rows included), so the evaluator can go straight to the cell.

    >>> str(InputError("register.xlsx", "unknown sector 'Charity'", row=14, column="Sector"))
    "register.xlsx, row 14, column 'Sector': unknown sector 'Charity'"
    """

    def __init__(self, file: str | Path, message: str, row: int | None = None, column: str | None = None):
        self.file = str(file)
        self.row = row
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return printable(f"{', '.join(where)}: {self.message}")
