"""Writing a rendered report's pages: index, one page per section, and the self-contained single file."""

import base64
import html as html_lib
import mimetypes
import re
from pathlib import Path
from typing import Callable, Sequence

from pdu_lib.report import word
from pdu_lib.report.execute import SectionResult
from pdu_lib.report.export import plotly_js
from pdu_lib.config import TEMPLATES_DIR, ReportPeriod, Section
from pdu_lib.present.escape import escape_html

PLOTLY_ASSET = "assets/plotly.min.js"


# ---------------------------------------------------------------------------
# Pages


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _css() -> str:
    return (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8").strip()


def section_filename(section: Section) -> str:
    """``sections/<NN_name>.html`` for the notebook ``NN_name.ipynb``."""
    return f"{Path(section.notebook).stem}.html"


def publish(
    folder: Path,
    period: ReportPeriod,
    results: Sequence[SectionResult],
    *,
    programme: str,
    partial: bool = False,
    all_sections: Sequence[Section] = (),
) -> Path:
    """Write the pages of a fully rendered report into ``folder``; return the single file's path."""
    from markupsafe import Markup

    env = _environment()
    page = env.get_template("pdu_page.html.j2")
    css = Markup(_css())
    sections = [result.section for result in results]
    report_title = f"{period.title}: {period.label()}"
    partial_note = ""
    if partial:
        partial_note = f"This render holds {len(sections)} of the report's {len(all_sections) or len(sections)} sections."

    any_plotly = any(result.has_plotly for result in results)
    if any_plotly:
        asset = folder / PLOTLY_ASSET
        asset.parent.mkdir(parents=True, exist_ok=True)
        asset.write_text(plotly_js(), encoding="utf-8")

    def index_fragment(link: Callable[[Section], str], title_page: bool = True) -> Markup:
        return Markup(
            scrollable_tables(
                env.get_template("pdu_index.html.j2").render(
                    period=period,
                    programme=programme,
                    partial_note=partial_note,
                    contents=[(section.title, link(section)) for section in sections],
                    title_page=title_page,
                )
            )
        )

    # index.html
    (folder / "index.html").write_text(
        page.render(
            title=f"{period.title} — {programme}",
            css=css,
            plotly_src=None,
            plotly_inline=None,
            programme=programme,
            report_title=report_title,
            nav=[("Contents", "#contents"), ("Whole report as one file", single_name(period.name))],
            body=index_fragment(lambda s: f"sections/{section_filename(s)}"),
            pager=None,
        ),
        encoding="utf-8",
    )

    # sections/NN_name.html
    for position, result in enumerate(results):
        previous = results[position - 1].section if position > 0 else None
        following = results[position + 1].section if position + 1 < len(results) else None
        (folder / "sections" / section_filename(result.section)).write_text(
            page.render(
                title=f"{result.section.title} — {period.title}",
                css=css,
                plotly_src=f"../{PLOTLY_ASSET}" if result.has_plotly else None,
                plotly_inline=None,
                programme=programme,
                report_title=report_title,
                nav=[("Contents", "../index.html")],
                body=Markup(scrollable_tables(with_heading(result.body, result.section.title))),
                pager={
                    "previous": (previous.title, section_filename(previous)) if previous else None,
                    "next": (following.title, section_filename(following)) if following else None,
                },
            ),
            encoding="utf-8",
        )

    # <report>_report.html: everything in one file.
    # A section that opens with the report's title page stands in for the index's in the single file,
    # and the contents follow that title page, as in a printed report.
    front = next((s for s in sections if s.front_matter), None)
    contents = index_fragment(lambda s: f"#section-{s.key}", title_page=front is None)
    parts = [] if front is not None else [contents]
    for result in results:
        body = inline_local_images(scrollable_tables(with_heading(result.body, result.section.title)), folder / "sections")
        if result.section is front:
            body = after_title_page(body, str(contents))
        parts.append(
            f'<section class="pdu-section" id="section-{result.section.key}" aria-label="{escape_html(result.section.title)}">\n'
            f"{body}</section>\n"
        )
    single = folder / single_name(period.name)
    word.write_docx("\n".join(parts), folder / word.docx_name(period.name))
    single.write_text(
        page.render(
            title=f"{period.title} — {programme}",
            css=css,
            plotly_src=None,
            plotly_inline=Markup(plotly_js()) if any_plotly else None,
            programme=programme,
            report_title=report_title,
            nav=[("Contents", "#contents")],
            body=Markup("\n".join(parts)),
            pager=None,
        ),
        encoding="utf-8",
    )
    return single


_FIRST_H2 = re.compile(r"<h2[\s>]", re.IGNORECASE)
_CELL_START = '<div class="jp-Cell'


def after_title_page(body: str, insert: str) -> str:
    """``insert`` placed where the title page ends: before the cell that holds the body's first <h2>, else at the end.

    >>> after_title_page('<div class="jp-Cell"><h1>Title</h1></div><div class="jp-Cell"><h2>Introduction</h2></div>', '<nav/>')
    '<div class="jp-Cell"><h1>Title</h1></div><nav/><div class="jp-Cell"><h2>Introduction</h2></div>'
    >>> after_title_page('<h1>Title</h1>', '<nav/>')
    '<h1>Title</h1><nav/>'
    """
    heading = _FIRST_H2.search(body)
    if heading is None:
        return body + insert
    cell = body.rfind(_CELL_START, 0, heading.start())
    at = cell if cell != -1 else heading.start()
    return body[:at] + insert + body[at:]


def single_name(report: str) -> str:
    return f"{report}_report.html"


def with_heading(body: str, title: str) -> str:
    """The section body, with the section title as <h1> unless the notebook has one."""
    if re.search(r"<h1[\s>]", body):
        return body
    return f"<h1>{escape_html(title)}</h1>\n{body}"


_TABLE = re.compile(r"<table\b.*?</table>", re.IGNORECASE | re.DOTALL)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.IGNORECASE | re.DOTALL)


def scrollable_tables(html: str) -> str:
    """Wrap every table in a box that scrolls sideways on its own, so a wide table never widens the page.

    The box is focusable and named after the table's caption, so keyboard
    users can scroll it too (axe: scrollable-region-focusable).

    >>> scrollable_tables('<p>x</p><table class="t"><caption>Rows &amp; files</caption><tr><td>1</td></tr></table>')
    '<p>x</p><div class="pdu-scroll" role="region" tabindex="0" aria-label="Rows &amp; files"><table class="t"><caption>Rows &amp; files</caption><tr><td>1</td></tr></table></div>'
    """

    def wrap(match: re.Match) -> str:
        caption = _CAPTION.search(match.group(0))
        label = html_lib.unescape(re.sub(r"<[^>]+>", "", caption.group(1))).strip() if caption else ""
        name = html_lib.escape(label or "Table", quote=True)
        return f'<div class="pdu-scroll" role="region" tabindex="0" aria-label="{name}">{match.group(0)}</div>'

    return _TABLE.sub(wrap, html)


_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)


def inline_local_images(html: str, base: Path) -> str:
    """Replace ``<img src="relative/path">`` by a data: URI of the file (for the single file)."""

    def replace(match: re.Match) -> str:
        src = html_lib.unescape(match.group(2))
        if re.match(r"^(data:|[a-z][a-z0-9+.-]*:|//|#)", src, re.IGNORECASE):
            return match.group(0)
        path = (base / src).resolve()
        if not path.is_file():
            return match.group(0)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{mime};base64,{encoded}{match.group(3)}"

    return _IMG_SRC.sub(replace, html)
