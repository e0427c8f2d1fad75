"""Loading events.csv and the attendance register (pdu_lib/attendance.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tablefiles import where, write_csv, write_xlsx

from pdu_lib.errors import InputError
from pdu_lib.inputs.attendance import (
    REGISTER_OUTPUT,
    load_events,
    load_register,
    load_register_with_audit,
)
from pdu_lib.inputs.ledger import Ledger

EVENTS_HEADER = "event_id,date,title,kind,topic,cop_group"
EVENTS_ROWS = [
    "E01,2018-01-25,Trauma informed care,learning event,Trauma,",
    "E02,14/06/2018,Housing First,Learning Event,Housing,",
    "C01,2018-03-01,SUI session 1,CoP session,Involvement,Service User Involvement",
    "C02,2019-02-20,Housing First CoP 2,Community of Practice,Housing,Housing First",
]
REGISTER_HEADER = ["Event ID", "Name", "Email", "Organisation", "Sector", "Main focus of work", "Status"]


@pytest.fixture
def events(tmp_path: Path) -> pd.DataFrame:
    return load_events(write_csv(tmp_path / "events.csv", [EVENTS_HEADER, *EVENTS_ROWS]))


# ---------------------------------------------------------------- events.csv


def test_load_events_reads_loose_kinds_both_date_formats_and_cop_groups(events: pd.DataFrame) -> None:
    assert list(events.columns) == ["event_id", "date", "title", "kind", "topic", "cop_group", "source_file", "source_row"]
    assert events["event_id"].tolist() == ["E01", "E02", "C01", "C02"]
    assert events["kind"].tolist() == ["learning_event", "learning_event", "cop_session", "cop_session"]
    assert events["date"].tolist() == [
        pd.Timestamp(2018, 1, 25),
        pd.Timestamp(2018, 6, 14),
        pd.Timestamp(2018, 3, 1),
        pd.Timestamp(2019, 2, 20),
    ]
    assert pd.api.types.is_datetime64_any_dtype(events["date"])
    assert events["cop_group"].isna().tolist() == [True, True, False, False]
    assert events["cop_group"].iloc[2] == "Service User Involvement"
    assert events["source_file"].unique().tolist() == ["events.csv"]
    assert events["source_row"].tolist() == [2, 3, 4, 5]


def test_load_events_counts_rows_read_in_the_ledger_and_uses_the_display_name(tmp_path: Path) -> None:
    ledger = Ledger()
    path = write_csv(tmp_path / "events.csv", [EVENTS_HEADER, *EVENTS_ROWS])
    frame = load_events(path, name="data/events.csv", ledger=ledger)
    assert frame["source_file"].unique().tolist() == ["data/events.csv"]
    assert ledger.table()[["file", "rows_read"]].to_dict("records") == [{"file": "data/events.csv", "rows_read": 4}]


def test_load_events_skips_a_blank_row_and_keeps_spreadsheet_row_numbers(tmp_path: Path) -> None:
    ledger = Ledger()
    path = write_csv(tmp_path / "events.csv", [EVENTS_HEADER, EVENTS_ROWS[0], ",,,,,", EVENTS_ROWS[1]])
    frame = load_events(path, ledger=ledger)
    assert frame["source_row"].tolist() == [2, 4]
    assert ledger.table()["rows_read"].tolist() == [2]


def test_load_events_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", [EVENTS_HEADER, *EVENTS_ROWS, "e01 ,2018-07-01,Again,learning event,Trauma,"])
    with pytest.raises(InputError) as caught:
        load_events(path)
    message = str(caught.value)
    assert message.startswith(where("events.csv", 6, "event_id"))
    assert "rows 2 and 6" in message


def test_load_events_unparseable_date_names_the_cell(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", [EVENTS_HEADER, EVENTS_ROWS[0], "E02,31/31/2018,Bad,learning event,Housing,"])
    with pytest.raises(InputError, match="31/31/2018") as caught:
        load_events(path)
    assert str(caught.value).startswith(where("events.csv", 3, "date"))


def test_load_events_unknown_kind_names_the_cell(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", [EVENTS_HEADER, "E01,2018-01-25,Trauma,webinar,Trauma,"])
    with pytest.raises(InputError, match="'webinar' is not one of") as caught:
        load_events(path)
    assert str(caught.value).startswith(where("events.csv", 2, "kind"))


def test_load_events_cop_session_without_cop_group_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", [EVENTS_HEADER, "C01,2018-03-01,SUI,CoP session,Involvement,  "])
    with pytest.raises(InputError, match="cop_group is blank") as caught:
        load_events(path)
    assert str(caught.value).startswith(where("events.csv", 2, "cop_group"))


def test_load_events_learning_event_with_a_cop_group_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", [EVENTS_HEADER, "E01,2018-03-01,Trauma,learning event,Trauma,Care Act"])
    with pytest.raises(InputError, match="learning event but has cop_group") as caught:
        load_events(path)
    assert str(caught.value).startswith(where("events.csv", 2, "cop_group"))


def test_load_events_missing_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", ["event_id,when,title,kind,topic,cop_group", EVENTS_ROWS[0]])
    with pytest.raises(InputError, match=r"missing column\(s\) 'date'") as caught:
        load_events(path)
    assert str(caught.value).startswith("events.csv, row 1")


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", "the file is empty"), (EVENTS_HEADER + "\n", "has a header but no data rows")],
    ids=["empty", "header only"],
)
def test_load_events_empty_file_is_an_error(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=expected) as caught:
        load_events(path)
    assert str(caught.value).startswith("events.csv")


def test_load_events_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="events.csv: file not found"):
        load_events(tmp_path / "events.csv")


# ---------------------------------------------------------------- the register

NAME_MARKERS = ["Qzxname Alpha", "QZXNAME ALPHA-JONES", "Liz Qzxnameb", "Elizabeth QZXNAMEB", "Jo Qzxnamec", "Jo Qzxnamec"]
EMAIL_MARKERS = ["qzxmail1@a.org", "QZXMAIL1@A.org ", "", "", "qzxmail3@c.org", ""]


def register_rows() -> list[list[object]]:
    """Six bookings: persons P0001 (email), P0002 (nickname + organisation), P0003 and P0004 (same name, other organisations)."""
    return [
        ["E01", NAME_MARKERS[0], EMAIL_MARKERS[0], "  Framework   Housing ", "Voluntary", "Housing", "Attended"],
        ["e02", NAME_MARKERS[1], EMAIL_MARKERS[1], "Framework Housing", "VCS", "Womens services", "DNA"],
        ["C01", NAME_MARKERS[2], EMAIL_MARKERS[2], "The Hostel Ltd", "public sector", "MH", "attended"],
        ["C02", NAME_MARKERS[3], EMAIL_MARKERS[3], "hostel", "Statutory", "Substance use", "Booked"],
        ["E01", NAME_MARKERS[4], EMAIL_MARKERS[4], "Probation", "statutory", "Offending", "Cancelled"],
        ["E02", NAME_MARKERS[5], EMAIL_MARKERS[5], "Nottingham CVS", "Private", "other", "No show"],
    ]


def titled_register(path: Path, rows: list[list[object]]) -> Path:
    """The co-ordinator's layout: a title on row 1, a blank row 2, the header on row 3."""
    return write_xlsx(path, [["PDU attendance register 2017-19"], [], REGISTER_HEADER, *rows])


