"""Coded excerpts: loaders, the mismatch error, consent, names and organisations, escaping, counting people."""

from __future__ import annotations

import csv
import random
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import pytest

from pdu_lib.analysis import themes
from pdu_lib.config import SAMPLE_DATA_DIR, load_reports
from pdu_lib.errors import InputError
from pdu_lib.inputs import codebook
from pdu_lib.inputs import excerpts as excerpt_files
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.present import quotes

HERE = Path(__file__).resolve().parent

CODEBOOK_YML = """\
themes:
  - id: same_faces
    label: Same faces
    section: diversity
    stance: critical
  - id: new_contacts
    label: New contacts and referrals
    section: links
    stance: positive
    sub_themes:
      - id: referrals
        label: Referrals
      - id: face_to_face
        label: Meeting face to face
        stance: mixed
  - id: pledge
    label: Adopting the Pledge
    section: changes
  - id: ec_review
    label: Expert Citizens' review
    section: changes
    sub_themes:
      - id: ec_services
        label: Knowing other services
        section: links
organisations: [Eastfield Hub]
allowed_organisations: [Opportunity Nottingham]
withhold_text: [Elm Street hostel]
"""

DOCUMENTS = [
    ("document", "respondent", "group", "method", "round", "consent"),
    ("Interview I01", "R01", "participant", "interview", "2018-06", "yes"),
    ("Interview I02", "R02", "participant", "interview", "2018-06", "no"),
    ("Interview I03", "R03", "participant", "interview", "2019-01", "yes"),
    ("Interview I04", "R04", "co-ordinator", "interview", "2019-01", "yes"),
    ("EC review", "", "Expert Citizens", "review", "2019-02", "yes"),
    ("followup_surveys/2019-01.csv", "", "participant", "survey", "", "yes"),
]


def write_csv(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "codebook.yml").write_text(CODEBOOK_YML, encoding="utf-8")
    write_csv(tmp_path / "excerpts" / "documents.csv", DOCUMENTS)
    (tmp_path / "excerpts" / "names_to_redact.txt").write_text("# first names\nSam\n\nMary Ann\n", encoding="utf-8")
    return tmp_path


def make_qdpx(path: Path, text: str, selections, *, source_name="Interview I03.docx", inline=False, extra_xml="", root_attrs="") -> Path:
    """A REFI-QDA project: one TextSource and its selections ``(guid, start, end, code_guid or None, name, description)``."""
    sel_xml = []
    for guid, start, end, code, name, description in selections:
        inner = f"<Description>{escape(description)}</Description>" if description else ""
        if code:
            inner += f'<Coding guid="C-{guid}"><CodeRef targetGUID="{code}"/></Coding>'
        name_attr = f" name={quoteattr(name)}" if name is not None else ""
        sel_xml.append(
            f'<PlainTextSelection guid="{guid}"{name_attr} startPosition="{start}" endPosition="{end}">{inner}</PlainTextSelection>'
        )
    content = f"<PlainTextContent>{escape(text)}</PlainTextContent>" if inline else ""
    path_attr = "" if inline else ' plainTextPath="internal://S1.txt"'
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="test"{root_attrs}>
  <CodeBook><Codes>
    <Code guid="G-NC" name="New contacts and referrals" isCodable="true">
      <Code guid="G-REF" name="Referrals" isCodable="true"/>
    </Code>
    <Code guid="G-PLEDGE" name="pledge" isCodable="true"/>
    <Code guid="G-ODD" name="Not in the codebook" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="S1" name={quoteattr(source_name)}{path_attr}>{content}{"".join(sel_xml)}</TextSource>
  </Sources>{extra_xml}
</Project>"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde.encode("utf-8"))
        if not inline:
            archive.writestr("sources/S1.txt", text.encode("utf-8"))
    return path


# Non-ASCII characters before the quotes: positions count characters, not bytes.
SOURCE = "Notes – interview I03 (café). Q: Contacts?\nA: I’ve referred two tenants to a support service I met there.\nQ: Pledge?\nA: We are working towards the Pledge this year."


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


# --------------------------------------------------------------------------- codebook and documents


def test_codebook_sub_themes_inherit_section_and_stance_unless_set(data_dir):
    book = codebook.load_codebook(data_dir / "codebook.yml")
    themes = book.themes.set_index("code")
    assert themes.loc["referrals", ["theme", "section", "stance"]].tolist() == ["new_contacts", "links", "positive"]
    assert themes.loc["face_to_face", "stance"] == "mixed"
    assert themes.loc["ec_services", ["theme", "section"]].tolist() == ["ec_review", "links"]
    assert book.allowed_organisations == ("Opportunity Nottingham",)
    assert book.names == ("Sam", "Mary Ann")


