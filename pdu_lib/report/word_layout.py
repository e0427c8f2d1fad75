"""The Word copy's page layout, set in the .docx pandoc wrote: what a reader who comments in Word expects.

- an A4 page with 2 cm margins, the page number in the footer and the report's
  title at the head of every page after the title page;
- the title, author and subject document properties (from ``reports.yml``);
- every picture at the width of the text, and never taller than the page;
- tables as wide as their content needs (each column at least as wide as its
  longest word, so no word breaks inside itself), numbers aligned right, a
  caption kept on the page of its table or picture;
- numbered lists whose numbers all fit their indent (the contents' 10-14 line
  up with 1-9).

The package is rewritten with fixed dates, so the same report gives the same bytes.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
DC = "http://purl.org/dc/elements/1.1/"
CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
NS = {"w": W, "r": R, "wp": WP, "a": A, "rel": REL, "ct": CT, "dc": DC, "cp": CP}

#: A4 in twentieths of a point, and the margins (2 cm).
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 11906, 16838, 1134
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
TEXT_HEIGHT = PAGE_HEIGHT - 2 * MARGIN
EMU_PER_TWIP = 635
#: A picture leaves room on its page for its caption and a heading.
PICTURE_MAX_HEIGHT = int(TEXT_HEIGHT * 0.8)
#: Table text is 10 pt; a character of it is at most about this wide (bold, in Word's or LibreOffice's fonts).
TABLE_FONT_HALF_POINTS = 20
CHAR_TWIPS = 118
CELL_PADDING_TWIPS = 2 * 108 + 40
#: Every number of a numbered list fits this hanging indent ("14." at 11 pt), so the text after it lines up.
LIST_HANGING = 560

_DATE = (2019, 1, 1, 0, 0, 0)
_NUMBER = re.compile(r"^[£$€]?[−-]?\d[\d,.]*%?(?:\s*\(\d[\d,.]* of \d[\d,.]*\))?\s*[†‡*]?$")
#: A column whose text is no longer than this never wraps, when the page has room.
SHORT_COLUMN_CHARS = 16
_NO_NUMBER = re.compile(r"^(?:[–—-]|n/a|fewer than \d+|none|no data)$", re.IGNORECASE)


@dataclass(frozen=True)
class CoreProperties:
    """The document properties Word shows under File > Info."""

    title: str
    author: str
    subject: str


def lay_out(path: Path, properties: CoreProperties, running_title: str = "") -> Path:
    """Set the page, pictures, tables, lists and properties of the .docx at ``path``, in place."""
    path = Path(path)
    with zipfile.ZipFile(path) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}
    document = etree.fromstring(parts["word/document.xml"])
    set_page(document, parts, running_title)
    fit_pictures(document)
    fit_tables(document)
    keep_captions_with_their_object(document)
    parts["word/document.xml"] = _xml(document)
    parts["word/numbering.xml"] = _fit_list_numbers(parts["word/numbering.xml"]) if "word/numbering.xml" in parts else b""
    if not parts["word/numbering.xml"]:
        del parts["word/numbering.xml"]
    parts["word/styles.xml"] = _table_font(parts["word/styles.xml"])
    parts["docProps/core.xml"] = _core_properties(parts["docProps/core.xml"], properties)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(zipfile.ZipInfo(name, date_time=_DATE), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _xml(element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


# The order WordprocessingML requires of the children of an element this module edits (Word refuses others).
_ORDER = {
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType pgNumType cols "
    "formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings sectPrChange",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing tblInd tblBorders "
    "shd tblLayout tblCellMar tblLook tblCaption tblDescription tblPrChange",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs suppressAutoHyphens "
    "kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing "
    "mirrorIndents suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "style": "name aliases basedOn next link autoRedefine uiPriority semiHidden unhideWhenUsed qFormat locked personal personalCompose "
    "personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid vanish webHidden "
    "color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
}


def _child(parent, name: str, first: bool = False):
    """``parent``'s child ``w:name``, made when missing, in the place the schema gives it (``first``: the first child)."""
    found = parent.find(f"w:{name}", NS)
    if found is None and first:
        found = etree.Element(_w(name))
        parent.insert(0, found)
    elif found is None:
        found = etree.SubElement(parent, _w(name))
        _reorder(parent)
    return found


def _reorder(parent) -> None:
    order = _ORDER.get(etree.QName(parent).localname)
    if order is None:
        return
    rank = {name: position for position, name in enumerate(order.split())}
    parent[:] = sorted(parent, key=lambda child: rank.get(etree.QName(child).localname, len(rank)))


# ---------------------------------------------------------------------------
# Page


