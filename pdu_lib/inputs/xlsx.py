"""Reading one sheet of an XLSX workbook with calamine, bounded, into rows of cells.

calamine (Rust) parses a sheet many times faster than openpyxl, but it
builds the whole rectangle from A1 to the sheet's last cell before Python
sees a cell, and it aborts the process when that rectangle cannot be
allocated (one cell typed in XFD1048576 is 17 billion cells). So the archive
and the sheet's XML are checked here first, cheaply, in bytes: the unpacked
size, the declared dimension, the rectangle the cells' references span, and
characters XML does not allow (a raw NUL). Only then is the sheet parsed.

Cells come back as openpyxl gave them, so nothing downstream changes: None
for an empty cell, ``datetime.datetime`` for a date, ``int`` for a whole
number, text without bidi controls.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from pandas.api.types import infer_dtype

from pdu_lib.errors import InputError
from pdu_lib.inputs.files import MAX_INPUT_ENV, max_input_bytes, not_an_archive, read_input_bytes, strip_bidi, xml_position

RESAVE = "open it in Excel and save it again (File > Save As > Excel Workbook)"
NOT_A_WORKBOOK_FIX = "export it again as an Excel workbook (.xlsx), or open it in Excel and save it as one"


def damaged(label: str, err: BaseException | str) -> str:
    """A workbook part that cannot be parsed, in words: what happened and what to do.

    >>> damaged("the first sheet", ValueError("ParseError: not well-formed (invalid token): line 1, column 1861"))
    'the workbook is damaged (the XML of the first sheet cannot be read at line 1, column 1861): open it in Excel and save it again (File > Save As > Excel Workbook)'
    """
    where = xml_position(err) if isinstance(err, BaseException) else err
    return f"the workbook is damaged (the XML of {label} cannot be read{f' at {where}' if where else ''}): {RESAVE}"


#: Excel's own sheet limits: a sheet declaring more was not written by a spreadsheet program.
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
#: Cells (rows x widest row, counted from A1) read from one sheet at most; a real register or export holds far fewer.
MAX_SHEET_CELLS = 5_000_000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")

# Bytes XML 1.0 allows: tab, line feed, carriage return and everything from space up (UTF-8 continuation bytes too).
_XML_BYTES = b"\t\n\r" + bytes(range(0x20, 0x100))
_BAD_BYTE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_CHARACTER_REFERENCE = re.compile(rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]));")
# Bidi controls as UTF-8 bytes or character references (one pattern each: a literal start keeps the scan fast);
# a match only means the text cells are cleaned one by one.
_BIDI_BYTES = tuple(
    re.compile(pattern)
    for pattern in (
        rb"\xe2\x80[\x8e\x8f\xaa-\xae]",
        rb"\xe2\x81[\xa6-\xa9]",
        rb"\xd8\x9c",
        rb"&#(?:[xX]0*(?:200[eEfF]|202[a-eA-E]|206[6-9]|61[cC])|0*(?:820[67]|823[4-8]|829[4-7]|1564));",
    )
)
# The common layout (Excel, openpyxl, LibreOffice): every cell carries its reference as its first attribute.
_CELL_REFERENCE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
_OTHER_CELL_TAG = re.compile(rb"<c[\t\r\n/>]")  # a cell tag without attributes, or split over lines
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")  # calamine matches local names: <x:c> is a cell too
# Any row or cell tag, prefixed or not, for the layouts above does not cover.
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_REFERENCE_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]{0,3})([0-9]*)["']""")


def column_number(letters: str) -> int:
    """1-based number of a column letter (``A`` is 1).

    >>> column_number("A"), column_number("AA"), column_number("XFD")
    (1, 27, 16384)
    """
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _is_panic(err: BaseException) -> bool:
    # pyo3 turns a Rust panic into PanicException, a BaseException: it is a broken file too, never an interrupt.
    return type(err).__name__ == "PanicException"


