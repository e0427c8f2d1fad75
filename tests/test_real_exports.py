"""Real exports as they come (issue 20): each case is a variant of the sample, built at test time.

Taguette's files are built from the sample's highlights with the header rows
and shapes Taguette 1.5.2 writes (taguette/export.py and
templates/export_highlights.html, copied below), so the tests do not need
Taguette installed. Where a case changes only the layout, the figures must
match the unperturbed sample's.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis import figures
from pdu_lib.errors import InputError
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.inputs.excerpts import REPEATED_HIGHLIGHT, unread_notices
from pdu_lib.memo import PROCESS_MEMO

NUMBERS = ["value", "numerator", "base"]

# --- What Taguette 1.5.2 writes ----------------------------------------------------------------------------
# highlights_csv / highlights_xslx: csv.writer (CRLF line ends); the XLSX's one sheet is named 'highlights'.
TAGUETTE_HIGHLIGHTS_HEADER = ["id", "document", "tag", "content"]
# codebook_csv / codebook_xlsx (sheet 'codebook').
TAGUETTE_CODEBOOK_HEADER = ["tag", "description", "number of highlights", "number of documents"]
# codebook_xml: the REFI-QDA codebook, as Taguette 1.5.2 writes it.
TAGUETTE_QDC = (
    '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.5.2"><Codes>'
    '<Code guid="E4B6E91D-87F2-5DF4-A46D-7C70189B9F0C" name="links" isCodable="true"/></Codes><Sets/></CodeBook>'
)
# export_highlights.html, rendered for the all-tags export (path empty): each highlight's HTML snippet, then its document and tags.
TAGUETTE_HTML_HEAD = (
    '<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset="UTF-8">\n    <title>Taguette highlights</title>\n    <style>\n'
    "      h1 {\n        margin-bottom: 1em;\n      }\n    </style>\n  </head>\n  <body>\n    <h1>Taguette highlights</h1>\n"
)
TAGUETTE_HTML_HIGHLIGHT = (
    "\n    {snippet}\n    <p>\n      <strong>Document:</strong> {document}\n      <strong>Tags:</strong>\n        {tags}\n    </p>"
)

HIGHLIGHTS = Path("excerpts") / "taguette_highlights_participants.csv"


def reload(data_dir: Path, report: str = "final"):
    """The Dataset of a folder changed after it was first loaded (load_dataset caches per folder)."""
    PROCESS_MEMO.clear()
    return load_dataset(data_dir, report)


def figure_numbers(data_dir: Path, report: str = "final") -> pd.DataFrame:
    return figures.compute_figures(reload(data_dir, report)).set_index("figure_id")[NUMBERS]


@pytest.fixture(scope="module")
def sample_figures() -> dict[str, pd.DataFrame]:
    return {report: figure_numbers(config.SAMPLE_DATA_DIR, report) for report in ("interim", "final")}


def assert_same_figures(data_dir: Path, sample_figures) -> None:
    for report in ("interim", "final"):
        pd.testing.assert_frame_equal(figure_numbers(data_dir, report), sample_figures[report])


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def write_rows(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)  # CRLF line ends, as Taguette's csv.writer writes them
    return path


def highlights(data_dir: Path) -> list[list[str]]:
    rows = read_rows(data_dir / HIGHLIGHTS)
    assert rows[0] == TAGUETTE_HIGHLIGHTS_HEADER  # the sample's export carries Taguette's own header
    return rows[1:]


def quotes(ds) -> list[tuple]:
    return list(ds.excerpts[["theme", "sub_theme", "round", "document", "text"]].itertuples(index=False, name=None))


# --- 1. A follow-up round split across two collectors ------------------------------------------------------

HUB_AWARE = "Are you aware of the PDU online platform (the hub)?"
REWORDED = "Did you know about the PDU hub before today?"


def split_round(data_dir: Path, reword: str | None = None) -> tuple[str, str]:
    """Round 2019-01 as two collectors' exports (alternate responses); the second may word hub_aware differently.
    The survey codes and documents.csv follow the responses to their new files."""
    folder = data_dir / "followup_surveys"
    grid = read_rows(folder / "2019-01.csv")
    head, sub, rows = grid[0], grid[1], grid[2:]
    names = ("followup_surveys/2019-01 web link.csv", "followup_surveys/2019-01 email.csv")
    second_head = [reword if cell == HUB_AWARE and reword else cell for cell in head]
    write_rows(data_dir / names[0], [head, sub, *rows[::2]])
    write_rows(data_dir / names[1], [second_head, sub, *rows[1::2]])
    (folder / "2019-01.csv").unlink()
    in_second = {row[0] for row in rows[1::2]}
    codes = read_rows(data_dir / "excerpts" / "survey_codes.csv")
    for code in codes[1:]:
        if code[0] == "followup_surveys/2019-01.csv":
            code[0] = names[1] if code[1] in in_second else names[0]
    write_rows(data_dir / "excerpts" / "survey_codes.csv", codes)
    documents = read_rows(data_dir / "excerpts" / "documents.csv")
    old = next(row for row in documents if row[0] == "followup_surveys/2019-01.csv")
    documents = [row for row in documents if row is not old] + [[name, *old[1:]] for name in names]
    write_rows(data_dir / "excerpts" / "documents.csv", documents)
    return names


def test_a_split_round_reads_as_the_whole_round(sample_copy, sample_figures):
    split_round(sample_copy)
    assert_same_figures(sample_copy, sample_figures)


def test_a_reworded_question_in_one_export_of_a_split_round_stops_the_run_naming_it(sample_copy):
    _, second = split_round(sample_copy, reword=REWORDED)
    with pytest.raises(InputError) as caught:
        reload(sample_copy)
    message = str(caught.value)
    assert message.startswith(f"{second}, row 1, column 'P'")
    assert REWORDED in message and "'hub_aware'" in message and HUB_AWARE in message


def test_the_reworded_question_once_mapped_gives_the_whole_rounds_figures(sample_copy, sample_figures):
    split_round(sample_copy, reword=REWORDED)
    path = sample_copy / "harmonisation.yml"
    text = path.read_text(encoding="utf-8")
    assert f"    - {HUB_AWARE}\n" in text
    path.write_text(text.replace(f"    - {HUB_AWARE}\n", f"    - {HUB_AWARE}\n    - {REWORDED}\n", 1), encoding="utf-8")
    assert_same_figures(sample_copy, sample_figures)
    final = reload(sample_copy)
    assert figures.compute_figures(final).set_index("figure_id").loc["hub_aware", "base"] == 29


def test_an_unmapped_question_no_peer_maps_stays_listed_not_an_error():
    ds = reload(config.SAMPLE_DATA_DIR)
    assert ds.unmapped_questions["text"].tolist() == ["How would you rate the venue?"]


# --- 2. A sheet before the register ------------------------------------------------------------------------


def add_instructions_sheet(data_dir: Path) -> None:
    path = data_dir / "attendance_register.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.create_sheet("Instructions", 0)
    for line in ("How to fill in the register", "One row per booking.", "Event ID as in the list of events."):
        sheet.append([line])
    workbook.active = 0
    workbook.save(path)


def test_a_sheet_before_the_register_is_passed_over(sample_copy, sample_figures):
    add_instructions_sheet(sample_copy)
    assert_same_figures(sample_copy, sample_figures)


def test_errors_in_a_register_of_several_sheets_name_its_sheet(sample_copy):
    add_instructions_sheet(sample_copy)
    path = sample_copy / "attendance_register.xlsx"
    workbook = openpyxl.load_workbook(path)
    workbook["Register"]["A5"] = None
    workbook.save(path)
    with pytest.raises(InputError) as caught:
        reload(sample_copy)
    assert str(caught.value).startswith("attendance_register.xlsx, sheet 'Register', row 5, column 'Event ID': Event ID is blank")


def test_two_sheets_holding_a_register_header_is_an_error_naming_both(sample_copy):
    path = sample_copy / "attendance_register.xlsx"
    workbook = openpyxl.load_workbook(path)
    workbook.copy_worksheet(workbook["Register"]).title = "Register (old)"
    workbook.save(path)
    with pytest.raises(InputError, match=r"sheets 'Register' and 'Register \(old\)' both hold the register header"):
        reload(sample_copy)


# --- 3. Merged cells ---------------------------------------------------------------------------------------


def merge_event_blocks(data_dir: Path) -> int:
    """Event ID, date and title merged down each run of an event's bookings, as co-ordinators lay them out."""
    path = data_dir / "attendance_register.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Register"]
    first = 4  # the header is row 3
    merged = 0
    for row in range(first + 1, sheet.max_row + 2):
        if row <= sheet.max_row and sheet.cell(row, 1).value == sheet.cell(first, 1).value:
            continue
        if row - 1 > first:
            for column in (1, 2, 3):
                sheet.merge_cells(start_row=first, start_column=column, end_row=row - 1, end_column=column)
                merged += 1
        first = row
    workbook.save(path)
    return merged


