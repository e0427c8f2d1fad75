"""A small writer of SurveyMonkey "All individual responses" exports (CSV and XLSX).

The layout is the one data/README.md documents (*Columns: Expanded*, *Cells:
Actual answer text*):

* header row 1: the metadata names, then each question's text over the first
  of its columns and blank over the rest;
* header row 2: blank under the metadata; under each question ``Response``
  (single choice), ``Open-Ended Response`` (open question) or one option label
  per column (multi-select), and ``Other (please specify)`` for a typed-in
  other answer;
* one row per response; a multi-select cell holds the option label when
  ticked and is blank when not; dates are written ``06/14/2018 10:12:33 AM``.

A question is a :class:`Question`; a response is a :class:`Response` whose
``answers`` hold one value per question, in order:

* ``None`` (or ``""``): not answered;
* single choice: the chosen option label, or ``Other("typed text")`` when the
  question ``has_other``;
* open question: the text;
* multi-select: a sequence of ticked option labels, which may include one
  ``Other("typed text")``.

>>> q = [Question("Did it help?", "single", ("Yes", "No")), Question("Who with?", "multi", ("Team", "Manager"), has_other=True)]
>>> header_rows(q)[0][9:], header_rows(q)[1][9:]
(['Did it help?', 'Who with?', '', ''], ['Response', 'Team', 'Manager', 'Other (please specify)'])
>>> r = Response(1, 2, dt.datetime(2018, 6, 14, 10, 2, 0), dt.datetime(2018, 6, 14, 10, 12, 33), "192.0.2.1", answers=["Yes", ["Manager", Other("Board")]])
>>> response_row(q, r)[3], response_row(q, r)[9:]
('06/14/2018 10:12:33 AM', ['Yes', '', 'Manager', 'Board'])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pdu_sample.xlsxio import FIXED_TIMESTAMP, save_workbook

METADATA = (
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
)
# Older exports ran some of the names together.
OLD_METADATA = (
    "RespondentID",
    "CollectorID",
    "StartDate",
    "EndDate",
    "IP Address",
    "Email Address",
    "First Name",
    "LastName",
    "Custom Data 1",
)
DATE_FORMAT = "%m/%d/%Y %I:%M:%S %p"
OTHER_LABEL = "Other (please specify)"
SUBHEADER = {"single": "Response", "open": "Open-Ended Response"}
KINDS = ("single", "open", "multi")


@dataclass(frozen=True)
class Other:
    """A typed-in ``Other (please specify)`` answer."""

    text: str


@dataclass(frozen=True)
class Question:
    """One question: its text, kind (``single``, ``open`` or ``multi``), option labels and whether it has an Other box."""

    text: str
    kind: str
    options: tuple[str, ...] = ()
    has_other: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"question {self.text!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind == "open" and (self.options or self.has_other):
            raise ValueError(f"open question {self.text!r} takes no options")
        if self.kind != "open" and not self.options:
            raise ValueError(f"{self.kind} question {self.text!r} needs options")
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"question {self.text!r} repeats an option")

    def subheaders(self) -> list[str]:
        """The header-row-2 cells of this question's columns."""
        cells = list(self.options) if self.kind == "multi" else [SUBHEADER[self.kind]]
        if self.has_other:
            cells.append(OTHER_LABEL)
        return cells


@dataclass
class Response:
    """One respondent's row: SurveyMonkey's metadata and one answer per question."""

    respondent_id: int
    collector_id: int
    start: dt.datetime
    end: dt.datetime
    ip_address: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    custom_data: str = ""
    answers: Sequence[Any] = field(default_factory=list)


def header_rows(
    questions: Sequence[Question], *, old_style: bool = False, metadata: Sequence[str] | None = None
) -> tuple[list[str], list[str]]:
    """The two header rows of an export; ``metadata`` names the metadata columns when neither set here will do."""
    if metadata is None:
        metadata = OLD_METADATA if old_style else METADATA
    first, second = list(metadata), [""] * len(metadata)
    for question in questions:
        cells = question.subheaders()
        first.extend([question.text] + [""] * (len(cells) - 1))
        second.extend(cells)
    return first, second