@pytest.mark.parametrize(
    "bad, message",
    [
        ("themes:\n  - {id: a, label: A, section: nowhere}\n", "not a report section"),
        ("themes:\n  - {id: a, label: A, section: links}\n  - {id: a, label: B, section: links}\n", "used twice"),
        ("themes:\n  - {id: a, label: Same, section: links}\n  - {id: b, label: same, section: links}\n", "would both match"),
        ("themes:\n  - {id: a, label: A, section: links, stance: angry}\n", "stance"),
        ("nothing: here\n", "themes"),
    ],
)
def test_codebook_errors_name_the_file_and_the_fault(tmp_path, bad, message):
    path = tmp_path / "codebook.yml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        codebook.load_codebook(path)
    assert err.value.file == "codebook.yml"


def test_documents_are_validated_cell_by_cell(tmp_path):
    good = excerpt_files.load_documents(write_csv(tmp_path / "documents.csv", DOCUMENTS))
    assert good.loc[good["document"] == "EC review", "respondent"].item() == "EC review"  # a review session is its own respondent
    assert good["consent"].tolist() == [True, False, True, True, True, True]

    rows = [list(r) for r in DOCUMENTS]
    rows[3][2] = "manager"
    with pytest.raises(InputError) as err:
        excerpt_files.load_documents(write_csv(tmp_path / "d1.csv", rows))
    assert (err.value.row, err.value.column) == (4, "group")

    rows = [list(r) for r in DOCUMENTS]
    rows[1][1] = ""
    with pytest.raises(InputError, match="respondent is blank") as err:
        excerpt_files.load_documents(write_csv(tmp_path / "d2.csv", rows))
    assert err.value.row == 2

    rows = [list(r) for r in DOCUMENTS]
    rows[2][4] = "June 2018"
    with pytest.raises(InputError, match="YYYY-MM") as err:
        excerpt_files.load_documents(write_csv(tmp_path / "d3.csv", rows))
    assert (err.value.row, err.value.column) == (3, "round")

    rows = [list(r) for r in DOCUMENTS]
    rows[2][5] = ""
    with pytest.raises(InputError, match="yes or no"):
        excerpt_files.load_documents(write_csv(tmp_path / "d4.csv", rows))


# --------------------------------------------------------------------------- loaders


def test_load_taguette_csv_keeps_one_row_per_highlight_and_tag(tmp_path):
    path = write_csv(
        tmp_path / "highlights.csv",
        [
            ("id", "document", "tag", "content"),
            ("7", "Interview I01", "same_faces", "Always the same people."),
            ("7", "Interview I01", "referrals", "Always the same people."),
            ("9", "Interview I03", "", "An untagged highlight."),
        ],
    )
    frame = excerpt_files.load_taguette(path)
    assert frame[["item", "tag", "source_row"]].values.tolist() == [["7", "same_faces", 2], ["7", "referrals", 3], ["9", "", 4]]
    assert frame["location"].tolist() == ["row 2", "row 3", "row 4"]


