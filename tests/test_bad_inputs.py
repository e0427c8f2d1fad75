"""The corpus of bad inputs (tests/bad_inputs/, plus a few binary cases built here from the sample).

Each bad input either stops the run with an InputError naming the file, the
row (as a spreadsheet numbers it, header rows included) and the column, or is
handled and the handling is visible (loaded as the contract says, counted in
the Ledger). Cases go through the real entry points: the loader functions,
``load_dataset`` and, for a few, ``pdu-report render`` itself, which must exit
2 with the message and leave a good earlier render alone.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from pdu_lib import cli, config
from pdu_lib.analysis.figures import compute_figures
from pdu_lib.errors import InputError
from pdu_lib.inputs import attendance, dataset
from pdu_lib.inputs.harmonise import load_map
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.surveys import load_surveys
from pdu_lib.inputs.tables import column_letter
from pdu_lib.report import render

CORPUS = Path(__file__).parent / "bad_inputs"


@dataclass(frozen=True)
class Bad:
    """A corpus file and where its error must point: row and column are None where they mean nothing (an empty file)."""

    file: str
    row: int | None
    column: str | None
    says: str

    def __str__(self) -> str:  # the test id
        return self.file


def where(file: str, row: int | None, column: str | None) -> str:
    """How an error's message starts: 'events.csv, row 5, column 'C (title)': '."""
    parts = [file] + ([f"row {row}"] if row is not None else []) + ([f"column {column!r}"] if column is not None else [])
    return ", ".join(parts) + ": "


def assert_points_at(err: InputError, file: str, row: int | None, column: str | None, says: str) -> None:
    assert (err.file, err.row, err.column) == (file, row, column)
    message = str(err)
    assert message.startswith(where(file, row, column)), message
    assert says in message, message


def load(data_dir: Path, report: str = "final") -> dataset.Dataset:
    """The real entry point. Its cache is per folder, and every test spoils its own fresh copy before loading it."""
    return dataset.load_dataset(data_dir, report)


# ---------------------------------------------------------------------------
# events.csv


EVENTS_CASES = [
    Bad("events_truncated.csv", 5, "C (title)", "the file looks truncated"),
    Bad("events_truncated_in_quote.csv", 5, "C (title)", "a quote left open"),
    Bad("events_semicolons.csv", 1, None, "separated by semicolons"),
    Bad("events_us_dates.csv", 4, "date", "cannot read '06/14/2018' as a date (it looks month first"),
    Bad("events_excel_serial_dates.csv", 4, "date", "cannot read '43265' as a date (Excel may have turned it into a serial number"),
    Bad("events_empty.csv", None, None, "the file is empty"),
    Bad("events_header_only.csv", None, None, "has a header but no data rows"),
]


@pytest.mark.parametrize("case", EVENTS_CASES, ids=str)
def test_a_bad_events_file_is_an_error_naming_file_row_and_column(case):
    with pytest.raises(InputError) as caught:
        attendance.load_events(CORPUS / case.file)
    assert_points_at(caught.value, case.file, case.row, case.column, case.says)


def test_the_truncated_corpus_files_still_end_mid_row():
    # An editor that "fixes" the missing final line break would turn these into other cases.
    for name in ("events_truncated.csv", "events_truncated_in_quote.csv", "E01_truncated.csv"):
        assert not (CORPUS / name).read_bytes().endswith((b"\n", b"\r")), name
    assert (CORPUS / "events_empty.csv").read_bytes() == b""


def test_iso_and_day_first_dates_may_be_mixed_in_one_file():
    events = attendance.load_events(CORPUS / "events_mixed_dates.csv")
    assert events["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2017-10-12",
        "2017-11-09",
        "2018-02-01",
        "2018-06-14",
        "2018-07-12",
        "2018-09-13",
    ]


def test_the_sample_with_day_first_dates_loads_the_same_events(sample_copy):
    path = sample_copy / "events.csv"
    grid = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    date = grid[0].index("date")
    for row in grid[1::2]:  # every other event, day first as a UK Excel re-save writes it
        row[date] = pd.Timestamp(row[date]).strftime("%d/%m/%Y")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(grid)
    assert (sample_copy / "events.csv").read_text(encoding="utf-8").count("/") >= 5
    mixed = load(sample_copy).all_events
    pd.testing.assert_frame_equal(mixed, load(config.SAMPLE_DATA_DIR).all_events)


# ---------------------------------------------------------------------------
# The attendance register


def test_an_unknown_register_option_is_an_error_naming_the_cell():
    events = attendance.load_events(CORPUS / "events_mixed_dates.csv")
    with pytest.raises(InputError) as caught:
        attendance.load_register(CORPUS / "register_unknown_sector.csv", events)
    # rows 2 and 3 use the aliases VCS and DNA, which are allowed; row 4's 'Charity' is not
    assert_points_at(caught.value, "register_unknown_sector.csv", 4, "Sector", "'Charity' is not one of Voluntary, Statutory, Private")


