import pytest

from pdu_lib.errors import InputError
from pdu_lib.inputs.tables import choose, header_key, parse_date, read_table


def test_headers_match_loosely():
    assert header_key("Main focus of work") == header_key("main_focus_of_WORK ") == "mainfocusofwork"


def test_read_table_finds_the_header_below_a_title_and_keeps_spreadsheet_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Register,,\n,,\nEvent ID,Sector,Extra\nE01,Voluntary,x\n,,\nE02,Statutory,y\n", encoding="utf-8")
    frame = read_table(path, {"event_id": "Event ID", "sector": "Sector"})
    assert frame["source_row"].tolist() == [4, 6]
    assert "Extra" not in frame.columns


def test_read_table_names_the_missing_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Event ID,Sectr\nE01,Voluntary\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column.*'Sector'"):
        read_table(path, {"event_id": "Event ID", "sector": "Sector"})


def test_windows_1252_text_is_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("Event ID,Sector\nE01,Women\u2019s \u00a3\n".encode("cp1252"))
    assert read_table(path, {"event_id": "Event ID", "sector": "Sector"})["sector"].iloc[0] == "Women\u2019s \u00a3"


def test_blank_xlsx_cells_stay_blank_never_nan(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Event ID", "Sector"])
    workbook.active.append(["E01", None])
    workbook.active.append(["E02", "Voluntary"])
    workbook.save(tmp_path / "t.xlsx")
    value = read_table(tmp_path / "t.xlsx", {"event_id": "Event ID", "sector": "Sector"})["sector"].iloc[0]
    assert value is None


def test_choose_and_parse_date_name_the_cell():
    with pytest.raises(InputError, match=r"f.csv, row 7, column 'Sector'"):
        choose("Charity", {"voluntary": "Voluntary"}, file="f.csv", row=7, column="Sector")
    with pytest.raises(InputError, match=r"f.csv, row 3, column 'date'"):
        parse_date("next Tuesday", file="f.csv", row=3, column="date")
