"""Loading every SurveyMonkey export of one survey (event or follow-up) into tidy, pseudonymous frames.

Each export is parsed (``pdu_lib.inputs.surveymonkey``), mapped onto measures
(``pdu_lib.inputs.harmonise``), counted in the ledger, and its test and empty
responses are set aside with their reason. Respondent and collector ids, IP
addresses, emails and names never leave this module: each response gets an id
``<survey_id>-<nnn>`` numbered in file order. Filtering by report period is the
caller's job (``periods.keep_within`` on ``submitted``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.harmonise import UNMAPPED_COLUMNS, HarmonisationMap, harmonise
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.surveymonkey import read_export
from pdu_lib.inputs.tables import display_name, map_distinct, records_frame

FOLDERS = {"event": "event_surveys", "followup": "followup_surveys"}
EXPORT_SUFFIXES = {".csv", ".xlsx"}

RESPONSE_COLUMNS = ["response_id", "survey", "survey_id", "submitted", "source_file", "source_row"]
SURVEY_ANSWER_COLUMNS = [
    "response_id",
    "survey",
    "survey_id",
    "measure",
    "kind",
    "answer",
    "text",
    "source_file",
    "source_row",
    "column",
    "question",
]
RESPONDENT_COLUMNS = ["response_id", "source_file", "source_row", "respondent_id", "used"]
ASKED_COLUMNS = ["survey_id", "measure"]
FILE_ASKED_COLUMNS = ["source_file", "survey_id", "measure"]
FILE_COLUMNS = ["source_file", "survey", "survey_id", "responses_read", "in_period"]
OUTSIDE_FILE = "file outside the report period"

#: Dates a response may carry, from its event's day (a follow-up round: the first day of its month),
#: when a file's dates read differently month first and day first: the order that keeps every
#: End Date in this window is the file's order (data/README.md).
DATE_WINDOW_DAYS = (0, 92)

TEST_RESPONSE = "test response"
NO_ANSWERS = "no answers"


@dataclass(frozen=True)
class SurveyData:
    """All exports of one survey.

    - ``responses``: response_id, survey, survey_id, submitted, source_file, source_row (used responses only)
    - ``answers``: response_id, survey, survey_id, measure, kind, answer, text, source_file, source_row, column, question
    - ``asked``: survey_id, measure (which measures each event or round asked: the bases)
    - ``unmapped``: file, question_no, column, text (questions harmonisation.yml does not know)
    - ``files``: source_file, survey, survey_id, responses_read, in_period (one row per export, even one with no responses)
    - ``respondents``: response_id, source_file, source_row, respondent_id, used (every response read, set aside or
      not). SurveyMonkey's Respondent ID is here only so that coded answers (``excerpts/survey_codes.csv``) can
      find their response; it goes no further than the loaders.
    """

    survey: str
    responses: pd.DataFrame
    answers: pd.DataFrame
    asked: pd.DataFrame
    unmapped: pd.DataFrame
    files: pd.DataFrame
    respondents: pd.DataFrame
    file_asked: pd.DataFrame | None = None  # source_file, survey_id, measure: what each export asks (survey_peers)
    unmapped_kinds: pd.DataFrame | None = None  # file, question_no, kind: the kind of each unmapped question (survey_peers)


def survey_id_from_name(file_name: str, survey: str, known_ids: Iterable[str] | None = None) -> str:
    """The event id or follow-up round (``YYYY-MM``) an export's file name starts with.

    The id is the leading token up to the first space or underscore; an event
    id is matched to ``known_ids`` regardless of case.

    >>> survey_id_from_name("E07 Trauma informed care.xlsx", "event", known_ids=["E06", "E07"])
    'E07'
    >>> survey_id_from_name("2019-01_followup.csv", "followup")
    '2019-01'
    """
    stem = Path(file_name).stem
    token = re.split(r"[ _]", stem.strip(), maxsplit=1)[0]
    if survey == "followup":
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", token):
            raise InputError(
                file_name,
                f"a follow-up export's name must start with its round's month YYYY-MM (e.g. 2019-01.csv); it starts with {token!r}",
            )
        return token
    if not token:
        raise InputError(file_name, "an event survey export's name must start with its event_id (e.g. E07.csv)")
    if known_ids is None:
        return token
    known = {str(event_id).casefold(): str(event_id) for event_id in known_ids}
    if token.casefold() not in known:
        raise InputError(
            file_name,
            f"the name starts with {token!r}, which is not an event_id of events.csv: name each export with its event's id first (e.g. E07.csv)",
        )
    return known[token.casefold()]


def export_files(folder: Path, name: str) -> list[Path]:
    """The exports of a survey folder, sorted by name; hidden files and Excel lock files (``~$...``) are skipped."""
    if not folder.is_dir():
        raise InputError(name, "folder not found: the data folder needs it, even if empty (see data/README.md)")
    files = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.is_dir() or path.name.startswith((".", "~$")):
            continue
        if path.suffix.lower() not in EXPORT_SUFFIXES:
            raise InputError(
                f"{name}/{path.name}", "only SurveyMonkey exports (.csv or .xlsx) belong in this folder: save it as .xlsx or move it out"
            )
        files.append(path)
    return files


def _anchor(survey: str, survey_id: str, event_dates: Mapping[str, pd.Timestamp] | None) -> pd.Timestamp | None:
    if survey == "followup":
        return pd.Timestamp(f"{survey_id}-01")
    if event_dates is None or survey_id not in event_dates:
        return None
    return pd.Timestamp(event_dates[survey_id]).normalize()


def _cells_named(column: str, rows: Iterable[int], limit: int = 6) -> str:
    rows = list(rows)
    shown = ", ".join(f"{column}{r}" for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def choose_date_order(
    responses: pd.DataFrame,
    anchor: pd.Timestamp | None,
    file: str,
    column: str,
    periods: Sequence[tuple] = (),
) -> pd.Series:
    """The End Dates of one export, read in the one order (month first or day first) that fits its event.

    ``responses`` has ``submitted`` (read month first) and
    ``submitted_day_first`` (NaT where an order cannot read a cell). When
    both orders give the same dates (real Excel dates, ISO dates, days equal
    to months) there is nothing to choose. Otherwise the order that reads
    every cell and puts every date within ``DATE_WINDOW_DAYS`` of ``anchor``
    (the event's day) is the file's order. InputError naming the file and
    the cells when no order does, or when both do and they put responses in
    different report ``periods`` (``(start, end)`` pairs).

    >>> r = pd.DataFrame({"source_row": [3, 4], "submitted": pd.to_datetime(["2018-02-10", "2018-03-11"]),
    ...                   "submitted_day_first": pd.to_datetime(["2018-10-02", "2018-11-03"])})
    >>> choose_date_order(r, pd.Timestamp("2018-10-01"), "E15.csv", "D").dt.strftime("%Y-%m-%d").tolist()
    ['2018-10-02', '2018-11-03']
    """
    month_first, day_first = responses["submitted"], responses["submitted_day_first"]
    readable = {"month first": month_first, "day first": day_first}
    readable = {order: dates for order, dates in readable.items() if dates.notna().all()}
    if not readable:
        only_month_first = responses.loc[day_first.isna(), "source_row"].tolist()
        only_day_first = responses.loc[month_first.isna(), "source_row"].tolist()
        odd, usual = (
            (only_day_first, only_month_first) if len(only_day_first) <= len(only_month_first) else (only_month_first, only_day_first)
        )
        odd_order, usual_order = ("day first", "month first") if odd is only_day_first else ("month first", "day first")
        raise InputError(
            file,
            f"the End Dates mix two orders: {_cells_named(column, odd)} read only {odd_order}, while "
            f"{_cells_named(column, usual)} read only {usual_order}. The End Dates are neither all month first nor all "
            "day first: one file must use one order (SurveyMonkey writes month first; re-download the export)",
            row=int(odd[0]),
            column=f"{column} (End Date)",
        )
    orders = list(readable)
    if len(orders) == 1 or readable[orders[0]].equals(readable[orders[1]]) or anchor is None:
        return readable[orders[0]]
    low, high = (anchor + pd.Timedelta(days=d) for d in (DATE_WINDOW_DAYS[0], DATE_WINDOW_DAYS[1] + 1))
    window = f"from {anchor:%d %b %Y} to {DATE_WINDOW_DAYS[1]} days after"
    fits = {order: dates for order, dates in readable.items() if dates.between(low, high, inclusive="left").all()}
    if not fits:
        outside = responses.loc[~month_first.between(low, high, inclusive="left"), "source_row"].tolist()
        raise InputError(
            file,
            f"whichever way its End Dates are read (month first or day first), some fall outside {window} "
            f"(read month first: cells {_cells_named(column, outside)}): check the dates, or the event's date in events.csv",
            row=int(outside[0]) if outside else None,
            column=f"{column} (End Date)",
        )
    if len(fits) == 2:
        for start, end in periods:
            inside = [dates.dt.normalize().between(pd.Timestamp(start), pd.Timestamp(end)) for dates in fits.values()]
            differ = responses.loc[inside[0] != inside[1], "source_row"].tolist()
            if differ:
                raise InputError(
                    file,
                    f"its End Dates read both month first and day first within {window}, and the two orders put cells "
                    f"{_cells_named(column, differ)} in different report periods: re-download the export from SurveyMonkey "
                    "(its dates are month first)",
                    row=int(differ[0]),
                    column=f"{column} (End Date)",
                )
        return fits["month first"]
    return next(iter(fits.values()))


def _excluded_rows(responses: pd.DataFrame, cells: pd.DataFrame) -> dict[str, list[int]]:
    """Rows set aside, by reason: test responses first, then responses that answered nothing.

    >>> r = pd.DataFrame({"source_row": [3, 4, 5], "custom_data": ["", " TEST", ""]})
    >>> _excluded_rows(r, pd.DataFrame({"source_row": [3, 4]}))
    {'test response': [4], 'no answers': [5]}
    """
    rows = responses["source_row"].to_numpy()
    test = map_distinct(responses["custom_data"].fillna(""), lambda text: text.strip().casefold() == "test").astype(bool)
    empty = ~np.isin(rows, cells["source_row"].to_numpy()) & ~test
    return {TEST_RESPONSE: rows[test].tolist(), NO_ANSWERS: rows[empty].tolist()}


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})


def _typed(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "responses":
        return frame.astype({"submitted": "datetime64[ns]", "source_row": "int64"})
    if kind == "answers":
        return frame.astype({"source_row": "int64", "answer": "string", "text": "string"})
    if kind == "unmapped":
        return frame.astype({"question_no": "int64"})
    if kind == "files":
        return frame.astype({"responses_read": "int64", "in_period": "bool"})
    return frame


def load_surveys(
    data_dir: str | Path,
    survey: str,
    hmap: HarmonisationMap,
    ledger: Ledger | None = None,
    known_ids: Iterable[str] | None = None,
    event_dates: Mapping[str, pd.Timestamp] | None = None,
    periods: Sequence[tuple] = (),
    survey_in_period: Callable[[str], bool] | None = None,
    outside_ledger: Ledger | None = None,
) -> SurveyData:
    """Read every export of ``event_surveys/`` or ``followup_surveys/`` (``survey`` is 'event' or 'followup').

    ``event_dates`` (event id -> date) and ``periods`` (every report's
    ``(start, end)``) decide each file's date order (:func:`choose_date_order`).
    An export whose event or round is outside the report period
    (``survey_in_period(survey_id)`` false) is still read and checked (coded
    answers may point at it), but counted in ``outside_ledger``, whole, as a
    ``file outside the report period``, so the report lists nothing of it.
    """
    if survey not in FOLDERS:
        raise ValueError(f"survey must be one of {', '.join(FOLDERS)}, not {survey!r}")
    data_dir = Path(data_dir)
    ledger = ledger if ledger is not None else Ledger()
    known = list(known_ids) if known_ids is not None else None
    folder = data_dir / FOLDERS[survey]
    parts: dict[str, list[pd.DataFrame]] = {
        "responses": [],
        "answers": [],
        "asked": [],
        "unmapped": [],
        "respondents": [],
        "file_asked": [],
        "unmapped_kinds": [],
    }
    first_seen: dict[str, tuple[str, int]] = {}
    counters: dict[str, int] = {}
    files: list[dict] = []  # one record per export read
    for path in export_files(folder, display_name(folder, data_dir)):
        name = display_name(path, data_dir)
        survey_id = survey_id_from_name(name, survey, known)
        export = read_export(path, name)
        _check_repeats(export.responses, first_seen)
        harmonised = harmonise(export, hmap, survey, survey_id)
        responses = export.responses
        submitted = choose_date_order(responses, _anchor(survey, survey_id, event_dates), name, export.end_date_column, periods)
        inside = survey_in_period is None or survey_in_period(survey_id)
        file_ledger = ledger if inside else (outside_ledger if outside_ledger is not None else Ledger())
        excluded = _account_export(export, name, inside, file_ledger)
        start = counters.get(survey_id, 0)
        counters[survey_id] = start + len(responses)
        numbered = _numbered(responses, survey, survey_id, submitted, name, start)
        used = ~numbered["source_row"].isin([row for rows in excluded.values() for row in rows])
        for key, frame in _export_parts(export, harmonised, numbered, used, survey, survey_id, name).items():
            parts[key].append(frame)
        files.append({"source_file": name, "survey": survey, "survey_id": survey_id, "responses_read": len(responses), "in_period": inside})
    return _survey_data(survey, parts, files)


def _account_export(export, name: str, inside: bool, file_ledger: Ledger) -> dict[str, list[int]]:
    """Count an export's rows read, and those set aside with their reasons (all of it when outside the period)."""
    responses = export.responses
    file_ledger.read(name, len(responses))
    if not inside:
        file_ledger.exclude(name, responses["source_row"].tolist(), OUTSIDE_FILE)
    excluded = _excluded_rows(responses, export.cells)
    for reason, rows in excluded.items():
        file_ledger.exclude(name, rows, reason)
    return excluded


def _numbered(responses: pd.DataFrame, survey: str, survey_id: str, submitted, name: str, start: int) -> pd.DataFrame:
    """An export's responses under ids numbered on from the round's (or event's) exports read before it."""
    response_ids = [f"{survey_id}-{n:03d}" for n in range(start + 1, start + len(responses) + 1)]
    return pd.DataFrame(
        {
            "response_id": response_ids,
            "survey": survey,
            "survey_id": survey_id,
            "submitted": submitted,
            "source_file": name,
            "source_row": responses["source_row"],
        },
        columns=RESPONSE_COLUMNS,
    )


def _export_parts(export, harmonised, numbered: pd.DataFrame, used: pd.Series, survey: str, survey_id: str, name: str) -> dict:
    """One export's share of each table of :class:`SurveyData` (``files`` aside)."""
    kept = numbered.loc[used]
    respondents = pd.DataFrame(
        {
            "response_id": numbered["response_id"],
            "source_file": numbered["source_file"],
            "source_row": numbered["source_row"],
            "respondent_id": export.responses["respondent_id"].to_numpy(),
            "used": used,
        },
        columns=RESPONDENT_COLUMNS,
    )
    kinds = export.questions[["question_no", "kind"]]
    return {
        "respondents": respondents,
        "answers": _answers_of(harmonised.answers, kept, survey, survey_id, name),
        "responses": kept,
        "asked": pd.DataFrame({"survey_id": survey_id, "measure": harmonised.asked["measure"]}, columns=ASKED_COLUMNS),
        "file_asked": pd.DataFrame(
            {"source_file": name, "survey_id": survey_id, "measure": harmonised.asked["measure"]}, columns=FILE_ASKED_COLUMNS
        ),
        "unmapped": harmonised.unmapped,
        "unmapped_kinds": harmonised.unmapped[["file", "question_no"]].merge(kinds, on="question_no", how="left"),
    }


def _survey_data(survey: str, parts: dict[str, list[pd.DataFrame]], files: list[dict]) -> SurveyData:
    """Every export's parts put together, typed, with one row per export read in ``files``."""
    columns = {
        "responses": RESPONSE_COLUMNS,
        "answers": SURVEY_ANSWER_COLUMNS,
        "asked": ASKED_COLUMNS,
        "unmapped": UNMAPPED_COLUMNS,
        "files": FILE_COLUMNS,
        "respondents": RESPONDENT_COLUMNS,
        "file_asked": FILE_ASKED_COLUMNS,
        "unmapped_kinds": ["file", "question_no", "kind"],
    }
    frames = {key: _typed(pd.concat(frames, ignore_index=True) if frames else _empty(columns[key]), key) for key, frames in parts.items()}
    frames["files"] = (
        records_frame(files, FILE_COLUMNS, {"responses_read": "int64", "in_period": "bool"})
        if files
        else _typed(_empty(FILE_COLUMNS), "files")
    )
    frames["asked"] = frames["asked"].drop_duplicates(ignore_index=True)
    return SurveyData(survey=survey, **frames)


def _answers_of(answers: pd.DataFrame, kept: pd.DataFrame, survey: str, survey_id: str, name: str) -> pd.DataFrame:
    """The harmonised answers of the responses kept, with their response ids: an inner join on the row, in answer order."""
    response_of = dict(zip(kept["source_row"], kept["response_id"]))
    rows = answers["response_row"].to_numpy()
    mine = answers if all(row in response_of for row in rows) else answers.loc[np.isin(rows, kept["source_row"].to_numpy())]
    rows = mine["response_row"].to_numpy()
    return pd.DataFrame(
        {
            "response_id": pd.Series([response_of[row] for row in rows], dtype=kept["response_id"].dtype),
            "survey": survey,
            "survey_id": survey_id,
            "measure": mine["measure"].to_numpy(),
            "kind": mine["kind"].to_numpy(),
            "answer": mine["answer"].array,
            "text": mine["text"].array,
            "source_file": name,
            "source_row": rows,
            "column": mine["column"].to_numpy(),
            "question": mine["question"].to_numpy(),
        },
        columns=SURVEY_ANSWER_COLUMNS,
    )


def _check_repeats(responses: pd.DataFrame, first_seen: dict[str, tuple[str, int]]) -> None:
    """A Respondent ID seen in an earlier export of the folder means the same response was exported twice."""
    ids = responses["respondent_id"].tolist()
    repeated = next((at for at, respondent in enumerate(ids) if respondent in first_seen), None)
    if repeated is not None:
        response = responses.iloc[repeated]
        file, row = first_seen[response["respondent_id"]]
        raise InputError(
            response["source_file"],
            f"this response (Respondent ID {response['respondent_id']!r}) is also in {file}, row {row}: "
            "the same responses are exported twice; remove the copy",
            row=int(response["source_row"]),
            column="Respondent ID",
        )
    for respondent, file, row in zip(ids, responses["source_file"].tolist(), responses["source_row"].tolist()):
        first_seen.setdefault(respondent, (file, row))
