"""Reading CSV and XLSX files into grids and frames, with errors that name file, row and column.

Every loader reads through here, so encodings, byte-order marks, NUL bytes,
empty files, wrong delimiters and loosely written headers are handled once.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from pdu_lib.errors import InputError
from pdu_lib.inputs.files import file_identity, read_input_bytes, strip_bidi
from pdu_lib.inputs.xlsx import (  # noqa: F401  (the sheet limits and the archive check are named here too)
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    MAX_SHEET_CELLS,
    check_xlsx_archive,
    read_sheet,
    sheet_cells,
    worksheet_titles,
)

TEXT_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
# Large enough for any real free-text answer; a bigger cell is almost certainly a broken file.
MAX_CELL_CHARS = 1_000_000
csv.field_size_limit(MAX_CELL_CHARS)


def display_name(path: str | Path, data_dir: str | Path | None = None) -> str:
    """The name a file is reported under: relative to the data folder where possible."""
    path = Path(path)
    if data_dir is not None:
        try:
            return path.resolve().relative_to(Path(data_dir).resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def header_key(text: Any) -> str:
    """A header reduced to letters and digits, for loose matching.

    >>> header_key(" Event_ID "), header_key("Main focus of work"), header_key("RespondentID")
    ('eventid', 'mainfocusofwork', 'respondentid')
    """
    if text is None:
        return ""
    if isinstance(text, str):
        return _text_key(text)
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", str(text)).casefold())


@functools.lru_cache(maxsize=65536)
def _text_key(text: str) -> str:
    # Registers and exports repeat the same few values (sectors, statuses) on every row.
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text).casefold())


NUL_MESSAGE = "contains NUL bytes: this is not a text export (was it saved as UTF-16 or a binary file?)"


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), falling back to Windows-1252 as Excel re-saves write."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(name, NUL_MESSAGE, row=line)
    return _decode(raw)


def _decode(raw: bytes) -> str:
    """Bytes as text; bidi controls are removed here, where text from data enters."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return strip_bidi(text)


def column_letter(number: int) -> str:
    """The spreadsheet letter of a 1-based column number.

    >>> column_letter(1), column_letter(10), column_letter(27), column_letter(703)
    ('A', 'J', 'AA', 'AAA')
    """
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _grid_column(grid: list[list[Any]], index: int) -> str:
    """A column of a raw grid as an error names it: its letter, and its row-1 header when there is one.

    >>> _grid_column([["event_id", "date"]], 1), _grid_column([["event_id"]], 3)
    ('B (date)', 'D')
    """
    header = cell_text(grid[0][index]) if grid and index < len(grid[0]) else ""
    letter = column_letter(index + 1)
    return f"{letter} ({header})" if header and header.isprintable() and len(header) <= 100 else letter


def _bad_cell_column(text: str, limit: int = MAX_CELL_CHARS) -> int | None:
    """0-based column of the first cell of one CSV record (``text`` starts at the record) that breaks the reader.

    A cell breaks it when its quote is never closed, when text follows its
    closing quote, or when it is longer than ``limit`` characters.

    >>> _bad_cell_column('a,"b""c",d\\n'), _bad_cell_column('a,b,"open\\nmore,text'), _bad_cell_column('a,"x"y,z'), _bad_cell_column('a,bbbb', limit=3)
    (None, 2, 1, 1)
    """
    column, i, n = 0, 0, len(text)
    while i < n:
        start = i
        if text[i] == '"':
            i += 1
            while True:
                j = text.find('"', i)
                if j == -1:
                    return column
                if text.startswith('"', j + 1):
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and text[i] not in ",\r\n":
                return column
        else:
            while i < n and text[i] not in ",\r\n":
                i += 1
        if i - start > limit:
            return column
        if i >= n or text[i] in "\r\n":
            return None
        column += 1
        i += 1
    return None


