"""Publishing a rendered report: the pages, the single file built from per-section parts, HTML edited as a tree."""

from __future__ import annotations

import datetime as dt

from pdu_lib import config
from pdu_lib.config import Section
from pdu_lib.report import publish
from pdu_lib.report.execute import SectionResult

PERIOD = config.ReportPeriod(
    "final", "Final evaluation report", "February 2019", dt.date(2017, 10, 1), dt.date(2019, 1, 31), dt.date(2019, 1, 31)
)
TABLE = "<table><caption>Who came &amp; why</caption><tr><td>1</td></tr></table>"


def _results():
    return [
        SectionResult(Section("intro", "01_intro.ipynb", "Introduction"), ok=True, body="<p>Intro.</p>"),
        SectionResult(Section("who", "02_who.ipynb", "Who came"), ok=True, body=f'<p><img alt="c" src="../charts/c.png"></p>{TABLE}'),
    ]


def _folder(tmp_path):
    for sub in ("sections", "charts"):
        (tmp_path / sub).mkdir()
    (tmp_path / "charts" / "c.png").write_bytes(b"\x89PNG fake")
    return tmp_path


def test_publish_writes_the_pages_and_the_single_file_but_not_the_word_copy(tmp_path):
    published = publish.publish(_folder(tmp_path), PERIOD, _results(), programme="Test Programme")
    assert published.single_file == tmp_path / "final_report.html"
    assert (tmp_path / "index.html").is_file()
    assert sorted(path.name for path in (tmp_path / "sections").iterdir()) == ["01_intro.html", "02_who.html"]
    assert not list(tmp_path.glob("*.docx")), "the Word copy is render's own step"
    assert published.body in published.single_file.read_text(encoding="utf-8")


def test_a_single_file_part_depends_on_its_own_section_only(tmp_path):
    folder = _folder(tmp_path)
    result = _results()[1]
    part = publish.single_file_part(result, folder)
    assert part.startswith('<section aria-label="Who came" class="pdu-section" id="section-who">\n<h1>Who came</h1>')
    assert "<h1>Who came</h1>" in part
    assert 'src="data:image/png;base64,iVBORyBmYWtl"' in part, "images are inlined"
    assert (
        '<div aria-label="Who came &amp; why" class="pdu-scroll" role="region" tabindex="0"><p class="pdu-scroll-hint"></p><table>' in part
    )
    body = publish.single_file_body(
        publish.report_pages(folder, PERIOD, _results(), programme="P"), [publish.single_file_part(r, folder) for r in _results()]
    )
    assert part in body and body.index('id="contents"') < body.index('id="section-intro"')


def test_a_table_already_in_a_scroll_box_is_not_wrapped_twice():
    once = publish.scrollable_tables(TABLE)
    assert publish.scrollable_tables(once) == once


def test_markup_in_text_is_never_read_as_html():
    html = publish.with_heading("<p>&lt;table&gt; is text</p>", "<b>Title</b>")
    assert html.startswith("<h1>&lt;b&gt;Title&lt;/b&gt;</h1>")
    assert publish.scrollable_tables("<p>&lt;table&gt;&lt;/table&gt;</p>") == "<p>&lt;table&gt;&lt;/table&gt;</p>"
