"""Upgrading ``excerpts/survey_codes.csv`` from its old layout (a code by position) to the current one (by identity).

The old layout, ``survey_file, row, column, tag``, pointed at an open answer
by its spreadsheet row (the first response is row 3) and column letter in
the export as it was when coded, so a re-download in another order moved
every code. The current layout names the response's ``Respondent ID`` and the
``question`` (``pdu_lib.inputs.excerpts.load_survey_codes``), which survive
that. :func:`upgrade_survey_codes` reads each old code's cell in the exports
the data folder holds now: run it before the exports are downloaded again.
``pdu-report upgrade-survey-codes`` writes the result to a new file; the
evaluator puts it in place of the old one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.surveymonkey import SurveyExport, read_export
from pdu_lib.inputs.tables import cell_text, header_key, read_table
from pdu_lib.inputs.xlsx import column_number

OLD_COLUMNS = {"survey_file": "survey_file", "row": "row", "column": "column", "tag": "tag"}
NEW_HEADER = ["survey_file", "Respondent ID", "question", "tag"]


def is_old_layout(header: list) -> bool:
    """Whether a header row is the old layout's (``row`` and ``column``, no ``Respondent ID``).

    >>> is_old_layout(["survey_file", "row", "column", "tag"]), is_old_layout(["survey_file", "Respondent ID", "question", "tag"])
    (True, False)
    """
    keys = {header_key(cell) for cell in header}
    return {"row", "column"} <= keys and header_key("Respondent ID") not in keys


def _open_column(export: SurveyExport, letters: str) -> str | None:
    """The question whose open answer or typed Other text is in column ``letters``; None for any other column."""
    questions = export.questions
    wanted = column_number(letters)
    for row in questions.itertuples():
        if row.kind == "open" and column_number(row.first_column) == wanted:
            return row.text
        if pd.notna(row.other_column) and column_number(row.other_column) == wanted:
            return row.text
    return None


def upgrade_survey_codes(codes_path: str | Path, data_dir: str | Path, name: str | None = None) -> pd.DataFrame:
    """The old-layout codes at ``codes_path`` in the current layout (``survey_file, Respondent ID, question, tag``).

    Each code's export is read from ``data_dir`` (``survey_file`` is its path
    there). A row holding no response, a column holding no open answer or
    Other text, and a blank or malformed cell are errors naming the codes
    file's row and column.
    """
    codes_path, data_dir = Path(codes_path), Path(data_dir)
    name = name or codes_path.name
    table = read_table(codes_path, OLD_COLUMNS, name=name)
    exports: dict[str, SurveyExport] = {}
    upgraded = []
    for code in table.to_dict("records"):
        at = int(code["source_row"])
        survey_file = cell_text(code["survey_file"])
        if not survey_file:
            raise InputError(name, "survey_file is blank", row=at, column="survey_file")
        row_text, letters = cell_text(code["row"]), cell_text(code["column"]).upper()
        if not row_text.isdigit() or int(row_text) < 3:
            raise InputError(
                name, f"row {row_text!r} is not the spreadsheet row of a response (the first response is row 3)", row=at, column="row"
            )
        if not letters.isalpha() or not letters.isascii():
            raise InputError(name, f"column {letters!r} is not a spreadsheet column letter (A, B, ..., AA)", row=at, column="column")
        if survey_file not in exports:
            path = data_dir / survey_file
            if not path.is_file():
                raise InputError(name, f"the export {survey_file!r} is not in the data folder", row=at, column="survey_file")
            exports[survey_file] = read_export(path, name=survey_file)
        export = exports[survey_file]
        response = export.responses.loc[export.responses["source_row"] == int(row_text), "respondent_id"]
        if response.empty:
            raise InputError(name, f"row {row_text} of {survey_file} holds no response", row=at, column="row")
        question = _open_column(export, letters)
        if question is None:
            raise InputError(name, f"column {letters} of {survey_file} holds no open answer or Other text", row=at, column="column")
        upgraded.append(
            {"survey_file": survey_file, "Respondent ID": response.iloc[0], "question": question, "tag": cell_text(code["tag"])}
        )
    return pd.DataFrame(upgraded, columns=NEW_HEADER)
