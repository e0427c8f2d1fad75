"""The report as a Word document, for commissioners and Steering Groups who comment in Word.

Pandoc (shipped by the ``pypandoc-binary`` package) converts the single
file's HTML: headings stay headings, paragraphs paragraphs, tables become
Word tables, each static chart a PNG with its title as alt text, and quotes
take Word's "Block Text" (quote) style. Interactive charts are left out:
their static version is already beside them. The title page and contents
fill the first page; each section starts a new page (``word_pages.lua``).
"""

from __future__ import annotations

import base64
import os
from contextlib import contextmanager
from pathlib import Path

from bs4 import BeautifulSoup

from pdu_lib.config import TEMPLATES_DIR, ReportPeriod
from pdu_lib.report import word_layout
from pdu_lib.report.publish import running_title

#: The Lua filter that starts each section on a new page (pandoc runs it).
PAGES_FILTER = TEMPLATES_DIR / "word_pages.lua"

# What only a browser can use: interactive charts (the static one stands beside
# each), scripts, navigation, the skip link and the screen-only hover hints.
SCREEN_ONLY = "figure.pdu-interactive, script, style, nav, a.skip-link, span.pdu-hover-hint, .pdu-scroll-hint, picture > source"
# A fixed document date, so two renders of the same data give the same file.
SOURCE_DATE_EPOCH = "1546300800"  # 2019-01-01


def docx_name(report: str) -> str:
    """``<report>_report.docx``, beside ``<report>_report.html``.

    >>> docx_name("final")
    'final_report.docx'
    """
    return f"{report}_report.docx"


def _smaller_png(data: bytes) -> bytes:
    """A chart PNG re-encoded with a 256-colour palette: charts have few colours, and the document stays small."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        buffer = io.BytesIO()
        # Fast octree: a quarter of median cut's time and smaller files for flat-coloured charts (white stays white within 1/255).
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(buffer, format="PNG")
    return buffer.getvalue()


_PNG_URI = "data:image/png;base64,"


def _smaller_pngs(soup: BeautifulSoup) -> None:
    for image in soup.find_all("img", src=lambda src: bool(src) and src.startswith(_PNG_URI)):
        png = _smaller_png(base64.b64decode(str(image["src"])[len(_PNG_URI) :]))
        image["src"] = _PNG_URI + base64.b64encode(png).decode("ascii")


def word_html(html: str) -> str:
    """The report HTML with what only a browser can use taken out.

    >>> word_html('<h1>A</h1><figure class="pdu-interactive"><figcaption>t</figcaption><div></div></figure><script>x()</script><p>b</p>')
    '<h1>A</h1><p>b</p>'
    """
    return str(_word_soup(html))


#: What the Word copy says in place of a closed technical-details part (prose.technical_details).
TECHNICAL_DETAILS_NOTE = " are in the report's web pages, not in this Word copy."


def _word_soup(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select(SCREEN_ONLY):
        element.decompose()
    for details in soup.select("details.pdu-technical"):
        _technical_details_named_only(soup, details)
    return soup


def _technical_details_named_only(soup: BeautifulSoup, details) -> None:
    """A closed technical-details part, which the web page keeps folded, named in one line: the appendices stay short.

    >>> word_html('<p>a</p><details class="pdu-technical"><summary>Technical details: Input files</summary><p>x.csv</p></details>')
    "<p>a</p><p><em>Technical details: Input files</em> are in the report's web pages, not in this Word copy.</p>"
    """
    summary = details.find("summary")
    note = soup.new_tag("p")
    name = soup.new_tag("em")
    name.string = summary.get_text(" ", strip=True) if summary else "Technical details"
    note.extend([name, TECHNICAL_DETAILS_NOTE])
    details.replace_with(note)


@contextmanager
def _fixed_date():
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def write_docx(html: str, path: Path) -> Path:
    """Write ``html`` (a report body, images inlined as data: URIs) to ``path`` as a Word document.

    The body's own first heading titles the document (no separate title block).
    """
    import pypandoc

    soup = _word_soup(html)
    _smaller_pngs(soup)
    document = f'<html><head><meta charset="utf-8"></head><body>{soup}</body></html>'
    path = Path(path)
    with _fixed_date():
        pypandoc.convert_text(
            document,
            "docx",
            format="html",
            outputfile=str(path),
            # --quiet: an SVG image goes in as it is, without the PNG fallback pandoc would warn about.
            extra_args=["--resource-path", str(path.parent), "--quiet", "--lua-filter", str(PAGES_FILTER)],
        )
    return path


def write_word_copy(body: str, path: Path, period: ReportPeriod, *, programme: str) -> Path:
    """The report's Word copy, from the single file's body (:func:`pdu_lib.report.publish.publish`), laid out for A4.

    Its title, author and subject properties come from ``reports.yml``.
    """
    write_docx(body, path)
    return word_layout.lay_out(path, core_properties(period, programme), running_title=running_title(period, programme))


def core_properties(period: ReportPeriod, programme: str) -> word_layout.CoreProperties:
    """>>> import datetime as dt
    >>> period = ReportPeriod("final", "Final evaluation report", "February 2019", dt.date(2017, 10, 1), dt.date(2019, 1, 31), dt.date(2019, 1, 31), author="A. Evaluator")
    >>> core_properties(period, "The PDU")
    CoreProperties(title='Final evaluation report', author='A. Evaluator', subject='The PDU: October 2017 to January 2019')
    """
    return word_layout.CoreProperties(title=period.title, author=period.author, subject=f"{programme}: {period.label()}")