def _read_csv_grid(path: Path, name: str) -> list[list[Any]]:
    raw = read_input_bytes(path, name)
    text = _decode(raw)
    if not text.strip():
        raise InputError(name, "the file is empty")
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(lines), strict=True)
    grid: list[list[Any]] = []
    record_line = 0  # physical lines before the record being read (a quoted cell may span lines)
    try:
        for record in reader:
            grid.append(record)
            record_line = reader.line_num
    except csv.Error as err:
        if "\x00" in text:
            decode_text(raw, name)  # NUL bytes (a UTF-16 or binary file) are the real problem: say so
        # Rows are counted as a spreadsheet shows them: the record that failed is row len(grid) + 1.
        broken = _bad_cell_column("".join(lines[record_line:]))
        problem = f"cannot be read as CSV ({err})"
        if "field larger than field limit" in str(err):
            problem = f"a cell holds more than {MAX_CELL_CHARS:,} characters"
        raise InputError(
            name,
            f"{problem}; is the file truncated or a quote left open?",
            row=len(grid) + 1,
            column=_grid_column(grid, broken) if broken is not None else None,
        ) from None
    if b"\x00" in raw:
        for row_number, record in enumerate(grid, start=1):
            for index, cell in enumerate(record):
                if "\x00" in cell:
                    raise InputError(name, NUL_MESSAGE, row=row_number, column=_grid_column(grid, index))
    if text and not text.endswith(("\n", "\r")) and grid and len(grid) > 1 and len(grid[-1]) < len(grid[0]):
        raise InputError(
            name,
            f"the last row stops after {len(grid[-1])} of the header's {len(grid[0])} cells and the file does not end with a "
            "line break: the file looks truncated",
            row=len(grid),
            column=_grid_column(grid, len(grid[-1]) - 1),
        )
    return grid


def read_grid(path: str | Path, name: str | None = None) -> list[list[Any]]:
    """The raw cells of a CSV or the first sheet of an XLSX, row by row.

    CSV cells are strings; XLSX cells keep Excel's types (numbers, datetimes),
    None where empty, rows padded to the widest (``pdu_lib.inputs.xlsx``).
    """
    path, name = Path(path), name or Path(path).name
    if _kind(path, name) == "csv":
        return _read_csv_grid(path, name)
    return _read_xlsx_cells(path, name).tolist()