def check_xlsx_archive(source: Path | bytes, name: str) -> None:
    """Refuse a workbook whose parts unpack beyond the size cap, or whose sheet declares more than Excel allows.

    Runs before anything parses the workbook: the zip directory gives each
    part's unpacked size, and each sheet's ``<dimension ref="A1:J30000000"/>``
    is read from the first few kilobytes of its XML. ``source`` is the file
    or its bytes.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            _check_archive(archive, name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError) as err:
        if isinstance(err, InputError):
            raise
        head = source[:1024] if isinstance(source, bytes) else _head(source)
        raise InputError(name, not_an_archive(head, "an Excel workbook", NOT_A_WORKBOOK_FIX)) from None


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(1024)
    except OSError:
        return b""


def _check_archive(archive: zipfile.ZipFile, name: str) -> None:
    cap = max_input_bytes()
    members = archive.infolist()
    total = sum(member.file_size for member in members)
    if total > cap:
        raise InputError(
            name,
            f"unpacks to {total / 1e6:,.0f} MB, over the {cap / 1e6:,.0f} MB limit for one input file "
            f"(set {MAX_INPUT_ENV} to raise it); is it a real workbook?",
        )
    for member in members:
        if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", member.filename):
            continue
        with archive.open(member) as handle:
            head = handle.read(4096)
        found = _DIMENSION.search(head)
        if not found:
            continue
        first, first_row, last, last_row = (part.decode("ascii") if part else "" for part in found.groups())
        rows = max(int(first_row or 0), int(last_row or 0))
        columns = max(column_number(first or "A"), column_number(last or "A"))
        if rows > EXCEL_MAX_ROWS or columns > EXCEL_MAX_COLUMNS:
            raise InputError(
                name,
                f"a sheet declares {rows:,} rows by {columns:,} columns ({found.group(0).decode('ascii', 'replace')}), more than Excel "
                f"allows ({EXCEL_MAX_ROWS:,} by {EXCEL_MAX_COLUMNS:,}): the file is broken or was not saved by Excel",
            )


# ---------------------------------------------------------------------------------------------- which part is the sheet


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_parts(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str | None]]:
    """Every worksheet of the workbook in its tab order: (title, the part holding its XML, or None if not found).

    Chart sheets and dialog sheets are left out, as openpyxl's ``worksheets`` leaves them out.
    """
    from defusedxml import ElementTree

    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError as err:
        raise InputError(name, f"is damaged (a part of the workbook is missing: {err}): {RESAVE}") from None
    except Exception as err:  # not well-formed XML, or refused as unsafe (entities, DTD)
        if type(err).__name__ in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"):
            raise InputError(name, f"was refused: its XML declares entities, which Excel never writes; {RESAVE}") from None
        raise InputError(name, damaged("the workbook's list of sheets", err)) from None
    targets = {}
    for relation in relations.iter():
        if _local(relation.tag) == "Relationship":
            targets[relation.get("Id")] = (relation.get("Target") or "", relation.get("Type") or "")
    sheets = []
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        relation_id = next((value for key, value in sheet.attrib.items() if _local(key) == "id"), None)
        target, kind = targets.get(relation_id, ("", ""))
        if kind and not kind.endswith("/worksheet"):
            continue
        sheets.append((sheet.get("name") or "", _part_path(target) if target else None))
    return sheets


def _part_path(target: str) -> str:
    """A relationship's target as a path in the archive, as calamine resolves it."""
    if target.startswith("/"):
        return target.lstrip("/")
    if target.startswith("xl/"):
        return target
    parts: list[str] = []
    for piece in PurePosixPath("xl", target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


# ---------------------------------------------------------------------------------------------- the sheet's XML, in bytes


@dataclass(frozen=True)
class _Extent:
    rows: int  # the last row holding a cell (1-based), counted from row 1
    columns: int  # the last column holding a cell (1-based), counted from column A


def sheet_extent(xml: bytes) -> _Extent:
    """The rectangle from A1 that a sheet's cells span, as calamine will place them, read from the XML's bytes.

    Never smaller than what calamine builds: where the layout is unusual
    (cells without references, prefixed tags) every row and cell tag is walked.

    >>> sheet_extent(b'<sheetData><row r="1"><c r="A1"/><c r="C1"/></row><row r="7"><c r="B7"/></row></sheetData>')
    _Extent(rows=7, columns=3)
    >>> sheet_extent(b'<sheetData><row r="4"><c><v>1</v></c><c><v>2</v></c></row></sheetData>')
    _Extent(rows=4, columns=2)
    """
    cells = xml.count(b"<c ")
    if not _OTHER_CELL_TAG.search(xml) and not _PREFIXED_CELL_TAG.search(xml):
        references = _CELL_REFERENCE.findall(xml)
        if len(references) == cells:  # every cell is placed by its own reference: rows do not matter
            return _referenced_extent(references)
    return _walked_extent(xml)


def _referenced_extent(references: list[bytes]) -> _Extent:
    """The last row and column of cell references such as ``b"AB12"``, computed on their bytes at once."""
    if not references:
        return _Extent(0, 0)
    text = np.array(references)
    codes = text.view(np.uint8).reshape(len(references), text.dtype.itemsize).astype(np.int64)
    rows, columns = np.zeros(len(references), np.int64), np.zeros(len(references), np.int64)
    for position in range(codes.shape[1]):  # at most ten characters: letters first, then digits, then padding
        code = codes[:, position]
        columns = np.where(code >= 65, columns * 26 + code - 64, columns)
        rows = np.where((code >= 48) & (code <= 57), rows * 10 + code - 48, rows)
    return _Extent(int(rows.max()), int(columns.max()))


def _walked_extent(xml: bytes) -> _Extent:
    # calamine: a row's r sets the row; a row's end moves to the next row, column A; a cell's r places it,
    # else it takes the next column of the current row. A self-closed row is counted as a row (at worst too large).
    row = column = last_row = last_column = 0
    for match in _TAG.finditer(xml):
        closing, tag, attributes = match.groups()
        closed = attributes.rstrip().endswith(b"/")
        if tag == b"row":
            if not closing:
                reference = _REFERENCE_ATTRIBUTE.search(attributes)
                if reference and reference.group(2):
                    row = int(reference.group(2)) - 1
            if closing or closed:
                row, column = row + 1, 0
            continue
        if closing:
            continue
        reference = _REFERENCE_ATTRIBUTE.search(attributes)
        place_row, place_column = row, column
        if reference and reference.group(2):
            place_row = int(reference.group(2)) - 1
            place_column = column_number(reference.group(1).decode("ascii")) - 1 if reference.group(1) else column
        column = place_column + 1
        last_row, last_column = max(last_row, place_row + 1), max(last_column, place_column + 1)
    return _Extent(last_row, last_column)


def _row_at(xml: bytes, offset: int) -> int:
    """The spreadsheet row the byte at ``offset`` of a sheet's XML belongs to (the last row tag before it)."""
    rows = re.findall(rb"<(?:\w+:)?row\b[^>]*?\sr=\"([0-9]+)\"", xml[:offset])
    return int(rows[-1]) if rows else xml[:offset].count(b"<row") or 1


def _check_characters(xml: bytes, name: str, part: str, where: str) -> None:
    """XML does not allow most control characters (a raw NUL above all): openpyxl's parser refused them, so do we."""
    if xml.translate(None, _XML_BYTES):
        bad = _BAD_BYTE.search(xml)
        offset = bad.start() if bad is not None else 0
        problem = "not well-formed (invalid token)"
    else:
        found = _BAD_CHARACTER_REFERENCE.search(xml)
        if not found:
            return
        offset, problem = found.start(), "reference to invalid character number"
    line = xml.count(b"\n", 0, offset) + 1
    column = offset - (xml.rfind(b"\n", 0, offset) + 1)
    message = f"line {line}, column {column}, {problem}"
    if part.startswith("xl/worksheets/"):
        raise InputError(name, damaged(where, message), row=_row_at(xml, offset))
    raise InputError(name, damaged(f"its part {part}", message))


# ---------------------------------------------------------------------------------------------- reading


def worksheet_titles(path: str | Path, name: str) -> list[str]:
    """The titles of a workbook's worksheets, in tab order (chart sheets left out)."""
    raw = read_input_bytes(path, name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError):
        raise InputError(name, not_an_archive(raw[:1024], "an Excel workbook", NOT_A_WORKBOOK_FIX)) from None
    with archive:
        return [title for title, _ in _sheet_parts(archive, name)]


def read_sheet(
    path: str | Path, name: str, sheet: Callable[[str], bool] | None = None, label: str = "the first sheet"
) -> list[list[Any]] | None:
    """The rows of one sheet: the first worksheet, or the first whose title ``sheet(title)`` accepts (None if none does).

    Rows start at row 1 and cells at column A, so a row's position is its
    spreadsheet row; trailing blank rows are dropped and every row is padded
    with None to the widest. ``label`` names the sheet in errors.
    """
    cells = sheet_cells(path, name, sheet, label)
    return None if cells is None else cells.tolist()


def sheet_cells(
    path: str | Path, name: str, sheet: Callable[[str], bool] | None = None, label: str = "the first sheet"
) -> np.ndarray | None:
    """:func:`read_sheet` as a two-dimensional object array (rows x columns), for readers that work a column at a time."""
    raw = read_input_bytes(path, name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError):
        raise InputError(name, not_an_archive(raw[:1024], "an Excel workbook", NOT_A_WORKBOOK_FIX)) from None
    try:
        with archive:
            _check_archive(archive, name)
            sheets = _sheet_parts(archive, name)
            chosen = next((title for title, _ in sheets if sheet is None or sheet(title)), None)
            if chosen is None:
                if sheet is None:
                    raise InputError(name, "cannot be opened as an Excel workbook (it has no worksheet)")
                return None
            parts = [part for title, part in sheets if title == chosen]
            if None in parts:
                raise InputError(name, f"cannot be opened as an Excel workbook (the part of sheet {chosen!r} is not named)")
            bidi = False
            for part in ["xl/sharedStrings.xml", *parts]:
                if part not in archive.NameToInfo:
                    if part in parts:
                        raise InputError(name, f"cannot be opened as an Excel workbook ({part} is missing)")
                    continue
                xml = archive.read(part)  # checks the part's CRC; its size was checked above
                _check_characters(xml, name, part, label)
                if part in parts:
                    _check_extent(sheet_extent(xml), name, label)
                bidi = bidi or any(pattern.search(xml) for pattern in _BIDI_BYTES)
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError):
        raise InputError(name, f"is damaged (a part of the workbook cannot be unpacked): {RESAVE}") from None
    rows, merged = _calamine_rows(raw, name, chosen, label)
    return _as_openpyxl_gave(rows, strip=bidi, merged=merged)


