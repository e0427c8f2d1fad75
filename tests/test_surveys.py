"""Loading every export of a survey folder into tidy, pseudonymous frames (pdu_lib.inputs.surveys)."""

from __future__ import annotations

import pandas as pd
import pytest
from smexport import multi, open_q, response, single, write_export

from pdu_lib.errors import InputError
from pdu_lib.inputs.harmonise import load_map
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.surveys import load_surveys, survey_id_from_name

MAP = """\
measures:
  understanding:
    survey: event
    kind: single
    label: Change in understanding of the topic
    wordings: [How has the event changed your understanding of the topic?]
    scale:
      much_greater: [Much greater understanding]
      some: [Some additional understanding]
  plans_to_share:
    survey: event
    kind: multi
    label: Who people plan to share with
    wordings: [To whom do you plan to disseminate what you have learned at this event?]
    scale:
      frontline_staff: [Front line staff]
      managers: [Managers]
  different:
    survey: event
    kind: open
    label: What people will do differently
    wordings: [What will you do differently?]
  hub_aware:
    survey: followup
    kind: single
    label: Aware of the hub
    wordings: [Are you aware of the PDU online hub?]
    scale:
      yes: [Yes]
      no: [No]
"""

UNDERSTANDING = single("How has the event changed your understanding of the topic?")
SHARE = multi("To whom do you plan to disseminate what you have learned at this event?", ["Front line staff", "Managers"], other=True)
DIFFERENT = open_q("What will you do differently?")
VENUE = single("Was the venue suitable?")
HUB = single("Are you aware of the PDU online hub?")

MARKERS = {
    "respondent_id": "98765432101",
    "collector_id": "ZZCOLLECTORZZ",
    "email": "zzmarker.email@example.org",
    "first": "ZZFIRSTNAMEZZ",
    "last": "ZZLASTNAMEZZ",
    "ip": "203.0.113.199",
}


@pytest.fixture
def hmap(tmp_path):
    path = tmp_path / "harmonisation.yml"
    path.write_text(MAP, encoding="utf-8")
    return load_map(path)


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    (folder / "event_surveys").mkdir(parents=True)
    (folder / "followup_surveys").mkdir()
    questions = [UNDERSTANDING, SHARE, DIFFERENT, VENUE]
    write_export(
        folder / "event_surveys" / "E07 Trauma informed care.csv",
        questions,
        [
            response(["Much greater understanding", ["Front line staff"], "Use the toolkit", "Yes"], **MARKERS),
            response([None, None, None, None]),  # answered nothing
            response(["Some additional understanding", None, None, None], custom="Test"),
            response([None, {"ticks": ["Managers"], "other": "Trustees"}, None, None], end="01/10/2019 09:00:00 AM"),  # partial
        ],
    )
    write_export(
        folder / "event_surveys" / "E02.xlsx",
        [UNDERSTANDING, DIFFERENT],
        [response(["Some additional understanding", None]), response(["Much greater understanding", "More reading"])],
    )
    write_export(folder / "followup_surveys" / "2019-01.csv", [HUB, VENUE], [response(["Yes", None], custom="")])
    return folder


def test_responses_get_pseudonymous_ids_in_file_order_and_files_are_read_by_name(data_dir, hmap):
    data = load_surveys(data_dir, "event", hmap, known_ids=["E02", "E07"])
    assert list(data.responses.columns) == ["response_id", "survey", "survey_id", "submitted", "source_file", "source_row"]
    assert data.responses[["response_id", "source_file", "source_row"]].to_dict("records") == [
        {"response_id": "E02-001", "source_file": "event_surveys/E02.xlsx", "source_row": 3},
        {"response_id": "E02-002", "source_file": "event_surveys/E02.xlsx", "source_row": 4},
        {"response_id": "E07-001", "source_file": "event_surveys/E07 Trauma informed care.csv", "source_row": 3},
        {"response_id": "E07-004", "source_file": "event_surveys/E07 Trauma informed care.csv", "source_row": 6},
    ]
    assert set(data.responses["survey"]) == {"event"}
    assert pd.api.types.is_datetime64_any_dtype(data.responses["submitted"])
    assert data.responses["submitted"].iloc[3] == pd.Timestamp("2019-01-10 09:00")


def test_two_exports_of_one_event_are_numbered_on(data_dir, hmap):
    write_export(data_dir / "event_surveys" / "E02 second collector.csv", [UNDERSTANDING], [response(["Some additional understanding"])])
    data = load_surveys(data_dir, "event", hmap)
    e02 = data.responses.loc[data.responses["survey_id"] == "E02"]
    assert e02["response_id"].tolist() == ["E02-001", "E02-002", "E02-003"]
    # files are read in name order, and ' ' sorts before '.'
    assert e02["source_file"].tolist() == ["event_surveys/E02 second collector.csv", "event_surveys/E02.xlsx", "event_surveys/E02.xlsx"]