def answer_cells(question: Question, answer: Any) -> list[str]:
    """The cells of one answer under ``question``'s columns."""
    width = len(question.subheaders())
    if answer is None or answer == "" or (question.kind == "multi" and len(answer) == 0):
        return [""] * width
    if question.kind == "open":
        if not isinstance(answer, str):
            raise ValueError(f"open question {question.text!r}: answer must be text, not {answer!r}")
        return [answer]
    if question.kind == "single":
        if isinstance(answer, Other):
            if not question.has_other:
                raise ValueError(f"question {question.text!r} has no Other box")
            return ["", answer.text]
        if answer not in question.options:
            raise ValueError(f"question {question.text!r}: {answer!r} is not one of its options")
        return [answer] + ([""] if question.has_other else [])
    if isinstance(answer, (str, Other)):
        raise ValueError(f"multi-select question {question.text!r}: give a sequence of ticked labels, not {answer!r}")
    ticked = [a for a in answer if not isinstance(a, Other)]
    others = [a for a in answer if isinstance(a, Other)]
    unknown = [a for a in ticked if a not in question.options]
    if unknown:
        raise ValueError(f"question {question.text!r}: {unknown!r} not among its options")
    if len(others) > 1 or (others and not question.has_other):
        raise ValueError(f"question {question.text!r}: at most one Other answer, and only with an Other box")
    cells = [option if option in ticked else "" for option in question.options]
    if question.has_other:
        cells.append(others[0].text if others else "")
    return cells


def response_row(questions: Sequence[Question], response: Response) -> list[Any]:
    """One response as the cells of its row (the respondent and collector ids stay numbers)."""
    if len(response.answers) != len(questions):
        raise ValueError(f"response {response.respondent_id}: {len(response.answers)} answers for {len(questions)} questions")
    row: list[Any] = [
        response.respondent_id,
        response.collector_id,
        response.start.strftime(DATE_FORMAT),
        response.end.strftime(DATE_FORMAT),
        response.ip_address,
        response.email,
        response.first_name,
        response.last_name,
        response.custom_data,
    ]
    for question, answer in zip(questions, response.answers):
        row.extend(answer_cells(question, answer))
    return row


def _rows(questions: Sequence[Question], responses: Sequence[Response], old_style: bool) -> list[list[Any]]:
    ids = [r.respondent_id for r in responses]
    if len(set(ids)) != len(ids):
        raise ValueError("respondent ids must be unique within an export")
    first, second = header_rows(questions, old_style=old_style)
    return [first, second, *(response_row(questions, r) for r in responses)]


def write_csv(
    path: str | Path,
    questions: Sequence[Question],
    responses: Sequence[Response],
    *,
    old_style: bool = False,
    encoding: str = "utf-8",
    bom: bool = False,
) -> None:
    """Write an export as CSV; see :func:`write_grid_csv` for ``encoding`` and ``bom``."""
    write_grid_csv(path, _rows(questions, responses, old_style), encoding=encoding, bom=bom)


def write_xlsx(
    path: str | Path,
    questions: Sequence[Question],
    responses: Sequence[Response],
    *,
    old_style: bool = False,
    sheet_title: str = "Sheet",
    when: dt.datetime = FIXED_TIMESTAMP,
) -> None:
    """Write an export as XLSX (one sheet; blank cells left empty), reproducibly."""
    write_grid_xlsx(path, _rows(questions, responses, old_style), sheet_title=sheet_title, when=when)


def _csv_cell(cell: Any) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.strftime(DATE_FORMAT)
    return cell


def write_grid_csv(path: str | Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", bom: bool = False) -> None:
    """Write rows of cells as CSV (CRLF line ends, as SurveyMonkey writes them), unchecked.

    ``None`` is a blank cell and a datetime is written as SurveyMonkey dates are;
    ``encoding="cp1252"`` gives a file as Excel re-saves it on Windows;
    ``bom=True`` starts a UTF-8 file with a byte-order mark.
    """
    if bom and encoding.replace("-", "").lower() != "utf8":
        raise ValueError("a byte-order mark goes with UTF-8 only")
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    data = text.getvalue().encode(encoding)
    Path(path).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def write_grid_xlsx(
    path: str | Path, rows: Sequence[Sequence[Any]], *, sheet_title: str = "Sheet", when: dt.datetime = FIXED_TIMESTAMP
) -> None:
    """Write rows of cells as XLSX (one sheet; blank cells left empty), reproducibly and unchecked."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    save_workbook(workbook, path, when=when, creator="SurveyMonkey")