def set_page(document, parts: dict[str, bytes], running_title: str) -> None:
    """A4 with 2 cm margins; the page number centred in the footer and the running title in the header, but not on the title page."""
    body = document.find("w:body", NS)
    section = body.find("w:sectPr", NS)
    if section is None:
        section = etree.SubElement(body, _w("sectPr"))
    for old in section.findall("w:pgSz", NS) + section.findall("w:pgMar", NS) + section.findall("w:titlePg", NS):
        section.remove(old)
    for old in section.findall("w:headerReference", NS) + section.findall("w:footerReference", NS):
        section.remove(old)
    references = [("footer", "footer1.xml", _footer()), ("header", "header1.xml", _header(running_title))]
    for kind, name, xml in references:
        rel_id = _add_part(parts, f"word/{name}", xml, kind)
        reference = etree.Element(_w(f"{kind}Reference"), {_w("type"): "default", f"{{{R}}}id": rel_id})
        section.insert(0, reference)
    size = etree.Element(_w("pgSz"), {_w("w"): str(PAGE_WIDTH), _w("h"): str(PAGE_HEIGHT)})
    margin = etree.Element(
        _w("pgMar"),
        {_w(side): str(MARGIN) for side in ("top", "right", "bottom", "left")}
        | {_w("header"): "567", _w("footer"): "567", _w("gutter"): "0"},
    )
    section.extend([size, margin, etree.Element(_w("titlePg"))])
    _reorder(section)


def _footer() -> bytes:
    field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr xmlns:w="{W}" xmlns:r="{R}"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>{field}</w:p></w:ftr>'.encode()


def _header(title: str) -> bytes:
    header = etree.Element(_w("hdr"), nsmap={"w": W, "r": R})
    paragraph = etree.SubElement(header, _w("p"))
    properties = etree.SubElement(paragraph, _w("pPr"))
    etree.SubElement(properties, _w("jc"), {_w("val"): "right"})
    run = etree.SubElement(paragraph, _w("r"))
    run_properties = etree.SubElement(run, _w("rPr"))
    etree.SubElement(run_properties, _w("color"), {_w("val"): "595959"})
    etree.SubElement(run_properties, _w("sz"), {_w("val"): "18"})
    etree.SubElement(run, _w("t")).text = title
    return _xml(header)