def test_answers_are_tidy_and_linked_to_their_response(data_dir, hmap):
    data = load_surveys(data_dir, "event", hmap)
    assert list(data.answers.columns) == [
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
    e07 = data.answers.loc[data.answers["survey_id"] == "E07"]
    shown = e07[["response_id", "measure", "answer", "column"]].astype(object)
    assert shown.where(shown.notna(), None).to_dict("records") == [
        {"response_id": "E07-001", "measure": "understanding", "answer": "much_greater", "column": "J"},
        {"response_id": "E07-001", "measure": "plans_to_share", "answer": "frontline_staff", "column": "K"},
        {"response_id": "E07-001", "measure": "different", "answer": None, "column": "N"},
        {"response_id": "E07-004", "measure": "plans_to_share", "answer": "managers", "column": "L"},
        {"response_id": "E07-004", "measure": "plans_to_share", "answer": None, "column": "M"},
    ]
    assert e07["text"].dropna().tolist() == ["Use the toolkit", "Trustees"]


def test_asked_and_unmapped_are_per_export(data_dir, hmap):
    data = load_surveys(data_dir, "event", hmap)
    assert data.asked.to_dict("records") == [
        {"survey_id": "E02", "measure": "understanding"},
        {"survey_id": "E02", "measure": "different"},
        {"survey_id": "E07", "measure": "understanding"},
        {"survey_id": "E07", "measure": "plans_to_share"},
        {"survey_id": "E07", "measure": "different"},
    ]
    assert data.unmapped.to_dict("records") == [
        {"file": "event_surveys/E07 Trauma informed care.csv", "question_no": 4, "column": "O", "text": "Was the venue suitable?"}
    ]


def test_exclusions_reach_the_ledger_with_reasons_and_rows_reconcile(data_dir, hmap):
    ledger = Ledger()
    data = load_surveys(data_dir, "event", hmap, ledger=ledger)
    table = ledger.table().set_index("file")
    e07 = table.loc["event_surveys/E07 Trauma informed care.csv"]
    assert (e07["rows_read"], e07["rows_used"], e07["rows_excluded"]) == (4, 2, 2)
    assert e07["reasons"] == "no answers: 1; test response: 1"
    assert table.loc["event_surveys/E02.xlsx", "rows_used"] == 2
    assert (table["rows_read"] == table["rows_used"] + table["rows_excluded"]).all()
    assert table["rows_used"].sum() == len(data.responses)
    assert data.files[["source_file", "survey_id", "responses_read"]].to_dict("records") == [
        {"source_file": "event_surveys/E02.xlsx", "survey_id": "E02", "responses_read": 2},
        {"source_file": "event_surveys/E07 Trauma informed care.csv", "survey_id": "E07", "responses_read": 4},
    ]


def test_excluded_responses_have_no_answers_in_the_frames(data_dir, hmap):
    data = load_surveys(data_dir, "event", hmap)
    assert not data.answers["response_id"].isin(["E07-002", "E07-003"]).any()
    assert set(data.answers["response_id"]) <= set(data.responses["response_id"])


def test_no_personal_value_appears_in_any_returned_frame(data_dir, hmap):
    data = load_surveys(data_dir, "event", hmap)
    everything = "\n".join(
        frame.astype(str).to_csv(index=False) for frame in (data.responses, data.answers, data.asked, data.unmapped, data.files)
    )
    for marker in MARKERS.values():
        assert marker not in everything
    assert "E07-001" in everything  # the check looks at real content


def test_followup_exports_are_keyed_by_round(data_dir, hmap):
    data = load_surveys(data_dir, "followup", hmap)
    assert data.responses[["response_id", "survey", "survey_id"]].to_dict("records") == [
        {"response_id": "2019-01-001", "survey": "followup", "survey_id": "2019-01"}
    ]
    assert data.answers[["measure", "answer"]].to_dict("records") == [{"measure": "hub_aware", "answer": "yes"}]
    assert data.unmapped["text"].tolist() == ["Was the venue suitable?"]


def test_empty_folder_gives_empty_frames_with_the_right_columns(tmp_path, hmap):
    (tmp_path / "event_surveys").mkdir()
    data = load_surveys(tmp_path, "event", hmap)
    assert data.responses.empty and list(data.responses.columns) == [
        "response_id",
        "survey",
        "survey_id",
        "submitted",
        "source_file",
        "source_row",
    ]
    assert data.answers.empty and list(data.answers.columns)[:4] == ["response_id", "survey", "survey_id", "measure"]
    assert list(data.asked.columns) == ["survey_id", "measure"]
    assert list(data.unmapped.columns) == ["file", "question_no", "column", "text"]
    assert pd.api.types.is_datetime64_any_dtype(data.responses["submitted"])


def test_missing_folder_is_an_error(tmp_path, hmap):
    with pytest.raises(InputError, match="followup_surveys.*not found"):
        load_surveys(tmp_path, "followup", hmap)


def test_unknown_event_id_is_an_error(data_dir, hmap):
    with pytest.raises(InputError) as caught:
        load_surveys(data_dir, "event", hmap, known_ids=["E07"])
    assert "event_surveys/E02.xlsx" in str(caught.value) and "'E02'" in str(caught.value)


def test_follow_up_file_not_named_by_round_is_an_error(data_dir, hmap):
    write_export(data_dir / "followup_surveys" / "January 2019.csv", [HUB], [response(["No"])])
    with pytest.raises(InputError, match="followup_surveys/January 2019.csv.*YYYY-MM"):
        load_surveys(data_dir, "followup", hmap)


def test_lock_files_are_skipped_and_other_files_refused(data_dir, hmap):
    (data_dir / "event_surveys" / "~$E02.xlsx").write_bytes(b"lock")
    assert len(load_surveys(data_dir, "event", hmap).files) == 2
    (data_dir / "event_surveys" / "E05.xls").write_bytes(b"old excel")
    with pytest.raises(InputError, match="E05.xls"):
        load_surveys(data_dir, "event", hmap)


def test_same_response_in_two_exports_is_an_error(data_dir, hmap):
    write_export(
        data_dir / "event_surveys" / "E08.csv",
        [UNDERSTANDING],
        [response(["Some additional understanding"], respondent_id=MARKERS["respondent_id"])],
    )
    with pytest.raises(InputError) as caught:
        load_surveys(data_dir, "event", hmap)
    message = str(caught.value)
    assert "event_surveys/E08.csv, row 3" in message and "E07 Trauma informed care.csv, row 3" in message


def test_errors_name_the_file_relative_to_the_data_folder(data_dir, hmap):
    write_export(data_dir / "event_surveys" / "E09.csv", [UNDERSTANDING], [response(["Loads"])])
    with pytest.raises(InputError) as caught:
        load_surveys(data_dir, "event", hmap)
    assert "event_surveys/E09.csv, row 3, column 'J'" in str(caught.value)


@pytest.mark.parametrize(
    "name, survey, expected",
    [("E07.csv", "event", "E07"), ("e07_trauma.xlsx", "event", "E07"), ("2018-06 round one.xlsx", "followup", "2018-06")],
)
def test_survey_id_is_the_leading_token_of_the_file_name(name, survey, expected):
    assert survey_id_from_name(name, survey, known_ids=["E07"]) == expected


def test_follow_up_round_must_be_a_real_month():
    with pytest.raises(InputError, match="YYYY-MM"):
        survey_id_from_name("2019-13.csv", "followup")


# --- Date order per file (issue 12, case 1) -------------------------------------------------------------

from pdu_lib.inputs.surveys import DATE_WINDOW_DAYS, choose_date_order  # noqa: E402


def dated(month_first: list[str | None], day_first: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": range(3, 3 + len(month_first)),
            "submitted": pd.to_datetime(pd.Series(month_first, dtype="object")),
            "submitted_day_first": pd.to_datetime(pd.Series(day_first, dtype="object")),
        }
    )


