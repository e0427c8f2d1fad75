"""The one exception type for bad input, so every loader reports problems the same way."""

from __future__ import annotations

from pathlib import Path


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
        return f"{', '.join(where)}: {self.message}"