def test_a_register_with_each_events_cells_merged_gives_the_samples_figures(sample_copy, sample_figures):
    assert merge_event_blocks(sample_copy) > 30
    cells = openpyxl.load_workbook(sample_copy / "attendance_register.xlsx")["Register"]
    assert cells["A5"].value is None  # merged away: the file holds only each block's top-left value
    assert_same_figures(sample_copy, sample_figures)


def test_a_survey_export_with_merged_question_headers_reads_as_before(sample_copy, sample_figures):
    """SurveyMonkey's XLSX merges a question's text across its option columns."""
    path = sample_copy / "followup_surveys" / "2018-06.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    head = [cell.value for cell in sheet[1]]
    starts = [i for i, value in enumerate(head, start=1) if value]
    for start, end in zip(starts, [*starts[1:], len(head) + 1]):
        if end - 1 > start and start > 9:
            sheet.merge_cells(start_row=1, start_column=start, end_row=1, end_column=end - 1)
    workbook.save(path)
    assert_same_figures(sample_copy, sample_figures)


# --- 4. The advice on a code naming two answers works ------------------------------------------------------

ACTION = "What action did you take?"
SECOND = "What else did you do differently?"


def ask_action_twice(data_dir: Path, wording: str) -> tuple[str, str]:
    """Round 2019-01 asks the open action question a second time, after the first; returns a coded
    respondent and the text of that respondent's second answer."""
    path = data_dir / "followup_surveys" / "2019-01.csv"
    grid = read_rows(path)
    at = grid[0].index(ACTION)
    codes = read_rows(data_dir / "excerpts" / "survey_codes.csv")
    coded = next(code for code in codes[1:] if code[0] == "followup_surveys/2019-01.csv" and code[2] == ACTION)
    for row in grid:
        row.insert(at + 1, "")
    grid[0][at + 1], grid[1][at + 1] = wording, "Open-Ended Response"
    respondent = next(row for row in grid[2:] if row[0] == coded[1])
    respondent[at + 1] = "Shared the toolkit with two other teams."
    write_rows(path, grid)
    if wording != ACTION:
        harmonisation = data_dir / "harmonisation.yml"
        text = harmonisation.read_text(encoding="utf-8")
        harmonisation.write_text(text.replace(f"    - {ACTION}\n", f"    - {ACTION}\n    - {wording}\n", 1), encoding="utf-8")
    return coded[1], respondent[at + 1]