def assert_no_personal_data(*frames: pd.DataFrame) -> None:
    text = "\n".join(frame.to_csv(index=False).casefold() for frame in frames)
    for frame in frames:
        assert not {"name", "email"} & {str(c).casefold() for c in frame.columns}
    for marker in ["qzxname", "qzxmail"]:
        assert marker not in text


def test_load_register_reads_an_xlsx_with_a_title_row_above_the_header(tmp_path: Path, events: pd.DataFrame) -> None:
    path = titled_register(tmp_path / "attendance_register.xlsx", register_rows())
    frame = load_register(path, events)
    assert list(frame.columns) == REGISTER_OUTPUT
    assert frame["source_row"].tolist() == [4, 5, 6, 7, 8, 9]
    assert frame["booking_row"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["event_id"].tolist() == ["E01", "E02", "C01", "C02", "E01", "E02"]
    assert frame["event_kind"].tolist() == [
        "learning_event",
        "learning_event",
        "cop_session",
        "cop_session",
        "learning_event",
        "learning_event",
    ]
    assert frame["event_date"].iloc[1] == pd.Timestamp(2018, 6, 14)
    assert pd.api.types.is_datetime64_any_dtype(frame["event_date"])
    assert frame["cop_group"].iloc[3] == "Housing First" and frame["cop_group"].isna().sum() == 4
    assert frame["sector"].tolist() == ["voluntary", "voluntary", "statutory", "statutory", "statutory", "private"]
    assert frame["focus"].tolist() == ["housing", "womens_services", "mental_health", "substance_misuse", "offending", "other"]
    assert frame["status"].tolist() == ["attended", "did_not_attend", "attended", "booked", "cancelled", "did_not_attend"]
    assert frame["organisation"].iloc[0] == "Framework Housing"
    assert frame["person_id"].tolist() == ["P0001", "P0001", "P0002", "P0002", "P0003", "P0004"]
    assert frame["source_file"].unique().tolist() == ["attendance_register.xlsx"]
    assert_no_personal_data(frame)


def test_load_register_reads_the_same_register_as_csv(tmp_path: Path, events: pd.DataFrame) -> None:
    lines = [",".join(REGISTER_HEADER)] + [",".join(str(cell) for cell in row) for row in register_rows()]
    frame = load_register(write_csv(tmp_path / "attendance_register.csv", lines), events)
    assert frame["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert frame["person_id"].tolist() == ["P0001", "P0001", "P0002", "P0002", "P0003", "P0004"]


def test_load_register_with_audit_explains_each_link_without_personal_data(tmp_path: Path, events: pd.DataFrame) -> None:
    frame, audit = load_register_with_audit(titled_register(tmp_path / "register.xlsx", register_rows()), events)
    assert audit.to_dict("records") == [
        {"person_id": "P0001", "bookings": 2, "linked_by": "email"},
        {"person_id": "P0002", "bookings": 2, "linked_by": "name and organisation"},
        {"person_id": "P0003", "bookings": 1, "linked_by": "single booking"},
        {"person_id": "P0004", "bookings": 1, "linked_by": "single booking"},
    ]
    assert frame.groupby("person_id").size().tolist() == audit["bookings"].tolist()
    assert_no_personal_data(frame, audit)


def test_load_register_nickname_list_can_be_replaced(tmp_path: Path, events: pd.DataFrame) -> None:
    frame = load_register(titled_register(tmp_path / "register.xlsx", register_rows()), events, nicknames={})
    assert frame["person_id"].tolist() == ["P0001", "P0001", "P0002", "P0003", "P0004", "P0005"]


def test_load_register_counts_rows_read_and_skips_blank_rows(tmp_path: Path, events: pd.DataFrame) -> None:
    rows = register_rows()
    ledger = Ledger()
    frame = load_register(titled_register(tmp_path / "register.xlsx", [rows[0], [None] * 7, rows[1]]), events, ledger=ledger)
    assert frame["source_row"].tolist() == [4, 6]
    assert ledger.table()[["file", "rows_read"]].to_dict("records") == [{"file": "register.xlsx", "rows_read": 2}]


def test_load_register_keeps_a_booking_with_a_name_but_no_email(tmp_path: Path, events: pd.DataFrame) -> None:
    rows = [["E01", "Qzxname Solo", None, "Framework", "Voluntary", "Housing", "Attended"]]
    frame = load_register(titled_register(tmp_path / "register.xlsx", rows), events)
    assert frame["person_id"].tolist() == ["P0001"]


def test_load_register_keeps_a_booking_with_an_email_but_no_name(tmp_path: Path, events: pd.DataFrame) -> None:
    rows = [
        ["E01", None, "qzxmail@a.org", "Framework", "Voluntary", "Housing", "Attended"],
        ["E02", "Qzxname Known", "QzxMail@a.org", "Framework", "Voluntary", "Housing", "Attended"],
    ]
    frame = load_register(titled_register(tmp_path / "register.xlsx", rows), events)
    assert frame["person_id"].tolist() == ["P0001", "P0001"]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("Sector", "Charity", "'Charity' is not one of Voluntary, Statutory, Private"),
        ("Main focus of work", "Gardening", "'Gardening' is not one of Housing"),
        ("Status", "Maybe", "'Maybe' is not one of Attended"),
        ("Status", None, "blank is not one of Attended"),
    ],
    ids=["sector", "focus", "status", "blank status"],
)
def test_load_register_unknown_value_names_file_row_and_column(
    tmp_path: Path, events: pd.DataFrame, column: str, value: object, expected: str
) -> None:
    rows = register_rows()
    rows[1][REGISTER_HEADER.index(column)] = value
    with pytest.raises(InputError, match=expected) as caught:
        load_register(titled_register(tmp_path / "register.xlsx", rows), events)
    assert str(caught.value).startswith(where("register.xlsx", 5, column))