def _register_rows() -> list[list]:
    """The sample register's header and data rows, without the title above the header."""
    workbook = load_workbook(config.SAMPLE_DATA_DIR / "attendance_register.xlsx", data_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    header = next(index for index, row in enumerate(rows) if "Event ID" in row)
    return rows[header:]


def _write_register(path: Path, rows: list[list], above: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    for row in above + rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def registers(tmp_path):
    rows = _register_rows()
    flat = _write_register(tmp_path / "flat.xlsx", rows, above=[])
    titled = _write_register(
        tmp_path / "titled.xlsx", rows, above=[["PDU attendance register"], ["Kept by the co-ordinator; one row per booking"]]
    )
    return {"rows": rows, "flat": flat, "titled": titled, "tmp": tmp_path}


def test_a_register_with_its_header_on_row_3_loads_like_one_with_it_on_row_1(registers):
    events = attendance.load_events(config.SAMPLE_DATA_DIR / "events.csv")
    ledgers = {"flat": Ledger(), "titled": Ledger()}
    flat = attendance.load_register(registers["flat"], events, name="register.xlsx", ledger=ledgers["flat"])
    titled = attendance.load_register(registers["titled"], events, name="register.xlsx", ledger=ledgers["titled"])
    assert len(titled) == len(registers["rows"]) - 1 > 0
    # Rows are numbered as the spreadsheet shows them: the first booking is on row 4.
    assert titled["source_row"].iloc[0] == 4
    assert (titled["source_row"] - flat["source_row"]).eq(2).all()
    pd.testing.assert_frame_equal(titled.drop(columns="source_row"), flat.drop(columns="source_row"))
    pd.testing.assert_frame_equal(ledgers["titled"].table(), ledgers["flat"].table())


def test_an_error_in_a_register_with_a_title_names_the_spreadsheet_row(registers):
    rows = [list(row) for row in registers["rows"]]
    rows[5][rows[0].index("Sector")] = "Charity"  # the fifth booking: spreadsheet row 3 + 5 = 8
    path = _write_register(registers["tmp"] / "attendance_register.xlsx", rows, above=[["PDU attendance register"], []])
    events = attendance.load_events(config.SAMPLE_DATA_DIR / "events.csv")
    with pytest.raises(InputError) as caught:
        attendance.load_register(path, events)
    assert_points_at(caught.value, "attendance_register.xlsx", 8, "Sector", "'Charity' is not one of")


def test_a_register_header_below_row_10_is_reported_not_guessed(registers):
    path = _write_register(
        registers["tmp"] / "attendance_register.xlsx", registers["rows"], above=[["PDU attendance register"]] + [[]] * 10
    )
    with pytest.raises(InputError) as caught:
        attendance.load_register(path, attendance.load_events(config.SAMPLE_DATA_DIR / "events.csv"))
    assert_points_at(caught.value, "attendance_register.xlsx", 1, None, "missing column(s) 'Event ID'")
    assert "first 10 rows" in str(caught.value)


@pytest.mark.parametrize("spoil", ["empty", "truncated"])
def test_an_empty_or_truncated_register_workbook_is_an_error(sample_copy, spoil):
    path = sample_copy / "attendance_register.xlsx"
    path.write_bytes(b"" if spoil == "empty" else path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError) as caught:
        load(sample_copy)
    assert_points_at(caught.value, "attendance_register.xlsx", None, None, "is damaged (it is not a complete Excel workbook)")


# ---------------------------------------------------------------------------
# SurveyMonkey exports


def _survey_folder(tmp_path: Path, *files: str) -> Path:
    folder = tmp_path / "data"
    (folder / "event_surveys").mkdir(parents=True)
    for name in files:
        shutil.copyfile(CORPUS / name, folder / "event_surveys" / name)
    return folder


def _load_corpus_surveys(folder: Path, ledger: Ledger | None = None):
    return load_surveys(folder, "event", load_map(CORPUS / "harmonisation.yml"), ledger=ledger, known_ids=["E01"])


SURVEY_CASES = [
    Bad("E01_no_second_header.csv", 2, "A (Respondent ID)", "the second header row is missing: row 2 holds '6465035912'"),
    Bad("E01_header_row_only.csv", 2, None, "the second header row is missing (the file has one row)"),
    Bad("E01_truncated.csv", 3, "N (What was the most useful thing about the event?)", "a quote left open"),
    Bad("E01_semicolons.csv", 1, None, "separated by semicolons"),
    Bad("E01_excel_serial_dates.csv", 4, "D (End Date)", "cannot read '43265.52' as a date (Excel may have turned it into a serial number"),
    Bad("E01_day_first_dates.csv", 5, "D (End Date)", "D5 read only day first, while D3, D4 read only month first"),
    Bad("E01_scientific_ids.csv", 4, "A (Respondent ID)", "Respondent ID '1.18E+11' is in scientific notation"),
    Bad("E01_duplicate_ids.csv", 5, "A (Respondent ID)", "appears twice, in rows 3 and 5"),
    Bad("E01_unknown_answer.csv", 4, "J", "the answer 'A bit more understanding' is not on the scale of measure 'understanding'"),
]


@pytest.mark.parametrize("case", SURVEY_CASES, ids=str)
def test_a_bad_export_is_an_error_naming_file_row_and_column(tmp_path, case):
    folder = _survey_folder(tmp_path, case.file)
    with pytest.raises(InputError) as caught:
        _load_corpus_surveys(folder)
    assert_points_at(caught.value, f"event_surveys/{case.file}", case.row, case.column, case.says)


def test_an_export_with_both_header_rows_and_no_responses_is_counted_with_0_rows(tmp_path):
    ledger = Ledger()
    data = _load_corpus_surveys(_survey_folder(tmp_path, "E01_header_only.csv"), ledger)
    assert data.files.to_dict("records") == [
        {"source_file": "event_surveys/E01_header_only.csv", "survey": "event", "survey_id": "E01", "responses_read": 0, "in_period": True}
    ]
    assert data.responses.empty and data.answers.empty
    assert sorted(data.asked["measure"]) == ["most_useful", "plans_to_share", "understanding"]
    # It is in the reconciliation table of the data-quality appendix, with nothing read.
    assert ledger.table().to_dict("records") == [
        {"file": "event_surveys/E01_header_only.csv", "rows_read": 0, "rows_used": 0, "rows_excluded": 0, "reasons": ""}
    ]


def test_the_same_response_in_two_exports_names_both(sample_copy):
    shutil.copyfile(sample_copy / "event_surveys" / "E01.csv", sample_copy / "event_surveys" / "E01_copy.csv")
    with pytest.raises(InputError) as caught:
        load(sample_copy)
    assert_points_at(caught.value, "event_surveys/E01_copy.csv", 3, "Respondent ID", "is also in event_surveys/E01.csv, row 3")


def _open_column(grid: list[list[str]]) -> int:
    return max(index for index, subheading in enumerate(grid[1]) if subheading == "Open-Ended Response")


def test_a_huge_free_text_answer_loads_whole_and_changes_no_figure(sample_copy):
    path = sample_copy / "event_surveys" / "E01.csv"
    grid = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    column = _open_column(grid)
    paragraph = 'She said "it changed how we work", and then, at length:\nwe listen first. '
    huge = (paragraph * (200_000 // len(paragraph) + 1))[:199_999] + "."
    assert len(huge) == 200_000
    grid[2][column] = huge
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(grid)

    spoiled, sample = load(sample_copy), load(config.SAMPLE_DATA_DIR)
    texts = spoiled.event_answers["text"].dropna()
    assert texts.str.len().max() == 200_000
    assert huge in set(texts)
    # Read and used like any other response: the reconciliation is unchanged ...
    pd.testing.assert_frame_equal(spoiled.reconciliation(), sample.reconciliation())
    # ... and so is every figure (an open answer counts towards no figure).
    pd.testing.assert_frame_equal(compute_figures(spoiled), compute_figures(sample))


def test_a_cell_over_a_million_characters_is_an_error_naming_it(tmp_path):
    folder = _survey_folder(tmp_path, "E01_header_only.csv")
    path = folder / "event_surveys" / "E01_header_only.csv"
    grid = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    row = ["6465035912", "1", "06/14/2018 12:30:37 PM", "06/14/2018 12:36:00 PM", "", "", "", "", "", "", "", "", "", "x" * 1_000_001]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([*grid, row])
    with pytest.raises(InputError) as caught:
        _load_corpus_surveys(folder)
    assert_points_at(
        caught.value,
        "event_surveys/E01_header_only.csv",
        3,
        "N (What was the most useful thing about the event?)",
        "a cell holds more than 1,000,000 characters",
    )


# ---------------------------------------------------------------------------
# NUL bytes (binary, so built here from the sample)


def _put_nul_in_title(data_dir: Path) -> tuple[str, int, str]:
    """A NUL byte inside the title of the fourth event: the error must point at that cell."""
    path = data_dir / "events.csv"
    lines = path.read_bytes().split(b"\n")
    cells = lines[4].split(b",")
    cells[2] = cells[2][:5] + b"\x00" + cells[2][5:]
    lines[4] = b",".join(cells)
    path.write_bytes(b"\n".join(lines))
    return "events.csv", 5, "C (title)"


def _put_nul_in_an_open_answer(data_dir: Path) -> tuple[str, int, str]:
    path = data_dir / "event_surveys" / "E01.csv"
    grid = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    column = _open_column(grid)
    grid[3][column] = "Good\x00day"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(grid)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return "event_surveys/E01.csv", 4, f"{column_letter(column + 1)} ({grid[0][column]})"


def _save_as_utf16(data_dir: Path) -> tuple[str, int, str]:
    path = data_dir / "interviews.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return "interviews.csv", 1, "A"


def _pad_with_nuls(data_dir: Path) -> tuple[str, int, str]:
    """What a crash while saving often leaves: the end of the file overwritten with NULs."""
    path = data_dir / "hub_registrations.csv"
    raw = path.read_bytes()
    rows = len(list(csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))))
    path.write_bytes(raw + b"\x00" * 512)
    return "hub_registrations.csv", rows + 1, "A (registered_on)"


@pytest.mark.parametrize(
    "spoil", [_put_nul_in_title, _put_nul_in_an_open_answer, _save_as_utf16, _pad_with_nuls], ids=lambda f: f.__name__.strip("_")
)
def test_nul_bytes_are_an_error_naming_the_cell(sample_copy, spoil):
    file, row, column = spoil(sample_copy)
    with pytest.raises(InputError) as caught:
        load(sample_copy)
    assert_points_at(caught.value, file, row, column, "contains NUL bytes")


# ---------------------------------------------------------------------------
# Through the command line: exit 2, the message, and a good earlier render left alone


TINY_SECTION = "approach"


@pytest.fixture(scope="module")
def good_render(tmp_path_factory):
    """A real, successful ``pdu-report render final`` of the sample, with one cheap notebook standing in for its section."""
    root = tmp_path_factory.mktemp("good_render")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    section = next(s for s in config.SECTIONS if s.key == TINY_SECTION)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell("report = 'final'\ndata_dir = ''\noutput_dir = ''\nreport_mode = False")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A cheap section\n\nGOOD-RENDER-MARKER"),
        parameters,
        nbformat.v4.new_code_cell("print(report)"),
    ]
    nbformat.write(nb, notebooks / section.notebook)
    data = root / "data"
    shutil.copytree(config.SAMPLE_DATA_DIR, data)
    out = root / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "NOTEBOOKS_DIR", notebooks)
        code = cli.main(["render", "final", "--data", str(data), "--out", str(out), "--jobs", "1", "--sections", TINY_SECTION])
    assert code == 0
    assert "GOOD-RENDER-MARKER" in (out / "final" / "index.html").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (out / "final" / "sections").glob("*.html")
    )
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _swap_in(corpus_file: str):
    def swap(data_dir: Path) -> None:
        target = data_dir / ("events.csv" if corpus_file.startswith("events") else "event_surveys/E01.csv")
        shutil.copyfile(CORPUS / corpus_file, target)

    swap.__name__ = corpus_file
    return swap