def recode(data_dir: Path, respondent: str, old: str, new: str) -> None:
    path = data_dir / "excerpts" / "survey_codes.csv"
    codes = read_rows(path)
    code = next(code for code in codes[1:] if code[1] == respondent and code[2] == old)
    code[2] = new
    write_rows(path, codes)


def test_a_measure_asked_twice_advises_one_wording_and_that_advice_works(sample_copy):
    respondent, second_answer = ask_action_twice(sample_copy, SECOND)
    recode(sample_copy, respondent, ACTION, "action_taken")
    with pytest.raises(InputError) as caught:
        reload(sample_copy)
    message = str(caught.value)
    assert f"give one wording instead: '{ACTION}' or '{SECOND}'" in message
    recode(sample_copy, respondent, "action_taken", SECOND)  # the advice, followed
    texts = reload(sample_copy).excerpts["text"].tolist()
    assert second_answer in texts


def test_a_wording_asked_twice_advises_numbering_and_that_advice_works(sample_copy):
    respondent, second_answer = ask_action_twice(sample_copy, ACTION)
    with pytest.raises(InputError) as caught:
        reload(sample_copy)
    assert f"give '{ACTION} #1' or '{ACTION} #2'" in str(caught.value)
    recode(sample_copy, respondent, ACTION, f"{ACTION} #2")  # the advice, followed
    assert second_answer in reload(sample_copy).excerpts["text"].tolist()


# --- 5. Taguette's own files -------------------------------------------------------------------------------


