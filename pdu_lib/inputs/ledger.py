"""Row accounting: for every input file, rows read = rows used + rows excluded.

Loaders and the period filter record here what they read and what they set
aside, with a reason, so that nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


class Ledger:
    """Counts rows read per file and rows excluded per file and reason.

    >>> ledger = Ledger()
    >>> ledger.read("register.csv", 5)
    >>> ledger.exclude("register.csv", [3, 4], "cancelled booking")
    >>> ledger.table()[["file", "rows_read", "rows_used", "rows_excluded"]].to_dict("records")
    [{'file': 'register.csv', 'rows_read': 5, 'rows_used': 3, 'rows_excluded': 2}]
    """

    def __init__(self) -> None:
        self._read: dict[str, int] = {}
        self._excluded: dict[str, dict[str, set[int]]] = {}

    def state(self) -> dict:
        """What the Ledger holds, as plain values (for the prepared dataset's snapshot)."""
        return {
            "read": dict(self._read),
            "excluded": {file: {r: set(rows) for r, rows in by.items()} for file, by in self._excluded.items()},
        }

    @classmethod
    def from_state(cls, state: dict) -> Ledger:
        """The Ledger whose :meth:`state` is ``state``."""
        ledger = cls()
        ledger._read = {str(file): int(rows) for file, rows in state["read"].items()}
        ledger._excluded = {str(f): {str(r): {int(x) for x in rows} for r, rows in by.items()} for f, by in state["excluded"].items()}
        return ledger

    def read(self, file: str, rows: int) -> None:
        self._read[str(file)] = self._read.get(str(file), 0) + int(rows)

    def exclude(self, file: str, rows: Iterable[int], reason: str) -> None:
        """Record rows (by their spreadsheet row number) set aside for ``reason``.

        A row is only ever counted once, under the first reason that excluded it.
        """
        by_reason = self._excluded.setdefault(str(file), {})
        already = set().union(*by_reason.values()) if by_reason else set()
        fresh = {int(r) for r in rows} - already
        if fresh:
            by_reason.setdefault(reason, set()).update(fresh)

    def excluded_rows(self, file: str) -> set[int]:
        return set().union(*self._excluded[str(file)].values()) if self._excluded.get(str(file)) else set()

    def table(self) -> pd.DataFrame:
        """One row per file: rows_read, rows_used, rows_excluded and the reasons."""
        records = []
        for file in sorted(self._read):
            by_reason = self._excluded.get(file, {})
            excluded = sum(len(rows) for rows in by_reason.values())
            reasons = "; ".join(f"{reason}: {len(rows)}" for reason, rows in sorted(by_reason.items()) if rows)
            records.append(
                {
                    "file": file,
                    "rows_read": self._read[file],
                    "rows_used": self._read[file] - excluded,
                    "rows_excluded": excluded,
                    "reasons": reasons,
                }
            )
        return pd.DataFrame.from_records(records, columns=["file", "rows_read", "rows_used", "rows_excluded", "reasons"])

    def reasons(self) -> pd.DataFrame:
        """Long form: one row per file and reason, with the number of rows."""
        records = [
            {"file": file, "reason": reason, "rows": len(rows)}
            for file in sorted(self._excluded)
            for reason, rows in sorted(self._excluded[file].items())
            if rows
        ]
        return pd.DataFrame.from_records(records, columns=["file", "reason", "rows"])
