"""The format-level parser of SurveyMonkey exports (pdu_lib.inputs.surveymonkey)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from smexport import (
    OLD_METADATA,
    build_grid,
    multi,
    open_q,
    response,
    single,
    write_export,
    write_grid,
)

from pdu_lib.errors import InputError
from pdu_lib.inputs.surveymonkey import read_export

UNDERSTANDING = "How has the event changed your understanding of the topic?"
SHARE = "To whom do you plan to disseminate what you have learned at this event?"
DIFFERENT = "What will you do differently?"


def questions():
    return [
        single(UNDERSTANDING, other=True),
        multi(SHARE, ["Front line staff", "Managers", "Service users"], other=True),
        open_q(DIFFERENT),
    ]


def rows():
    return [
        response(["Much greater understanding", ["Front line staff", "Managers"], "Use the trauma toolkit"], respondent_id="11400000001"),
        response([{"other": "Hard to say"}, {"ticks": [], "other": "Trustees"}, None], respondent_id="11400000002"),
        response(["Some additional understanding", None, None], respondent_id="11400000003", end="06/15/2018 03:04:05 PM"),
    ]


def error_of(path, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        read_export(path, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_questions_kinds_and_first_columns_are_read_from_both_header_rows(tmp_path, suffix):
    export = read_export(write_export(tmp_path / f"E07{suffix}", questions(), rows()))
    assert export.file == f"E07{suffix}"
    assert export.questions[["question_no", "text", "kind", "first_column"]].to_dict("records") == [
        {"question_no": 1, "text": UNDERSTANDING, "kind": "single", "first_column": "J"},
        {"question_no": 2, "text": SHARE, "kind": "multi", "first_column": "L"},
        {"question_no": 3, "text": DIFFERENT, "kind": "open", "first_column": "P"},
    ]
    assert export.questions["other_column"].tolist()[:2] == ["K", "O"]
    assert pd.isna(export.questions["other_column"].iloc[2])
    assert export.options.to_dict("records") == [
        {"question_no": 2, "option_label": "Front line staff", "column": "L", "is_other": False},
        {"question_no": 2, "option_label": "Managers", "column": "M", "is_other": False},
        {"question_no": 2, "option_label": "Service users", "column": "N", "is_other": False},
        {"question_no": 2, "option_label": "Other (please specify)", "column": "O", "is_other": True},
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_responses_carry_spreadsheet_rows_and_month_first_dates(tmp_path, suffix):
    export = read_export(write_export(tmp_path / f"E07{suffix}", questions(), rows()))
    responses = export.responses
    assert list(responses.columns) == [
        "source_file",
        "source_row",
        "respondent_id",
        "started",
        "submitted",
        "submitted_day_first",
        "custom_data",
    ]
    assert responses["source_row"].tolist() == [3, 4, 5]
    assert responses["respondent_id"].tolist() == ["11400000001", "11400000002", "11400000003"]
    assert responses["submitted"].tolist() == [
        pd.Timestamp("2018-06-14 10:12:33"),
        pd.Timestamp("2018-06-14 10:12:33"),
        pd.Timestamp("2018-06-15 15:04:05"),
    ]
    assert pd.api.types.is_datetime64_any_dtype(responses["submitted"])
    assert pd.api.types.is_datetime64_any_dtype(responses["started"])


def test_xlsx_real_datetimes_and_numeric_ids_are_read(tmp_path):
    data = [
        response(
            ["Much greater understanding", None, None],
            respondent_id=11400000001,
            start=dt.datetime(2018, 6, 14, 9, 0),
            end=dt.datetime(2018, 6, 14, 9, 5),
        ),
    ]
    export = read_export(write_export(tmp_path / "E07.xlsx", questions(), data))
    assert export.responses["respondent_id"].tolist() == ["11400000001"]
    assert export.responses["submitted"].tolist() == [pd.Timestamp("2018-06-14 09:05")]


def test_cells_hold_ticks_other_text_and_open_answers_only_where_not_blank(tmp_path):
    export = read_export(write_export(tmp_path / "E07.csv", questions(), rows()))
    assert list(export.cells.columns) == ["source_row", "question_no", "column", "subheading", "value"]
    assert export.cells.to_dict("records") == [
        {"source_row": 3, "question_no": 1, "column": "J", "subheading": "Response", "value": "Much greater understanding"},
        {"source_row": 3, "question_no": 2, "column": "L", "subheading": "Front line staff", "value": "Front line staff"},
        {"source_row": 3, "question_no": 2, "column": "M", "subheading": "Managers", "value": "Managers"},
        {"source_row": 3, "question_no": 3, "column": "P", "subheading": "Open-Ended Response", "value": "Use the trauma toolkit"},
        {"source_row": 4, "question_no": 1, "column": "K", "subheading": "Other (please specify)", "value": "Hard to say"},
        {"source_row": 4, "question_no": 2, "column": "O", "subheading": "Other (please specify)", "value": "Trustees"},
        {"source_row": 5, "question_no": 1, "column": "J", "subheading": "Response", "value": "Some additional understanding"},
    ]


def test_a_partial_response_keeps_its_row_and_only_its_answered_cells(tmp_path):
    export = read_export(write_export(tmp_path / "E07.csv", questions(), rows()))
    assert 5 in export.responses["source_row"].tolist()
    assert export.cells.loc[export.cells["source_row"] == 5, "question_no"].tolist() == [1]


def test_two_questions_with_the_same_text_are_kept_apart_by_position(tmp_path):
    same = "Any other comments?"
    data = [response(["first answer", "second answer"])]
    export = read_export(write_export(tmp_path / "E07.csv", [open_q(same), open_q(same)], data))
    assert export.questions[["question_no", "text", "first_column"]].to_dict("records") == [
        {"question_no": 1, "text": same, "first_column": "J"},
        {"question_no": 2, "text": same, "first_column": "K"},
    ]
    assert export.cells.set_index("question_no")["value"].to_dict() == {1: "first answer", 2: "second answer"}


def test_old_metadata_names_are_matched_loosely(tmp_path):
    path = write_export(tmp_path / "E02.csv", questions(), rows(), metadata=OLD_METADATA)
    export = read_export(path)
    assert export.responses["respondent_id"].tolist() == ["11400000001", "11400000002", "11400000003"]
    assert len(export.questions) == 3


def test_byte_order_mark_is_ignored(tmp_path):
    export = read_export(write_export(tmp_path / "E07.csv", questions(), rows(), encoding="utf-8-sig"))
    assert export.responses["respondent_id"].iloc[0] == "11400000001"


def test_windows_1252_file_is_decoded(tmp_path):
    text = "Did today\u2019s session cost you more than \u00a310?"
    data = [response(["It\u2019s fine", "Cost \u00a35"])]
    export = read_export(write_export(tmp_path / "E07.csv", [single(text), open_q("Notes")], data, encoding="cp1252"))
    assert export.questions["text"].iloc[0] == text
    assert export.cells["value"].tolist() == ["It\u2019s fine", "Cost \u00a35"]


def test_personal_columns_are_never_read(tmp_path):
    markers = ["ZZEMAILZZ@example.org", "ZZFIRSTZZ", "ZZLASTZZ", "203.0.113.77", "ZZCOLLECTORZZ"]
    data = [
        response(
            ["Much greater understanding", None, "ok"],
            email=markers[0],
            first=markers[1],
            last=markers[2],
            ip=markers[3],
            collector_id=markers[4],
        )
    ]
    export = read_export(write_export(tmp_path / "E07.csv", questions(), data))
    everything = pd.concat([export.questions, export.options, export.responses, export.cells]).astype(str).to_string()
    for marker in markers:
        assert marker not in everything


def test_blank_rows_are_not_responses(tmp_path):
    grid = build_grid(questions(), rows())
    grid.insert(3, [None] * len(grid[0]))
    export = read_export(write_grid(tmp_path / "E07.csv", grid))
    assert export.responses["source_row"].tolist() == [3, 5, 6]


def test_header_only_export_has_no_responses(tmp_path):
    export = read_export(write_export(tmp_path / "E07.csv", questions(), []))
    assert export.responses.empty and export.cells.empty
    assert len(export.questions) == 3


# ------------------------------------------------------------------ errors


def test_missing_file_is_an_error(tmp_path):
    assert "E07.csv" in error_of(tmp_path / "E07.csv")


def test_empty_file_is_an_error(tmp_path):
    (tmp_path / "E07.csv").write_bytes(b"")
    assert "E07.csv" in error_of(tmp_path / "E07.csv") and "empty" in error_of(tmp_path / "E07.csv")


def test_missing_second_header_row_is_an_error(tmp_path):
    grid = build_grid(questions(), rows())
    del grid[1]
    message = error_of(write_grid(tmp_path / "E07.csv", grid))
    assert "E07.csv, row 2, column 'A (Respondent ID)'" in message
    assert "second header row" in message and "Expanded" in message


def test_single_row_file_is_missing_its_second_header_row(tmp_path):
    grid = build_grid(questions(), [])[:1]
    message = error_of(write_grid(tmp_path / "E07.csv", grid))
    assert "E07.csv, row 2" in message and "second header row" in message


@pytest.mark.parametrize("missing", ["Respondent ID", "End Date"])
def test_missing_required_metadata_column_is_an_error(tmp_path, missing):
    grid = build_grid(questions(), rows())
    grid[0][grid[0].index(missing)] = "Something else"
    message = error_of(write_grid(tmp_path / "E07.csv", grid))
    assert "E07.csv, row 1" in message and repr(missing) in message


def test_unparseable_date_is_an_error_naming_the_cell(tmp_path):
    data = rows()
    data[1]["metadata"][3] = "sometime in June"
    message = error_of(write_export(tmp_path / "E07.csv", questions(), data))
    assert "E07.csv, row 4, column 'D (End Date)'" in message and "sometime in June" in message


def test_dates_are_read_both_ways_and_the_survey_loader_chooses(tmp_path):
    data = rows()
    data[0]["metadata"][3] = "14/06/2018 10:12:33"
    export = read_export(write_export(tmp_path / "E07.csv", questions(), data))
    assert pd.isna(export.responses["submitted"].iloc[0])
    assert export.responses["submitted_day_first"].iloc[0] == pd.Timestamp("2018-06-14 10:12:33")
    assert pd.isna(export.responses["submitted_day_first"].iloc[2])  # 06/15/2018 cannot be day first
    assert export.end_date_column == "D"


def test_a_date_neither_order_reads_is_an_error_with_a_hint(tmp_path):
    data = rows()
    data[0]["metadata"][3] = "14/13/2018 10:12:33"
    message = error_of(write_export(tmp_path / "E07.csv", questions(), data))
    assert "E07.csv, row 3, column 'D (End Date)'" in message and "cannot read" in message


def test_duplicate_respondent_id_names_both_rows(tmp_path):
    data = rows()
    data[2]["metadata"][0] = "11400000001"
    message = error_of(write_export(tmp_path / "E07.csv", questions(), data))
    assert "E07.csv, row 5, column 'A (Respondent ID)'" in message
    assert "rows 3 and 5" in message


def test_respondent_id_in_scientific_notation_explains_excel_rounding(tmp_path):
    data = rows()
    data[0]["metadata"][0] = "1.14E+10"
    message = error_of(write_export(tmp_path / "E07.csv", questions(), data))
    assert "E07.csv, row 3, column 'A (Respondent ID)'" in message
    assert "1.14E+10" in message and "Excel rounded" in message


def test_blank_respondent_id_is_an_error(tmp_path):
    data = rows()
    data[1]["metadata"][0] = ""
    message = error_of(write_export(tmp_path / "E07.csv", questions(), data))
    assert "E07.csv, row 4, column 'A (Respondent ID)'" in message


def test_ticked_cell_that_is_not_its_option_label_is_an_error(tmp_path):
    grid = build_grid(questions(), rows())
    grid[3][12] = "1"  # column M, 'Managers', row 4: a numerical-value export
    message = error_of(write_grid(tmp_path / "E07.csv", grid))
    assert "E07.csv, row 4, column 'M'" in message and "'Managers'" in message and "Actual answer text" in message


def test_ticked_cell_differing_only_in_case_and_spacing_is_accepted(tmp_path):
    grid = build_grid(questions(), rows())
    grid[3][12] = " managers"
    export = read_export(write_grid(tmp_path / "E07.csv", grid))
    assert "M" in export.cells.loc[export.cells["source_row"] == 4, "column"].tolist()


def test_question_whose_subheadings_make_no_known_kind_is_an_error(tmp_path):
    grid = build_grid([open_q(DIFFERENT)], [response(["x"])])
    grid[0].append(None)
    grid[1].append("Response")  # an open question with a second, single-choice column
    grid[2].append(None)
    message = error_of(write_grid(tmp_path / "E07.csv", grid))
    assert "E07.csv, row 2, column 'J'" in message and "question 1" in message


def test_answers_in_a_column_without_any_header_are_an_error(tmp_path):
    grid = build_grid([open_q(DIFFERENT)], [response(["x"])])
    grid[0].append(None)
    grid[1].append(None)
    grid[2].append("stray")
    message = error_of(write_grid(tmp_path / "E07.csv", grid))
    assert "E07.csv, row 3, column 'K'" in message


def test_question_text_with_nothing_below_it_is_an_error(tmp_path):
    grid = build_grid([open_q(DIFFERENT)], [response(["x"])])
    grid[0].append("A question without a subheading")
    grid[1].append(None)
    grid[2].append(None)
    message = error_of(write_grid(tmp_path / "E07.csv", grid))
    assert "E07.csv, row 2, column 'K'" in message