def test_load_taguette_xlsx(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id", "document", "tag", "content"])
    sheet.append([12, "Interview I01", "pledge", "We signed the Pledge."])
    workbook.save(tmp_path / "highlights.xlsx")
    frame = excerpt_files.load_taguette(tmp_path / "highlights.xlsx")
    assert frame[["item", "document", "tag", "text"]].values.tolist() == [["12", "Interview I01", "pledge", "We signed the Pledge."]]


def test_load_plain_excerpts_and_blank_content_is_an_error(tmp_path):
    path = write_csv(tmp_path / "typed.csv", [("Document", "Tag", "Content"), ("EC review", "ec_services", "Know what else is out there.")])
    assert excerpt_files.load_plain_excerpts(path)[["document", "tag", "text"]].values.tolist() == [
        ["EC review", "ec_services", "Know what else is out there."]
    ]
    path = write_csv(tmp_path / "blank.csv", [("document", "tag", "content"), ("EC review", "ec_services", "  ")])
    with pytest.raises(InputError, match="content is blank") as err:
        excerpt_files.load_plain_excerpts(path)
    assert (err.value.file, err.value.row) == ("blank.csv", 2)


def test_load_qdpx_reads_codes_sources_and_selections(tmp_path):
    a = span(SOURCE, "I’ve referred two tenants to a support service I met there.")
    b = span(SOURCE, "We are working towards the Pledge this year.")
    path = make_qdpx(
        tmp_path / "p.qdpx",
        SOURCE,
        [
            ("SEL-1", *a, "G-REF", "I’ve referred two tenants to a support…", None),
            ("SEL-2", *b, "G-PLEDGE", "label 2", "We are working towards the Pledge this year."),
            ("SEL-3", *b, None, None, None),  # a selection with no code
        ],
    )
    frame = excerpt_files.load_qdpx(path)
    assert frame["item"].tolist() == ["SEL-1", "SEL-2", "SEL-3"]
    assert frame["text"].tolist()[:2] == [SOURCE[a[0] : a[1]], SOURCE[b[0] : b[1]]]
    assert frame["tag_path"].tolist() == ["New contacts and referrals/Referrals", "pledge", ""]
    assert set(frame["document"]) == {"Interview I03.docx"}


def test_load_qdpx_reads_inline_plain_text_content(tmp_path):
    b = span(SOURCE, "We are working towards the Pledge this year.")
    frame = excerpt_files.load_qdpx(make_qdpx(tmp_path / "p.qdpx", SOURCE, [("SEL-2", *b, "G-PLEDGE", None, None)], inline=True))
    assert frame["text"].tolist() == ["We are working towards the Pledge this year."]


@pytest.mark.parametrize(
    "start, end, name, message",
    [
        (50, 40, None, "startPosition 50 is after endPosition 40"),
        (10, 100_000, None, "past the end of the source text"),
        (-3, 10, None, "negative"),
        ("ten", 20, None, "whole numbers"),
        (12, 12, None, "select no text"),
        # the selection's name quotes the Pledge answer, but its positions hold the contacts answer
        ("contacts", None, "We are working towards the Pledge this year.", "do not match"),
    ],
)
def test_qdpx_selection_that_does_not_match_its_positions_is_an_error_naming_it(tmp_path, start, end, name, message):
    if start == "contacts":
        start, end = span(SOURCE, "I’ve referred two tenants to a support service I met there.")
    path = make_qdpx(tmp_path / "p.qdpx", SOURCE, [("SEL-BAD", start, end, "G-REF", name, None)])
    with pytest.raises(InputError, match=message) as err:
        excerpt_files.load_qdpx(path)
    assert "SEL-BAD" in str(err.value) and "Interview I03.docx" in str(err.value)
    assert err.value.file == "p.qdpx"


def test_qdpx_description_copy_is_checked_too(tmp_path):
    a = span(SOURCE, "I’ve referred two tenants to a support service I met there.")
    shifted = (a[0] + 5, a[1] + 5)  # positions counted as bytes would land about here
    path = make_qdpx(tmp_path / "p.qdpx", SOURCE, [("SEL-D", *shifted, "G-REF", None, SOURCE[a[0] : a[1]])])
    with pytest.raises(InputError, match="SEL-D.*Description"):
        excerpt_files.load_qdpx(path)


def test_qdpx_label_names_are_not_taken_for_copies(tmp_path):
    a = span(SOURCE, "I’ve referred two tenants to a support service I met there.")
    frame = excerpt_files.load_qdpx(make_qdpx(tmp_path / "p.qdpx", SOURCE, [("SEL-1", *a, "G-REF", "Contacts made at events, I03", None)]))
    assert len(frame) == 1


@pytest.mark.parametrize(
    "setup, message",
    [
        ("not a zip", "is a text file \\(a CSV\\?\\) saved under this name, not a REFI-QDA project: export the project from Taguette"),
        ("no qde", "no project.qde"),
        ("entities", "declares XML entities, which Taguette never writes"),
        ("unknown code", "not a Code of the project"),
        ("outside", "outside the project"),
        ("wrong root", "not a REFI-QDA project"),
    ],
)
def test_qdpx_broken_projects_are_refused(tmp_path, setup, message):
    path = tmp_path / "p.qdpx"
    a = span(SOURCE, "I’ve referred two tenants to a support service I met there.")
    if setup == "not a zip":
        path.write_text("id,document\n", encoding="utf-8")
    elif setup == "no qde":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("sources/S1.txt", SOURCE)
    elif setup == "entities":
        bomb = '<?xml version="1.0"?><!DOCTYPE P [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Project xmlns="urn:QDA-XML:project:1.0">&b;</Project>'
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.qde", bomb)
    elif setup == "unknown code":
        make_qdpx(path, SOURCE, [("SEL-1", *a, "G-MISSING", None, None)])
    elif setup == "outside":
        make_qdpx(path, SOURCE, [("SEL-1", *a, "G-REF", None, None)])
        with zipfile.ZipFile(path) as archive:
            qde = archive.read("project.qde").replace(b"internal://S1.txt", b"relative://S1.txt")
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.qde", qde)
    elif setup == "wrong root":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.qde", '<Project xmlns="urn:something:else"/>')
    with pytest.raises(InputError, match=message):
        excerpt_files.load_qdpx(path)


def test_positions_on_tabular_rows_are_checked_against_sources(tmp_path):
    folder = tmp_path / "excerpts"
    (folder / "sources").mkdir(parents=True)
    text = "Intro. We met the floating support team and referred two people."
    (folder / "sources" / "Interview I01.txt").write_text(text, encoding="utf-8")
    start, end = span(text, "referred two people")
    good = write_csv(
        folder / "good.csv",
        [("document", "tag", "content", "start", "end"), ("Interview I01", "referrals", "referred two people", start, end)],
    )
    assert len(excerpt_files.load_plain_excerpts(good)) == 1
    moved = write_csv(
        folder / "moved.csv",
        [("document", "tag", "content", "start", "end"), ("Interview I01", "referrals", "referred two people", start - 4, end - 4)],
    )
    with pytest.raises(InputError, match="does not match positions") as err:
        excerpt_files.load_plain_excerpts(moved)
    assert (err.value.row, err.value.column) == (2, "content")
    backwards = write_csv(
        folder / "backwards.csv",
        [("id", "document", "tag", "content", "start_offset", "end_offset"), ("1", "Interview I09", "referrals", "x y", 9, 3)],
    )
    with pytest.raises(InputError, match="not before end") as err:
        excerpt_files.load_taguette(backwards)
    assert err.value.row == 2


# --------------------------------------------------------------------------- load_excerpts


def add_exports(data_dir: Path) -> None:
    folder = data_dir / "excerpts"
    write_csv(
        folder / "taguette.csv",
        [
            ("id", "document", "tag", "content"),
            ("1", "Interview I01", "Same faces", "Always the same faces. Eastfield Hub sends everyone."),
            ("2", "Interview I01", "new_contacts/referrals", "I referred two people to a service I met there."),
            ("3", "interview i02", "pledge", "We are working towards the Pledge."),
            ("4", "Interview I03", "pledge", "We signed up to the Pledge."),
            ("5", "Interview I03", "", "An untagged highlight."),
        ],
    )
    write_csv(
        folder / "ec_notes.csv",
        [("document", "tag", "content"), ("EC review", "ec_services", "A worker who knows other services helps you move on.")],
    )
    a = span(SOURCE, "I’ve referred two tenants to a support service I met there.")
    make_qdpx(
        folder / "others.qdpx",
        SOURCE.replace("I03", "I04"),
        [("SEL-1", *span(SOURCE.replace("I03", "I04"), SOURCE[a[0] : a[1]]), "G-REF", None, None)],
        source_name="Interview I04.docx",
    )


def test_load_excerpts_combines_every_export_with_documents_and_codebook(data_dir):
    add_exports(data_dir)
    ledger = Ledger()
    frame = excerpt_files.load_excerpts(data_dir, ledger=ledger)
    assert list(frame.columns) == excerpt_files.EXCERPT_COLUMNS
    assert frame["theme"].tolist() == ["same_faces", "new_contacts", "new_contacts", "pledge", "pledge", "ec_review"]  # codebook order
    referral = frame[frame["document"] == "Interview I04"].iloc[0]
    assert (referral["sub_theme"], referral["group"], referral["section"], referral["respondent"]) == (
        "referrals",
        "co-ordinator",
        "links",
        "R04",
    )
    ec = frame[frame["group"] == "Expert Citizens"].iloc[0]
    assert (ec["section"], ec["method"], ec["round"]) == ("links", "review", "2019-02")
    assert frame.loc[frame["document"] == "Interview I02", "consent"].tolist() == [False]
    assert frame["excerpt_id"].is_unique
    assert frame["source"].str.contains("row|selection").all()
    table = ledger.table().set_index("file")
    assert table.loc["excerpts/taguette.csv", ["rows_read", "rows_excluded"]].tolist() == [5, 1]
    assert "highlight has no tag" in table.loc["excerpts/taguette.csv", "reasons"]


def test_unknown_tag_is_an_error_naming_file_and_row(data_dir):
    write_csv(
        data_dir / "excerpts" / "taguette.csv",
        [("id", "document", "tag", "content"), ("1", "Interview I01", "same_faces", "ok"), ("2", "Interview I01", "burnout", "Tired.")],
    )
    with pytest.raises(InputError, match="'burnout' is not a theme or sub-theme") as err:
        excerpt_files.load_excerpts(data_dir)
    assert (err.value.file, err.value.row, err.value.column) == ("excerpts/taguette.csv", 3, "tag")


def test_unknown_qdpx_code_names_the_selection(data_dir):
    a = span(SOURCE, "I’ve referred two tenants to a support service I met there.")
    make_qdpx(data_dir / "excerpts" / "p.qdpx", SOURCE, [("SEL-9", *a, "G-ODD", None, None)])
    with pytest.raises(InputError, match="selection SEL-9: tag 'Not in the codebook'"):
        excerpt_files.load_excerpts(data_dir)


def test_unknown_document_is_an_error(data_dir):
    write_csv(data_dir / "excerpts" / "typed.csv", [("document", "tag", "content"), ("Interview I99", "pledge", "Signed it.")])
    with pytest.raises(InputError, match="'Interview I99' is not listed") as err:
        excerpt_files.load_excerpts(data_dir)
    assert err.value.row == 2


def test_tags_map_loosely_by_id_label_or_path(data_dir):
    book = codebook.load_codebook(data_dir / "codebook.yml")
    assert codebook.resolve_tag("New Contacts and Referrals", book) == ("new_contacts", "")
    assert codebook.resolve_tag("new_contacts.face_to_face", book) == ("new_contacts", "face_to_face")
    assert codebook.resolve_tag("New contacts and referrals > Meeting face to face", book) == ("new_contacts", "face_to_face")
    assert codebook.resolve_tag("same_faces/referrals", book) is None  # referrals is not a sub-theme of same_faces
    assert codebook.resolve_tag("burnout", book) is None


OUTCOMES_Q = "What difference has this made for the people you work with?"
OTHER_Q = "Anything else?"


def open_answers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "response_id": ["2019-01-001", "2019-01-002", "2019-01-002"],
            "respondent_id": ["114000001", "114000002", "114000002"],
            "source_file": ["followup_surveys/2019-01.csv"] * 3,
            "source_row": [3, 4, 4],
            "column": ["J", "J", "K"],
            "question": [OUTCOMES_Q, OUTCOMES_Q, OTHER_Q],
            "measure": ["outcomes_text", "outcomes_text", "other_comments"],
            "text": ["Met the prevention team and now share clients.", "Same people every time.", "Nothing else."],
            "survey": ["followup"] * 3,
            "survey_id": ["2019-01"] * 3,
            "submitted": pd.to_datetime(["2019-01-20", "2019-01-22", "2019-01-22"]),
        }
    )


