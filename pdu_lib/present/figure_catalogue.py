"""A catalogue of what the evaluator's ``%%prose`` placeholders give: every figure and value, and each format's words.

``pdu-report figures REPORT`` prints it and the exploration notebook shows
it, so that nobody has to read the code to write a sentence: for each
placeholder its current value, its base (for a share) and what each wording
format gives ("{made_contact:judged}" -> "only 13 of 36").
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pdu_lib.analysis.metrics import Share
from pdu_lib.present import authoring

#: The formats shown for each kind of value, in the order the catalogue lists them.
SHARE_FORMATS = ("", "of", "frac", "words", "phrase", "judged")
COUNT_FORMATS = ("", "words", "people")


def _formats(result) -> tuple[str, ...]:
    if isinstance(result, Share):
        return SHARE_FORMATS
    if isinstance(result, int) and not isinstance(result, bool):
        return COUNT_FORMATS
    return ("",)


def catalogue(text_values: authoring.TextValues, statements: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per placeholder and format: ``placeholder, what, value, base, gives``.

    ``statements`` says what each figure is (its figures.csv statement). A
    figure with no data in the period gives the words a passage would be left
    out for.

    >>> values = authoring.TextValues(figures={"made_contact": Share(13, 36), "events": 1}, values={"author": "J. F."})
    >>> rows = catalogue(values, {"made_contact": "Made contact"})
    >>> rows.loc[rows["placeholder"] == "{made_contact:judged}", "gives"].item()
    'only 13 of 36'
    >>> rows.loc[rows["placeholder"] == "{events:people}", "gives"].item(), rows.loc[rows["placeholder"] == "{author}", "gives"].item()
    ('one person', 'J. F.')
    """
    statements = statements or {}
    rows = []
    known = {**text_values.values, **text_values.figures}
    for name in sorted(known):
        result = getattr(known[name], "result", known[name])
        base = result.base if isinstance(result, Share) else None
        value = authoring.format_value(result, "")
        for spec in _formats(result):
            placeholder = f"{{{name}:{spec}}}" if spec else f"{{{name}}}"
            gives = authoring.format_value(result, spec) if not authoring.has_no_data(result) else "(no data: the passage is left out)"
            rows.append((placeholder, statements.get(name, "front matter" if name in text_values.values else ""), value, base, gives))
    return pd.DataFrame(rows, columns=["placeholder", "what", "value", "base", "gives"])


def catalogue_text(table: pd.DataFrame) -> str:
    """The catalogue as plain text for a terminal: a placeholder and what it gives, per line, grouped by figure."""
    lines: list[str] = []
    width = int(table["placeholder"].str.len().max()) if len(table) else 0
    for placeholder, group in table.groupby(table["placeholder"].str.extract(r"^\{(\w+)", expand=False), sort=False):
        first = group.iloc[0]
        base = f"; base {int(first['base'])}" if pd.notna(first["base"]) else ""
        lines.append(f"{placeholder}: {first['what'] or 'value'} = {first['value']}{base}")
        lines += [f"    {row.placeholder:<{width}}  {row.gives}" for row in group.itertuples()]
    return "\n".join(lines)