def test_month_first_is_kept_when_it_fits_the_event():
    # 10/14/2018 reads only month first; 11/02/2018 both ways: the file is month first.
    frame = dated(["2018-10-14", "2018-11-02"], [None, "2018-02-11"])
    assert choose_date_order(frame, pd.Timestamp("2018-10-11"), "E13.csv", "D").dt.strftime("%m-%d").tolist() == ["10-14", "11-02"]


def test_day_first_is_chosen_when_only_it_fits_the_event():
    frame = dated(["2018-01-11", "2018-02-11"], ["2018-11-01", "2018-11-02"])
    assert choose_date_order(frame, pd.Timestamp("2018-10-11"), "E13.csv", "D").dt.month.tolist() == [11, 11]


def test_both_orders_fitting_with_different_periods_is_an_error_naming_the_cells():
    # Event on 1 June 2018: 06/07/2018 is 7 June (interim) month first, 6 July (after it) day first.
    frame = dated(["2018-06-07"], ["2018-07-06"])
    periods = [(pd.Timestamp("2017-10-01"), pd.Timestamp("2018-06-30")), (pd.Timestamp("2017-10-01"), pd.Timestamp("2019-01-31"))]
    with pytest.raises(InputError, match="different report periods") as caught:
        choose_date_order(frame, pd.Timestamp("2018-06-01"), "E09.csv", "D", periods)
    assert caught.value.row == 3 and "D3" in str(caught.value)


def test_both_orders_fitting_in_the_same_periods_keep_month_first():
    frame = dated(["2018-07-08"], ["2018-08-07"])
    periods = [(pd.Timestamp("2017-10-01"), pd.Timestamp("2018-06-30"))]
    assert choose_date_order(frame, pd.Timestamp("2018-07-01"), "E10.csv", "D", periods).tolist() == [pd.Timestamp("2018-07-08")]


def test_neither_order_fitting_is_an_error_and_the_window_is_documented():
    frame = dated(["2017-02-03"], ["2017-03-02"])
    with pytest.raises(InputError, match=f"{DATE_WINDOW_DAYS[1]} days after"):
        choose_date_order(frame, pd.Timestamp("2018-10-11"), "E13.csv", "D")


def test_a_file_mixing_orders_is_an_error():
    frame = dated(["2018-10-14", None], [None, "2018-10-15"])
    with pytest.raises(InputError, match="neither all month first nor all day first"):
        choose_date_order(frame, pd.Timestamp("2018-10-11"), "E13.csv", "D")
