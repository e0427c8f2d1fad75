"""SurveyMonkey-layout exports for the tests, from a compact spec: a thin adapter over pdu_sample.smwriter.

::

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

Answers per question kind: single -> the chosen text (any text: the tests name no options), or ``{"other": ...}`` (``{"choice": ...}`` also works);
multi -> a list of ticked labels, or ``{"ticks": [...], "other": ...}``; open -> text; ``None`` -> blank.
A row's ``metadata`` cells are written as given (text, numbers or datetimes), so a test may spoil them;
``build_grid`` returns the rows as lists so a test can spoil any cell before ``write_grid``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pdu_sample import smwriter
from pdu_sample.smwriter import METADATA, Question

# An older variant than smwriter.OLD_METADATA, to check the loose matching further.
OLD_METADATA = (
    "RespondentID",
    "CollectorID",
    "StartDate",
    "EndDate",
    "IP Address",
    "Email Address",
    "FirstName",
    "LastName",
    "Custom Data",
)
_ANY = "(any chosen text)"  # stands for the options a test's single-choice question does not name
_ids = itertools.count(10234567890)


def single(text: str, other: bool = False) -> Question:
    return Question(text, "single", (_ANY,), other)


def multi(text: str, options: Sequence[str], other: bool = False) -> Question:
    return Question(text, "multi", tuple(options), other)


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
        "metadata": [
            respondent_id if respondent_id is not None else str(next(_ids)),
            collector_id,
            start,
            end,
            ip,
            email,
            first,
            last,
            custom,
        ],
        "answers": list(answers),
    }


def _answer(answer: Any) -> Any:
    """A spec answer as smwriter takes it."""
    if not isinstance(answer, dict):
        return answer
    other = [smwriter.Other(answer["other"])] if answer.get("other") is not None else []
    if "ticks" in answer:
        return [*answer["ticks"], *other]
    if answer.get("choice") is not None and other:
        raise ValueError(f"a single-choice answer is a choice or an Other text, not both: {answer!r}")
    return other[0] if other else answer.get("choice")


def _accepting(question: Question, answers: Sequence[Any]) -> Question:
    """A single-choice question whose options are the texts chosen in ``answers``."""
    if question.kind != "single":
        return question
    chosen = tuple(answer for answer in answers if isinstance(answer, str) and answer)
    return dataclasses.replace(question, options=tuple(dict.fromkeys(question.options + chosen)))


def build_grid(questions: Sequence[Question], rows: Sequence[dict], metadata: Sequence[str] = METADATA) -> list[list[Any]]:
    """Both header rows and the data rows, as a list of rows."""
    assert all(len(row["answers"]) == len(questions) for row in rows), "one answer (or None) per question"
    answers = [[_answer(answer) for answer in row["answers"]] for row in rows]
    questions = [_accepting(question, [row[i] for row in answers]) for i, question in enumerate(questions)]
    grid = list(smwriter.header_rows(questions, metadata=metadata))
    for row, row_answers in zip(rows, answers):
        grid.append(list(row["metadata"]) + [cell for q, a in zip(questions, row_answers) for cell in smwriter.answer_cells(q, a)])
    return grid


def write_grid(path: Path, grid: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    """Write rows as CSV (``encoding`` e.g. 'utf-8', 'utf-8-sig', 'cp1252') or, for .xlsx, as the first sheet."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        smwriter.write_grid_xlsx(path, grid)
    else:
        smwriter.write_grid_csv(path, grid, encoding=encoding)
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