def _add_part(parts: dict[str, bytes], name: str, xml: bytes, kind: str) -> str:
    """Add ``name`` to the package, related to the document and typed; return its relationship id."""
    parts[name] = xml
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    taken = {rel.get("Id") for rel in rels}
    rel_id = next(f"rIdLayout{n}" for n in range(1, 100) if f"rIdLayout{n}" not in taken)
    etree.SubElement(
        rels,
        f"{{{REL}}}Relationship",
        {
            "Id": rel_id,
            "Type": f"http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}",
            "Target": name.split("/", 1)[1],
        },
    )
    parts["word/_rels/document.xml.rels"] = _xml(rels)
    types = etree.fromstring(parts["[Content_Types].xml"])
    etree.SubElement(
        types,
        f"{{{CT}}}Override",
        {"PartName": f"/{name}", "ContentType": f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"},
    )
    parts["[Content_Types].xml"] = _xml(types)
    return rel_id


def _core_properties(xml: bytes, properties: CoreProperties) -> bytes:
    core = etree.fromstring(xml)
    for tag, value in (
        (f"{{{DC}}}title", properties.title),
        (f"{{{DC}}}creator", properties.author),
        (f"{{{DC}}}subject", properties.subject),
    ):
        element = core.find(tag)
        if element is None:
            element = etree.SubElement(core, tag)
        element.text = value
    return _xml(core)


# ---------------------------------------------------------------------------
# Pictures, captions, lists


def fit_pictures(document) -> None:
    """Every picture at the width of the text, and no taller than :data:`PICTURE_MAX_HEIGHT`, its shape kept."""
    max_width, max_height = TEXT_WIDTH * EMU_PER_TWIP, PICTURE_MAX_HEIGHT * EMU_PER_TWIP
    for drawing in document.iter(_w("drawing")):
        for inline in drawing.iter(f"{{{WP}}}inline"):
            # No distance from the text around it: LibreOffice's default (0.13 inch) would push a picture as wide as the text past the margin.
            inline.attrib.update({side: "0" for side in ("distT", "distB", "distL", "distR")})
        extents = [*drawing.iter(f"{{{WP}}}extent"), *drawing.iter(f"{{{A}}}ext")]
        if not extents:
            continue
        width, height = int(extents[0].get("cx")), int(extents[0].get("cy"))
        scale = min(max_width / width, max_height / height)
        for extent in extents:
            extent.set("cx", str(int(width * scale)))
            extent.set("cy", str(int(height * scale)))


def _style(paragraph) -> str:
    style = paragraph.find("w:pPr/w:pStyle", NS)
    return style.get(_w("val")) if style is not None else ""


def keep_captions_with_their_object(document) -> None:
    """A table's caption kept with the table under it, a picture with the caption under it."""
    for paragraph in document.iter(_w("p")):
        if _style(paragraph) in ("TableCaption", "Figure", "CaptionedFigure"):
            _child(_child(paragraph, "pPr", first=True), "keepNext")


def _fit_list_numbers(xml: bytes) -> bytes:
    numbering = etree.fromstring(xml)
    for level in numbering.iter(_w("lvl")):
        number_format = level.find("w:numFmt", NS)
        indent = level.find("w:pPr/w:ind", NS)
        if number_format is None or indent is None or number_format.get(_w("val")) == "bullet":
            continue
        indent.set(_w("hanging"), str(max(LIST_HANGING, int(indent.get(_w("hanging"), "0")))))
    return _xml(numbering)


def _table_font(xml: bytes) -> bytes:
    """Table text at 10 pt (pandoc's "Table" style), so a table's columns fit the page."""
    styles = etree.fromstring(xml)
    for style in styles.findall("w:style", NS):
        if style.get(_w("styleId")) == "Table":
            run = _child(style, "rPr")
            _child(run, "sz").set(_w("val"), str(TABLE_FONT_HALF_POINTS))
    return _xml(styles)


# ---------------------------------------------------------------------------
# Tables


def _cell_text(cell) -> list[str]:
    return ["".join(t.text or "" for t in paragraph.iter(_w("t"))) for paragraph in cell.findall("w:p", NS)]


def column_widths(rows: list[list[list[str]]], available: int = TEXT_WIDTH) -> list[int]:
    """Column widths (twips) for a table's cells' paragraphs: what each needs, within ``available``.

    Every column gets at least its longest word, and a short column (a date,
    a number) all its text; what is left goes to the columns whose text would
    wrap, in proportion to how much they would.

    >>> column_widths([[["Event"], ["Attendances"]], [["Housing"], ["12"]]])
    [1082, 1554]
    >>> column_widths([[["A long description of the event " * 4], ["19% (5 of 26)"]]])
    [7848, 1790]
    """
    columns = max(len(row) for row in rows)
    least, most = [0] * columns, [0] * columns
    for row in rows:
        for j, paragraphs in enumerate(row):
            words = [len(word) for text in paragraphs for word in text.split()] or [0]
            least[j] = max(least[j], max(words) * CHAR_TWIPS + CELL_PADDING_TWIPS)
            most[j] = max(most[j], max((len(text) for text in paragraphs), default=0) * CHAR_TWIPS + CELL_PADDING_TWIPS)
    if sum(most) <= available:
        return most
    short_columns = [m if m <= SHORT_COLUMN_CHARS * CHAR_TWIPS + CELL_PADDING_TWIPS else n for m, n in zip(most, least)]
    if sum(short_columns) < available:
        least = short_columns
    if sum(least) >= available:
        return [width * available // sum(least) for width in least]
    spare, wanted = available - sum(least), sum(m - n for m, n in zip(most, least))
    return [n + (m - n) * spare // wanted for m, n in zip(most, least)]


def numeric_columns(rows: list[list[list[str]]]) -> list[bool]:
    """Which columns hold numbers: every body cell a number (or a placeholder such as "–"), at least one a number.

    >>> numeric_columns([[["Event"], ["Attendances"], ["Share"]], [["Housing"], ["12"], ["19% (5 of 26)"]], [["Other"], ["–"], ["3%"]]])
    [False, True, True]
    """
    columns = max(len(row) for row in rows)
    result = []
    for j in range(columns):
        texts = [" ".join(row[j]).strip() for row in rows[1:] if j < len(row)]
        texts = [text for text in texts if text]
        numbers = [bool(_NUMBER.match(text)) for text in texts]
        result.append(any(numbers) and all(n or bool(_NO_NUMBER.match(text)) for n, text in zip(numbers, texts)))
    return result


def fit_tables(document) -> None:
    """Each table as wide as its content needs, each column wide enough for its longest word, numbers aligned right."""
    for table in document.iter(_w("tbl")):
        rows = [row.findall("w:tc", NS) for row in table.findall("w:tr", NS)]
        if not rows or any(cell.find("w:tcPr/w:gridSpan", NS) is not None for row in rows for cell in row):
            continue
        texts = [[_cell_text(cell) for cell in row] for row in rows]
        widths = column_widths(texts)
        _set_table_width(table, widths)
        for row in rows:
            for cell, width, numeric in zip(row, widths, numeric_columns(texts)):
                properties = _child(cell, "tcPr", first=True)
                _child(properties, "tcW").attrib.update({_w("w"): str(width), _w("type"): "dxa"})
                _reorder(properties)
                if numeric:
                    for paragraph in cell.findall("w:p", NS):
                        _child(_child(paragraph, "pPr", first=True), "jc").set(_w("val"), "right")


def _set_table_width(table, widths: list[int]) -> None:
    properties = _child(table, "tblPr", first=True)
    _child(properties, "tblW").attrib.update({_w("w"): str(sum(widths)), _w("type"): "dxa"})
    _child(properties, "tblLayout").set(_w("type"), "fixed")
    grid = table.find("w:tblGrid", NS)
    if grid is None:
        grid = etree.Element(_w("tblGrid"))
        properties.addnext(grid)
    for column in list(grid):
        grid.remove(column)
    for width in widths:
        etree.SubElement(grid, _w("gridCol"), {_w("w"): str(width)})
