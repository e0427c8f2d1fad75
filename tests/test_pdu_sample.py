"""The sample generator (pdu_sample) and its SurveyMonkey writer (pdu_sample.smwriter)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pdu_lib.inputs.tables import read_grid, read_table
from pdu_sample import generate
from pdu_sample.generate import EVENTS, TARGETS
from pdu_sample.smwriter import Other, Question, Response, write_csv, write_xlsx

PROJECT = Path(__file__).resolve().parent.parent
DATA_README = PROJECT / "data" / "README.md"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out, seed=2019)
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _register_names(folder: Path) -> list[str]:
    rows = list(load_workbook(folder / "attendance_register.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    name = rows[2].index("Name")
    return [row[name] for row in rows[3:]]


# --- the generator -----------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path, sample):
    generate(tmp_path / "again", seed=2019)
    first, second = _files(sample), _files(tmp_path / "again")
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_a_different_seed_changes_the_names(tmp_path, sample):
    generate(tmp_path / "other", seed=2020)
    assert _register_names(tmp_path / "other") != _register_names(sample)
    assert _files(tmp_path / "other")["attendance_register.xlsx"] != _files(sample)["attendance_register.xlsx"]


def _required_paths() -> list[str]:
    """The first path of every row of data/README.md's folder layout table marked required ('yes...')."""
    paths = []
    for line in DATA_README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2].startswith("yes") and cells[0].startswith("`"):
            paths.append(re.match(r"`([^`]+)`", cells[0]).group(1))
    return paths


def test_every_required_file_is_where_data_readme_says(sample):
    required = _required_paths()
    assert "events.csv" in required and "event_surveys/<event_id>*.csv" in required  # the table was read
    for path in required:
        if "<" in path:
            folder, _pattern = path.split("/", 1)
            assert (sample / folder).is_dir(), folder
            assert any((sample / folder).iterdir()), f"{folder} is empty"
        else:
            assert (sample / path).is_file(), path


def test_survey_exports_are_named_by_event_id_and_round_month(sample):
    event_ids = {e.event_id for e in EVENTS}
    for path in (sample / "event_surveys").iterdir():
        assert re.match(r"(E\d\d)[ .]", path.name) and path.name[:3] in event_ids, path.name
        assert path.suffix in (".csv", ".xlsx")
    assert sorted(p.name for p in (sample / "followup_surveys").iterdir()) == ["2018-06.xlsx", "2019-01.csv"]


def test_register_header_is_found_below_the_title_rows(sample):
    columns = {
        "event_id": "Event ID",
        "name": "Name",
        "email": "Email",
        "organisation": "Organisation",
        "sector": "Sector",
        "focus": "Main focus of work",
        "status": "Status",
    }
    table = read_table(sample / "attendance_register.xlsx", columns)
    assert table.loc[0, "source_row"] == 4
    assert set(table["event_id"]) <= {e.event_id for e in EVENTS}


def test_register_holds_the_target_number_of_learning_attendances(sample):
    columns = {"event_id": "Event ID", "sector": "Sector", "status": "Status"}
    table = read_table(sample / "attendance_register.xlsx", columns)
    learning = {e.event_id for e in EVENTS if e.kind == "learning event"}
    attended = table[table["event_id"].isin(learning) & (table["status"].str.strip().str.lower() == "attended")]
    assert len(attended) == TARGETS["attendances"]
    by_sector = attended["sector"].str.strip().str.capitalize().value_counts().to_dict()
    assert by_sector == TARGETS["attendances_by_sector"]


def test_followup_rounds_have_the_target_number_of_responses(sample):
    for round_, target in TARGETS["followup"].items():
        (path,) = (sample / "followup_surveys").glob(f"{round_}*")
        assert len(read_grid(path)) - 2 == target["responses"]


def test_generate_replaces_old_exports_but_leaves_other_files(tmp_path):
    (tmp_path / "event_surveys").mkdir()
    (tmp_path / "event_surveys" / "E99 stale.csv").write_text("old")
    (tmp_path / "notes.txt").write_text("kept")
    generate(tmp_path, seed=2019)
    assert not (tmp_path / "event_surveys" / "E99 stale.csv").exists()
    assert (tmp_path / "notes.txt").read_text() == "kept"