def _check_extent(extent: _Extent, name: str, label: str) -> None:
    if extent.rows > EXCEL_MAX_ROWS or extent.rows * extent.columns > MAX_SHEET_CELLS:
        raise InputError(
            name,
            f"{label} holds more than {MAX_SHEET_CELLS:,} cells or {EXCEL_MAX_ROWS:,} rows: is it a real register?",
            row=extent.rows,  # the last row holding a cell: where a stray far-away cell is
        )


def _calamine_rows(raw: bytes, name: str, title: str, label: str) -> tuple[list[list[Any]], list[tuple]]:
    """The sheet's rows from A1, and its merged ranges (``((first_row, first_column), (last_row, last_column))``, from 0)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except BaseException as err:
        if not isinstance(err, Exception) and not _is_panic(err):
            raise
        raise InputError(name, damaged("the workbook", err)) from None
    try:
        sheet = workbook.get_sheet_by_name(title)
        return sheet.to_python(skip_empty_area=False), list(sheet.merged_cell_ranges or ())
    except BaseException as err:
        if not isinstance(err, Exception) and not _is_panic(err):
            raise
        raise InputError(name, damaged(label, err)) from None
    finally:
        workbook.close()


def fill_merged(cells: np.ndarray, merged: list[tuple]) -> np.ndarray:
    """Every cell of a merged range holds its top-left cell's value, as Excel means a merge (an event's id, date and
    title merged down its bookings). A row holding nothing of its own stays blank; a range is clipped to the cells read.

    >>> cells = np.array([["E01", "Ann"], ["", "Bo"], ["", ""]], dtype=object)
    >>> fill_merged(cells, [((0, 0), (2, 0))]).tolist()
    [['E01', 'Ann'], ['E01', 'Bo'], ['', '']]
    """
    if not merged or not cells.size:
        return cells
    own = (cells != "").any(axis=1)
    for (first_row, first_column), (last_row, last_column) in merged:
        if first_row >= cells.shape[0] or first_column >= cells.shape[1]:
            continue
        rows = np.arange(first_row, min(last_row, cells.shape[0] - 1) + 1)
        rows = rows[own[rows]]
        cells[rows, first_column : last_column + 1] = cells[first_row, first_column]
    return cells


def _as_openpyxl_gave(rows: list[list[Any]], strip: bool, merged: Sequence[tuple] = ()) -> np.ndarray:
    """calamine's rows as openpyxl gave them: None for empty, datetimes for dates, ints for whole numbers, no bidi;
    merged ranges filled (:func:`fill_merged`)."""
    while rows and all(cell == "" or (isinstance(cell, str) and not cell.strip()) for cell in rows[-1]):
        rows.pop()
    if not rows:
        return np.empty((0, 0), dtype=object)
    width = max(map(len, rows))
    if any(len(row) != width for row in rows):
        rows = [row + [""] * (width - len(row)) for row in rows]
    cells = fill_merged(np.array(rows, dtype=object).reshape(len(rows), width), list(merged))
    for column in range(width):
        cells[:, column] = _column_as_openpyxl_gave(cells[:, column], strip)
    return cells


_type_of = np.frompyfunc(type, 1, 1)


def _column_as_openpyxl_gave(values: np.ndarray, strip: bool) -> np.ndarray:
    kinds = np.array([str], dtype=object) if infer_dtype(values, skipna=False) == "string" else _type_of(values)
    text = kinds == str  # noqa: E721 (elementwise over an array of types)
    if text.all():
        text = slice(None)
    elif not text.any():
        text = None
    values = values.copy()
    if text is not None:
        strings = values[text]
        if strip:
            strings = np.array([strip_bidi(string) for string in strings], dtype=object)
        strings[strings == ""] = None
        values[text] = strings
    if isinstance(text, slice):
        return values
    numbers = np.flatnonzero(kinds == float)  # noqa: E721 (elementwise)
    if len(numbers):
        floats = values[numbers].astype(float)
        whole = np.isfinite(floats) & (np.mod(floats, 1) == 0) & (np.abs(floats) < 2**53)
        values[numbers[whole]] = floats[whole].astype(np.int64).tolist()
    days = np.flatnonzero(kinds == dt.date)
    if len(days):
        values[days] = [dt.datetime(day.year, day.month, day.day) for day in values[days]]
    return values
