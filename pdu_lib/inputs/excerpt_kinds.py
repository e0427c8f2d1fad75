"""What each file in ``excerpts/`` is: an export to read, a file to skip with a notice, or one to refuse.

Taguette 1.5 exports highlights (CSV, XLSX, or as a document: HTML, Word,
PDF), a codebook (CSV, XLSX, REFI-QDA ``.qdc``, or as a document) and its
project database (``.sqlite3``). Only the highlights as CSV or XLSX can be
read; the codebook is not needed (the themes are ``codebook.yml``). Other
tools write REFI-QDA projects (``.qdpx``); excerpts typed by hand are a
``document, tag, content`` table. Files are told apart by their header or
type, never by their name.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pdu_lib.errors import InputError
from pdu_lib.inputs.files import read_input_bytes
from pdu_lib.inputs.tables import header_key, read_grid

_MAX_PART_BYTES = 50 * 1024 * 1024
TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
DOCUMENT_SUFFIXES = {".html", ".htm", ".docx", ".doc", ".pdf", ".rtf", ".odt"}
#: The header rows Taguette 1.5 writes (taguette/export.py), as header keys.
TAGUETTE_HIGHLIGHTS_HEADER = ("id", "document", "tag", "content")
TAGUETTE_CODEBOOK_HEADER = ("tag", "description", "number of highlights", "number of documents")
PLAIN_HEADER = ("document", "tag", "content")
#: The title Taguette gives its highlights document (export_highlights.html), kept by its Word and PDF conversions.
TAGUETTE_HIGHLIGHTS_TITLE = "Taguette highlights"
TAGUETTE_CODEBOOK_TITLE = "Taguette Codebook"  # export_codebook.html
REFUSED_DOCUMENT = (
    "is Taguette's highlights exported as a document (HTML, Word or PDF), which cannot be read reliably: "
    "export the highlights as CSV or XLSX (Taguette: Export > Highlights, then CSV or Excel) and put that file here instead"
)


@dataclass(frozen=True)
class ExcerptFile:
    """One file of ``excerpts/``: ``kind`` is ``taguette``, ``plain`` or ``qdpx`` (read), or ``skipped``;
    a skipped file says what it is (``what``) and why it is not read (``note``)."""

    path: Path
    name: str
    kind: str
    what: str = ""
    note: str = ""

    @property
    def read(self) -> bool:
        return self.kind != "skipped"


def _keys(row: list) -> set[str]:
    return {header_key(cell) for cell in row}


def _table_kind(path: Path, name: str) -> ExcerptFile:
    grid = read_grid(path, name)
    for row in grid[:10]:
        keys = _keys(row)
        if {header_key(c) for c in PLAIN_HEADER} <= keys:
            return ExcerptFile(path, name, "taguette" if "id" in keys else "plain")
        if {header_key(c) for c in TAGUETTE_CODEBOOK_HEADER} <= keys:
            return ExcerptFile(
                path, name, "skipped", "Taguette codebook export", "not needed: the themes and sub-themes come from codebook.yml"
            )
    raise InputError(
        name,
        "is neither a Taguette highlights export (columns id, document, tag, content), nor Taguette's codebook export "
        "(tag, description, number of highlights, number of documents), nor excerpts typed by hand (document, tag, content)",
        row=1,
    )


def _document_text(path: Path, name: str) -> str:
    """Enough of a document's text to recognise Taguette's highlights: the HTML, a Word file's XML, a PDF's bytes."""
    raw = read_input_bytes(path, name)
    if path.suffix.lower() in {".docx", ".odt"}:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                parts = [
                    archive.NameToInfo[p] for p in ("word/document.xml", "content.xml", "docProps/core.xml") if p in archive.NameToInfo
                ]
                return "".join(archive.read(p).decode("utf-8", "replace") for p in parts if p.file_size <= _MAX_PART_BYTES)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            return ""
    # A PDF keeps its title in its metadata, as text or as UTF-16 (calibre writes both forms).
    return raw.decode("latin-1") + raw.replace(b"\x00", b"").decode("latin-1")


def _document_kind(path: Path, name: str) -> ExcerptFile:
    text = _document_text(path, name)
    if TAGUETTE_HIGHLIGHTS_TITLE.casefold() in text.casefold() or path.stem.casefold() == "all_tags":
        raise InputError(name, REFUSED_DOCUMENT)
    if TAGUETTE_CODEBOOK_TITLE.casefold() in text.casefold():
        return ExcerptFile(
            path, name, "skipped", "Taguette codebook export (a document)", "not needed: the themes and sub-themes come from codebook.yml"
        )
    return ExcerptFile(path, name, "skipped", "a document, not an excerpts export", "not read: only coded excerpts are read here")


def classify(path: Path, name: str) -> ExcerptFile:
    """What the file at ``path`` is (see the module's docstring). InputError for Taguette's highlights as a document,
    and for a table that is none of the exports read here."""
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        return ExcerptFile(path, name, "qdpx")
    if suffix in TABLE_SUFFIXES:
        return _table_kind(path, name)
    if suffix in DOCUMENT_SUFFIXES:
        return _document_kind(path, name)
    if suffix == ".qdc":
        return ExcerptFile(
            path, name, "skipped", "REFI-QDA codebook (.qdc)", "not needed: the themes and sub-themes come from codebook.yml"
        )
    if suffix in {".sqlite3", ".sqlite", ".db"}:
        return ExcerptFile(path, name, "skipped", "a project database", "not read: export the highlights as CSV or XLSX to use them")
    return ExcerptFile(path, name, "skipped", "not an excerpts export", "not read: only coded excerpts are read here")