CLI_CASES = [
    (_swap_in("events_truncated.csv"), "events.csv, row 5, column 'C (title)': ", "looks truncated"),
    (_swap_in("events_us_dates.csv"), "events.csv, row 4, column 'date': ", "month first"),
    (_swap_in("E01_no_second_header.csv"), "event_surveys/E01.csv, row 2, column 'A (Respondent ID)': ", "second header row is missing"),
    (_swap_in("E01_scientific_ids.csv"), "event_surveys/E01.csv, row 4, column 'A (Respondent ID)': ", "scientific notation"),
    (_put_nul_in_title, "events.csv, row 5, column 'C (title)': ", "NUL bytes"),
]


@pytest.mark.parametrize(("spoil", "located", "says"), CLI_CASES, ids=[spoil.__name__.strip("_") for spoil, _, _ in CLI_CASES])
def test_the_cli_exits_2_naming_the_cell_and_keeps_the_good_render(
    good_render, sample_copy, tmp_path, monkeypatch, capsys, spoil, located, says
):
    out = tmp_path / "out"
    shutil.copytree(good_render, out)
    before = _files(out)
    spoil(sample_copy)
    monkeypatch.setattr(render, "render_report", lambda *a, **k: pytest.fail("a notebook ran despite bad input"))

    code = cli.main(["render", "final", "--data", str(sample_copy), "--out", str(out), "--sections", TINY_SECTION])

    err = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT
    assert f"pdu-report: {located}" in err and says in err, err
    assert "Traceback" not in err and "pandas" not in err
    assert _files(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["final"]  # no staging or .failed folder left behind