CODES_HEADER = ("survey_file", "Respondent ID", "question", "tag")


def test_survey_open_answers_are_excerpts_located_by_file_respondent_and_question(data_dir):
    write_csv(
        data_dir / "excerpts" / "survey_codes.csv",
        [
            CODES_HEADER,
            ("followup_surveys/2019-01.csv", "114000001", OUTCOMES_Q, "referrals"),
            ("2019-01.xlsx", "114000002.0", "outcomes_text", "same_faces"),
        ],
    )
    frame = excerpt_files.load_excerpts(data_dir, open_answers())
    assert frame["text"].tolist() == ["Same people every time.", "Met the prevention team and now share clients."]
    assert set(frame["method"]) == {"follow-up survey"}
    assert set(frame["round"]) == {"2019-01"}  # from each response's month: documents.csv leaves round blank
    assert frame["respondent"].tolist() == ["2019-01-002", "2019-01-001"]  # pseudonymous, never the Respondent ID
    assert "11400000" not in frame.to_csv()
    assert quotes.attribution(frame.iloc[0]) == "follow-up survey"


def test_survey_code_pointing_at_no_answer_is_an_error(data_dir):
    write_csv(
        data_dir / "excerpts" / "survey_codes.csv", [CODES_HEADER, ("followup_surveys/2019-01.csv", "114000001", OTHER_Q, "referrals")]
    )
    with pytest.raises(InputError, match="no open or Other answer to 'Anything else") as err:
        excerpt_files.load_excerpts(data_dir, open_answers())
    assert (err.value.file, err.value.row, err.value.column) == ("excerpts/survey_codes.csv", 2, "question")


