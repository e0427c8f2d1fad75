"""figures.csv: every headline figure in a fixed column and row order, and how the index shows one."""

import csv
import math
import re
from pathlib import Path

from pdu_lib import config

#: A text cell starting with one of these is read as a formula by a spreadsheet (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

FIGURE_COLUMNS = ("figure_id", "value", "numerator", "base", "section", "unit", "statement", "source_files", "question", "filter", "metric")


# ---------------------------------------------------------------------------
# figures.csv


def write_figures_csv(frame, path: Path) -> None:
    """Write the figures table in a fixed column and row order.

    Rows are grouped by section in report order (``config.SECTIONS``; other
    sections after, alphabetically); within a section they keep the order of
    ``compute_figures``, which is stable by contract, so two renders of the
    same data write the same file. Whole numbers are written without ``.0``.
    """
    columns = list(frame.columns)
    if "figure_id" not in columns:
        raise ValueError(f"compute_figures returned no figure_id column (columns: {columns})")
    rank = {section.key: index for index, section in enumerate(config.SECTIONS)}
    rows = []
    for record in frame.to_dict("records"):
        rows.append({column: record.get(column) for column in FIGURE_COLUMNS})
    rows.sort(key=lambda row: (rank.get(_cell(row["section"]), len(rank)), _cell(row["section"])))  # stable
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIGURE_COLUMNS)
        for row in rows:
            writer.writerow([neutralise_formula(_cell(row[column])) for column in FIGURE_COLUMNS])


def read_figures_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def neutralise_formula(text: str) -> str:
    """A text cell a spreadsheet will show as text: one that would start a formula gets a leading apostrophe (OWASP).

    Numbers, negative ones included, are left as they are.

    >>> [neutralise_formula(t) for t in ("=1+2", "@SUM(A1)", "-3", "+44 115", "Events")]
    ["'=1+2", "'@SUM(A1)", '-3', "'+44 115", 'Events']
    >>> neutralise_formula(chr(9) + "x") == "'" + chr(9) + "x"
    True
    """
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell(value) -> str:
    """A value as figures.csv writes it.

    >>> [_cell(v) for v in (36.0, 0.48, None, float("nan"), "x", 7)]
    ['36', '0.48', '', '', 'x', '7']
    """
    if value is None:
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        value = float(value)
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if type(value).__name__.startswith(("int", "uint")):
        return str(int(value))
    return str(value)


def figure_display(row: dict[str, str]) -> str:
    """A figure as the index shows it: the value with its base.

    >>> figure_display({"value": "47", "unit": "percent", "numerator": "47", "base": "100"})
    '47% (47 of 100)'
    >>> figure_display({"value": "25", "unit": "percent", "numerator": "", "base": "400"})
    '25% (base 400)'
    >>> figure_display({"value": "12", "unit": "fraction", "numerator": "12", "base": "30"})
    '12 of 30'
    >>> figure_display({"value": "400", "unit": "count", "numerator": "", "base": ""})
    '400'
    """
    value, unit = row.get("value", ""), (row.get("unit") or "").strip()
    numerator, base = row.get("numerator", ""), row.get("base", "")
    if unit == "fraction":
        return f"{numerator or value} of {base}" if base else value
    shown = f"{value}%" if unit in ("percent", "%") else value
    if unit not in ("", "count", "percent", "%", "fraction"):
        shown = f"{value} {unit}"
    if numerator and base:
        return f"{shown} ({numerator} of {base})"
    if base:
        return f"{shown} (base {base})"
    return shown
