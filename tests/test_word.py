"""The Word version of a report: headings, paragraphs, Word tables, charts as PNG with alt text, quotes in a quote style."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest
from matplotlib.figure import Figure

from pdu_lib.report import word


def _png() -> str:
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().bar(["a", "b"], [1, 2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


BODY = (
    "<h1>Final evaluation report</h1><p>Data from October 2017.</p>"
    '<div class="pdu-scroll" role="region" tabindex="0" aria-label="Sources"><table><caption>Sources</caption>'
    "<thead><tr><th>Source</th><th>Count</th></tr></thead><tbody><tr><td>Interviews</td><td>16</td></tr></tbody></table></div>"
    f'<figure class="pdu-chart"><img src="data:image/png;base64,{_png()}" alt="Most shared with their team"></figure>'
    '<figure class="pdu-interactive"><figcaption class="pdu-chart-title">Shared with<span class="pdu-hover-hint"> (hover for counts)</span>'
    '</figcaption><div id="c"></div><script>Plotly.newPlot("c")</script></figure>'
    '<blockquote class="pdu-excerpt"><p>It changed how I work.</p><footer>&#8212; interview, participant</footer></blockquote>'
)


def _document(tmp_path) -> str:
    path = word.write_docx(BODY, tmp_path / word.docx_name("final"))
    assert path.name == "final_report.docx"
    with zipfile.ZipFile(path) as docx:
        assert any(name.startswith("word/media/") and name.endswith(".png") for name in docx.namelist())
        return docx.read("word/document.xml").decode("utf-8")


def test_docx_has_headings_paragraphs_tables_charts_with_alt_text_and_quotes(tmp_path):
    xml = _document(tmp_path)
    assert '<w:pStyle w:val="Heading1" />' in xml or 'w:val="Heading1"' in xml
    assert "Data from October 2017." in xml
    assert "<w:tbl>" in xml and "Interviews" in xml
    assert re.search(r'<wp:docPr [^>]*descr="Most shared with their team"', xml)
    quote = xml[xml.index("It changed how I work") - 400 : xml.index("It changed how I work")]
    assert 'w:val="BlockText"' in quote  # Word's quote style


def test_docx_leaves_out_what_only_a_browser_can_use(tmp_path):
    xml = _document(tmp_path)
    assert "hover for counts" not in xml and "Plotly" not in xml and "Shared with" not in xml


def test_docx_is_the_same_on_every_render(tmp_path):
    first = word.write_docx(BODY, tmp_path / "a.docx").read_bytes()
    second = word.write_docx(BODY, tmp_path / "b.docx").read_bytes()
    assert first == second


def test_each_section_starts_a_new_page_after_the_title_page_and_contents(tmp_path):
    body = (
        "<h1>Final evaluation report</h1><p>By the evaluator.</p>"
        '<h2 id="contents">Contents</h2><ol><li>Introduction</li><li>Who came</li></ol>'
        "<h2>Introduction</h2><p>Intro text.</p><h3>Background</h3><p>More.</p>"
        "<section><div><h1>Who came</h1><p>Attendance.</p></div></section>"
    )
    path = word.write_docx(body, tmp_path / "final_report.docx")
    with zipfile.ZipFile(path) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    page_break = '<w:br w:type="page" />'
    parts = [re.sub(r"<[^>]+>", " ", part) for part in re.split(re.escape(page_break).replace(" ", " ?"), xml)]
    assert len(parts) == 3, "a break after the contents and one before the next section, none before the title"
    assert "Final evaluation report" in parts[0] and "Contents" in parts[0] and "Intro text" not in parts[0]
    assert "Intro text" in parts[1] and "Background" in parts[1] and "Attendance" not in parts[1]
    assert "Who came" in parts[2] and "Attendance" in parts[2]


# --- layout: what a reader who comments in Word expects ------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _tall_png() -> str:
    fig = Figure(figsize=(6.5, 10.4))  # the response-rate chart's shape: taller than the page
    fig.add_subplot().barh(["a", "b"], [1, 2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _period():
    import datetime as dt

    from pdu_lib.config import ReportPeriod

    return ReportPeriod(
        "final",
        "Final evaluation report",
        "February 2019",
        dt.date(2017, 10, 1),
        dt.date(2019, 1, 31),
        dt.date(2019, 1, 31),
        author="A. Evaluator",
    )


LAYOUT_BODY = (
    "<h1>Final evaluation report</h1>"
    '<h2 id="contents">Contents</h2><ol>' + "".join(f"<li>Section {n}</li>" for n in range(1, 15)) + "</ol>"
    "<h2>Response rates</h2>"
    '<div class="pdu-scroll" role="region" tabindex="0" aria-label="Responses">'
    '<p class="pdu-scroll-hint">Scroll sideways to see every column</p><table><caption>Responses by event</caption>'
    "<thead><tr><th>Date</th><th>Event</th><th>Attendances</th><th>Response rate</th></tr></thead><tbody>"
    + "".join(
        f"<tr><td>12 Oct 2017</td><td>Trauma-informed approaches: an introduction to practice number {n}</td><td>{20 + n}</td><td>23% (5 of 22)†</td></tr>"
        for n in range(8)
    )
    + "</tbody></table></div>"
    f'<figure class="pdu-chart"><picture><source media="(max-width: 560px)" srcset="data:image/png;base64,{_png()}">'
    f'<img src="data:image/png;base64,{_tall_png()}" alt="Response rate per event"></picture></figure>'
    f'<figure class="pdu-chart"><img src="data:image/png;base64,{_png()}" alt="Shared with"></figure>'
    '<figure class="pdu-interactive pdu-replaces-static"><figcaption class="pdu-chart-title">Shared with</figcaption><div id="c"></div>'
    '<div class="pdu-legends"><ul class="pdu-legend"><li><span class="pdu-swatch"></span>Colleagues in my team</li></ul></div></figure>'
)


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory):
    path = tmp_path_factory.mktemp("word") / "final_report.docx"
    word.write_word_copy(LAYOUT_BODY, path, _period(), programme="The PDU")
    with zipfile.ZipFile(path) as docx:
        return {name: docx.read(name) for name in docx.namelist()}


def _tree(parts, name):
    from lxml import etree

    return etree.fromstring(parts[name])


def test_the_page_is_a4_with_a_page_number_field_in_the_footer(laid_out):
    section = _tree(laid_out, "word/document.xml").find(f"{W}body/{W}sectPr")
    size = section.find(f"{W}pgSz")
    assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (11906, 16838)  # A4 in twips
    footer = laid_out["word/footer1.xml"].decode()
    assert "PAGE" in footer and "fldChar" in footer
    assert section.find(f"{W}footerReference") is not None and section.find(f"{W}titlePg") is not None  # none on the title page
    assert "The PDU: Final evaluation report" in laid_out["word/header1.xml"].decode()


def test_the_title_author_and_subject_come_from_the_report_period(laid_out):
    core = laid_out["docProps/core.xml"].decode()
    assert "<dc:title>Final evaluation report</dc:title>" in core
    assert "<dc:creator>A. Evaluator</dc:creator>" in core
    assert "<dc:subject>The PDU: October 2017 to January 2019</dc:subject>" in core


def test_every_picture_fits_the_text_width_and_the_page(laid_out):
    from pdu_lib.report import word_layout

    extents = _tree(laid_out, "word/document.xml").iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent")
    sizes = [(int(e.get("cx")), int(e.get("cy"))) for e in extents]
    assert len(sizes) == 2, "two static charts; the interactive one and the narrow phone picture are left out"
    text_width = word_layout.TEXT_WIDTH * word_layout.EMU_PER_TWIP
    assert all(width <= text_width for width, _ in sizes)
    assert sizes[1][0] == text_width, "a picture is as wide as the text"
    assert sizes[0][1] <= word_layout.TEXT_HEIGHT * word_layout.EMU_PER_TWIP * 0.8, "the tall chart fits the page with its caption"


def test_no_chart_legend_becomes_a_list_and_nothing_screen_only_remains(laid_out):
    xml = laid_out["word/document.xml"].decode()
    assert "Colleagues in my team" not in xml and "Scroll sideways" not in xml


def test_every_caption_sits_next_to_its_table_or_picture(laid_out):
    body = _tree(laid_out, "word/document.xml").find(f"{W}body")
    blocks = [b for b in body if b.tag in (f"{W}p", f"{W}tbl")]
    captions = [i for i, b in enumerate(blocks) if _style(b).endswith("Caption")]
    assert captions, "the table has its caption"
    for i in captions:
        neighbours = blocks[max(0, i - 1) : i + 2]
        assert any(n.tag == f"{W}tbl" or n.find(f".//{W}drawing") is not None for n in neighbours), _style(blocks[i])
        assert blocks[i].find(f"{W}pPr/{W}keepNext") is not None or blocks[i - 1].find(f"{W}pPr/{W}keepNext") is not None


def _style(paragraph) -> str:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return style.get(f"{W}val") if style is not None else ""


def test_tables_fit_their_content_numbers_align_right_and_no_word_breaks(laid_out):
    from pdu_lib.report import word_layout

    table = _tree(laid_out, "word/document.xml").find(f".//{W}tbl")
    widths = [int(c.get(f"{W}w")) for c in table.find(f"{W}tblGrid")]
    assert len(set(widths)) > 1 and sum(widths) <= word_layout.TEXT_WIDTH, widths
    rows = [
        [["".join(t.text for t in p.iter(f"{W}t")) for p in cell.findall(f"{W}p")] for cell in row.findall(f"{W}tc")]
        for row in table.findall(f"{W}tr")
    ]
    for column, width in enumerate(widths):
        longest = max(len(word) for row in rows for text in row[column] for word in text.split())
        assert width >= longest * word_layout.CHAR_TWIPS, (column, width)
    alignments = [
        [(c.find(f".//{W}jc").get(f"{W}val") if c.find(f".//{W}jc") is not None else "left") for c in row.findall(f"{W}tc")]
        for row in table.findall(f"{W}tr")
    ]
    assert all(row == ["left", "left", "right", "right"] for row in alignments), alignments  # dates stay left


def test_every_contents_number_fits_its_indent(laid_out):
    numbering = _tree(laid_out, "word/numbering.xml")
    hanging = [
        int(level.find(f"{W}pPr/{W}ind").get(f"{W}hanging"))
        for level in numbering.iter(f"{W}lvl")
        if level.find(f"{W}numFmt").get(f"{W}val") == "decimal"
    ]
    assert hanging and min(hanging) >= 540, "'14.' needs about 0.37 inch at 11 pt"


def test_the_laid_out_copy_is_the_same_on_every_render(tmp_path):
    first = word.write_word_copy(LAYOUT_BODY, tmp_path / "a.docx", _period(), programme="The PDU").read_bytes()
    second = word.write_word_copy(LAYOUT_BODY, tmp_path / "b.docx", _period(), programme="The PDU").read_bytes()
    assert first == second


def test_a_closed_technical_details_part_is_named_not_copied(tmp_path):
    body = (
        "<h1>Appendix: figures</h1><p>One line per figure.</p>"
        '<details class="pdu-technical"><summary>Technical details: Input files</summary>'
        "<table><tr><th>File</th></tr><tr><td>attendance_register.xlsx</td></tr></table></details>"
    )
    path = word.write_docx(body, tmp_path / "final_report.docx")
    with zipfile.ZipFile(path) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    assert "attendance_register.xlsx" not in xml and "<w:tbl>" not in xml
    assert "Technical details: Input files" in xml and "web pages" in xml
