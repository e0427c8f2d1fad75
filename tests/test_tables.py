import pytest

from pdu_lib.errors import InputError
from pdu_lib.inputs import tables
from pdu_lib.inputs.tables import cell_text, choose, header_key, parse_date, parse_month, read_grid, read_table
from pdu_lib.inputs.xlsx import read_sheet, sheet_extent


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


# ---------------------------------------------------------------------------
# XLSX read with calamine: cells as openpyxl gave them, rows as the spreadsheet numbers them


def _workbook(path, cells: dict, *, sheets=("Register",)):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = sheets[0]
    for title in sheets[1:]:
        workbook.create_sheet(title)
    for reference, value in cells.items():
        title, _, reference = reference.rpartition("!")
        workbook[title or sheets[0]][reference] = value
    workbook.save(path)
    return path


def _rewrite_sheet_xml(path, change):
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for filename, raw in parts:
            target.writestr(filename, change(raw) if filename == "xl/worksheets/sheet1.xml" else raw)


def test_xlsx_cells_keep_openpyxls_types(tmp_path):
    import datetime as dt

    path = _workbook(
        tmp_path / "t.xlsx",
        {
            "A1": "text",
            "B1": 5,
            "C1": 5.5,
            "D1": dt.datetime(2018, 6, 14),
            "E1": dt.datetime(2018, 6, 14, 10, 12, 33),
            "F1": True,
            "G1": dt.time(10, 30),
            "A2": 10234567890,
            "B2": "  padded  ",
            "C2": "2018-06",
        },
    )
    grid = read_grid(path)
    assert grid == [
        ["text", 5, 5.5, dt.datetime(2018, 6, 14), dt.datetime(2018, 6, 14, 10, 12, 33), True, dt.time(10, 30)],
        [10234567890, "  padded  ", "2018-06", None, None, None, None],
    ]
    # a date is a datetime (as openpyxl gave it), so its text and its month read as before
    assert type(grid[0][3]) is dt.datetime and type(grid[0][1]) is int and type(grid[1][0]) is int
    assert cell_text(grid[0][3]) == "2018-06-14T00:00:00" and cell_text(grid[1][0]) == "10234567890"
    assert parse_month(grid[0][3], file="t.xlsx", row=1, column="D") == "2018-06"


def test_xlsx_data_below_row_1_keeps_its_spreadsheet_rows_and_columns(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", {"C4": "Event ID", "D4": "Sector", "C5": "E01", "D5": "Voluntary", "C7": "E02", "D7": "VCS"})
    grid = read_grid(path)
    assert len(grid) == 7 and len(grid[0]) == 4  # anchored at A1: row 4 is grid[3], column C is index 2
    assert grid[3][2:] == ["Event ID", "Sector"] and grid[0] == [None] * 4 and grid[5] == [None] * 4
    frame = read_table(path, {"event_id": "Event ID", "sector": "Sector"})
    assert frame["source_row"].tolist() == [5, 7]
    with pytest.raises(InputError, match=r"t.xlsx, row 7, column 'Sector': 'VCS' is not one of"):
        for row in frame.itertuples():
            choose(row.sector, {"voluntary": "Voluntary"}, file="t.xlsx", row=row.source_row, column="Sector")


def test_xlsx_trailing_blank_rows_and_bidi_controls_are_dropped(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", {"A1": "Name", "A2": "invoice\u202egpj.exe", "A3": " ", "B2": "plain"})
    assert read_grid(path) == [["Name", None], ["invoicegpj.exe", "plain"]]


def test_an_empty_first_sheet_is_an_empty_file_but_another_sheet_is_read(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", {"Notes!B2": "note"}, sheets=("Register", "Notes"))
    with pytest.raises(InputError, match="t.xlsx: the file is empty"):
        read_grid(path)
    assert read_sheet(path, "t.xlsx", sheet=lambda title: title == "Notes") == [[None, None], [None, "note"]]
    assert read_sheet(path, "t.xlsx", sheet=lambda title: title == "Missing") is None


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda xml: xml.replace(b"<t>E01</t>", b"<t>E0<1</t>"),
            r"t.xlsx: the workbook is damaged \(the XML of the first sheet cannot be read.*\): open it in Excel and save it again",
        ),
        (lambda xml: xml.replace(b'r="A2"', b'r="2A"'), r"t.xlsx: the workbook is damaged \(the XML of the first sheet cannot be read"),
        (
            lambda xml: xml.replace(b"<t>E01</t>", b"<t>E0\x011</t>"),
            r"t.xlsx, row 2: the workbook is damaged \(the XML of the first sheet cannot be read at line \d+, column \d+, ",
        ),
        (
            lambda xml: xml.replace(b"<t>E01</t>", b"<t>E0&#0;1</t>"),
            r"t.xlsx, row 2: the workbook is damaged \(the XML of the first sheet cannot be read at line \d+, column \d+, ",
        ),
    ],
    ids=["bad-xml", "bad-reference", "control-character", "character-reference"],
)
def test_a_broken_sheet_is_an_input_error_naming_the_file(tmp_path, change, message):
    path = _workbook(tmp_path / "t.xlsx", {"A1": "Event ID", "A2": "E01"})
    _rewrite_sheet_xml(path, change)
    with pytest.raises(InputError, match=message):
        read_grid(path)


