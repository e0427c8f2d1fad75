"""The data-quality appendix in a reader's words: which source each input file is, and what was set aside from it.

The ledger counts rows per input *file*; a commissioner reads per *source*
("Attendance register", "Post-event surveys"). :func:`source_label` names the
source of a file, and :func:`rows_by_source` adds the ledger up by source,
so the appendix's reader part shows no file name. The file-level tables stay
for the technical part at the end.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pandas as pd

from pdu_lib.inputs.periods import round_label

# Sources by the folder or file stem the data contract (data/README.md) gives them.
SOURCES = {
    "attendance_register": "Attendance register",
    "events": "List of events",
    "event_surveys": "Post-event surveys",
    "followup_surveys": "Follow-up surveys",
    "hub_registrations": "Online hub registrations",
    "interviews": "Record of interviews",
    "expert_citizens_reviews": "Record of Expert Citizens reviews",
    "expert_citizens": "Expert Citizens' completed review packs",
    "excerpts": "Coded notes and open answers",
}

_ROUND = re.compile(r"^(\d{4})-(\d{2})$")


def source_label(file: str) -> str:
    """The source an input file holds, as a reader would name it.

    >>> source_label("attendance_register.xlsx"), source_label("event_surveys/E02 PIE.xlsx")
    ('Attendance register', 'Post-event surveys')
    >>> source_label("followup_surveys/2019-01.csv"), source_label("notes/other.csv")
    ('Follow-up survey, January 2019', 'Other input')
    >>> source_label("expert_citizens/2019-02-14.xlsx")
    "Expert Citizens' completed review packs"
    """
    path = PurePosixPath(str(file))
    key = path.parts[0] if len(path.parts) > 1 else path.stem
    if key == "followup_surveys" and _ROUND.match(path.stem):
        return f"Follow-up survey, {round_label(path.stem)}"
    return SOURCES.get(key, "Other input")


def rows_by_source(reconciliation: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """Rows read, used and set aside, by source, with the reasons for setting rows aside.

    ``reconciliation`` and ``reasons`` are the ledger's tables
    (``Dataset.reconciliation()`` and ``Dataset.ledger.reasons()``).

    >>> rec = pd.DataFrame({"file": ["event_surveys/E1.csv", "event_surveys/E2.csv"], "rows_read": [5, 6], "rows_used": [5, 5], "rows_excluded": [0, 1]})
    >>> why = pd.DataFrame({"file": ["event_surveys/E2.csv"], "reason": ["test response"], "rows": [1]})
    >>> rows_by_source(rec, why).to_dict("records")
    [{'Source': 'Post-event surveys', 'Rows read': 11, 'Rows used': 10, 'Rows set aside': 1, 'Why rows were set aside': 'test response: 1'}]
    """
    source = reconciliation["file"].map(source_label)
    totals = reconciliation.assign(source=source).groupby("source", sort=False)[["rows_read", "rows_used", "rows_excluded"]].sum()
    why = reasons.assign(source=reasons["file"].map(source_label)).groupby(["source", "reason"], sort=False)["rows"].sum().reset_index()
    why_text = (why["reason"] + ": " + why["rows"].astype(str)).groupby(why["source"]).agg("; ".join)
    table = totals.reset_index()
    return pd.DataFrame(
        {
            "Source": table["source"],
            "Rows read": table["rows_read"].astype(int),
            "Rows used": table["rows_used"].astype(int),
            "Rows set aside": table["rows_excluded"].astype(int),
            "Why rows were set aside": table["source"].map(why_text).fillna("").astype(str),
        }
    )


def answers_against_responses(table: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """The responses-against-each-question's-n table (``quality.survey_count_vs_item_n``) in a reader's words.

    Each measure goes by its label in the harmonisation map (``measures``:
    ``HarmonisationMap.table()``), and the headers are readers' headers.

    >>> counts = pd.DataFrame({"survey": ["post-event"], "measure": ["intend_change"], "responses": [78], "item_n": [60],
    ...                        "surveys_asking": [13], "flag": ["asked in 13 of 16 surveys"]})
    >>> labels = pd.DataFrame({"measure": ["intend_change"], "label": ["Intend to change practice"]})
    >>> answers_against_responses(counts, labels).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'Question': 'Intend to change practice', 'Responses': 78, 'Answered the question': 60,
      'Surveys that asked it': 13, 'Note': 'asked in 13 of 16 surveys'}]
    """
    labels = dict(zip(measures["measure"], measures["label"]))
    return pd.DataFrame(
        {
            "Question": table["measure"].map(labels).fillna(table["measure"]),
            "Responses": table["responses"],
            "Answered the question": table["item_n"],
            "Surveys that asked it": table["surveys_asking"],
            "Note": table["flag"],
        }
    )


UNREAD_HEADERS = {"file": "File", "what": "What it is", "note": "Why it was not read"}


def unread_inputs(unread: pd.DataFrame | None) -> pd.DataFrame:
    """The files of ``excerpts/`` that were not read and the rows of ``documents.csv`` that no excerpt names
    (``Dataset.unread_inputs``), under readers' headers, for the appendix's technical part.

    >>> unread_inputs(pd.DataFrame({"file": ["excerpts/codebook.csv"], "what": ["Taguette codebook export"], "note": ["not needed"]})).columns.tolist()
    ['File', 'What it is', 'Why it was not read']
    """
    if unread is None:
        unread = pd.DataFrame(columns=list(UNREAD_HEADERS))
    return unread[list(UNREAD_HEADERS)].rename(columns=UNREAD_HEADERS).reset_index(drop=True)