def test_a_code_whose_response_is_gone_or_set_aside_is_counted_with_its_reason(data_dir):
    write_csv(
        data_dir / "excerpts" / "survey_codes.csv",
        [
            CODES_HEADER,
            ("followup_surveys/2019-01.csv", "114000009", OUTCOMES_Q, "referrals"),
            ("followup_surveys/2019-01.csv", "114000003", OUTCOMES_Q, "referrals"),
            ("followup_surveys/2019-01.csv", "114000001", OUTCOMES_Q, "referrals"),
        ],
    )
    respondents = pd.DataFrame(
        {
            "response_id": ["2019-01-001", "2019-01-002", "2019-01-003"],
            "source_file": "followup_surveys/2019-01.csv",
            "respondent_id": ["114000001", "114000002", "114000003"],
            "used": [True, True, False],
        }
    )
    ledger = Ledger()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = excerpt_files.load_excerpts(data_dir, open_answers(), ledger=ledger, survey_respondents=respondents)
    assert frame["text"].tolist() == ["Met the prevention team and now share clients."]
    reasons = ledger.reasons().set_index("reason")["rows"].to_dict()
    assert reasons == {excerpt_files.CODE_RESPONSE_GONE: 1, excerpt_files.CODE_RESPONSE_SET_ASIDE: 1}


def test_survey_codes_without_open_answers_are_counted_as_excluded_not_dropped(data_dir):
    write_csv(
        data_dir / "excerpts" / "survey_codes.csv", [CODES_HEADER, ("followup_surveys/2019-01.csv", "114000001", OUTCOMES_Q, "referrals")]
    )
    ledger = Ledger()
    with pytest.warns(UserWarning, match="not supplied"):
        frame = excerpt_files.load_excerpts(data_dir, ledger=ledger)
    assert frame.empty
    assert ledger.table().set_index("file").loc["excerpts/survey_codes.csv", "rows_excluded"] == 1


def test_no_codebook_and_no_excerpts_gives_an_empty_frame(tmp_path):
    frame = excerpt_files.load_excerpts(tmp_path)
    assert frame.empty and list(frame.columns) == excerpt_files.EXCERPT_COLUMNS


# --------------------------------------------------------------------------- what may be published


