"""Write SurveyMonkey-layout exports (All individual responses, Columns: Expanded) from a compact spec.

For the tests, and for the sample-data generator::

    questions = [
        single("How has the event changed your understanding of the topic?", other=True),
        multi("To whom do you plan to disseminate what you have learned?", ["Front line staff", "Managers"], other=True),
        open_q("What will you do differently?"),
    ]
    rows = [
        response(["Much greater understanding", ["Managers"], "Use the toolkit"], respondent_id="10234567890"),
        response([{"other": "Not sure yet"}, {"ticks": [], "other": "Trustees"}, None]),
    ]
    write_export(tmp_path / "E07.csv", questions, rows)

Answers per question kind: single -> the chosen text, or ``{"choice": ..., "other": ...}``;
multi -> a list of ticked labels, or ``{"ticks": [...], "other": ...}``; open -> text; ``None`` -> blank.
``build_grid`` returns the rows as lists so a test can spoil a cell before ``write_grid``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

METADATA = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name", "Last Name", "Custom Data 1"]
OLD_METADATA = ["RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address", "Email Address", "FirstName", "LastName", "Custom Data"]
OTHER = "Other (please specify)"
_ids = itertools.count(10234567890)


@dataclass
class Question:
    text: str
    kind: str  # 'single', 'multi' or 'open'
    options: list[str] = field(default_factory=list)
    other: bool = False

    def subheadings(self) -> list[str]:
        if self.kind == "single":
            main = ["Response"]
        elif self.kind == "open":
            main = ["Open-Ended Response"]
        else:
            main = list(self.options)
        return main + ([OTHER] if self.other else [])

    def cells(self, answer: Any) -> list[Any]:
        """The cells of one response under this question."""
        width = len(self.subheadings())
        if answer is None:
            return [None] * width
        if self.kind == "open":
            return [answer]
        if self.kind == "single":
            choice, other = (answer.get("choice"), answer.get("other")) if isinstance(answer, dict) else (answer, None)
            return [choice] + ([other] if self.other else [])
        ticks, other = (answer.get("ticks", []), answer.get("other")) if isinstance(answer, dict) else (answer, None)
        unknown = set(ticks) - set(self.options)
        assert not unknown, f"ticks {unknown} are not options of {self.text!r}"
        return [label if label in ticks else None for label in self.options] + ([other] if self.other else [])


def single(text: str, other: bool = False) -> Question:
    return Question(text, "single", other=other)


def multi(text: str, options: Sequence[str], other: bool = False) -> Question:
    return Question(text, "multi", list(options), other)


def open_q(text: str) -> Question:
    return Question(text, "open")


def response(
    answers: Sequence[Any],
    *,
    respondent_id: Any = None,
    collector_id: Any = "235123456",
    start: Any = "06/14/2018 10:02:11 AM",
    end: Any = "06/14/2018 10:12:33 AM",
    ip: str = "192.0.2.10",
    email: str = "",
    first: str = "",
    last: str = "",
    custom: str = "",
) -> dict:
    """One response row; ``respondent_id`` defaults to a fresh 11-digit id."""
    return {
        "metadata": [respondent_id if respondent_id is not None else str(next(_ids)), collector_id, start, end, ip, email, first, last, custom],
        "answers": list(answers),
    }


def build_grid(questions: Sequence[Question], rows: Sequence[dict], metadata: Sequence[str] = METADATA) -> list[list[Any]]:
    """Both header rows and the data rows, as a list of rows."""
    head, sub = list(metadata), [None] * len(metadata)
    for question in questions:
        subheadings = question.subheadings()
        head += [question.text] + [None] * (len(subheadings) - 1)
        sub += subheadings
    grid = [head, sub]
    for row in rows:
        assert len(row["answers"]) == len(questions), "one answer (or None) per question"
        cells = list(row["metadata"])
        for question, answer in zip(questions, row["answers"]):
            cells += question.cells(answer)
        grid.append(cells)
    return grid


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%m/%d/%Y %I:%M:%S %p")
    return str(value)


def write_grid(path: Path, grid: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    """Write rows as CSV (``encoding`` e.g. 'utf-8', 'utf-8-sig', 'cp1252') or, for .xlsx, as the first sheet."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        for row in grid:
            sheet.append(list(row))
        workbook.save(path)
        return path
    import csv
    import io

    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([[_csv_text(v) for v in row] for row in grid])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_export(
    path: Path,
    questions: Sequence[Question],
    rows: Sequence[dict],
    *,
    metadata: Sequence[str] = METADATA,
    encoding: str = "utf-8",
) -> Path:
    """Write a whole export; the format follows the suffix (.csv or .xlsx)."""
    return write_grid(path, build_grid(questions, rows, metadata), encoding)