def test_load_register_event_not_in_events_is_an_error(tmp_path: Path, events: pd.DataFrame) -> None:
    rows = register_rows()
    rows[2][0] = "E99"
    with pytest.raises(InputError, match="'E99' is not in events.csv") as caught:
        load_register(titled_register(tmp_path / "register.xlsx", rows), events)
    assert str(caught.value).startswith(where("register.xlsx", 6, "Event ID"))


def test_load_register_blank_name_and_email_cannot_be_linked(tmp_path: Path, events: pd.DataFrame) -> None:
    rows = register_rows()
    rows[3][1], rows[3][2] = "  ", None
    with pytest.raises(InputError, match="cannot be linked") as caught:
        load_register(titled_register(tmp_path / "register.xlsx", rows), events)
    assert str(caught.value).startswith(where("register.xlsx", 7, "Name"))


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        # later rows' problems wait: the first row with a problem is reported, as a reading eye meets it
        ({(4, "Sector"): "Charity", (2, "Status"): "Maybe", (5, "Event ID"): "E99"}, (6, "Status", "'Maybe' is not one of")),
        # within one row, the columns are checked left to right: Event ID, Sector, Main focus of work, Status, then Name and Email
        ({(3, "Status"): "Maybe", (3, "Sector"): "Charity", (3, "Name"): None, (3, "Email"): None}, (7, "Sector", "'Charity'")),
        ({(3, "Name"): None, (3, "Email"): None, (3, "Event ID"): "E99"}, (7, "Event ID", "'E99' is not in events.csv")),
        ({(1, "Name"): None, (1, "Email"): " ", (4, "Event ID"): None}, (5, "Name", "cannot be linked")),
    ],
    ids=["first-row-wins", "sector-before-status-and-name", "event-first", "unlinkable-before-a-later-blank-event"],
)
def test_load_register_reports_the_first_problem_in_reading_order(
    tmp_path: Path, events: pd.DataFrame, spoil: dict, expected: tuple
) -> None:
    rows = register_rows()
    for (index, column), value in spoil.items():
        rows[index][REGISTER_HEADER.index(column)] = value
    row, column, message = expected
    with pytest.raises(InputError, match=message) as caught:
        load_register(titled_register(tmp_path / "register.xlsx", rows), events)
    assert str(caught.value).startswith(where("register.xlsx", row, column))


def test_load_register_renamed_column_is_named(tmp_path: Path, events: pd.DataFrame) -> None:
    header = [("Sector type" if h == "Sector" else h) for h in REGISTER_HEADER]
    path = write_xlsx(tmp_path / "register.xlsx", [header, *register_rows()])
    with pytest.raises(InputError, match=r"missing column\(s\) 'Sector'") as caught:
        load_register(path, events)
    assert str(caught.value).startswith("register.xlsx, row 1")


def test_load_register_missing_or_empty_file_is_named(tmp_path: Path, events: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="attendance_register.xlsx: file not found"):
        load_register(tmp_path / "attendance_register.xlsx", events)
    empty = write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(InputError, match="empty.xlsx: the file is empty"):
        load_register(empty, events)
    header_only = titled_register(tmp_path / "header_only.xlsx", [])
    with pytest.raises(InputError, match="header_only.xlsx: has a header but no data rows"):
        load_register(header_only, events)
