"""Reading one SurveyMonkey export: *All individual responses*, *Columns: Expanded*, *Cells: Actual answer text*.

This is the format level only: which columns are metadata, which columns make
up each question, and what every respondent typed or ticked. Mapping question
wordings onto the report's measures is ``pdu_lib.inputs.harmonise``; numbering and
excluding responses is ``pdu_lib.inputs.surveys``.

Layout of an export (CSV or the first sheet of an XLSX)::

    row 1: Respondent ID | Collector ID | Start Date | End Date | ... | Custom Data 1 | Question text | (blank) | ...
    row 2: (blank under the metadata)                                               | Response      | Other (please specify)
    row 3 on: one response per row

Questions are keyed by position (``question_no``, 1-based), never by text: two
questions may share a text. IP address, email and names are never read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.tables import (
    blank_cells,
    cell_text,
    column_letter,
    delimiter_hint,
    first_failure,
    header_key,
    map_distinct,
    parse_date,
    read_cells,
    records_frame,
)

# header_key of a metadata header -> its canonical name (old exports write RespondentID, StartDate, LastName, ...)
METADATA_NAMES = {
    "respondentid": "Respondent ID",
    "collectorid": "Collector ID",
    "startdate": "Start Date",
    "enddate": "End Date",
    "ipaddress": "IP Address",
    "emailaddress": "Email Address",
    "firstname": "First Name",
    "lastname": "Last Name",
    "customdata1": "Custom Data 1",
    "customdata": "Custom Data 1",
}
REQUIRED_METADATA = ("Respondent ID", "End Date")
# The only metadata whose values are read; the personal columns are located (so they are not taken for
# questions) but their cells are never touched.
READ_METADATA = ("Respondent ID", "Start Date", "End Date", "Custom Data 1")

RESPONSE_KEY = "response"
OPEN_KEY = "openendedresponse"
# SurveyMonkey writes dates month first, with a 12-hour clock.
DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
)
# The same dates re-saved day first (Excel on a UK machine): which order a file uses is decided per file,
# from its event's date (pdu_lib.inputs.surveys.choose_date_order).
DAY_FIRST_FORMATS = tuple(f.replace("%m/%d/%Y", "%d/%m/%Y") for f in DATE_FORMATS if f.startswith("%m/%d/%Y"))
_ISO_FORMATS = tuple(f for f in DATE_FORMATS if f.startswith("%Y"))
_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+")

QUESTION_COLUMNS = ["question_no", "text", "kind", "first_column", "other_column"]
OPTION_COLUMNS = ["question_no", "option_label", "column", "is_other"]
RESPONSE_COLUMNS = ["source_file", "source_row", "respondent_id", "started", "submitted", "submitted_day_first", "custom_data"]
CELL_COLUMNS = ["source_row", "question_no", "column", "subheading", "value"]


@dataclass(frozen=True)
class SurveyExport:
    """One export, parsed. Frames (see the module docstring of ``pdu_lib.inputs.surveymonkey``):

    - ``questions``: question_no, text, kind ('single'|'open'|'multi'), first_column (letter),
      other_column (letter of its 'Other (please specify)' column, or <NA>)
    - ``options``: question_no, option_label, column, is_other (multi-select questions only)
    - ``responses``: source_file, source_row, respondent_id, started, submitted (End Date read month first,
      NaT where it cannot be), submitted_day_first (read day first, NaT where it cannot be), custom_data
    - ``end_date_column``: the letter of the End Date column (to name its cells)
    - ``cells``: source_row, question_no, column, subheading, value (non-blank cells only)

    ``respondent_id`` is kept only to detect duplicates; it goes no further than this object.
    """

    file: str
    questions: pd.DataFrame
    options: pd.DataFrame
    responses: pd.DataFrame
    cells: pd.DataFrame
    end_date_column: str = ""


@dataclass(frozen=True)
class _Column:
    """One question column of the header: its position, question and role."""

    index: int
    question_no: int
    subheading: str
    role: str  # 'response', 'open', 'option' or 'other'


def is_other_subheading(text: Any) -> bool:
    """True for the typed-in 'Other (please specify)' column (any 'Other (please ...)' wording).

    >>> is_other_subheading("Other (please specify)"), is_other_subheading("other (please explain) "), is_other_subheading("Other")
    (True, True, False)
    """
    return re.fullmatch(r"other\s*\(\s*please\b.*\)", cell_text(text).casefold()) is not None


def subheading_role(text: Any) -> str:
    """What a row-2 subheading says about its column: 'response', 'open', 'other', 'option' or 'blank'.

    >>> [subheading_role(t) for t in ["Response", "Open-Ended Response", "Other (please specify)", "Managers", None]]
    ['response', 'open', 'other', 'option', 'blank']
    """
    if not cell_text(text):
        return "blank"
    key = header_key(text)
    if key == RESPONSE_KEY:
        return "response"
    if key == OPEN_KEY:
        return "open"
    if is_other_subheading(text):
        return "other"
    return "option"


def question_kind(roles: Sequence[str]) -> str | None:
    """The kind of question a sequence of column roles makes, or None when it makes none.

    >>> question_kind(["response"]), question_kind(["response", "other"]), question_kind(["open"])
    ('single', 'single', 'open')
    >>> question_kind(["option", "option", "other"]), question_kind(["open", "option"])
    ('multi', None)
    """
    roles = list(roles)
    main = [role for role in roles if role != "other"]
    if roles.count("other") > 1:
        return None
    if main == ["response"]:
        return "single"
    if roles == ["open"]:
        return "open"
    if main and all(role == "option" for role in main):
        return "multi"
    return None


def same_label(value: Any, label: str) -> bool:
    """Whether a ticked multi-select cell holds its option's label (compared loosely).

    >>> same_label("Front line staff ", "Front line staff"), same_label("front-line staff", "Front line staff"), same_label("Yes", "Managers")
    (True, True, False)
    """
    text = cell_text(value)
    if text == cell_text(label):
        return True
    return bool(header_key(text)) and header_key(text) == header_key(label)


def _metadata_positions(head: Sequence[Any], sub: Sequence[Any], name: str) -> dict[str, int]:
    """Canonical metadata name -> column index; checks the required ones and the second header row."""
    found: dict[str, int] = {}
    for index, cell in enumerate(head):
        canonical = METADATA_NAMES.get(header_key(cell))
        if canonical and canonical not in found:
            found[canonical] = index
    missing = [column for column in REQUIRED_METADATA if column not in found]
    if missing:
        shown = ", ".join(repr(cell_text(c)) for c in head[:12] if cell_text(c)) or "nothing"
        raise InputError(
            name,
            f"missing column(s) {', '.join(repr(m) for m in missing)} in the first header row (found {shown}); "
            f"is this a SurveyMonkey 'All individual responses' export?{delimiter_hint(head)}",
            row=1,
        )
    for canonical in REQUIRED_METADATA:
        index = found[canonical]
        if cell_text(sub[index]):
            raise InputError(
                name,
                f"the second header row is missing: row 2 holds {cell_text(sub[index])!r} under {canonical!r}, which looks like a "
                "response. Export 'All individual responses' with 'Columns: Expanded' (two header rows), and do not delete row 2",
                row=2,
                column=f"{column_letter(index + 1)} ({canonical})",
            )
    return found


def _question_layout(
    head: Sequence[Any], sub: Sequence[Any], metadata_columns: set[int], grid: np.ndarray, name: str
) -> tuple[list[tuple[int, str, list[_Column]]], pd.DataFrame, pd.DataFrame]:
    """Split the non-metadata columns into questions: [(question_no, text, columns)], plus questions and options frames."""
    questions: list[tuple[int, str, list[_Column]]] = []
    current: tuple[int, str, list[_Column]] | None = None
    for index in range(len(head)):
        if index in metadata_columns:
            continue
        text, subheading = cell_text(head[index]), cell_text(sub[index])
        letter = column_letter(index + 1)
        if text and not subheading:
            if not questions:
                continue  # an extra metadata column before the questions (e.g. a custom variable): never read
            raise InputError(name, f"question {text!r} has nothing under it in the second header row", row=2, column=letter)
        # A question's text merged across its columns (filled into each) continues it over its options and Other column.
        continues = current is not None and text == current[1] and subheading_role(subheading) in {"option", "other"}
        if text and not continues:
            current = (len(questions) + 1, text, [])
            questions.append(current)
        elif not subheading:
            current = None  # a column with no header at all ends the question before it
            _check_unheaded_column(grid, index, name)
            continue
        elif current is None:
            raise InputError(name, f"subheading {subheading!r} has no question text above it in row 1", row=2, column=letter)
        current[2].append(_Column(index, current[0], subheading, subheading_role(subheading)))
    question_rows, option_rows = [], []
    for number, text, columns in questions:
        kind = question_kind([c.role for c in columns])
        first = column_letter(columns[0].index + 1)
        if kind is None:
            shown = ", ".join(repr(c.subheading) for c in columns)
            raise InputError(
                name,
                f"question {number} ({text!r}) has subheadings {shown}, which make neither a single-choice question "
                "('Response'), an open question ('Open-Ended Response') nor a multi-select question (option labels); "
                "matrix, ranking and other question types are not supported",
                row=2,
                column=first,
            )
        other = next((column_letter(c.index + 1) for c in columns if c.role == "other"), pd.NA)
        question_rows.append({"question_no": number, "text": text, "kind": kind, "first_column": first, "other_column": other})
        if kind == "multi":
            for column in columns:
                option_rows.append(
                    {
                        "question_no": number,
                        "option_label": column.subheading,
                        "column": column_letter(column.index + 1),
                        "is_other": column.role == "other",
                    }
                )
    questions_frame = records_frame(question_rows, QUESTION_COLUMNS, {"question_no": "int64", "other_column": "string"})
    options_frame = records_frame(option_rows, OPTION_COLUMNS, {"question_no": "int64", "is_other": "bool"})
    return questions, questions_frame, options_frame


def _check_unheaded_column(grid: np.ndarray, index: int, name: str) -> None:
    filled = np.flatnonzero(~blank_cells(grid[2:, index]))
    if len(filled):
        raise InputError(
            name,
            "this column holds answers but has no question text or subheading above it",
            row=int(filled[0]) + 3,
            column=column_letter(index + 1),
        )


def respondent_id(value: Any, *, file: str, row: int, column: str) -> str:
    """A respondent id as text; an error when blank or rounded by Excel into scientific notation.

    >>> respondent_id(10234567890.0, file="E07.csv", row=3, column="A")
    '10234567890'
    >>> respondent_id("1.18E+11", file="E07.csv", row=3, column="A")
    Traceback (most recent call last):
    ...
    pdu_lib.errors.InputError: E07.csv, row 3, column 'A': Respondent ID '1.18E+11' is in scientific notation: Excel rounded the ids when the file was opened and saved, so responses can no longer be told apart. Download the export from SurveyMonkey again and do not re-save it in Excel (or import the column as Text)
    """
    text = cell_text(value)
    if not text:
        raise InputError(file, "Respondent ID is blank (every response needs the id SurveyMonkey gave it)", row=row, column=column)
    if _SCIENTIFIC.fullmatch(text):
        raise InputError(
            file,
            f"Respondent ID {text!r} is in scientific notation: Excel rounded the ids when the file was opened and saved, "
            "so responses can no longer be told apart. Download the export from SurveyMonkey again and do not re-save it "
            "in Excel (or import the column as Text)",
            row=row,
            column=column,
        )
    return text


def survey_date(value: Any, *, file: str, row: int, column: str) -> pd.Timestamp:
    """A SurveyMonkey date (month first, 12-hour clock), or a real datetime from an XLSX.

    >>> survey_date("06/14/2018 10:12:33 AM", file="E07.csv", row=3, column="D")
    Timestamp('2018-06-14 10:12:33')
    >>> survey_date("06/14/2018 1:02:03 PM", file="E07.csv", row=3, column="D")
    Timestamp('2018-06-14 13:02:03')
    """
    try:
        return parse_date(value, file=file, row=row, column=column, formats=DATE_FORMATS)
    except InputError as err:
        text = cell_text(value)
        hint = ""
        if re.match(r"\d{1,2}/\d{1,2}/\d{4}", text) and int(text.split("/")[0]) > 12:
            hint = " SurveyMonkey writes dates month first (MM/DD/YYYY); was the file re-saved with day-first dates?"
        raise InputError(file, err.message + ("." + hint if hint else ""), row=row, column=column) from None


def survey_date_orders(value: Any, *, file: str, row: int, column: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A SurveyMonkey date read month first and day first (NaT where an order cannot read it).

    A real datetime (XLSX) or an ISO date reads the same both ways. A cell
    neither order reads is an error naming it.

    >>> survey_date_orders("06/10/2018 10:12:33 AM", file="E07.csv", row=3, column="D")
    (Timestamp('2018-06-10 10:12:33'), Timestamp('2018-10-06 10:12:33'))
    >>> survey_date_orders("10/14/2018 09:00", file="E07.csv", row=3, column="D")
    (Timestamp('2018-10-14 09:00:00'), NaT)
    """
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)) and value is not pd.NaT:
        stamp = pd.Timestamp(value)
        return stamp, stamp
    readings = []
    for formats in (DATE_FORMATS, DAY_FIRST_FORMATS + _ISO_FORMATS):
        try:
            readings.append(parse_date(value, file=file, row=row, column=column, formats=formats))
        except InputError:
            readings.append(pd.NaT)
    if readings[0] is pd.NaT and readings[1] is pd.NaT:
        survey_date(value, file=file, row=row, column=column)  # raises, with its message
    return readings[0], readings[1]


