"""The appendix "Figures and where they come from": every figure of the report with what it is and how it was computed.

A reader page never shows a figure id: the table says what each figure is
(its statement), its value with numerator and base, and the section it
belongs to. ``figures.csv`` carries the same rows with their ids, for machines.
"""

from __future__ import annotations

import pandas as pd

from pdu_lib import config

#: Columns of compute_figures() and the headings the appendix gives them, in order.
COLUMNS = {
    "statement": "Figure",
    "value": "Value",
    "numerator": "Numerator",
    "base": "Base",
    "section": "Section",
}


def figures_table(figures: pd.DataFrame) -> pd.DataFrame:
    """The appendix table from :func:`pdu_lib.analysis.figures.compute_figures`: no ids, sections by title.

    A percentage's value is its rounded share; a fraction's value is its
    numerator; a figure with no data in the period shows "no data".

    >>> rows = pd.DataFrame({"figure_id": ["made_contact"], "value": pd.array([13], dtype="Int64"),
    ...     "numerator": pd.array([13], dtype="Int64"), "base": pd.array([36], dtype="Int64"),
    ...     "section": ["links"], "unit": ["fraction"], "statement": ["Made contact"]})
    >>> figures_table(rows).to_dict("records")
    [{'Figure': 'Made contact', 'Value': '13', 'Numerator': '13', 'Base': '36', 'Section': 'Links and collaboration'}]
    """
    titles = {s.key: s.title for s in config.SECTIONS}
    shown = figures[[c for c in COLUMNS if c in figures.columns]].copy()
    for column in ("value", "numerator", "base"):
        shown[column] = shown[column].astype("string").fillna("")
    shown.loc[figures["value"].isna(), "value"] = "no data"
    shown["section"] = shown["section"].map(titles).fillna(shown["section"])
    return shown.rename(columns=COLUMNS).reset_index(drop=True)
