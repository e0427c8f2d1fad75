"""The Expert Citizens review pack: the actions people reported, anonymised, numbered, grouped by theme.

Two forms of one pack, for the next review session:

- a Word document to print for the group: large type, each action with the
  impact scale to tick and space to write, and a last page for what the group
  said overall;
- an XLSX with one row per action and blank columns for the judgement and a
  comment, that the evaluator fills in and saves as
  ``expert_citizens/<session date>.xlsx`` in the data folder
  (read back by :mod:`pdu_lib.inputs.expert_citizens`).

The pack leaves the evaluator's hands, so it shows only what may be quoted
(the publication rules of :mod:`pdu_lib.present.quotes`: consent, no names,
no withheld text, organisations replaced) and says only how many actions it
leaves out, and why. An answer that reports no action yet ("Nothing so far",
:func:`pdu_lib.present.quotes.is_non_answer`) is left out too.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from pdu_lib import config
from pdu_lib.errors import InputError
from pdu_lib.inputs.actions import reported_actions
from pdu_lib.inputs.codebook import EXCERPTS_DIR
from pdu_lib.inputs.dataset import Dataset, load_dataset
from pdu_lib.inputs.excerpts import DOCUMENTS_FILE, document_key, load_documents
from pdu_lib.inputs.expert_citizens import (
    ACTIONS_SHEET,
    COLUMNS,
    IMPACT_SCALE,
    OVERALL_SHEET,
    text_check,
)
from pdu_lib.present.quotes import is_non_answer, publication_review
from pdu_lib.report.figures_csv import FORMULA_STARTS
from pdu_lib.report.outputs import check_out_dir

PACK_NAME = "expert_citizens_review_pack"
# Zip members and document properties carry this moment, so the same data gives the same bytes.
FIXED_TIMESTAMP = dt.datetime(2019, 1, 31, 17, 0, 0)
TITLE = "Expert Citizens review of actions"


@dataclass
class ReviewPack:
    actions: pd.DataFrame  # the actions shown: action_id, round, theme_label, text
    withheld: pd.DataFrame  # reason, actions (counts only)
    docx: Path | None = None
    xlsx: Path | None = None


def _survey_consent(ds: Dataset) -> dict[str, bool]:
    path = ds.data_dir / EXCERPTS_DIR / DOCUMENTS_FILE
    if not path.is_file():
        return {}
    documents = load_documents(path, f"{EXCERPTS_DIR}/{DOCUMENTS_FILE}")
    by_key = {document_key(d): bool(c) for d, c in zip(documents["document"], documents["consent"])}
    files = ds.followup_answers["source_file"].dropna().astype(str).unique()
    return {f: by_key.get(document_key(f), False) for f in files}


def pack_actions(ds: Dataset) -> ReviewPack:
    """The actions of a report's data as the pack shows them, and how many it withholds by reason.

    Needs the codebook's publication rules: a data folder without ``codebook.yml`` is an InputError.
    """
    if ds.codebook is None:
        raise InputError(
            ds.data_dir / "codebook.yml", "the review pack needs the codebook's publication rules (names, withheld text, organisations)"
        )
    actions = reported_actions(ds.followup_answers, ds.excerpts, _survey_consent(ds), list(ds.codebook.themes["theme_label"]))
    organisations = ds.bookings["organisation"].dropna().astype(str).unique()
    review = publication_review(actions, ds.codebook, organisations)
    # An answer that says nothing yet ("Nothing so far") is counted, never put to the group as an action.
    empty = review["publishable"] & review["text"].map(is_non_answer)
    review.loc[empty, "withheld_reason"] = "says no action yet"
    review.loc[empty, "publishable"] = False
    shown = review.loc[review["publishable"], ["action_id", "round", "theme_label", "text"]].reset_index(drop=True)
    withheld = review.loc[~review["publishable"]].groupby("withheld_reason").size().rename("actions").rename_axis("reason").reset_index()
    return ReviewPack(shown, withheld)


# --------------------------------------------------------------------------- the XLSX


def build_workbook(actions: pd.DataFrame, heading: str, withheld: pd.DataFrame | None = None) -> Workbook:
    """The pack as a workbook: Actions (one row per action, blank judgement columns), Overall, About."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ACTIONS_SHEET
    headers = [COLUMNS[k] for k in ("action_id", "theme", "action", "impact", "comment", "check")]
    sheet.append(headers)
    for row in actions.itertuples(index=False):
        sheet.append([row.action_id, row.theme_label, row.text, None, None, text_check(row.action_id, row.text)])
    _as_text(sheet)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (11, 28, 70, 28, 50, 12)):
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["F"].hidden = True
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    choices = DataValidation(
        type="list",
        formula1='"' + ",".join(IMPACT_SCALE.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Impact",
        error="Choose a value of the scale, or leave it blank",
    )
    sheet.add_data_validation(choices)
    if len(actions):
        choices.add(f"D2:D{len(actions) + 1}")
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"

    overall = workbook.create_sheet(OVERALL_SHEET)
    overall.append(["What the group said overall (one point per row)"])
    overall["A1"].font = Font(bold=True)
    overall.column_dimensions["A"].width = 120

    about = workbook.create_sheet("About")
    lines = [heading, "", "For each action, choose its likely impact for service users in column D:"]
    lines += [f"  {label}" for label in IMPACT_SCALE.values()]
    lines += [
        "Add any comment in column E. Leave a row blank if the group did not discuss it.",
        "Do not change the action ids or the actions' text.",
        "Save the file as expert_citizens/<session date>.xlsx (e.g. 2019-02-14.xlsx) in the data folder.",
    ]
    if withheld is not None and len(withheld):
        lines += ["", "Actions not shown, and why:"]
        lines += [f"  {row.reason}: {row.actions}" for row in withheld.itertuples(index=False)]
    for line in lines:
        about.append([line])
    about.column_dimensions["A"].width = 110
    return workbook


def _as_text(sheet) -> None:
    """Every text cell written as a string, never a formula (OWASP: CSV injection), and kept as text when edited in Excel.

    openpyxl takes a text starting with ``=`` for a formula; typed as a string
    it is stored and read back exactly as it was, and Excel's quote prefix
    stops the cell turning into a formula when someone edits it.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and (cell.data_type == "f" or cell.value.startswith(FORMULA_STARTS)):
                cell.data_type = "s"
                cell.quotePrefix = True


def _fixed_zip(raw: bytes) -> bytes:
    """The same archive with every member dated FIXED_TIMESTAMP, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Write ``workbook`` with fixed properties and dates (openpyxl's save stamps the clock)."""
    workbook.properties.created = workbook.properties.modified = FIXED_TIMESTAMP
    workbook.properties.creator = workbook.properties.lastModifiedBy = "PDU"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    Path(path).write_bytes(_fixed_zip(buffer.getvalue()))


# --------------------------------------------------------------------------- the Word document


def _no_split(row) -> None:
    """Keep a table row on one page (python-docx has no API for w:cantSplit)."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def build_document(actions: pd.DataFrame, heading: str, withheld: pd.DataFrame | None = None):
    """The pack as a Word document: large type, each action with the scale to tick and room to write."""
    from docx import Document

    document = Document()
    _page_and_styles(document)
    _front(document, heading, withheld)
    for theme, rows in actions.groupby("theme_label", sort=False):
        document.add_heading(str(theme), level=1)
        for row in rows.itertuples(index=False):
            _action_table(document, str(row.action_id), str(row.text))
            document.add_paragraph()
    _overall_box(document)
    return document


def _page_and_styles(document) -> None:
    """A4 with 2 cm margins, Arial in large sizes, fixed properties (so the file is the same every time)."""
    from docx.shared import Cm, Pt

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(14)
    for style, size in (("Title", 28), ("Heading 1", 22), ("Heading 2", 18)):
        document.styles[style].font.name = "Arial"
        document.styles[style].font.size = Pt(size)
    core = document.core_properties
    core.title, core.author, core.last_modified_by = TITLE, "PDU", "PDU"
    core.created = core.modified = FIXED_TIMESTAMP
    core.revision = 1


def _front(document, heading: str, withheld: pd.DataFrame | None) -> None:
    """The title, the session's blanks, what to do, the scale, and how many actions are not shown."""
    document.add_paragraph(TITLE, style="Title")
    document.add_paragraph(heading)
    document.add_paragraph("Session date: ______________________     Expert Citizens present: ______")
    document.add_paragraph(
        "These are actions people told the evaluation they have taken since PDU events. For each one, "
        "what difference could it make for people using services? Tick one box and note what the group said."
    )
    document.add_paragraph("   ".join(f"\u2610 {label}" for label in IMPACT_SCALE.values()))
    if withheld is not None and len(withheld):
        left_out = int(withheld["actions"].sum())
        document.add_paragraph(
            f"{left_out} further action{'s are' if left_out != 1 else ' is'} not shown: some may not be quoted, some report no action yet."
        )


def _action_table(document, action_id: str, text: str) -> None:
    """One action: its id and words, the scale to tick, a comment box; kept on one page."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm, Pt

    table = document.add_table(rows=3, cols=len(IMPACT_SCALE))
    table.style = "Table Grid"
    text_cell = table.rows[0].cells[0].merge(table.rows[0].cells[-1])
    comment_cell = table.rows[2].cells[0].merge(table.rows[2].cells[-1])
    label = text_cell.paragraphs[0]
    label.add_run(f"{action_id}   ").font.size = Pt(11)
    label.add_run(text).font.size = Pt(16)
    for cell, choice in zip(table.rows[1].cells, IMPACT_SCALE.values()):
        cell.paragraphs[0].add_run(f"\u2610 {choice}").font.size = Pt(14)
    comment_cell.paragraphs[0].add_run("Comment:").font.size = Pt(12)
    table.rows[2].height = Cm(3.5)
    table.rows[2].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for table_row in table.rows:
        _no_split(table_row)
    # An action, its scale and its comment box stay on one page.
    for table_row in table.rows[:2]:
        for cell in table_row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _overall_box(document) -> None:
    """A new page with one large box for what the group said overall."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("What the group said overall", level=1)
    box = document.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    box.rows[0].height = Cm(20)
    box.rows[0].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def save_document(document, path: Path) -> None:
    buffer = io.BytesIO()
    document.save(buffer)
    Path(path).write_bytes(_fixed_zip(buffer.getvalue()))


# --------------------------------------------------------------------------- the command


def write_review_pack(report: str, data_dir: str | Path | None = None, out_dir: str | Path | None = None) -> ReviewPack:
    """Write ``OUT/review_pack/<report>/expert_citizens_review_pack.docx`` and ``.xlsx`` from a report's data."""
    data_dir = Path(data_dir) if data_dir is not None else config.SAMPLE_DATA_DIR
    out_dir = check_out_dir(out_dir if out_dir is not None else config.OUTPUTS_DIR, data_dir)
    ds = load_dataset(data_dir, report, with_judgements=False)  # the returned packs play no part in a new one
    pack = pack_actions(ds)
    heading = f"{config.programme_name(data_dir)}: {ds.period.title}"
    folder = out_dir / "review_pack" / report
    folder.mkdir(parents=True, exist_ok=True)
    pack.xlsx = folder / f"{PACK_NAME}.xlsx"
    pack.docx = folder / f"{PACK_NAME}.docx"
    save_workbook(build_workbook(pack.actions, heading, pack.withheld), pack.xlsx)
    save_document(build_document(pack.actions, heading, pack.withheld), pack.docx)
    return pack