def _dates(values: np.ndarray, name: str, rows: np.ndarray, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`survey_date_orders` of a column, once per distinct cell: (month first, day first, unreadable)."""

    def orders(value: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        try:
            return survey_date_orders(value, file=name, row=0, column=column)
        except InputError:
            return None

    read = map_distinct(values, orders)
    unreadable = np.equal(read, None)  # type: ignore[call-overload]  # numpy's stubs refuse None, which object arrays compare with elementwise
    month_first = np.array([pair[0] if pair is not None else pd.NaT for pair in read], dtype=object)
    day_first = np.array([pair[1] if pair is not None else pd.NaT for pair in read], dtype=object)
    return month_first, day_first, unreadable


def _responses(grid: np.ndarray, rows: np.ndarray, meta: dict[str, int], name: str) -> pd.DataFrame:
    """One row per response: source_row, respondent_id, started, submitted, custom_data.

    ``grid`` holds the responses' rows (blank rows left out), ``rows`` their spreadsheet rows.
    """
    where = {canonical: f"{column_letter(index + 1)} ({canonical})" for canonical, index in meta.items()}
    raw_ids = grid[:, meta["Respondent ID"]]
    ids = map_distinct(raw_ids, cell_text)
    bad_id = (ids == "") | map_distinct(ids, lambda text: _SCIENTIFIC.fullmatch(text) is not None).astype(bool)
    repeated = pd.Series(ids).duplicated().to_numpy()
    first_row = dict(zip(ids[::-1], rows[::-1]))  # each id's first row
    start_values = grid[:, meta["Start Date"]] if "Start Date" in meta else np.full(len(rows), None, dtype=object)
    has_start = ~blank_cells(start_values)
    started_month, started_day, bad_start = _dates(start_values[has_start], name, rows[has_start], where.get("Start Date", ""))
    unreadable_start = np.zeros(len(rows), dtype=bool)
    unreadable_start[has_start] = bad_start
    end_values = grid[:, meta["End Date"]]
    submitted, submitted_day_first, unreadable_end = _dates(end_values, name, rows, where["End Date"])

    def bad_respondent(at: int) -> None:
        respondent_id(raw_ids[at], file=name, row=int(rows[at]), column=where["Respondent ID"])

    def twice(at: int) -> None:
        raise InputError(
            name,
            f"Respondent ID {ids[at]!r} appears twice, in rows {first_row[ids[at]]} and {rows[at]}: is a response pasted in twice?",
            row=int(rows[at]),
            column=where["Respondent ID"],
        )

    def bad_date(values: np.ndarray, column: str):
        return lambda at: survey_date_orders(values[at], file=name, row=int(rows[at]), column=column)

    first_failure(
        (bad_id, bad_respondent),
        (~bad_id & repeated, twice),
        (unreadable_start, bad_date(start_values, where.get("Start Date", ""))),
        (unreadable_end, bad_date(end_values, where["End Date"])),
    )
    started = np.full(len(rows), pd.NaT, dtype=object)
    # informative only: End Date dates a response
    started[has_start] = np.where(pd.isna(started_month), started_day, started_month)
    custom = map_distinct(grid[:, meta["Custom Data 1"]], cell_text) if "Custom Data 1" in meta else np.full(len(rows), "", dtype=object)
    return pd.DataFrame(
        {
            "source_file": np.full(len(rows), name, dtype=object),
            "source_row": pd.Series(rows, dtype="int64"),
            "respondent_id": pd.Series(ids, dtype="str"),
            "started": pd.Series(started, dtype="datetime64[ns]"),
            "submitted": pd.Series(submitted, dtype="datetime64[ns]"),
            "submitted_day_first": pd.Series(submitted_day_first, dtype="datetime64[ns]"),
            "custom_data": pd.Series(custom, dtype="str"),
        },
        columns=RESPONSE_COLUMNS,
    )


def _holds_other_than(label: str) -> Callable[[str], bool]:
    """For a multi-select column: does a cell hold something other than its option's label?"""

    def holds_other(text: str) -> bool:
        return bool(text) and not same_label(text, label)

    return holds_other


def _cells(grid: np.ndarray, rows: np.ndarray, columns: list[_Column], name: str, labels: dict[int, str]) -> pd.DataFrame:
    """Every non-blank question cell, row by row; a ticked option must hold its label."""
    texts = np.empty((len(rows), len(columns)), dtype=object)
    wrong = np.zeros((len(rows), len(columns)), dtype=bool)
    for position, column in enumerate(columns):
        texts[:, position] = map_distinct(grid[:, column.index], cell_text)
        if column.role == "option":
            wrong[:, position] = map_distinct(texts[:, position], _holds_other_than(column.subheading)).astype(bool)
    if wrong.any():
        first, where = (int(i) for i in np.argwhere(wrong)[0])  # the first in reading order: row by row, then left to right
        column = columns[where]
        raise InputError(
            name,
            f"a multi-select cell must hold its option label {column.subheading!r} when ticked, or be blank; it holds "
            f"{texts[first, where]!r} (question {column.question_no}, {labels[column.question_no]!r}). Export with 'Cells: Actual answer text'; "
            "matrix and rating questions are not supported",
            row=int(rows[first]),
            column=column_letter(column.index + 1),
        )
    cell_row, cell_column = np.nonzero(texts != "")
    return pd.DataFrame(
        {
            "source_row": pd.Series(rows[cell_row], dtype="int64"),
            "question_no": np.array([column.question_no for column in columns], dtype="int64")[cell_column],
            "column": np.array([column_letter(column.index + 1) for column in columns], dtype=object)[cell_column],
            "subheading": np.array([column.subheading for column in columns], dtype=object)[cell_column],
            "value": pd.Series(texts[cell_row, cell_column], dtype="str"),
        },
        columns=CELL_COLUMNS,
    )


def read_export(path: str | Path, name: str | None = None) -> SurveyExport:
    """Parse one SurveyMonkey export (CSV or XLSX); ``name`` is the file name used in errors and ``source_file``."""
    path = Path(path)
    name = name or path.name
    grid, _ = read_cells(path, name)
    if len(grid) < 2:
        raise InputError(
            name,
            "the second header row is missing (the file has one row): export 'All individual responses' with 'Columns: Expanded'",
            row=2,
        )
    head, sub = list(grid[0]), list(grid[1])
    # A metadata header merged down over both header rows is filled into row 2: it is still a header of one row.
    sub = [None if cell_text(h) and header_key(h) == header_key(s) else s for h, s in zip(head, sub)]
    found = _metadata_positions(head, sub, name)
    metadata_columns = {index for index, cell in enumerate(head) if header_key(cell) in METADATA_NAMES and not cell_text(sub[index])}
    questions, questions_frame, options_frame = _question_layout(head, sub, metadata_columns, grid, name)
    read = {canonical: index for canonical, index in found.items() if canonical in READ_METADATA}
    body = grid[2:]
    filled = np.zeros(body.shape, dtype=bool)
    for index in range(body.shape[1]):
        filled[:, index] = ~blank_cells(body[:, index])
    kept = np.flatnonzero(filled.any(axis=1)) if body.size else np.zeros(0, dtype=np.int64)
    data, rows = body[kept], (kept + 3).astype("int64")
    columns = [column for _, _, question_columns in questions for column in question_columns]
    labels = {number: text for number, text, _ in questions}
    return SurveyExport(
        file=name,
        questions=questions_frame,
        options=options_frame,
        responses=_responses(data, rows, read, name),
        cells=_cells(data, rows, columns, name, labels),
        end_date_column=column_letter(found["End Date"] + 1),
    )