def frame_of(*rows, **common) -> pd.DataFrame:
    base = dict(
        excerpt_id="x",
        document="Interview I01",
        respondent="R01",
        group="participant",
        method="interview",
        round="2019-01",
        theme="same_faces",
        sub_theme="",
        section="diversity",
        text="",
        consent=True,
        source="t.csv, row 2",
        theme_label="Same faces",
        sub_theme_label="",
        stance="critical",
    )
    records = []
    for i, row in enumerate(rows):
        record = {**base, **common, **row}
        record["excerpt_id"] = f"x{i}"
        records.append(record)
    return pd.DataFrame.from_records(records, columns=excerpt_files.EXCERPT_COLUMNS)


def test_quotes_without_consent_are_not_published_but_still_counted(data_dir):
    book = codebook.load_codebook(data_dir / "codebook.yml")
    rows = frame_of(
        {"text": "Same faces every time.", "respondent": "R01"},
        {"text": "Nobody new came.", "respondent": "R02", "consent": False},
        {"text": "Mostly people I knew.", "respondent": "R03"},
    )
    published = quotes.publishable(rows, book)
    assert published["text"].tolist() == ["Same faces every time.", "Mostly people I knew."]
    review = quotes.publication_review(rows, book)
    assert review.loc[~review["publishable"], "withheld_reason"].tolist() == ["no consent to quote this source"]
    assert review.loc[~review["publishable"], "text"].tolist() == [""]
    assert themes.theme_table(rows, "diversity")["people"].tolist() == [3]


def test_a_quote_naming_a_person_is_withheld_without_repeating_the_name(data_dir):
    book = codebook.load_codebook(data_dir / "codebook.yml")
    rows = frame_of(
        {"text": "Sam on our team rewrote the letter."},
        {"text": "Mrs Okafor chaired it."},
        {"text": "I met Mary Ann there."},
        {"text": "It was the same as last time, and samples were handed out."},
        {"text": "We met at the Elm Street hostel."},
    )
    review = quotes.publication_review(rows, book)
    assert review["publishable"].tolist() == [False, False, False, True, False]
    assert review["withheld_reason"].tolist()[:3] == ["names a person"] * 3
    assert review["withheld_reason"].tolist()[4] == "contains text the codebook withholds"
    assert not review["withheld_reason"].str.contains("Sam|Okafor|Mary|Elm").any()


def test_organisations_not_allowed_are_replaced(data_dir):
    book = codebook.load_codebook(data_dir / "codebook.yml")
    rows = frame_of(
        {
            "text": "Most people were from Eastfield Hub or the Larkspur Housing Trust; Opportunity Nottingham staff came too. The Steering Group agreed."
        }
    )
    assert quotes.publishable(rows, book)["text"].item() == (
        "Most people were from [organisation] or the [organisation]; Opportunity Nottingham staff came too. The Steering Group agreed."
    )
    extra = quotes.publishable(frame_of({"text": "Riverside Aid helped."}), book, organisations=["Riverside Aid"])
    assert extra["text"].item() == "[organisation] helped."


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_text_is_rendered_as_text_never_markup(data_dir):
    hostile = [
        "<script>alert(1)</script> then **bold** and [a link](javascript:alert(1))",
        '<img src=x onerror="alert(2)"> `code` # heading',
        'Line one\n\nLine two & "three"',
    ]
    html_out = quotes.render_excerpts_html(frame_of(*({"text": t, "respondent": f"R{i}"} for i, t in enumerate(hostile))))
    parser = TagCollector()
    parser.feed(html_out)
    assert set(parser.tags) <= {"div", "section", "h4", "blockquote", "p", "footer", "br"}
    assert {name for name, _ in parser.attributes} == {"class"}
    shown = "".join(parser.text)
    for text in hostile:
        for line in text.split("\n\n"):
            assert line in shown  # the reader sees exactly what was said
    assert "<script" not in html_out and "**" not in html_out and "](" not in html_out
    assert "&#8212; interview, participant" in html_out


def test_render_refuses_excerpts_without_consent():
    with pytest.raises(ValueError, match="publishable"):
        quotes.render_excerpts_html(frame_of({"text": "x", "consent": False}))


def test_render_groups_by_theme_and_shows_a_quote_coded_twice_once():
    rows = frame_of(
        {"text": "Same again.", "sub_theme": ""},
        {"text": "Same again.", "sub_theme": "x"},
        {"text": "Other.", "theme_label": "Other theme"},
    )
    out = quotes.render_excerpts_html(rows)
    assert out.count("Same again.") == 1 and out.count("<h4>") == 2
    assert "No excerpts" in quotes.render_excerpts_html(rows.iloc[0:0])


def test_attribution_is_neutral():
    assert quotes.attribution({"method": "interview", "group": "Steering Group member"}) == "interview, Steering Group member"
    assert quotes.attribution({"method": "interview", "group": "facilitator"}) == "interview, facilitator"
    assert quotes.attribution({"method": "follow-up survey", "group": "participant"}) == "follow-up survey"
    assert quotes.attribution({"method": "event survey", "group": "participant"}) == "event survey"
    assert quotes.attribution({"method": "review", "group": "Expert Citizens"}) == "Expert Citizens review"


# --------------------------------------------------------------------------- counting


