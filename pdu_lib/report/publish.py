"""Writing a rendered report's pages: index, one page per section, and the self-contained single file.

:func:`publish` runs named steps, each usable on its own: the plotly asset, the
index, the section pages, the single file's part for each section
(:func:`single_file_part`, a function of that section alone) and the single
file. HTML is edited as a parsed tree (BeautifulSoup), never with patterns.
The Word copy is made from the single file's body by the caller
(:mod:`pdu_lib.report.word`), not here.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import mimetypes
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from pdu_lib.config import TEMPLATES_DIR, ReportPeriod, Section
from pdu_lib.report.execute import SectionResult
from pdu_lib.report.export import plotly_js

PLOTLY_ASSET = "assets/plotly.min.js"


@dataclass(frozen=True)
class ReportPages:
    """What every page of one report shares: where it goes, its period, its sections and the page template."""

    folder: Path
    period: ReportPeriod
    programme: str
    sections: tuple[Section, ...]
    partial_note: str = ""

    @property
    def report_title(self) -> str:
        return f"{self.period.title}: {self.period.label()}"

    @functools.cached_property
    def template(self):
        """The page template, compiled once for every page of the report."""
        return _environment().get_template("pdu_page.html.j2")

    @functools.cached_property
    def css(self) -> str:
        return _css()

    @property
    def front(self) -> Section | None:
        """The section that opens with the report's title page, if any (it stands in for the index's)."""
        return next((section for section in self.sections if section.front_matter), None)


@dataclass(frozen=True)
class Published:
    """The single file, and its body (every section's part, images inlined), from which the Word copy is made."""

    single_file: Path
    body: str


def publish(
    folder: Path,
    period: ReportPeriod,
    results: Sequence[SectionResult],
    *,
    programme: str,
    partial: bool = False,
    all_sections: Sequence[Section] = (),
) -> Published:
    """Write the pages of a fully rendered report into ``folder``: index, section pages, the single file."""
    pages = report_pages(folder, period, results, programme=programme, partial=partial, all_sections=all_sections)
    any_plotly = write_plotly_asset(folder, results)
    write_index(pages)
    write_section_pages(pages, results)
    body = single_file_body(pages, [single_file_part(result, folder) for result in results])
    return Published(write_single_file(pages, body, any_plotly), body)


def report_pages(
    folder: Path,
    period: ReportPeriod,
    results: Sequence[SectionResult],
    *,
    programme: str,
    partial: bool = False,
    all_sections: Sequence[Section] = (),
) -> ReportPages:
    sections = tuple(result.section for result in results)
    note = f"This render holds {len(sections)} of the report's {len(all_sections) or len(sections)} sections." if partial else ""
    return ReportPages(Path(folder), period, programme, sections, note)


# ---------------------------------------------------------------------------
# Steps


def write_plotly_asset(folder: Path, results: Sequence[SectionResult]) -> bool:
    """plotly.js beside the pages when a section draws an interactive chart; whether one does."""
    if not any(result.has_plotly for result in results):
        return False
    asset = Path(folder) / PLOTLY_ASSET
    asset.parent.mkdir(parents=True, exist_ok=True)
    asset.write_text(plotly_js(), encoding="utf-8")
    return True


def write_index(pages: ReportPages) -> Path:
    """``index.html``: the title page and contents, linking to the section pages."""
    path = pages.folder / "index.html"
    path.write_text(
        _page(
            pages,
            title=f"{pages.period.title} — {pages.programme}",
            nav=[("Contents", "#contents"), ("Whole report as one file", single_name(pages.period.name))],
            body=contents_html(pages, lambda s: f"sections/{section_filename(s)}"),
            title_page=True,
        ),
        encoding="utf-8",
    )
    return path


class PageBodies:
    """Each section's body as its page shows it (heading added, tables wrapped), made once per body and title.

    A preview keeps one from update to update: a section that did not change is not parsed again.
    """

    def __init__(self) -> None:
        self._made: dict[str, tuple[str, str]] = {}  # section key -> (hash of body and title, page body)

    def page_body(self, result: SectionResult) -> str:
        digest = hashlib.sha256(f"{result.section.title}\0{result.body}".encode()).hexdigest()
        made = self._made.get(result.section.key)
        if made is None or made[0] != digest:
            soup = _fragment(result.body)
            add_heading(soup, result.section.title)
            wrap_tables(soup)
            made = self._made[result.section.key] = (digest, str(soup))
        return made[1]


def write_section_pages(pages: ReportPages, results: Sequence[SectionResult], bodies: PageBodies | None = None) -> None:
    """``sections/NN_name.html``, one page per section, each linking to the one before and after it."""
    bodies = PageBodies() if bodies is None else bodies
    for position, result in enumerate(results):
        previous = results[position - 1].section if position > 0 else None
        following = results[position + 1].section if position + 1 < len(results) else None
        (pages.folder / "sections" / section_filename(result.section)).write_text(
            _page(
                pages,
                title=f"{result.section.title} — {pages.period.title}",
                plotly_src=f"../{PLOTLY_ASSET}" if result.has_plotly else None,
                nav=[("Contents", "../index.html")],
                body=bodies.page_body(result),
                pager={
                    "previous": (previous.title, section_filename(previous)) if previous else None,
                    "next": (following.title, section_filename(following)) if following else None,
                },
            ),
            encoding="utf-8",
        )


def single_file_part(result: SectionResult, folder: Path) -> str:
    """One section as the single file holds it: its heading, tables that scroll, images inlined, in a <section>."""
    soup = _fragment(result.body)
    add_heading(soup, result.section.title)
    wrap_tables(soup)
    inline_images(soup, Path(folder) / "sections")
    section = soup.new_tag(
        "section", attrs={"class": "pdu-section", "id": f"section-{result.section.key}", "aria-label": result.section.title}
    )
    section.extend(["\n", *soup.contents])
    return str(section)


def single_file_body(pages: ReportPages, parts: Sequence[str]) -> str:
    """The single file's body: the sections' parts in order, the contents after the title page.

    A section that opens with the report's title page stands in for the index's,
    and the contents follow that title page, as in a printed report.
    """
    contents = contents_html(pages, lambda s: f"#section-{s.key}", title_page=pages.front is None)
    if pages.front is None:
        return "\n".join([contents, *parts])
    front = pages.sections.index(pages.front)
    parts = list(parts)
    parts[front] = after_title_page(parts[front], contents)
    return "\n".join(parts)


def write_single_file(pages: ReportPages, body: str, any_plotly: bool) -> Path:
    """``<report>_report.html``: everything in one file, plotly.js inlined, nothing else to fetch."""
    from markupsafe import Markup

    path = pages.folder / single_name(pages.period.name)
    path.write_text(
        _page(
            pages,
            title=f"{pages.period.title} — {pages.programme}",
            plotly_inline=Markup(plotly_js()) if any_plotly else None,
            nav=[("Contents", "#contents")],
            body=body,
            title_page=True,
        ),
        encoding="utf-8",
    )
    return path


def contents_html(pages: ReportPages, link: Callable[[Section], str], title_page: bool = True) -> str:
    """The title page (unless a section holds it) and the contents, each section linked by ``link``."""
    html = (
        _environment()
        .get_template("pdu_index.html.j2")
        .render(
            period=pages.period,
            programme=pages.programme,
            partial_note=pages.partial_note,
            contents=[(section.title, link(section)) for section in pages.sections],
            title_page=title_page,
        )
    )
    return scrollable_tables(html)


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


def _page(pages: ReportPages, *, title: str, nav, body: str, plotly_src=None, plotly_inline=None, pager=None, title_page=False) -> str:
    """A page of the report; with ``title_page``, its first printed page is the title page (no number, no running title)."""
    from markupsafe import Markup

    return pages.template.render(
        title=title,
        css=Markup(pages.css),
        plotly_src=plotly_src,
        plotly_inline=plotly_inline,
        programme=pages.programme,
        report_title=pages.report_title,
        nav=nav,
        body=Markup(body),
        pager=pager,
        running_title=Markup(css_string(running_title(pages.period, pages.programme))),
        title_page=title_page,
    )


def running_title(period: ReportPeriod, programme: str) -> str:
    """The title at the head of every printed page after the title page, and of the Word copy's."""
    return f"{programme}: {period.title}"


def css_string(text: str) -> str:
    """``text`` as a CSS string: quotes, backslashes, ``<`` and other marks escaped, so it cannot end the string or the <style>.

    >>> print(css_string('The "PDU" </style> & more'))
    "The \\22 PDU\\22  \\3c \\2f style\\3e  & more"
    """
    return '"' + "".join(c if c.isalnum() or c in " :;,.&'()-" else f"\\{ord(c):x} " for c in text) + '"'


def section_filename(section: Section) -> str:
    """``sections/<NN_name>.html`` for the notebook ``NN_name.ipynb``."""
    return f"{Path(section.notebook).stem}.html"


def single_name(report: str) -> str:
    return f"{report}_report.html"


# ---------------------------------------------------------------------------
# Edits of a parsed body


def _fragment(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def add_heading(soup: BeautifulSoup, title: str) -> None:
    """The section title as <h1> at the top, unless the body has an <h1>."""
    if soup.find("h1") is not None:
        return
    heading = soup.new_tag("h1")
    heading.string = title
    soup.insert(0, "\n")
    soup.insert(0, heading)


def wrap_tables(soup: BeautifulSoup) -> None:
    """Every table in a focusable box named after its caption, which scrolls sideways on its own.

    A wide table never widens the page, and keyboard users can scroll the box
    too (axe: scrollable-region-focusable).
    """
    for table in soup.find_all("table"):
        if isinstance(table.parent, Tag) and "pdu-scroll" in (table.parent.get("class") or []):
            continue
        caption = table.find("caption")
        label = caption.get_text(" ", strip=True) if caption else ""
        box = soup.new_tag("div", attrs={"class": "pdu-scroll", "role": "region", "tabindex": "0", "aria-label": label or "Table"})
        table.wrap(box)
        # Says that the table scrolls, while it does; its words are in report.css, so they are no text of the report.
        table.insert_before(soup.new_tag("p", attrs={"class": "pdu-scroll-hint"}))


_NOT_LOCAL = re.compile(r"^(data:|[a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)


def inline_images(soup: BeautifulSoup, base: Path) -> None:
    """Every ``<img src="relative/path">`` whose file exists under ``base`` made a data: URI (for the single file)."""
    for image in soup.find_all("img", src=True):
        src = str(image["src"])
        if _NOT_LOCAL.match(src):
            continue
        path = (base / src).resolve()
        if path.is_file():
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            image["src"] = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _title_page_end(soup: BeautifulSoup) -> Tag | None:
    """The element the title page ends before: the top-level cell holding the first <h2>, or that <h2>."""
    heading = soup.find("h2")
    if heading is None:
        return None
    cell = next((parent for parent in heading.parents if "jp-Cell" in (parent.get("class") or [])), None)
    return cell or heading


# ---------------------------------------------------------------------------
# The same edits on HTML text


def with_heading(body: str, title: str) -> str:
    """The section body, with the section title as <h1> unless the notebook has one.

    >>> with_heading("<p>Text.</p>", "Who came & why")
    '<h1>Who came &amp; why</h1>\\n<p>Text.</p>'
    >>> with_heading("<h1>Own</h1>", "Other")
    '<h1>Own</h1>'
    """
    soup = _fragment(body)
    add_heading(soup, title)
    return str(soup)


def scrollable_tables(html: str) -> str:
    """Wrap every table in a box that scrolls sideways on its own (:func:`wrap_tables`).

    >>> scrollable_tables('<p>x</p><table class="t"><caption>Rows &amp; files</caption><tr><td>1</td></tr></table>')
    '<p>x</p><div aria-label="Rows &amp; files" class="pdu-scroll" role="region" tabindex="0"><p class="pdu-scroll-hint"></p><table class="t"><caption>Rows &amp; files</caption><tr><td>1</td></tr></table></div>'
    """
    soup = _fragment(html)
    wrap_tables(soup)
    return str(soup)


def inline_local_images(html: str, base: Path) -> str:
    """Replace ``<img src="relative/path">`` by a data: URI of the file (:func:`inline_images`)."""
    soup = _fragment(html)
    inline_images(soup, base)
    return str(soup)


def after_title_page(body: str, insert: str) -> str:
    """``insert`` placed where the title page ends: before the cell that holds the body's first <h2>, else at the end.

    >>> after_title_page('<div class="jp-Cell"><h1>Title</h1></div><div class="jp-Cell"><h2>Introduction</h2></div>', '<nav></nav>')
    '<div class="jp-Cell"><h1>Title</h1></div><nav></nav><div class="jp-Cell"><h2>Introduction</h2></div>'
    >>> after_title_page('<h1>Title</h1>', '<nav></nav>')
    '<h1>Title</h1><nav></nav>'
    """
    soup = _fragment(body)
    inserted = _fragment(insert)
    end = _title_page_end(soup)
    if end is None:
        (soup.find("section") or soup).append(inserted)
    else:
        end.insert_before(inserted)
    return str(soup)
