"""The appendix "Figures and where they come from": every figure of the report, what it is and how it was computed.

A reader page never shows a figure id or a file name: :func:`figures_table`
says what each figure is (its statement), its value (a share with its
numerator and base), the section it belongs to, the source it comes from in
a reader's words ("Post-event surveys"), the question as it was asked, the
records counted (period, round, base) and how it is computed. :func:`input_files_table` gives the input files
behind each figure, for the appendix's technical part. ``figures.csv`` carries
the same rows with their ids, for machines.
"""

from __future__ import annotations

import pandas as pd

from pdu_lib import config
from pdu_lib.present.quality_tables import source_label

#: Columns of the appendix table and their headings, in order ("value" carries the numerator and base of a share).
COLUMNS = {
    "statement": "Figure",
    "value": "Value",
    "section": "Section",
    "sources": "Source",
    "question": "Question as asked",
    "filter": "Records counted",
    "metric": "How it is computed",
}


def value_text(value, numerator, base, unit: str) -> str:
    """A figure's value as the appendix shows it: a share with its numerator and base, a count as it is.

    >>> value_text(74, 346, 468, "percent"), value_text(13, 13, 36, "fraction"), value_text(19, None, None, "count")
    ('74% (346 of 468)', '13 of 36', '19')
    >>> value_text(None, None, None, "percent")
    'no data'
    """
    if pd.isna(value):
        return "no data"
    if unit == "percent" and pd.notna(base):
        return f"{int(value)}% ({int(numerator)} of {int(base)})"
    if unit == "fraction" and pd.notna(base):
        return f"{int(numerator)} of {int(base)}"
    return str(int(value)) if float(value).is_integer() else str(value)


def sources(files: object) -> str:
    """The sources behind a figure's ``source_files`` ("a.csv; b.xlsx"), in a reader's words, each once.

    >>> sources("event_surveys/E01.csv; event_surveys/E02 PIE.xlsx")
    'Post-event surveys'
    >>> sources("attendance_register.xlsx; events.csv"), sources(None)
    ('Attendance register; List of events', '')
    """
    if not isinstance(files, str) or not files.strip():
        return ""
    return "; ".join(dict.fromkeys(source_label(name.strip()) for name in files.split(";") if name.strip()))


def figures_table(figures: pd.DataFrame) -> pd.DataFrame:
    """The appendix table from :func:`pdu_lib.analysis.figures.compute_figures`: no ids, no file names, sections by title.

    A share's value carries its numerator and base ("74% (346 of 468)",
    "13 of 36"); a figure with no data in the period shows "no data".

    >>> rows = pd.DataFrame({"figure_id": ["made_contact"], "value": pd.array([13], dtype="Int64"),
    ...     "numerator": pd.array([13], dtype="Int64"), "base": pd.array([36], dtype="Int64"),
    ...     "section": ["links"], "unit": ["fraction"], "statement": ["Made contact"],
    ...     "source_files": ["followup_surveys/2019-01.csv"], "question": ["Have you made contact?"],
    ...     "filter": ["every round"], "metric": ["yes over those who answered"]})
    >>> figures_table(rows).iloc[0].tolist()
    ['Made contact', '13 of 36', 'Links and collaboration', 'Follow-up survey, January 2019', 'Have you made contact?', 'every round', 'yes over those who answered']
    """
    titles = {s.key: s.title for s in config.SECTIONS}
    shown = figures.assign(
        sources=figures["source_files"].map(sources) if "source_files" in figures.columns else "",
        value=[value_text(*row) for row in zip(figures["value"], figures["numerator"], figures["base"], figures["unit"])],
    )
    shown = shown[[c for c in COLUMNS if c in shown.columns]].copy()
    for column in ("question", "filter", "metric"):
        if column in shown.columns:
            shown[column] = shown[column].fillna("").astype(str)
    shown["section"] = shown["section"].map(titles).fillna(shown["section"])
    return shown.rename(columns=COLUMNS).reset_index(drop=True)


#: The reader's columns of the appendix: one line per figure.
READER_COLUMNS = ["Figure", "Value", "Source"]
#: The technical part's columns: how each figure was computed, and from which files.
TECHNICAL_COLUMNS = ["Figure", "Question as asked", "Records counted", "How it is computed", "Input files"]


def reader_figures_table(figures: pd.DataFrame) -> pd.DataFrame:
    """The appendix for readers: one line per figure (what it is, its value, its source), with the section title to group by.

    Columns: Section, Figure, Value, Source. The question, the records
    counted, how it is computed and the files go in :func:`technical_table`.
    """
    return figures_table(figures)[["Section", *READER_COLUMNS]]


def technical_table(figures: pd.DataFrame) -> pd.DataFrame:
    """How each figure was computed and the files it was read from, for the appendix's closed technical part."""
    table = figures_table(figures)
    files = input_files_table(figures)["Input files"]
    return table.assign(**{"Input files": files.to_numpy()})[TECHNICAL_COLUMNS]


def input_files_table(figures: pd.DataFrame) -> pd.DataFrame:
    """Each figure (by its statement) and the input files it was computed from, one file to a line.

    >>> rows = pd.DataFrame({"statement": ["Attendances"], "source_files": ["attendance_register.xlsx; events.csv"]})
    >>> input_files_table(rows).to_dict("records")
    [{'Figure': 'Attendances', 'Input files': 'attendance_register.xlsx, events.csv'}]
    """
    files = figures["source_files"].fillna("").astype(str).str.split(r"\s*;\s*").str.join(", ")
    return pd.DataFrame({"Figure": figures["statement"], "Input files": files}).reset_index(drop=True)