def test_theme_table_counts_people_not_excerpts():
    rows = frame_of(
        {"respondent": "R01"},
        {"respondent": "R01"},
        {"respondent": "R01"},
        {"respondent": "R02"},
        {"respondent": "R03", "theme_label": "Other"},
        {"respondent": "R04", "section": "links"},
    )
    table = themes.theme_table(rows, "diversity")
    assert table.to_dict("records") == [
        {"theme": "Same faces", "group": "participant", "people": 2, "unit": "people", "suppressed": False},
        {"theme": "Other", "group": "participant", "people": 1, "unit": "people", "suppressed": False},  # small numbers shown as they are
    ]


def test_theme_table_names_no_group_too_small_and_counts_review_sessions_as_reviews():
    rows = frame_of(
        {"respondent": "R01"},
        {"respondent": "R02"},
        {"respondent": "R03"},
        {"respondent": "C1", "group": "co-ordinator"},
        {"respondent": "F1", "group": "facilitator"},
        {"respondent": "F2", "group": "facilitator", "section": "links"},
        {"respondent": "F3", "group": "facilitator", "section": "links"},
        {"respondent": "EC-1", "group": "Expert Citizens", "method": "review"},
    )
    table = themes.theme_table(rows, "diversity").set_index("group")
    assert "co-ordinator" not in table.index  # one co-ordinator, no wider group of 3: counted as other respondents
    assert table.loc["other respondents", "suppressed"] and pd.isna(table.loc["other respondents", "people"])
    # three facilitators in the whole data: their one-person cell is shown
    assert table.loc["facilitator", "people"] == 1 and not table.loc["facilitator", "suppressed"]
    assert table.loc["Expert Citizens", "people"] == 1 and table.loc["Expert Citizens", "unit"] == "reviews"
    assert table.loc["participant", "people"] == 3


def test_pledge_adopters_counts_people_up_to_the_period_end():
    rows = frame_of(
        {"respondent": "R01", "round": "2018-05"},
        {"respondent": "R01", "round": "2018-06"},
        {"respondent": "R02", "round": "2018-06", "consent": False},
        {"respondent": "R03", "round": "2018-07"},
        {"respondent": "EC", "round": "2018-06", "method": "review"},
        {"respondent": "R04", "round": "2018-06", "theme": "same_faces"},
        theme="pledge",
        section="changes",
    )
    assert themes.pledge_adopters(rows, "2018-06-30") == 2
    assert themes.pledge_adopters(rows, pd.Timestamp("2019-01-31")) == 3
    assert themes.pledge_adopters(rows.iloc[0:0], "2019-01-31") == 0


def test_in_period_lets_reviews_run_to_reviews_end():
    rows = frame_of({"round": "2017-09"}, {"round": "2019-01"}, {"round": "2019-02", "method": "review"}, {"round": "2019-02"})
    kept = excerpt_files.in_period(rows, "2017-10-01", "2019-01-31", reviews_end="2019-02-28")
    assert kept["round"].tolist() == ["2019-01", "2019-02"]