def taguette_html(rows: list[list[str]]) -> str:
    """The sample's highlights as Taguette's HTML highlights document (one entry per highlight, its tags joined)."""
    by_id: dict[str, list] = {}
    for highlight_id, document, tag, content in rows:
        by_id.setdefault(highlight_id, [document, [], content])[1].append(tag)
    entries = [TAGUETTE_HTML_HIGHLIGHT.format(snippet=c, document=d, tags=",\n        ".join(t)) for d, t, c in by_id.values()]
    return TAGUETTE_HTML_HEAD + "\n    <hr>".join(entries) + "\n\n  </body>\n</html>"


@pytest.mark.parametrize("suffix", [".html", ".docx", ".pdf"])
def test_taguettes_highlights_as_a_document_are_refused_with_what_to_export(sample_copy, suffix):
    html = taguette_html(highlights(sample_copy))
    path = sample_copy / "excerpts" / f"all_tags{suffix}"
    if suffix == ".html":
        path.write_text(html, encoding="utf-8")
    elif suffix == ".docx":
        import docx

        document = docx.Document()
        document.add_heading("Taguette highlights", 1)
        document.add_paragraph("Document: Interview I01")
        document.save(path)
    else:  # calibre's PDF keeps the HTML's title in its metadata
        path.write_bytes(b"%PDF-1.4\n1 0 obj << /Title (Taguette highlights) /Producer (calibre 5.12.0) >> endobj\n%%EOF\n")
    path.rename(path.with_name(f"interviews{suffix}"))  # recognised by its content, not its name
    with pytest.raises(InputError) as caught:
        reload(sample_copy)
    message = str(caught.value)
    assert message.startswith(f"excerpts/interviews{suffix}:") and "export the highlights as CSV or XLSX" in message


def write_codebook_exports(data_dir: Path) -> None:
    tags = [["links", "Links made", "3", "2"], ["diversity/same faces", 'x, "quoted"', "2", "2"]]
    write_rows(data_dir / "excerpts" / "codebook.csv", [TAGUETTE_CODEBOOK_HEADER, *tags])
    workbook = openpyxl.Workbook()
    workbook.active.title = "codebook"
    for row in [TAGUETTE_CODEBOOK_HEADER, *tags]:
        workbook.active.append(row)
    workbook.save(data_dir / "excerpts" / "codebook.xlsx")
    (data_dir / "excerpts" / "codebook.qdc").write_text(TAGUETTE_QDC, encoding="utf-8")


def test_taguettes_codebook_exports_are_skipped_with_a_notice(sample_copy, sample_figures):
    write_codebook_exports(sample_copy)
    assert_same_figures(sample_copy, sample_figures)
    ds = reload(sample_copy)
    assert ds.unread_inputs[["file", "what"]].values.tolist() == [
        ["excerpts/codebook.csv", "Taguette codebook export"],
        ["excerpts/codebook.qdc", "REFI-QDA codebook (.qdc)"],
        ["excerpts/codebook.xlsx", "Taguette codebook export"],
    ]
    notices = unread_notices([ds.unread_inputs, reload(sample_copy, "interim").unread_inputs])
    assert len(notices) == 3 and notices[0].startswith("excerpts/codebook.csv: Taguette codebook export: not needed")


def test_the_render_says_on_stderr_which_files_it_did_not_read(sample_copy, monkeypatch):
    from pdu_lib.report import render

    write_codebook_exports(sample_copy)
    stream = io.StringIO()

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(render, "check_replaceable", stop)  # the notices come before any output is touched
    PROCESS_MEMO.clear()
    with pytest.raises(Stop):
        render.render_reports(["all"], data_dir=sample_copy, out_dir=sample_copy.parent / "out", stream=stream, use_cache=False)
    lines = stream.getvalue().splitlines()
    assert (
        "pdu-report: not read: excerpts/codebook.qdc: REFI-QDA codebook (.qdc): not needed: the themes and sub-themes come from codebook.yml"
        in lines
    )
    assert len([line for line in lines if "not read" in line]) == 3


def test_a_document_with_no_excerpts_is_listed(sample_copy):
    path = sample_copy / HIGHLIGHTS
    rows = highlights(sample_copy)
    write_rows(path, [TAGUETTE_HIGHLIGHTS_HEADER, *[row for row in rows if row[1] != "Interview I03"]])
    unread = reload(sample_copy).unread_inputs
    assert unread["what"].tolist() == ["row 4: document 'Interview I03'"]
    assert unread["file"].tolist() == ["excerpts/documents.csv"] and "no excerpt names this document" in unread["note"].iloc[0]
    assert reload(config.SAMPLE_DATA_DIR).unread_inputs.empty