def test_a_workbook_without_its_parts_is_an_input_error_naming_the_file(tmp_path):
    import zipfile

    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    with pytest.raises(InputError, match=r"t.xlsx: is damaged \(a part of the workbook is missing"):
        read_grid(path)


def test_sheet_extent_counts_cells_without_references_and_prefixed_tags():
    plain = b'<sheetData><row r="2"><c r="B2"><v>1</v></c></row><row r="9"><c r="AB9"><v>1</v></c></row></sheetData>'
    assert (sheet_extent(plain).rows, sheet_extent(plain).columns) == (9, 28)
    # no references: calamine places cells one after another, rows one after another
    bare = b"<sheetData><row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row><row><c><v>1</v></c></row></sheetData>"
    assert (sheet_extent(bare).rows, sheet_extent(bare).columns) == (2, 3)
    # a cell placed far away behind a prefix, or after its style attribute, still counts
    hidden = b'<x:sheetData><x:row r="1"><x:c r="A1"/></x:row><x:row r="1048000"><x:c s="1" r="XFD1048000"/></x:row></x:sheetData>'
    assert (sheet_extent(hidden).rows, sheet_extent(hidden).columns) == (1_048_000, 16_384)
    reordered = b'<sheetData><row r="1"><c r="A1"/><c s="1" r="XFD1"/></row></sheetData>'
    assert sheet_extent(reordered).columns == 16_384


def test_a_far_away_cell_behind_a_style_attribute_is_refused_before_parsing(tmp_path):
    path = _workbook(tmp_path / "far.xlsx", {"A1": "Event ID", "A2": "E01"})
    _rewrite_sheet_xml(
        path,
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="900000"><c s="0" r="XFD900000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        ),
    )
    with pytest.raises(InputError, match=r"far.xlsx, row 900000: the first sheet holds more than 5,000,000 cells"):
        read_grid(path)


def test_within_reads_shared_an_unchanged_file_is_parsed_once_and_a_changed_one_again(tmp_path, monkeypatch):
    parsed = []
    real = tables._read_csv_grid

    def counting(path, name):
        parsed.append(name)
        return real(path, name)

    monkeypatch.setattr(tables, "_read_csv_grid", counting)
    path = tmp_path / "events.csv"
    path.write_text("event_id,title\nE01,Housing\n", encoding="utf-8")
    with tables.reads_shared():
        tables.read_cells(path)
        cells, _ = tables.read_cells(path)
        assert parsed == ["events.csv"] and cells[1, 1] == "Housing"
        path.write_text("event_id,title\nE01,Housing First\n", encoding="utf-8")
        cells, _ = tables.read_cells(path)
        assert cells[1, 1] == "Housing First" and len(parsed) == 2
    tables.read_cells(path)
    tables.read_cells(path)
    assert len(parsed) == 4, "outside the block every read parses"