def test_the_shipped_reports_yml_is_what_the_generator_writes(tmp_path):
    generate(tmp_path, seed=2019)
    shipped = PROJECT / "data" / "sample" / "reports.yml"
    assert (tmp_path / "reports.yml").read_bytes() == shipped.read_bytes()


# --- the SurveyMonkey writer ---------------------------------------------------

QUESTIONS = [
    Question("Did it help?", "single", ("Yes", "No")),
    Question("Who with?", "multi", ("Team", "Manager"), has_other=True),
    Question("Any other comments?", "open"),
    Question("Any other comments?", "open"),
]


def _response(respondent_id: int, answers: list) -> Response:
    end = dt.datetime(2018, 6, 14, 10, 12, 33)
    return Response(respondent_id, 99, end - dt.timedelta(minutes=5), end, "192.0.2.10", answers=answers)


RESPONSES = [
    _response(1, ["Yes", ["Manager", Other("Board")], "It’s £5 well spent", None]),
    _response(2, [None, [], None, "second"]),
]


def _csv_rows(raw: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))


def test_csv_export_has_two_header_rows_in_surveymonkey_layout(tmp_path):
    write_csv(tmp_path / "e.csv", QUESTIONS, RESPONSES)
    rows = _csv_rows((tmp_path / "e.csv").read_bytes(), "utf-8")
    assert rows[0][:9] == [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ]
    assert rows[0][9:] == ["Did it help?", "Who with?", "", "", "Any other comments?", "Any other comments?"]
    assert rows[1] == [""] * 9 + ["Response", "Team", "Manager", "Other (please specify)", "Open-Ended Response", "Open-Ended Response"]
    assert rows[2][3] == "06/14/2018 10:12:33 AM"
    assert rows[2][9:] == ["Yes", "", "Manager", "Board", "It’s £5 well spent", ""]
    assert rows[3][9:] == ["", "", "", "", "", "second"]


def test_old_style_metadata_names(tmp_path):
    write_csv(tmp_path / "e.csv", QUESTIONS, RESPONSES, old_style=True)
    header = _csv_rows((tmp_path / "e.csv").read_bytes(), "utf-8")[0]
    assert {"RespondentID", "StartDate", "LastName"} <= set(header[:9])


def test_cp1252_and_bom_encodings(tmp_path):
    write_csv(tmp_path / "w.csv", QUESTIONS, RESPONSES, encoding="cp1252")
    write_csv(tmp_path / "b.csv", QUESTIONS, RESPONSES, bom=True)
    windows, bom = (tmp_path / "w.csv").read_bytes(), (tmp_path / "b.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        windows.decode("utf-8")
    assert "It’s £5" in windows.decode("cp1252")
    assert bom.startswith(b"\xef\xbb\xbf") and "It’s £5" in bom.decode("utf-8-sig")


def test_xlsx_export_matches_the_csv_cell_for_cell_and_is_reproducible(tmp_path):
    write_csv(tmp_path / "e.csv", QUESTIONS, RESPONSES)
    write_xlsx(tmp_path / "e.xlsx", QUESTIONS, RESPONSES)
    write_xlsx(tmp_path / "again.xlsx", QUESTIONS, RESPONSES)
    as_text = [["" if c is None else str(c) for c in row] for row in read_grid(tmp_path / "e.xlsx")]
    assert as_text == read_grid(tmp_path / "e.csv")
    assert (tmp_path / "e.xlsx").read_bytes() == (tmp_path / "again.xlsx").read_bytes()


def test_an_answer_that_is_not_an_option_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not one of its options"):
        write_csv(tmp_path / "e.csv", QUESTIONS, [_response(1, ["Maybe", None, None, None])])


def test_duplicate_respondent_ids_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unique"):
        write_csv(tmp_path / "e.csv", QUESTIONS, [_response(1, [None] * 4), _response(1, [None] * 4)])