def per_tag_export(rows: list[list[str]], tag: str) -> list[list[str]]:
    """Taguette's export of one tag: every highlight carrying the tag, with all of its tags (export._get_highlights_for_export)."""
    wanted = {row[0] for row in rows if row[2] == tag or row[2].startswith(f"{tag}/")}
    return [row for row in rows if row[0] in wanted]


def test_an_all_tags_export_and_a_per_tag_export_count_each_highlight_once(sample_copy, sample_figures):
    rows = highlights(sample_copy)
    per_tag = per_tag_export(rows, "knowledge")
    assert 0 < len(per_tag) < len(rows)
    write_rows(sample_copy / "excerpts" / "knowledge.csv", [TAGUETTE_HIGHLIGHTS_HEADER, *per_tag])
    workbook = openpyxl.Workbook()
    workbook.active.title = "highlights"
    for row in [TAGUETTE_HIGHLIGHTS_HEADER, *rows]:
        workbook.active.append(row)
    workbook.save(sample_copy / "excerpts" / "all_tags.xlsx")  # the same export again, as Excel
    assert_same_figures(sample_copy, sample_figures)
    ds = reload(sample_copy)
    assert quotes(ds) == quotes(reload(config.SAMPLE_DATA_DIR))
    reasons = ds.ledger.reasons().set_index(["file", "reason"])["rows"]
    assert reasons.loc[("excerpts/knowledge.csv", REPEATED_HIGHLIGHT)] == len(per_tag)
    assert reasons.loc[("excerpts/taguette_highlights_participants.csv", REPEATED_HIGHLIGHT)] == len(rows)


def test_two_projects_highlights_with_the_same_ids_are_not_taken_for_copies(sample_copy):
    rows = highlights(sample_copy)
    other = [[row[0], "Interview I02", row[2], f"Another project's words {n}."] for n, row in enumerate(rows[:3])]
    write_rows(sample_copy / "excerpts" / "other_project.csv", [TAGUETTE_HIGHLIGHTS_HEADER, *other])
    assert len(reload(sample_copy).excerpts) == len(reload(config.SAMPLE_DATA_DIR).excerpts) + 3


@pytest.mark.parametrize("new_name", ["all_tags.csv", "00 interviews.csv", "zz highlights.csv"])
def test_a_renamed_export_gives_the_same_quotes_in_the_same_order(sample_copy, new_name):
    before = quotes(reload(sample_copy))
    shutil.move(sample_copy / HIGHLIGHTS, sample_copy / "excerpts" / new_name)
    assert quotes(reload(sample_copy)) == before


# --- 6. figures.csv names the wordings the figure's exports used -------------------------------------------

LATER_WORDING = "Please rate your understanding of the topic after the event"


def test_a_figures_question_lists_only_the_wordings_its_exports_used(sample_copy):
    path = sample_copy / "harmonisation.yml"
    text = path.read_text(encoding="utf-8")
    unused = "How much more do you understand now?"
    assert f"    - {LATER_WORDING}\n" in text
    path.write_text(text.replace(f"    - {LATER_WORDING}\n", f"    - {LATER_WORDING}\n    - {unused}\n", 1), encoding="utf-8")
    interim, final = (figures.compute_figures(reload(sample_copy, r)).set_index("figure_id") for r in ("interim", "final"))
    for table in (interim, final):
        assert unused not in table.at["understanding_much_greater", "question"]
    assert LATER_WORDING not in interim.at["understanding_much_greater", "question"]  # first used after the interim period
    assert LATER_WORDING in final.at["understanding_much_greater", "question"]
    assert final.at["hub_aware", "question"] == HUB_AWARE


def test_taguettes_codebook_as_a_document_is_skipped_with_a_notice(sample_copy, sample_figures):
    head = TAGUETTE_HTML_HEAD.replace("Taguette highlights", "Taguette Codebook")
    (sample_copy / "excerpts" / "codebook.html").write_text(head + "    <h2>links</h2>\n  </body>\n</html>", encoding="utf-8")
    assert_same_figures(sample_copy, sample_figures)
    assert reload(sample_copy).unread_inputs["what"].tolist() == ["Taguette codebook export (a document)"]