def read_cells(path: str | Path, name: str | None = None, sheet: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_grid` as a two-dimensional object array padded with None, and each row's length as read.

    Loaders work on it a column at a time (:func:`map_distinct`) rather than a cell at a time.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "t.csv")
    ...     _ = path.write_text("a,b\\n1\\n2,3,4\\n")
    ...     cells, lengths = read_cells(path)
    >>> cells.tolist(), lengths.tolist()
    ([['a', 'b', None], ['1', None, None], ['2', '3', '4']], [2, 1, 3])
    """
    path, name = Path(path), name or Path(path).name
    shared = _SHARED_READS.get()
    if shared is None:
        return _read_cells(path, name, sheet)
    try:
        identity = (name, sheet, *file_identity(path))
    except OSError:
        return _read_cells(path, name, sheet)  # it names the problem
    if identity not in shared:
        shared[identity] = _read_cells(path, name, sheet)
    cells, lengths = shared[identity]
    return cells.copy(), lengths.copy()


_SHARED_READS: ContextVar[dict | None] = ContextVar("pdu_shared_reads", default=None)


@contextmanager
def reads_shared():
    """Within this block a file read again, unchanged, is not parsed again (:func:`read_cells`).

    The render loads every report's data from the same files: the interim and
    the final report then parse each file once. A file is the same while its
    path, inode, size and modification time are; the cells are kept only until
    the block ends.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder, reads_shared():
    ...     path = pathlib.Path(folder, "t.csv")
    ...     _ = path.write_text("a,b\\n1,2\\n")
    ...     first, _ = read_cells(path)
    ...     first[1, 1] = "changed by a caller"
    ...     again, _ = read_cells(path)
    >>> again.tolist()
    [['a', 'b'], ['1', '2']]
    """
    token = _SHARED_READS.set({})
    try:
        yield
    finally:
        _SHARED_READS.reset(token)


def _read_cells(path: Path, name: str, sheet: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    if _kind(path, name) == "csv":
        grid = _read_csv_grid(path, name)
        lengths = np.fromiter(map(len, grid), dtype=np.int64, count=len(grid))
        width = int(lengths.max())
        if (lengths == width).all():
            return np.array(grid, dtype=object).reshape(len(grid), width), lengths
        cells = np.full((len(grid), width), None, dtype=object)  # filled row by row: no padded copy of each row
        for index, row in enumerate(grid):
            cells[index, : len(row)] = row
        return cells, lengths
    cells = _read_xlsx_cells(path, name, sheet)
    return cells, np.full(len(cells), cells.shape[1], dtype=np.int64)


def _kind(path: Path, name: str) -> str:
    if not path.exists() and not path.is_symlink():
        raise InputError(name, "file not found")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "csv"
    if suffix in EXCEL_SUFFIXES:
        return "xlsx"
    raise InputError(name, f"unsupported file type {suffix!r}: use .csv or .xlsx")


def _read_xlsx_cells(path: Path, name: str, sheet: str | None = None) -> np.ndarray:
    if sheet is not None:
        cells = sheet_cells(path, name, sheet.__eq__, label=f"sheet {sheet!r}")
        if cells is None:
            raise InputError(name, f"has no sheet {sheet!r}")
    else:
        cells = sheet_cells(path, name)
    if cells is None or not cells.size:
        raise InputError(name, "the file is empty")
    return cells


def map_distinct(values: Iterable[Any], function: Callable[[Any], Any]) -> np.ndarray:
    """``function`` of every value, as an object array, called once per distinct value.

    Registers and exports repeat the same sectors, names, events and dates on
    every row, so a column costs as many calls as it has distinct values.
    Values of different types never share a call (``True`` is not ``1``).

    >>> calls = []
    >>> map_distinct(["Voluntary", "Statutory", "Voluntary", None], lambda v: calls.append(v) or cell_text(v).upper()).tolist()
    ['VOLUNTARY', 'STATUTORY', 'VOLUNTARY', '']
    >>> calls
    ['Voluntary', 'Statutory', None]
    >>> map_distinct([True, 1, 1.0], cell_text).tolist()
    ['True', '1', '1']
    """
    values = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    values = values.reshape(-1) if values.ndim != 1 else values
    if not len(values):
        return np.empty(0, dtype=object)
    if infer_dtype(values, skipna=False) == "string":
        codes, uniques = pd.factorize(values)
        return np.fromiter((function(value) for value in uniques), dtype=object, count=len(uniques))[codes]
    missing = pd.isna(values)
    if missing.any():  # blanks (None, NaN, NaT, NA): one call per kind of blank, the rest as above
        outcome = np.empty(len(values), dtype=object)
        outcome[~missing] = map_distinct(values[~missing], function)
        by_kind: dict[type, Any] = {}
        outcome[missing] = np.fromiter(
            (by_kind[kind] if (kind := type(value)) in by_kind else by_kind.setdefault(kind, function(value)) for value in values[missing]),
            dtype=object,
            count=int(missing.sum()),
        )
        return outcome
    results: dict[tuple[type, Any], Any] = {}

    def call(value: Any) -> Any:
        try:
            key = (type(value), value)
            if key in results:
                return results[key]
        except TypeError:  # unhashable: called as it is
            return function(value)
        results[key] = outcome = function(value)
        return outcome

    return np.fromiter((call(value) for value in values), dtype=object, count=len(values))


def records_frame(records: list[dict], columns: list[str], dtypes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``pd.DataFrame.from_records(records, columns=columns).astype(dtypes)``, built a column at a time.

    The same frame, at a fraction of the cost for the small tables every file
    gives (questions, options, files read): astype with a mapping rebuilds the
    whole frame.

    >>> records_frame([{"n": 1, "text": "a"}], ["n", "text"], {"n": "int64"}).dtypes.astype(str).tolist()
    ['int64', 'str']
    >>> records_frame([], ["n", "text"], {"n": "int64"}).dtypes.astype(str).tolist()
    ['int64', 'object']
    """
    dtypes = dtypes or {}
    # from_records leaves the columns of no records as objects (a dict of empty lists would make them floats)
    values = {column: [record[column] for record in records] if records else np.empty(0, dtype=object) for column in columns}
    return pd.DataFrame(
        {column: pd.Series(values[column], dtype=dtypes[column]) if column in dtypes else values[column] for column in columns},
        columns=columns,
    )


def blank_cells(values: Iterable[Any]) -> np.ndarray:
    """Which cells are blank (their :func:`cell_text` is empty), as a bool array.

    >>> blank_cells(["x", " ", None, 0, float("nan")]).tolist()
    [False, True, True, False, True]
    """
    return map_distinct(values, _is_blank).astype(bool)


def _is_blank(value: Any) -> bool:
    return cell_text(value) == ""


def cell_text(value: Any) -> str:
    """A cell as trimmed text; blank for None. Whole floats lose their '.0'."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def delimiter_hint(header: Sequence[Any]) -> str:
    """A hint for a header row that was split on the wrong delimiter (its first cell holds semicolons, tabs or pipes).

    >>> delimiter_hint(["event_id;date;title"])
    ' The header row is separated by semicolons, not commas: save the file as comma-separated CSV (CSV UTF-8).'
    >>> delimiter_hint(["event_id", "date"])
    ''
    """
    first = cell_text(header[0]) if header else ""
    for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        if delimiter in first:
            return f" The header row is separated by {label}, not commas: save the file as comma-separated CSV (CSV UTF-8)."
    return ""


def read_table(
    path: str | Path,
    columns: Mapping[str, str],
    *,
    name: str | None = None,
    optional: Iterable[str] = (),
    search_rows: int = 10,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a CSV/XLSX table whose header is the first row (within ``search_rows``) holding ``columns``.

    ``columns`` maps each required column's canonical name to the header the
    contract documents (matched loosely). Returns text columns under their
    canonical names plus ``source_file`` and ``source_row`` (the spreadsheet
    row number). Extra columns are dropped. ``sheet`` names the sheet of a workbook to read (default: the first).
    """
    path = Path(path)
    name = name or path.name
    cells, lengths = read_cells(path, name, sheet)
    wanted = {header_key(header): canonical for canonical, header in columns.items()}
    header_index = _header_row(
        cells, lengths, columns, wanted, set(wanted) - {header_key(columns.get(c, c)) for c in optional}, name, search_rows
    )
    header = cells[header_index, : lengths[header_index]]
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = header_key(cell)
        if key in wanted and wanted[key] not in positions:
            positions[wanted[key]] = position
    body = cells[header_index + 1 :]
    kept = _rows_with_content(body, sorted(set(positions.values())))
    _check_row_lengths(body, lengths[header_index + 1 :], kept, len(header), header_index, name)
    if not len(kept):
        raise InputError(name, "has a header but no data rows")
    blank = np.full(len(kept), None, dtype=object)
    frame = pd.DataFrame(
        {canonical: body[kept, positions[canonical]] if canonical in positions else blank for canonical in columns}, dtype=object
    )
    frame["source_file"] = pd.Series(name, index=frame.index, dtype=object)
    frame["source_row"] = (kept + header_index + 2).astype("int64")
    # Cells stay as read (object dtype): blank is None, never NaN turned into the text 'nan'.
    text_columns = [c for c in frame.columns if c != "source_row"]
    frame[text_columns] = frame[text_columns].astype(object).where(frame[text_columns].notna(), None)
    return frame


def _header_row(
    cells: np.ndarray,
    lengths: np.ndarray,
    columns: Mapping[str, str],
    wanted: dict[str, str],
    required: set[str],
    name: str,
    search_rows: int,
) -> int:
    """The index of the first row (within ``search_rows``) holding every required column; else an error naming those missing."""
    for index in range(min(search_rows, len(cells))):
        if required <= {header_key(cell) for cell in cells[index, : lengths[index]]}:
            return index
    first = list(cells[0, : lengths[0]])
    found = {header_key(cell) for cell in first}
    missing = [columns[wanted[key]] for key in sorted(required - found, key=list(wanted).index)]
    raise InputError(
        name,
        f"missing column(s) {', '.join(repr(m) for m in missing)} (looked for a header in the first {search_rows} rows; "
        f"found {', '.join(repr(cell_text(c)) for c in first if cell_text(c)) or 'nothing'}).{delimiter_hint(first)}",
        row=1,
    )


def _check_row_lengths(body: np.ndarray, lengths: np.ndarray, kept: np.ndarray, width: int, header_index: int, name: str) -> None:
    """A CSV row longer than its header (an unquoted comma), with text beyond the header's last column, is an error."""
    for first_row in kept[lengths[kept] > width]:
        beyond = ~blank_cells(body[first_row, width:])
        if beyond.any():
            raise InputError(
                name,
                f"row has {lengths[first_row]} cells but the header has {width}; is a comma missing from quoted text?",
                row=int(first_row) + header_index + 2,
                column=column_letter(width + int(np.argmax(beyond)) + 1),
            )


def find_sheet(
    path: str | Path, columns: Mapping[str, str], *, name: str | None = None, what: str = "table", search_rows: int = 10
) -> str | None:
    """The one sheet of a workbook holding the header ``columns`` (within ``search_rows``), whichever its position;
    None for a CSV or a workbook of one sheet (it is read as it is). InputError when no sheet, or two, hold it."""
    path = Path(path)
    name = name or path.name
    if _kind(path, name) != "xlsx":
        return None
    titles = worksheet_titles(path, name)
    if len(titles) < 2:
        return None
    wanted = {header_key(header) for header in columns.values()}
    holding = [title for title in titles if _holds_header(path, name, title, wanted, search_rows)]
    if len(holding) == 1:
        return holding[0]
    header = ", ".join(columns.values())
    if not holding:
        raise InputError(
            name,
            f"no sheet holds the {what} header ({header}) in its first {search_rows} rows; its sheets are {', '.join(map(repr, titles))}",
        )
    raise InputError(
        name,
        f"sheets {' and '.join(map(repr, holding))} both hold the {what} header ({header}): keep the {what} on one sheet, or rename the other's header",
    )


def _holds_header(path: Path, name: str, title: str, wanted: set[str], search_rows: int) -> bool:
    cells, lengths = read_cells(path, name, title)
    return any(wanted <= {header_key(cell) for cell in cells[index, : lengths[index]]} for index in range(min(search_rows, len(cells))))


def _rows_with_content(body: np.ndarray, used: list[int]) -> np.ndarray:
    """The rows (indices) holding any text: checked column by column in the ``used`` columns only.

    The columns a loader ignores are never examined cell by cell: only a row
    blank in every used column is looked at whole, so that a row holding
    something elsewhere is kept (and then named by the loader's checks), never dropped.
    """
    filled = np.zeros(len(body), dtype=bool)
    for column in used:
        filled |= ~blank_cells(body[:, column])
    for row in np.flatnonzero(~filled):
        filled[row] = not blank_cells(body[row]).all()
    return np.flatnonzero(filled)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


def parse_date(value: Any, *, file: str, row: int | None, column: str | None, formats: Iterable[str] = _DATE_FORMATS) -> pd.Timestamp:
    """One cell as a Timestamp, or an error naming the cell.

    >>> parse_date("2018-06-14", file="f.csv", row=2, column="date")
    Timestamp('2018-06-14 00:00:00')
    >>> parse_date("14/06/2018", file="f.csv", row=2, column="date")
    Timestamp('2018-06-14 00:00:00')
    >>> parse_date("06/14/2018", file="events.csv", row=5, column="date")
    Traceback (most recent call last):
    ...
    pdu_lib.errors.InputError: events.csv, row 5, column 'date': cannot read '06/14/2018' as a date (it looks month first, MM/DD/YYYY: write dates as YYYY-MM-DD, or day first as DD/MM/YYYY)
    """
    if value is pd.NaT:
        raise InputError(file, "date is blank", row=row, column=column)
    if isinstance(value, (dt.datetime, dt.date)) and not isinstance(value, pd.Timestamp):
        return pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        return value
    text = cell_text(value)
    if not text:
        raise InputError(file, "date is blank", row=row, column=column)
    parsed = _parse_text_date(text, tuple(formats))
    if parsed is not None:
        return parsed
    hint = ""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        hint = " (Excel may have turned it into a serial number: format the column as a date)"
    elif formats == _DATE_FORMATS:
        slashed = re.match(r"(\d{1,2})/(\d{1,2})/\d{4}", text)
        month_first = "it looks month first, MM/DD/YYYY: " if slashed and int(slashed.group(2)) > 12 else ""
        hint = f" ({month_first}write dates as YYYY-MM-DD, or day first as DD/MM/YYYY)"
    raise InputError(file, f"cannot read {text!r} as a date{hint}", row=row, column=column)


def dates(values: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_date` for a whole column, each distinct cell read once: the days (NaT where a cell cannot be
    read) and which cells cannot be (the caller raises :func:`parse_date`'s own error for the first: :func:`first_failure`).

    >>> days, unreadable = dates(["2018-06-14 10:00:00", "14/06/2018", "next Tuesday"])
    >>> days.tolist(), unreadable.tolist()
    ([Timestamp('2018-06-14 00:00:00'), Timestamp('2018-06-14 00:00:00'), NaT], [False, False, True])
    """

    def day(value: Any) -> pd.Timestamp | None:
        try:
            return parse_date(value, file="", row=0, column="").normalize()
        except InputError:
            return None

    read = map_distinct(values, day)
    unreadable = np.equal(read, None)  # type: ignore[call-overload]  # numpy's stubs refuse None, which object arrays compare with elementwise
    read[unreadable] = pd.NaT
    return read, unreadable


@functools.lru_cache(maxsize=65536)
def _parse_text_date(text: str, formats: tuple[str, ...]) -> pd.Timestamp | None:
    # The same dates recur (an event's date on each of its bookings): each distinct text is parsed once.
    for fmt in formats:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def _choice_lookup(allowed: Mapping[str, str], aliases: Mapping[str, str] | None) -> dict[str, str]:
    lookup = {header_key(label): code for code, label in allowed.items()}
    lookup.update({header_key(code): code for code in allowed})
    for alias, code in (aliases or {}).items():
        lookup[header_key(alias)] = code
    return lookup


def _lookup_for(allowed: Mapping[str, str], aliases: Mapping[str, str] | None) -> dict[str, str]:
    # Built once per set of codes, not once per cell (the memo of a pure function; callers only read it).
    return _lookup_by_signature(tuple(allowed.items()), tuple((aliases or {}).items()))


@functools.lru_cache(maxsize=256)
def _lookup_by_signature(allowed: tuple, aliases: tuple) -> dict[str, str]:
    return _choice_lookup(dict(allowed), dict(aliases))


def choose_codes(
    values: Iterable[Any], allowed: Mapping[str, str], aliases: Mapping[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`choose` for a whole column: the codes (None where a cell is not allowed) and which cells are allowed.

    The caller raises :func:`choose`'s own error for the first cell not allowed (see :func:`first_failure`).

    >>> codes, allowed = choose_codes([" voluntary ", "VCS", "Charity"], {"voluntary": "Voluntary"}, {"VCS": "voluntary"})
    >>> codes.tolist(), allowed.tolist()
    (['voluntary', 'voluntary', None], [True, True, False])
    """
    lookup = _lookup_for(allowed, aliases)
    codes = map_distinct(values, lambda value: lookup.get(header_key(value)))
    return codes, np.not_equal(codes, None)  # type: ignore[call-overload]  # numpy's stubs refuse None, which object arrays compare with elementwise


def first_failure(*checks: tuple[np.ndarray, Callable[[int], Any]]) -> None:
    """Raise the error a loop over the rows would have raised first: the first failing row, and its first failing check.

    Each check is ``(failed, fail)``: a bool array over the rows, and a function
    that raises the error for one row position.

    >>> def fail(what):
    ...     def raise_for(position):
    ...         raise InputError("f.csv", what, row=position + 2)
    ...     return raise_for
    >>> first_failure((np.array([False, False, True]), fail("blank")), (np.array([False, True, True]), fail("unknown")))
    Traceback (most recent call last):
    ...
    pdu_lib.errors.InputError: f.csv, row 3: unknown
    """
    firsts = [int(np.argmax(failed)) for failed, _ in checks if len(failed) and failed.any()]
    if not firsts:
        return
    position = min(firsts)
    for failed, fail in checks:
        if len(failed) and failed[position]:
            fail(position)
            raise AssertionError("a check's fail function must raise")  # pragma: no cover


def choose(value: Any, allowed: Mapping[str, str], *, file: str, row: int, column: str, aliases: Mapping[str, str] | None = None) -> str:
    """Map a cell onto an allowed code, matching loosely; an error names the cell otherwise.

    ``allowed`` maps code -> display label.

    >>> choose(" voluntary ", {"voluntary": "Voluntary", "statutory": "Statutory"}, file="f", row=2, column="Sector")
    'voluntary'
    """
    key = header_key(value)
    lookup = _lookup_for(allowed, aliases)
    if key in lookup:
        return lookup[key]
    shown = cell_text(value)
    raise InputError(
        file,
        f"{'blank' if not shown else repr(shown)} is not one of {', '.join(allowed.values())}",
        row=row,
        column=column,
    )


def squash_text(value: Any) -> str:
    """A cell as text with runs of whitespace collapsed ('' for blank).

    >>> squash_text("  Hope   Street\\tHostel "), squash_text(None)
    ('Hope Street Hostel', '')
    """
    return " ".join(cell_text(value).split())


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def parse_yes_no(value: Any, *, file: str, row: int, column: str) -> bool:
    """A yes/no cell (yes, no, y, n, true, false, 1, 0; any case) as a bool, or an error naming the cell.

    >>> parse_yes_no(" Yes", file="f", row=2, column="steering_group"), parse_yes_no(0.0, file="f", row=2, column="x")
    (True, False)
    """
    if isinstance(value, bool):
        return value
    text = cell_text(value).casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    shown = repr(cell_text(value)) if text else "blank"
    raise InputError(file, f"{shown} is not yes or no", row=row, column=column)


MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: Any, *, file: str, row: int, column: str, required: bool = True) -> str:
    """A month cell written YYYY-MM (a collection round), or an error naming the cell.

    Excel turns a typed 2018-06 into the date 1 June 2018: that is given back as the month.

    >>> parse_month("2019-01", file="f", row=2, column="round"), parse_month(dt.date(2018, 6, 1), file="f", row=2, column="round")
    ('2019-01', '2018-06')
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value:%Y-%m}"
    text = squash_text(value)
    if not text:
        if not required:
            return ""
        raise InputError(file, f"{column} is blank", row=row, column=column)
    if not MONTH.match(text):
        raise InputError(file, f"{column} {text!r} must be a month written YYYY-MM (e.g. 2019-01)", row=row, column=column)
    return text
