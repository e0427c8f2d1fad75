"""Loading hub registrations, interviews and Expert Citizens reviews (pdu_lib/records.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from tablefiles import where, write_csv, write_xlsx

from pdu_lib.errors import InputError
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.records import (
    load_expert_citizens_reviews,
    load_hub_registrations,
    load_interviews,
)

INTERVIEWS_HEADER = "interview_id,date,round,group,steering_group,facilitated_event"


# ---------------------------------------------------------------- hub registrations


def test_hub_registrations_read_dates_and_loose_sectors_and_never_personal_columns(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "hub_registrations.csv",
        [
            "Name,Email,Registered On,Sector",
            "Qzxname One,qzxmail1@a.org,2018-01-05,Voluntary",
            "Qzxname Two,qzxmail2@a.org,20/02/2018,third sector",
            "Qzxname Three,qzxmail3@a.org,2018-03-01,Public Sector",
            "Qzxname Four,qzxmail4@a.org,2018-03-02, private ",
        ],
    )
    ledger = Ledger()
    frame = load_hub_registrations(path, ledger=ledger)
    assert list(frame.columns) == ["registered_on", "sector", "source_file", "source_row"]
    assert frame["sector"].tolist() == ["voluntary", "voluntary", "statutory", "private"]
    assert frame["registered_on"].tolist() == [
        pd.Timestamp(2018, 1, 5),
        pd.Timestamp(2018, 2, 20),
        pd.Timestamp(2018, 3, 1),
        pd.Timestamp(2018, 3, 2),
    ]
    assert pd.api.types.is_datetime64_any_dtype(frame["registered_on"])
    assert frame["source_row"].tolist() == [2, 3, 4, 5]
    assert "qzx" not in frame.to_csv(index=False).casefold()
    assert ledger.table()[["file", "rows_read"]].to_dict("records") == [{"file": "hub_registrations.csv", "rows_read": 4}]


def test_hub_registrations_read_an_xlsx_with_a_title_row_and_excel_dates(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "hub.xlsx",
        [
            ["Hub users export"],
            [None],
            ["registered_on", "sector"],
            [dt.datetime(2018, 4, 1, 9, 30), "Statutory"],
            [None, None],
            ["2018-05-01", "VCS"],
        ],
    )
    frame = load_hub_registrations(path, name="exports/hub.xlsx")
    assert frame["registered_on"].tolist() == [pd.Timestamp(2018, 4, 1), pd.Timestamp(2018, 5, 1)]
    assert frame["source_row"].tolist() == [4, 6]
    assert frame["source_file"].unique().tolist() == ["exports/hub.xlsx"]


def test_hub_registrations_unknown_sector_names_file_row_and_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hub_registrations.csv", ["registered_on,sector", "2018-01-05,Voluntary", "2018-01-06,Charity"])
    with pytest.raises(InputError, match="'Charity' is not one of Voluntary, Statutory, Private") as caught:
        load_hub_registrations(path)
    assert str(caught.value).startswith(where("hub_registrations.csv", 3, "sector"))


@pytest.mark.parametrize(("value", "expected"), [("5th Jan", "cannot read '5th Jan' as a date"), ("", "date is blank")])
def test_hub_registrations_bad_date_names_the_cell(tmp_path: Path, value: str, expected: str) -> None:
    path = write_csv(tmp_path / "hub_registrations.csv", ["registered_on,sector", f"{value},Voluntary"])
    with pytest.raises(InputError, match=expected) as caught:
        load_hub_registrations(path)
    assert str(caught.value).startswith(where("hub_registrations.csv", 2, "registered_on"))


def test_hub_registrations_blank_excel_date_is_an_error_not_a_missing_value(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "hub.xlsx", [["registered_on", "sector"], [dt.datetime(2018, 4, 1), "Statutory"], [None, "Voluntary"]])
    with pytest.raises(InputError, match="date is blank") as caught:
        load_hub_registrations(path)
    assert str(caught.value).startswith(where("hub.xlsx", 3, "registered_on"))


def test_hub_registrations_missing_column_empty_and_missing_file(tmp_path: Path) -> None:
    renamed = write_csv(tmp_path / "renamed.csv", ["registered,sector", "2018-01-05,Voluntary"])
    with pytest.raises(InputError, match=r"renamed.csv, row 1: missing column\(s\) 'registered_on'"):
        load_hub_registrations(renamed)
    empty = write_csv(tmp_path / "empty.csv", [""])
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        load_hub_registrations(empty)
    with pytest.raises(InputError, match="absent.csv: file not found"):
        load_hub_registrations(tmp_path / "absent.csv")


# ---------------------------------------------------------------- interviews


def test_interviews_read_groups_and_loose_yes_no(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "interviews.csv",
        [
            INTERVIEWS_HEADER,
            "I01,2018-06-12,2018-06,Participant,no,N",
            "I02,2019-01-10,2019-01,Steering Group member,Yes,TRUE",
            "I03,10/01/2019,2019-01,beneficiary ambassador,y,0",
            "I04,2019-01-11,2019-01,Facilitator,false,1",
            "I05,2019-01-12,2019-01,Co-ordinator,No,yes",
        ],
    )
    ledger = Ledger()
    frame = load_interviews(path, ledger=ledger)
    assert list(frame.columns) == [
        "interview_id",
        "date",
        "round",
        "group",
        "steering_group",
        "facilitated_event",
        "source_file",
        "source_row",
    ]
    assert frame["group"].tolist() == ["participant", "steering_group_member", "beneficiary_ambassador", "facilitator", "coordinator"]
    assert frame["steering_group"].tolist() == [False, True, True, False, False]
    assert frame["facilitated_event"].tolist() == [False, True, False, True, True]
    assert frame["steering_group"].dtype == bool and frame["facilitated_event"].dtype == bool
    assert frame["round"].tolist() == ["2018-06", "2019-01", "2019-01", "2019-01", "2019-01"]
    assert frame["date"].iloc[2] == pd.Timestamp(2019, 1, 10)
    assert ledger.table()["rows_read"].tolist() == [5]


def test_interviews_from_excel_keep_the_round_as_a_month_and_read_booleans(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "interviews.xlsx",
        [INTERVIEWS_HEADER.split(","), ["I01", dt.datetime(2019, 1, 10), dt.datetime(2019, 1, 1), "participant", False, 1]],
    )
    frame = load_interviews(path)
    assert frame[["round", "steering_group", "facilitated_event"]].to_dict("records") == [
        {"round": "2019-01", "steering_group": False, "facilitated_event": True}
    ]


def test_interviews_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "interviews.csv",
        [
            INTERVIEWS_HEADER,
            "I01,2018-06-12,2018-06,participant,no,no",
            "I02,2018-06-13,2018-06,participant,no,no",
            "i01,2019-01-12,2019-01,participant,no,no",
        ],
    )
    with pytest.raises(InputError, match="duplicate interview_id 'i01': rows 2 and 4") as caught:
        load_interviews(path)
    assert str(caught.value).startswith(where("interviews.csv", 4, "interview_id"))


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ("I01,2018-06-12,2018-06,volunteer,no,no", "group", "'volunteer' is not one of participant"),
        ("I01,2018-06-12,2018-06,participant,maybe,no", "steering_group", "'maybe' is not yes or no"),
        ("I01,2018-06-12,2018-06,participant,no,", "facilitated_event", "blank is not yes or no"),
        ("I01,12 June,2018-06,participant,no,no", "date", "cannot read '12 June' as a date"),
        ("I01,2018-06-12,,participant,no,no", "round", "round is blank"),
        (",2018-06-12,2018-06,participant,no,no", "interview_id", "interview_id is blank"),
    ],
    ids=["group", "yes/no", "blank yes/no", "date", "round", "id"],
)
def test_interviews_bad_cell_names_file_row_and_column(tmp_path: Path, row: str, column: str, expected: str) -> None:
    path = write_csv(tmp_path / "interviews.csv", [INTERVIEWS_HEADER, "I00,2018-06-11,2018-06,participant,no,no", row])
    with pytest.raises(InputError, match=expected) as caught:
        load_interviews(path)
    assert str(caught.value).startswith(where("interviews.csv", 3, column))


def test_interviews_header_only_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="interviews.csv: has a header but no data rows"):
        load_interviews(write_csv(tmp_path / "interviews.csv", [INTERVIEWS_HEADER]))
    with pytest.raises(InputError, match=r"missing column\(s\) 'facilitated_event'"):
        load_interviews(
            write_csv(tmp_path / "old.csv", ["interview_id,date,round,group,steering_group", "I01,2018-06-12,2018-06,participant,no"])
        )


# ---------------------------------------------------------------- Expert Citizens reviews


def test_expert_citizens_reviews_read_whole_numbers_including_excel_floats(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "expert_citizens_reviews.csv", ["Date,Present", "2018-06-20,6.0", "", "28/02/2019, 3 ", "2019-03-01,0"])
    ledger = Ledger()
    frame = load_expert_citizens_reviews(csv_path, ledger=ledger)
    assert list(frame.columns) == ["date", "present", "source_file", "source_row"]
    assert frame["present"].tolist() == [6, 3, 0]
    assert frame["present"].dtype == "int64"
    assert frame["date"].tolist() == [pd.Timestamp(2018, 6, 20), pd.Timestamp(2019, 2, 28), pd.Timestamp(2019, 3, 1)]
    assert frame["source_row"].tolist() == [2, 4, 5]
    assert ledger.table()["rows_read"].tolist() == [3]

    xlsx_path = write_xlsx(
        tmp_path / "reviews.xlsx", [["Reviews"], ["date", "present"], [dt.datetime(2018, 6, 20), 6.0], [dt.datetime(2019, 2, 28), 3]]
    )
    assert load_expert_citizens_reviews(xlsx_path)["present"].tolist() == [6, 3]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3.5", "'3.5' is not a whole number"),
        ("six", "'six' is not a whole number"),
        ("-1", "'-1' is not a whole number"),
        ("", "blank is not a whole number"),
    ],
)
def test_expert_citizens_reviews_present_must_be_a_whole_number(tmp_path: Path, value: str, expected: str) -> None:
    path = write_csv(tmp_path / "expert_citizens_reviews.csv", ["date,present", "2018-06-20,6", f"2019-02-28,{value}"])
    with pytest.raises(InputError, match=expected) as caught:
        load_expert_citizens_reviews(path)
    assert str(caught.value).startswith(where("expert_citizens_reviews.csv", 3, "present"))


def test_expert_citizens_reviews_excel_fraction_is_an_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "reviews.xlsx", [["date", "present"], [dt.datetime(2018, 6, 20), 3.5]])
    with pytest.raises(InputError, match="'3.5' is not a whole number") as caught:
        load_expert_citizens_reviews(path)
    assert str(caught.value).startswith(where("reviews.xlsx", 2, "present"))


def test_expert_citizens_reviews_bad_date_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read 'June 2018' as a date") as caught:
        load_expert_citizens_reviews(write_csv(tmp_path / "reviews.csv", ["date,present", "June 2018,6"]))
    assert str(caught.value).startswith(where("reviews.csv", 2, "date"))
    with pytest.raises(InputError, match=r"missing column\(s\) 'present'"):
        load_expert_citizens_reviews(write_csv(tmp_path / "other.csv", ["date,attendees", "2018-06-20,6"]))
