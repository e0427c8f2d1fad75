"""The Word version of a report: headings, paragraphs, Word tables, charts as PNG with alt text, quotes in a quote style."""

from __future__ import annotations

import base64
import io
import re
import zipfile

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