def test_excerpts_for_section_rejects_unknown_sections():
    with pytest.raises(ValueError, match="unknown section"):
        themes.excerpts_for_section(frame_of({"text": "x"}), "diversty")


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from pdu_sample.excerpts import write_excerpts

    out = tmp_path_factory.mktemp("sample")
    (out / "reports.yml").write_bytes((SAMPLE_DATA_DIR / "reports.yml").read_bytes())
    write_excerpts(out, random.Random(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        excerpts = excerpt_files.load_excerpts(out)
    return out, excerpts, codebook.load_codebook(out / "codebook.yml")


def test_sample_covers_every_theme_and_sub_theme_in_both_formats(sample):
    _out, excerpts, book = sample
    coded = set(excerpts["theme"]) | set(excerpts["sub_theme"])
    assert set(book.themes["code"]) <= coded
    sources = excerpts["source"].str.split(",").str[0]
    assert {Path(s).suffix for s in sources} == {".csv", ".qdpx"}
    assert {"interview", "review"} <= set(excerpts["method"])
    assert {"participant", "Steering Group member", "Beneficiary Ambassador", "facilitator", "co-ordinator", "Expert Citizens"} <= set(
        excerpts["group"]
    )


def test_sample_keeps_disagreeing_views_visible_in_published_quotes(sample):
    _, excerpts, book = sample
    published = quotes.publishable(excerpts, book)
    for section in ["learning", "diversity", "links", "involvement", "changes", "outcomes", "effectiveness"]:
        stances = set(themes.excerpts_for_section(published, section)["stance"])
        assert "critical" in stances and "positive" in stances, section
    assert (published["theme"] == "same_faces").any()
    assert (published["group"] == "Expert Citizens").any()


def test_sample_pledge_adopters_match_the_interim_report(sample):
    out, excerpts, _ = sample
    figures = pd.read_csv(HERE / "data" / "report_figures.csv")
    expected = figures.loc[(figures["figure_id"] == "pledge_adopters") & (figures["report"] == "interim"), "value"].item()
    interim = load_reports(out)["interim"]
    assert themes.pledge_adopters(excerpts, interim.end) == expected
    assert themes.pledge_adopters(excerpts, load_reports(out)["final"].end) > expected


def test_sample_withholds_what_may_not_be_published(sample):
    _, excerpts, book = sample
    review = quotes.publication_review(excerpts, book)
    reasons = review.set_index("document").groupby(level=0)["withheld_reason"].apply(set)
    assert reasons["Interview I06"] == {"no consent to quote this source"}
    assert reasons["Interview I20"] == {"no consent to quote this source"}
    assert (review["withheld_reason"] == "names a person").sum() == 1
    assert (review["withheld_reason"] == "contains text the codebook withholds").sum() == 1
    published = review.loc[review["publishable"], "text"]
    assert published.str.contains(r"\[organisation\]", regex=True).sum() == 2
    assert not published.str.contains("Meadowgate|Larkfield|Priya").any()
    hostile = excerpts.loc[excerpts["section"] == "approach"].head(1).assign(text=HOSTILE_QUOTE, respondent="planted")
    planted = pd.concat([excerpts, hostile], ignore_index=True)
    html_out = quotes.section_quotes_html(planted, book, "approach", per_theme=100)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_out and "<script" not in html_out and "**" not in html_out


def test_the_sample_readers_see_holds_no_hostile_test_strings(sample):
    _, excerpts, _ = sample
    assert not excerpts["text"].str.contains(r"<script|\*\*|onerror|javascript:", regex=True).any()


HOSTILE_QUOTE = "The link opened a page showing <script>alert(1)</script> so I rang instead. **Please** fix that."


def test_sample_theme_tables_never_name_the_co_ordinator_or_ambassadors(sample):
    _, excerpts, _ = sample
    tables = pd.concat([themes.theme_table(excerpts, section) for section in ["attendance", "involvement", "effectiveness"]])
    assert not tables["group"].isin(["co-ordinator", "Beneficiary Ambassador"]).any()
    assert tables["group"].isin(["PDU staff or Steering Group", "Steering Group member"]).any()
    assert not tables["suppressed"].any()


def test_sample_qdpx_is_deterministic(tmp_path):
    from pdu_sample.excerpts import QDPX_FILE, build_qdpx, write_excerpts

    assert build_qdpx() == build_qdpx()
    write_excerpts(tmp_path / "a", random.Random(1))
    write_excerpts(tmp_path / "b", random.Random(1))
    for name in ["codebook.yml", f"excerpts/{QDPX_FILE}", "excerpts/documents.csv", "excerpts/taguette_highlights_participants.csv"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    with zipfile.ZipFile(tmp_path / "a" / "excerpts" / QDPX_FILE) as archive:
        assert archive.testzip() is None
        assert {info.date_time for info in archive.infolist()} == {(2019, 2, 1, 9, 0, 0)}


def test_write_survey_codes_lists_each_survey_once_and_checks_tags(tmp_path):
    from pdu_sample.excerpts import (
        SURVEY_OPEN_ANSWERS,
        write_excerpts,
        write_survey_codes,
    )

    with pytest.raises(FileNotFoundError):
        write_survey_codes(tmp_path, [("followup_surveys/2019-01.csv", "114000001", OUTCOMES_Q, "pledge")])
    write_excerpts(tmp_path, random.Random(1))
    coded = [("followup_surveys/2019-01.csv", f"11400000{i}", OUTCOMES_Q, tag) for i, (tag, _) in enumerate(SURVEY_OPEN_ANSWERS["2019-01"])]
    write_survey_codes(tmp_path, coded)
    write_survey_codes(tmp_path, coded)
    documents = excerpt_files.load_documents(tmp_path / "excerpts" / "documents.csv")
    survey = documents[documents["document"] == "followup_surveys/2019-01.csv"]
    assert survey[["method", "round", "consent"]].values.tolist() == [["follow-up survey", "2019-01", True]]
    with pytest.raises(ValueError, match="not a theme"):
        write_survey_codes(tmp_path, [("followup_surveys/2019-01.csv", "114000001", OUTCOMES_Q, "burnout")])
    answers = pd.DataFrame(
        {
            "source_file": "followup_surveys/2019-01.csv",
            "source_row": [3 + i for i in range(len(coded))],
            "column": "K",
            "response_id": [f"2019-01-{i:03d}" for i in range(len(coded))],
            "respondent_id": [f"11400000{i}" for i in range(len(coded))],
            "question": OUTCOMES_Q,
            "measure": "outcomes_text",
            "text": [text for _, text in SURVEY_OPEN_ANSWERS["2019-01"]],
            "survey": "followup",
            "survey_id": "2019-01",
            "submitted": pd.Timestamp("2019-01-20"),
        }
    )
    excerpts = excerpt_files.load_excerpts(tmp_path, answers)
    assert (excerpts["method"] == "follow-up survey").sum() == len(coded)
