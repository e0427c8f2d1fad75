"""Coded excerpts from the tools evaluators code in: Taguette, REFI-QDA (.qdpx), a plain CSV, and coded survey answers."""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.codebook import (
    CODEBOOK_FILE,
    EXCERPTS_DIR,
    NAMES_FILE,
    Codebook,
    _tag_lookup,
    load_codebook,
    resolve_tag,
)
from pdu_lib.inputs.excerpt_kinds import ExcerptFile, classify
from pdu_lib.inputs.files import check_input_file, not_an_archive, read_input_bytes, strip_bidi, xml_position
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.periods import month_key
from pdu_lib.inputs.tables import (
    cell_text,
    choose,
    display_name,
    header_key,
    map_distinct,
    parse_month,
    parse_yes_no,
    read_grid,
    read_table,
)

DOCUMENTS_FILE = "documents.csv"
SURVEY_CODES_FILE = "survey_codes.csv"
SOURCES_DIR = "sources"
RESERVED_FILES = {DOCUMENTS_FILE, SURVEY_CODES_FILE, NAMES_FILE}

REFI_NAMESPACE = "urn:QDA-XML:project:1.0"
GROUPS: dict[str, str] = {
    "participant": "participant",
    "steering_group": "Steering Group member",
    "beneficiary_ambassador": "Beneficiary Ambassador",
    "facilitator": "facilitator",
    "coordinator": "co-ordinator",
    "expert_citizens": "Expert Citizens",
}
GROUP_ALIASES = {
    "Steering Group": "steering_group",
    "SG member": "steering_group",
    "Board member": "steering_group",
    "Ambassador": "beneficiary_ambassador",
    "Coordinator": "coordinator",
    "Co-ordinator": "coordinator",
    "Expert Citizen": "expert_citizens",
    "Event facilitator": "facilitator",
}
METHODS: dict[str, str] = {
    "interview": "interview",
    "survey": "survey",
    "followup_survey": "follow-up survey",
    "event_survey": "event survey",
    "review": "review",
}
METHOD_ALIASES = {
    "telephone interview": "interview",
    "follow up survey": "followup_survey",
    "followup": "followup_survey",
    "post-event survey": "event_survey",
    "Expert Citizens review": "review",
    "review of actions": "review",
}
SURVEY_METHODS = {"survey", "follow-up survey", "event survey"}
EXCERPT_COLUMNS = [
    "excerpt_id",
    "document",
    "respondent",
    "group",
    "method",
    "round",
    "theme",
    "sub_theme",
    "section",
    "text",
    "consent",
    "disclosure",
    "source",
    "theme_label",
    "sub_theme_label",
    "stance",
    "source_file",
    "source_row",  # the file and its ledger row (spreadsheet row; a qdpx selection's ordinal)
]
RAW_COLUMNS = ["item", "document", "tag", "tag_path", "text", "source_file", "source_row", "location"]

_DOC_SUFFIXES = {".txt", ".docx", ".doc", ".odt", ".rtf", ".pdf", ".md", ".html", ".htm"}
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")
_MAX_MEMBER_BYTES = 200 * 1024 * 1024


# --------------------------------------------------------------------------- documents


def document_key(name: Any) -> str:
    """A document name reduced for loose matching: case, punctuation and a file extension ignored.

    >>> document_key("Interview I03.docx") == document_key("interview i03")
    True
    """
    text = cell_text(name)
    suffix = PurePosixPath(text.replace("\\", "/")).suffix.lower()
    if suffix in _DOC_SUFFIXES:
        text = text[: -len(suffix)]
    return header_key(text)


def load_documents(path: str | Path, name: str | None = None) -> pd.DataFrame:
    """Read ``excerpts/documents.csv``: each source document's respondent group, method, round and consent.

    Returns ``document, respondent, group, method, round, consent, source_file,
    source_row``. ``respondent`` may be blank only for a survey (each response
    is then one respondent) or a review (the session is the respondent).
    ``round`` may be blank only for a survey (each response's month is used).
    """
    path = Path(path)
    name = name or path.name
    table = read_table(
        path,
        {
            "document": "document",
            "respondent": "respondent",
            "group": "group",
            "method": "method",
            "round": "round",
            "consent": "consent",
            "disclosure": "disclosure",
        },
        name=name,
        optional=["respondent", "disclosure"],
    )
    records = []
    seen: dict[str, int] = {}
    for row in table.itertuples(index=False):
        r = int(row.source_row)
        document = cell_text(row.document)
        if not document:
            raise InputError(name, "document is blank", row=r, column="document")
        key = document_key(document)
        if key in seen:
            raise InputError(name, f"document {document!r} is listed twice (also row {seen[key]})", row=r, column="document")
        seen[key] = r
        group = GROUPS[choose(row.group, GROUPS, file=name, row=r, column="group", aliases=GROUP_ALIASES)]
        method = METHODS[choose(row.method, METHODS, file=name, row=r, column="method", aliases=METHOD_ALIASES)]
        respondent = cell_text(row.respondent)
        if not respondent and method not in SURVEY_METHODS and method != "review":
            raise InputError(
                name,
                "respondent is blank: give each person a pseudonymous id (e.g. R07) so themes count people",
                row=r,
                column="respondent",
            )
        if not respondent and method == "review":
            respondent = document
        records.append(
            dict(
                document=document,
                respondent=respondent,
                group=group,
                method=method,
                round=parse_month(row.round, file=name, row=r, column="round", required=method not in SURVEY_METHODS),
                consent=parse_yes_no(row.consent, file=name, row=r, column="consent"),
                disclosure=parse_disclosure(getattr(row, "disclosure", ""), file=name, row=r),
                source_file=name,
                source_row=r,
            )
        )
    return pd.DataFrame.from_records(
        records, columns=["document", "respondent", "group", "method", "round", "consent", "disclosure", "source_file", "source_row"]
    )


#: What ``documents.csv``'s optional ``disclosure`` column may say, beyond consent: a source whose words would identify
#: its speaker is quoted with the method only ("interview"), or not quoted at all (still counted in the themes).
METHOD_ONLY = "method only"
DO_NOT_QUOTE = "do not quote"
_DISCLOSURES = {
    "": "",
    "methodonly": METHOD_ONLY,
    "attributetothemethodonly": METHOD_ONLY,
    "donotquote": DO_NOT_QUOTE,
    "dontquote": DO_NOT_QUOTE,
    "noquote": DO_NOT_QUOTE,
}


def parse_disclosure(value: Any, *, file: str, row: int) -> str:
    """A ``disclosure`` cell: blank, "method only" or "do not quote" (case, spaces and punctuation ignored).

    >>> parse_disclosure("Attribute to the method only", file="documents.csv", row=3), parse_disclosure(None, file="d", row=2)
    ('method only', '')
    """
    text = cell_text(value)
    key = header_key(text) if text else ""
    if key not in _DISCLOSURES:
        raise InputError(
            file,
            f"disclosure {text!r} is not one of: blank, 'method only' (attribute to the method only), 'do not quote'",
            row=row,
            column="disclosure",
        )
    return _DISCLOSURES[key]


# --------------------------------------------------------------------------- source texts and positions


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", strip_bidi(text)).split())


def _source_texts(folder: Path) -> dict[str, str]:
    """Plain-text sources next to a tabular export (``excerpts/sources/<document>.txt``), by document key."""
    texts: dict[str, str] = {}
    if folder.is_dir():
        for file in sorted(folder.glob("*.txt")):
            texts[document_key(file.name)] = read_input_bytes(file, file.name).decode("utf-8-sig", errors="replace")
    return texts


def _position(value: Any, file: str, row: int, column: str) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    if not re.fullmatch(r"\d+", text):
        raise InputError(file, f"position {text!r} must be a whole number of characters from 0", row=row, column=column)
    return int(text)


def _check_row_positions(record: dict, sources: Mapping[str, str], file: str, row: int) -> None:
    """Positions on a Taguette or plain row: ``0 <= start < end``, and when the
    document's text is in ``excerpts/sources/``, the content must be the text between them."""
    start, end = record.pop("start", None), record.pop("end", None)
    if start is None and end is None:
        return
    if start is None or end is None:
        raise InputError(file, "give both start and end positions, or neither", row=row, column="start" if start is None else "end")
    if start >= end:
        raise InputError(file, f"start {start} is not before end {end}", row=row, column="start")
    source = sources.get(document_key(record["document"]))
    if source is None:
        return
    if end > len(source):
        raise InputError(
            file,
            f"end {end} is past the end of the source text of {record['document']!r} ({len(source)} characters)",
            row=row,
            column="end",
        )
    if _normalise(source[start:end]) != _normalise(record["text"]):
        raise InputError(
            file,
            f"the content does not match positions {start}-{end} of {record['document']!r}, which hold {_preview(source[start:end])!r}",
            row=row,
            column="content",
        )


def _preview(text: str, length: int = 60) -> str:
    text = _normalise(text)
    return text if len(text) <= length else text[: length - 1] + "…"


# --------------------------------------------------------------------------- tabular loaders


_POSITION_COLUMNS = {"start": "start", "end": "end"}
_POSITION_ALIASES = {"startoffset": "start", "startposition": "start", "endoffset": "end", "endposition": "end"}


def _tabular(path: Path, name: str, columns: Mapping[str, str], id_column: str | None, sources: Mapping[str, str]) -> pd.DataFrame:
    grid = read_grid(path, name)
    # Position columns are optional and may be spelt as Taguette or REFI-QDA spell them.
    header_index = next(
        (i for i, row in enumerate(grid[:10]) if {header_key(c) for c in columns.values()} <= {header_key(c) for c in row}), None
    )
    optional: dict[str, str] = {}
    if header_index is not None:
        for cell in grid[header_index]:
            key = header_key(cell)
            canonical = _POSITION_COLUMNS.get(key) or _POSITION_ALIASES.get(key)
            if canonical and canonical not in optional:
                optional[canonical] = cell_text(cell)
    table = read_table(path, {**columns, **optional}, name=name)
    records = []
    for row in table.to_dict("records"):
        r = int(row["source_row"])
        document = cell_text(row["document"])
        tag = cell_text(row["tag"])
        text = cell_text(row["content"])
        if not document:
            raise InputError(name, "document is blank", row=r, column=columns["document"])
        if not text:
            raise InputError(name, "content is blank: an excerpt needs its text", row=r, column=columns["content"])
        record = dict(
            item=cell_text(row[id_column]) if id_column else str(r),
            document=document,
            tag=tag,
            tag_path=tag,
            text=text,
            source_file=name,
            source_row=r,
            location=f"row {r}",
        )
        for canonical in ("start", "end"):
            if canonical in optional:
                record[canonical] = _position(row[canonical], name, r, optional[canonical])
        _check_row_positions(record, sources, name, r)
        records.append(record)
    return pd.DataFrame.from_records(records, columns=RAW_COLUMNS)


def load_taguette(path: str | Path, name: str | None = None, sources_dir: str | Path | None = None) -> pd.DataFrame:
    """Read Taguette's highlights export (CSV or XLSX, columns ``id, document, tag, content``).

    Taguette writes one row per highlight and tag (a highlight with two tags
    is two rows; one with none has a blank tag). Returns the raw rows:
    ``item, document, tag, tag_path, text, source_file, source_row, location``;
    tags are resolved against the codebook by :func:`load_excerpts`.
    Optional ``start``/``end`` columns are checked (see data/README.md).
    """
    path = Path(path)
    sources = _source_texts(Path(sources_dir) if sources_dir else path.parent / SOURCES_DIR)
    return _tabular(path, name or path.name, {"id": "id", "document": "document", "tag": "tag", "content": "content"}, "id", sources)


def load_plain_excerpts(path: str | Path, name: str | None = None, sources_dir: str | Path | None = None) -> pd.DataFrame:
    """Read excerpts typed by hand (CSV or XLSX, columns ``document, tag, content``).

    Same output as :func:`load_taguette`; ``item`` is the spreadsheet row.
    """
    path = Path(path)
    sources = _source_texts(Path(sources_dir) if sources_dir else path.parent / SOURCES_DIR)
    return _tabular(path, name or path.name, {"document": "document", "tag": "tag", "content": "content"}, None, sources)


# --------------------------------------------------------------------------- REFI-QDA

QDPX_FIX = "export the project from Taguette again as a REFI-QDA project (.qdpx)"


def _parse_xml(raw: bytes, name: str):
    try:
        from defusedxml import (
            ElementTree as SafeET,  # refuses entity expansion, external entities, DTDs
        )

        try:
            return SafeET.fromstring(raw)
        except SafeET.ParseError as err:
            where = xml_position(err)
            raise InputError(
                name, f"the project is damaged (its project.qde cannot be read{f' at {where}' if where else ''}): {QDPX_FIX}"
            ) from None
        except Exception:  # defusedxml's DTDForbidden, EntitiesForbidden, ...
            raise InputError(
                name, f"the project was refused: its project.qde declares XML entities, which Taguette never writes; {QDPX_FIX}"
            ) from None
    except ImportError:  # pragma: no cover - defusedxml is installed with the project
        import xml.etree.ElementTree as ET

        if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise InputError(name, "project.qde declares a DTD or entities: refused as unsafe XML") from None
        try:
            return ET.fromstring(raw)
        except ET.ParseError as err:
            raise InputError(name, f"project.qde is not well-formed XML ({err})") from None


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _children(element, local: str) -> list:
    return [child for child in element if _local(child.tag)[1] == local]


def _child(element, local: str):
    found = _children(element, local)
    return found[0] if found else None


def _zip_member(archive: zipfile.ZipFile, wanted: str) -> zipfile.ZipInfo | None:
    wanted_key = wanted.strip("/").casefold()
    for info in archive.infolist():
        if info.filename.strip("/").casefold() == wanted_key:
            return info
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    if info.file_size > _MAX_MEMBER_BYTES:
        raise InputError(name, f"{info.filename} is {info.file_size:,} bytes uncompressed: too large to be a project file")
    with archive.open(info) as handle:
        data = handle.read(_MAX_MEMBER_BYTES + 1)
    if len(data) > _MAX_MEMBER_BYTES:
        raise InputError(name, f"{info.filename} is too large to be a project file")
    return data


def _selection_copy(selection) -> list[tuple[str, str]]:
    """Copies of the selected text some tools write: the selection's name or its Description."""
    copies = []
    if selection.get("name"):
        copies.append(("name", selection.get("name")))
    description = _child(selection, "Description")
    if description is not None and (description.text or "").strip():
        copies.append(("Description", description.text))
    return copies


def _check_copy(selected: str, source: str, copies: list[tuple[str, str]], where: str, name: str) -> None:
    """A copy that is quoted from the source must lie within the selected text.

    A name or Description counts as a copy of text when it has at least three
    words and (without a trailing ellipsis) occurs in the source text; anything
    else is a label and is not compared.
    """
    normal_source = _normalise(source)
    normal_selected = _normalise(selected)
    for field, copy in copies:
        text = _normalise(_ELLIPSIS.sub("", copy))
        if len(text.split()) < 3 or text not in normal_source:
            continue
        if text not in normal_selected:
            raise InputError(
                name,
                f"{where}: its positions hold {_preview(selected)!r} but its {field} quotes {_preview(text)!r} "
                "from elsewhere in the source: the positions do not match the text (positions count characters from 0, end excluded; "
                "was the source edited after coding?)",
            )


def load_qdpx(path: str | Path, name: str | None = None) -> pd.DataFrame:
    """Read a REFI-QDA project (``.qdpx``: a zip with ``project.qde`` and ``sources/``).

    One row per coded selection and code: ``item`` (the selection's guid),
    ``document`` (the TextSource's name), ``tag`` (the code's name),
    ``tag_path`` (``Parent/Child`` for a nested code), ``text`` (the source text
    between the positions), ``location``.

    Positions count Unicode characters from 0, the end excluded (Python's
    ``text[start:end]``), in the source text as stored (a byte-order mark is
    not counted). A selection is an error naming its guid and source when its
    positions are not whole numbers, start > end, the selection is empty, end
    is past the end of the source, or it carries a copy of its text (its
    ``name`` or ``Description``) that quotes the source from elsewhere. A
    selection with no code is not an excerpt and is skipped.
    """
    path = Path(path)
    name = name or path.name
    check_input_file(path, name)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        with open(path, "rb") as file:
            head = file.read(1024)
        raise InputError(name, not_an_archive(head, "a REFI-QDA project", QDPX_FIX)) from None
    with archive:
        root = _qdpx_project(archive, name)
        codes = _qdpx_codes(root)
        records = []
        sources = _child(root, "Sources")
        for source in _children(sources, "TextSource") if sources is not None else []:
            source_guid = source.get("guid") or "?"
            source_name = strip_bidi(source.get("name") or source_guid)
            where_source = f"source {source_name!r} ({source_guid})"
            text = _qdpx_source_text(archive, source, where_source, name)
            for selection in _children(source, "PlainTextSelection"):
                records += _qdpx_selection_records(selection, text, codes, source_name, where_source, name)
    return pd.DataFrame.from_records(records, columns=RAW_COLUMNS)


def _qdpx_project(archive: zipfile.ZipFile, name: str):
    """The project's XML root (``project.qde``, or the archive's one ``.qde``), checked to be a REFI-QDA Project."""
    info = _zip_member(archive, "project.qde")
    if info is None:
        qdes = [i for i in archive.infolist() if i.filename.lower().endswith(".qde") and "/" not in i.filename.strip("/")]
        if len(qdes) != 1:
            raise InputError(name, "holds no project.qde: is it a REFI-QDA project export (.qdpx)?")
        info = qdes[0]
    root = _parse_xml(_read_member(archive, info, name), name)
    namespace, local = _local(root.tag)
    if local != "Project" or namespace not in ("", REFI_NAMESPACE):
        raise InputError(name, f"project.qde is not a REFI-QDA project (root element {root.tag!r}; expected Project in {REFI_NAMESPACE})")
    return root


def _qdpx_codes(root) -> dict[str, tuple[str, str]]:
    """Every Code of the CodeBook by its guid (upper case): its name and its path (``Parent/Child``)."""
    codes: dict[str, tuple[str, str]] = {}

    def walk(element, parents: tuple[str, ...]) -> None:
        for code in _children(element, "Code"):
            guid = (code.get("guid") or "").strip()
            code_name = (code.get("name") or "").strip()
            if guid:
                codes[guid.upper()] = (strip_bidi(code_name), strip_bidi("/".join((*parents, code_name))))
            walk(code, (*parents, code_name))

    codebook = _child(root, "CodeBook")
    if codebook is not None and _child(codebook, "Codes") is not None:
        walk(_child(codebook, "Codes"), ())
    return codes


def _qdpx_source_text(archive: zipfile.ZipFile, source, where_source: str, name: str) -> str:
    """A TextSource's text: inline (PlainTextContent), else its file in the project's ``sources/``, UTF-8."""
    inline = _child(source, "PlainTextContent")
    if inline is not None and inline.text is not None:
        return inline.text
    text_path = (source.get("plainTextPath") or "").strip()
    if not text_path:
        raise InputError(name, f"{where_source} has neither plainTextPath nor PlainTextContent")
    if not text_path.startswith("internal://"):
        raise InputError(
            name,
            f"{where_source} keeps its text outside the project ({text_path!r}): export the project with its sources included",
        )
    member = _zip_member(archive, "sources/" + text_path[len("internal://") :])
    if member is None:
        raise InputError(name, f"{where_source}: {text_path} is not in the project's sources/ folder")
    raw = _read_member(archive, member, name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(name, f"{where_source}: {member.filename} is not UTF-8 text as REFI-QDA requires") from None


def _qdpx_selected(selection, text: str, where: str, name: str) -> str:
    """The text a PlainTextSelection's positions select, checked (whole numbers, in order, within the text, not blank)."""
    try:
        start = int(selection.get("startPosition"))
        end = int(selection.get("endPosition"))
    except (TypeError, ValueError):
        raise InputError(
            name,
            f"{where}: startPosition {selection.get('startPosition')!r} and endPosition {selection.get('endPosition')!r} must be whole numbers",
        ) from None
    if start < 0 or end < 0:
        raise InputError(name, f"{where}: positions {start}-{end} are negative")
    if start > end:
        raise InputError(name, f"{where}: startPosition {start} is after endPosition {end}")
    if end > len(text):
        raise InputError(name, f"{where}: positions {start}-{end} run past the end of the source text ({len(text)} characters)")
    selected = strip_bidi(text[start:end])  # positions count the stored text; bidi controls go after slicing
    if not selected.strip():
        raise InputError(name, f"{where}: positions {start}-{end} select no text")
    return selected


def _qdpx_selection_records(
    selection, text: str, codes: dict[str, tuple[str, str]], source_name: str, where_source: str, name: str
) -> list[dict]:
    """One record per code of a selection (one with no tag when it has none)."""
    guid = selection.get("guid") or "?"
    where = f"selection {guid} in {where_source}"
    selected = _qdpx_selected(selection, text, where, name)
    _check_copy(selected, text, _selection_copy(selection), where, name)
    refs = [ref.get("targetGUID") for coding in _children(selection, "Coding") for ref in _children(coding, "CodeRef")]
    tags = []
    for target in refs:
        if not target or target.strip().upper() not in codes:
            raise InputError(name, f"{where} is coded to {target!r}, which is not a Code of the project's CodeBook")
        tags.append(codes[target.strip().upper()])
    return [
        dict(
            item=guid,
            document=source_name,
            tag=code_name,
            tag_path=code_path,
            text=selected.strip(),
            source_file=name,
            source_row=None,
            location=f"selection {guid}",
        )
        for code_name, code_path in (tags or [("", "")])
    ]


# --------------------------------------------------------------------------- survey open answers


SURVEY_CODE_COLUMNS = {"survey_file": "survey_file", "respondent_id": "Respondent ID", "question": "question", "tag": "tag"}
EXPORT_SUFFIXES = {".csv", ".xlsx", ""}
#: Ledger reasons for a coded answer that cannot be used.
CODE_RESPONSE_GONE = "coded response no longer in the export"
CODE_RESPONSE_SET_ASIDE = "coded response set aside by the survey loader"


def _same_file(coded: str, answer: str) -> bool:
    """Whether a file named in a code or documents.csv is the export ``answer``: case, folder separators and a
    change between .csv and .xlsx (a re-saved or converted export) do not matter.

    >>> _same_file("followup_surveys/2018-06.xlsx", "followup_surveys/2018-06.csv"), _same_file("2019-01.CSV", "followup_surveys/2019-01.csv")
    (True, True)
    >>> _same_file("event_surveys/2019-01.csv", "followup_surveys/2019-01.csv")
    False
    """
    a = PurePosixPath(coded.replace("\\", "/").strip().casefold())
    b = PurePosixPath(answer.replace("\\", "/").strip().casefold())
    if a.suffix in EXPORT_SUFFIXES and b.suffix in EXPORT_SUFFIXES:
        a, b = a.with_suffix(""), b.with_suffix("")
    if a == b:
        return True
    if len(a.parts) == 1 or len(b.parts) == 1:
        return a.name == b.name
    return False


def _respondent_key(value: Any) -> str:
    """A Respondent ID as text, as Excel may have written it (``10234567890.0``)."""
    text = cell_text(value)
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def load_survey_codes(path: str | Path, name: str | None = None) -> pd.DataFrame:
    """Read ``excerpts/survey_codes.csv`` (``survey_file, Respondent ID, question, tag``).

    A code points at an answer by identity, not position: the export, the
    response's SurveyMonkey Respondent ID and the question (its wording in
    the export, or its measure id), so it survives re-ordered or re-downloaded
    exports, CSV/XLSX conversion and removed responses.
    """
    path = Path(path)
    name = name or path.name
    try:
        table = read_table(path, SURVEY_CODE_COLUMNS, name=name)
    except InputError:
        from pdu_lib.inputs.survey_codes_upgrade import is_old_layout
        from pdu_lib.inputs.tables import read_cells

        if is_old_layout(list(read_cells(path, name)[0][0])):
            raise InputError(
                name,
                "codes answers by spreadsheet row and column, the old layout: convert it once, before the exports are downloaded "
                "again, with 'pdu-report upgrade-survey-codes --data <data folder> --out <new file>', then put the new file in its place",
                row=1,
            ) from None
        raise
    records = []
    for row in table.to_dict("records"):
        r = int(row["source_row"])
        values = {key: cell_text(row[key]) for key in ("survey_file", "question", "tag")}
        for key, value in values.items():
            if not value and key != "tag":
                raise InputError(name, f"{SURVEY_CODE_COLUMNS[key]} is blank", row=r, column=SURVEY_CODE_COLUMNS[key])
        respondent = _respondent_key(row["respondent_id"])
        if not respondent:
            raise InputError(
                name, "Respondent ID is blank: give the SurveyMonkey Respondent ID of the coded response", row=r, column="Respondent ID"
            )
        records.append(dict(**values, respondent_id=respondent, source_file=name, source_row=r))
    return pd.DataFrame.from_records(records, columns=["survey_file", "respondent_id", "question", "tag", "source_file", "source_row"])


def _asks(question: str, wording: Any, measure: Any) -> bool:
    """Whether a code's ``question`` names this answer's question: its wording (matched loosely) or its measure id."""
    from pdu_lib.inputs.harmonise import normalise_text

    wanted = normalise_text(question)
    return wanted in {normalise_text(wording), normalise_text(measure)}


_NTH = re.compile(r"\s*#\s*(\d+)\s*$")


def _coded_answer(code: dict, candidates: Iterable[int], answer_columns: Mapping[str, Any], export: str, name: str) -> int:
    """The one answer of a response that a code's ``question`` names: by wording (matched loosely) or measure id,
    and ``#n`` after it for the n-th question so named, in the export's column order, when the export asks it twice."""
    question, measure, text, column = (answer_columns[key] for key in ("question", "measure", "text", "column"))
    wanted, nth = code["question"], None
    found = _NTH.search(wanted)
    if found:
        wanted, nth = wanted[: found.start()], int(found.group(1))
    cell = [at for at in candidates if _asks(wanted, question[at], measure[at]) and cell_text(text[at]) != ""]
    if column is not None:
        cell.sort(key=lambda at: (len(str(column[at])), str(column[at])))
    r = code["source_row"]
    if not cell or (nth is not None and not 1 <= nth <= len(cell)):
        raise InputError(
            name,
            f"the response with this Respondent ID in {export} has no open or Other answer to {code['question']!r} "
            "(a blank answer, or a question that is not in the export: give its wording or its measure)",
            row=r,
            column="question",
        )
    if nth is not None:
        return cell[nth - 1]
    if len({cell_text(text[at]) for at in cell}) > 1:
        from pdu_lib.inputs.harmonise import normalise_text

        wordings = {normalise_text(question[at]): cell_text(question[at]) for at in cell}
        advice = (
            f"give one wording instead: {' or '.join(map(repr, wordings.values()))}"
            if len(wordings) == len(cell)
            else f"give {' or '.join(repr(f'{wanted} #{n}') for n in range(1, len(cell) + 1))} (the first or a later question so named, "
            "in the export's order)"
        )
        raise InputError(
            name, f"{code['question']!r} names {len(cell)} answers of this response in {export}: {advice}", row=r, column="question"
        )
    return cell[0]


def _survey_raw(
    codes: pd.DataFrame, answers: pd.DataFrame, respondents: pd.DataFrame, ledger: Ledger | None, survey_files: Iterable[str] = ()
) -> list[dict]:
    """Coded survey answers as raw excerpt rows (with the answer's survey kind and month).

    ``respondents`` is every response the survey loader read (``source_file,
    respondent_id, response_id, used``); ``answers`` the open answers and typed
    Other texts of the responses it used; ``survey_files`` every export it
    read (one with no responses too).
    """
    needed = {"source_file", "response_id", "question", "measure", "text"}
    missing = needed - set(answers.columns)
    if missing:
        raise ValueError(f"survey_open_answers lacks column(s) {', '.join(sorted(missing))}")
    files = sorted(
        {cell_text(f) for f in respondents["source_file"].unique()}
        | {cell_text(f) for f in answers["source_file"].unique()}
        | {cell_text(f) for f in survey_files}
    )
    # Each response's first row by export and Respondent ID, and each response's answers: looked up, not searched, per code.
    keys = pd.DataFrame(
        {"file": respondents["source_file"].to_numpy(dtype=object), "key": map_distinct(respondents["respondent_id"], _respondent_key)}
    )
    firsts = keys.loc[~keys.duplicated()]
    first_row = dict(zip(zip(firsts["file"], firsts["key"]), firsts.index))
    used, response_ids = respondents["used"].to_numpy(), respondents["response_id"].to_numpy(dtype=object)
    answers_of = answers.groupby("response_id", sort=False).indices if len(answers) else {}
    answer_columns: dict[str, Any] = {
        column: answers[column].to_numpy(dtype=object) if column in answers.columns else None
        for column in ("question", "measure", "text", "submitted", "survey", "column")
    }
    matching: dict[str, list[str]] = {}
    records = []
    for code in codes.to_dict("records"):
        name, r = code["source_file"], code["source_row"]
        if code["survey_file"] not in matching:
            matching[code["survey_file"]] = [f for f in files if _same_file(code["survey_file"], f)]
        export = _one_export(code, matching[code["survey_file"]], files)
        found = first_row.get((export, code["respondent_id"]))
        if found is None:
            if ledger is not None:
                ledger.exclude(name, [r], CODE_RESPONSE_GONE)
            continue
        if not bool(used[found]):
            if ledger is not None:
                ledger.exclude(name, [r], CODE_RESPONSE_SET_ASIDE)
            continue
        response_id = response_ids[found]
        answer = _coded_answer(code, answers_of.get(response_id, []), answer_columns, export, name)
        records.append(_coded_record(code, export, response_id, answer, answer_columns))
    return records


def _one_export(code: dict, matches: list[str], files: list[str]) -> str:
    """The one survey export a coded answer's ``survey_file`` names; an error naming the code's row for none or several."""
    if not matches:
        raise InputError(
            code["source_file"],
            f"{code['survey_file']!r} is not a survey export of the data folder (known: {', '.join(files) or 'none'})",
            row=code["source_row"],
            column="survey_file",
        )
    if len(matches) > 1:
        raise InputError(
            code["source_file"],
            f"{code['survey_file']!r} matches several survey files ({', '.join(matches)}): give its folder too",
            row=code["source_row"],
            column="survey_file",
        )
    return matches[0]


def _coded_record(code: dict, export: str, response_id: Any, answer: int, answer_columns: dict[str, Any]) -> dict:
    """A coded survey answer as a raw excerpt row, with its survey kind and the month it was submitted."""
    submitted = answer_columns["submitted"][answer] if answer_columns["submitted"] is not None else None
    month = ""
    if submitted is not None and not pd.isna(submitted):
        month = f"{pd.Timestamp(submitted):%Y-%m}"
    r = code["source_row"]
    return dict(
        item=f"{export}:{response_id}:{answer_columns['measure'][answer]}",
        document=export,
        tag=code["tag"],
        tag_path=code["tag"],
        text=cell_text(answer_columns["text"][answer]),
        source_file=code["source_file"],
        source_row=r,
        ledger_row=r,
        location=f"row {r}",
        survey_file=export,
        response_id=response_id,
        month=month,
        survey_kind=cell_text(answer_columns["survey"][answer]) if answer_columns["survey"] is not None else "",
    )


# --------------------------------------------------------------------------- combining

#: Ledger reason for a Taguette highlight read before from another export (or row) of the folder.
REPEATED_HIGHLIGHT = "highlight exported twice (counted once)"
UNREAD_COLUMNS = ["file", "what", "note"]
_READERS = {"qdpx": load_qdpx, "taguette": load_taguette, "plain": load_plain_excerpts}


@dataclass(frozen=True)
class ExcerptFolder:
    """What ``excerpts/`` gave: ``excerpts`` (see :func:`load_excerpts`) and ``unread`` (``file, what, note``):
    each file of the folder that was not read, and each ``documents.csv`` row that no excerpt names."""

    excerpts: pd.DataFrame
    unread: pd.DataFrame


def _empty_excerpts() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in EXCERPT_COLUMNS})


def _unread_frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=UNREAD_COLUMNS).astype("object")


def _excerpt_inputs(data_dir: Path, codebook: Codebook | None) -> tuple[Codebook, pd.DataFrame, str] | None:
    """The codebook, ``documents.csv`` and its display name; None when the folder has no coded excerpts."""
    codebook_path = data_dir / CODEBOOK_FILE
    folder = data_dir / EXCERPTS_DIR
    if not codebook_path.is_file() and not folder.is_dir():
        return None
    if not codebook_path.is_file():
        raise InputError(CODEBOOK_FILE, "missing: the excerpts/ folder needs a codebook.yml next to it (see data/README.md)")
    codebook = load_codebook(codebook_path) if codebook is None else codebook
    if not folder.is_dir():
        return None
    documents_path = folder / DOCUMENTS_FILE
    documents_name = display_name(documents_path, data_dir)
    if not documents_path.is_file():
        raise InputError(documents_name, "missing: every excerpt's document needs a row giving its group, method, round and consent")
    return codebook, load_documents(documents_path, documents_name), documents_name


def excerpt_files(folder: Path, data_dir: Path) -> list[ExcerptFile]:
    """Every file of ``excerpts/`` but documents.csv, survey_codes.csv, the names list, hidden files and Excel lock
    files (``~$...``), told apart by :func:`pdu_lib.inputs.excerpt_kinds.classify`, in name order."""
    files = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.name.startswith((".", "~$")) or path.name in RESERVED_FILES:
            continue
        files.append(classify(path, display_name(path, data_dir)))
    return files


def _read_export(file: ExcerptFile, ledger: Ledger | None) -> list[dict]:
    """One export's tagged rows as raw excerpt records; its untagged rows are counted as excluded."""
    frame = _READERS[file.kind](file.path, file.name)
    if file.kind == "qdpx":
        ordinal = {item: i for i, item in enumerate(dict.fromkeys(frame["item"]), start=1)}
        frame = frame.assign(ledger_row=frame["item"].map(ordinal))
    else:
        frame = frame.assign(ledger_row=frame["source_row"])
    frame = frame.assign(export=file.kind)
    tagged = frame["tag"].map(cell_text) != ""
    if ledger is not None:
        ledger.read(file.name, frame["ledger_row"].nunique())
        if not tagged.all():
            reason = "selection has no code" if file.kind == "qdpx" else "highlight has no tag"
            ledger.exclude(file.name, frame.loc[~tagged, "ledger_row"].astype(int).tolist(), reason)
    return frame.loc[tagged].to_dict("records")


def _drop_repeats(raw: list[dict], ledger: Ledger | None) -> list[dict]:
    """Taguette highlights read twice (an all-tags and a per-tag export of one project) count once.

    A highlight is its Taguette id and tag; its document and text are compared too, so that two
    projects' exports, whose ids run from 1 each, are never taken for copies of each other.
    """
    seen: set[tuple] = set()
    kept = []
    for item in raw:
        if item.get("export") == "taguette":
            key = (item["item"], item["tag"], document_key(item["document"]), _normalise(item["text"]))
            if key in seen:
                if ledger is not None:
                    ledger.exclude(item["source_file"], [int(item["ledger_row"])], REPEATED_HIGHLIGHT)
                continue
            seen.add(key)
        kept.append(item)
    return kept


def _coded_answers(
    folder: Path,
    data_dir: Path,
    ledger: Ledger | None,
    survey_open_answers: pd.DataFrame | None,
    survey_respondents: pd.DataFrame | None,
    survey_files: Iterable[str],
) -> list[dict]:
    """The survey answers ``excerpts/survey_codes.csv`` codes, as raw excerpt records (none without the file)."""
    codes_path = folder / SURVEY_CODES_FILE
    if not codes_path.is_file():
        return []
    codes_name = display_name(codes_path, data_dir)
    codes = load_survey_codes(codes_path, codes_name)
    if ledger is not None:
        ledger.read(codes_name, len(codes))
    if survey_open_answers is None:
        if ledger is not None:
            ledger.exclude(codes_name, codes["source_row"].tolist(), "survey open answers not supplied to load_excerpts")
        warnings.warn(f"{codes_name}: survey open answers were not supplied, so its {len(codes)} coded answers are not used", stacklevel=3)
        return []
    if survey_respondents is None:
        if "respondent_id" not in survey_open_answers.columns:
            raise ValueError("survey_respondents is needed (or survey_open_answers with a respondent_id column)")
        survey_respondents = survey_open_answers[["response_id", "source_file", "respondent_id"]].drop_duplicates().assign(used=True)
    return _survey_raw(codes, survey_open_answers, survey_respondents, ledger, survey_files)


class _Resolver:
    """Turns raw excerpt records into excerpts: each tag to its theme, each document to its row of documents.csv."""

    def __init__(self, codebook: Codebook, documents: pd.DataFrame, documents_name: str):
        self.codebook, self.documents_name = codebook, documents_name
        self.lookup = _tag_lookup(codebook.themes, codebook.file)
        self.by_key = {document_key(d["document"]): d for d in documents.to_dict("records")}
        # Each code's row of the codebook and its place in it, and each tag's meaning: found once, not per excerpt.
        self.code_rows: dict[str, dict] = {}
        self.code_order: dict[str, int] = {}
        for index, row in zip(codebook.themes.index, codebook.themes.to_dict("records")):
            self.code_rows.setdefault(row["code"], row)
            self.code_order.setdefault(row["code"], int(index))
        self.meanings: dict[str, tuple[str, str] | None] = {}
        self.survey_documents: dict[str, list[dict]] = {}

    @staticmethod
    def _where(item: dict) -> tuple[int | None, str]:
        row = int(item["source_row"]) if item.get("source_row") is not None and not pd.isna(item["source_row"]) else None
        return row, ("" if row is not None else f"{item['location']}: ")

    def meaning(self, tag: str) -> tuple[str, str] | None:
        if tag not in self.meanings:
            self.meanings[tag] = resolve_tag(tag, self.codebook, self.lookup)
        return self.meanings[tag]

    def theme(self, item: dict) -> tuple[str, str]:
        resolved = self.meaning(item["tag"])
        if resolved is None and item["tag_path"] != item["tag"]:
            resolved = self.meaning(item["tag_path"])
        if resolved is None:
            row, prefix = self._where(item)
            raise InputError(
                item["source_file"],
                f"{prefix}tag {item['tag']!r} is not a theme or sub-theme of {self.codebook.file}",
                row=row,
                column="tag" if row is not None else None,
            )
        return resolved

    def document(self, item: dict) -> dict:
        if "survey_file" in item:
            if item["survey_file"] not in self.survey_documents:
                self.survey_documents[item["survey_file"]] = [
                    d for d in self.by_key.values() if _same_file(d["document"], item["survey_file"])
                ]
            found = self.survey_documents[item["survey_file"]]
            document, column = (found[0] if len(found) == 1 else None), "survey_file"
        else:
            document, column = self.by_key.get(document_key(item["document"])), "document"
        if document is None:
            row, prefix = self._where(item)
            raise InputError(
                item["source_file"],
                f"{prefix}document {item['document']!r} is not listed (once) in {self.documents_name}: "
                "add a row giving its group, method, round and consent",
                row=row,
                column=column if row else None,
            )
        return document

    def survey_fields(self, item: dict, document: dict) -> tuple[str, str, str]:
        """Method, round and respondent of a coded survey answer: the export's kind, the response's month and id
        where documents.csv leaves them open."""
        method, round_, respondent = document["method"], document["round"], document["respondent"]
        kind = header_key(item.get("survey_kind"))
        if method == "survey" and kind in {"followup", "followupsurvey"}:
            method = "follow-up survey"
        elif method == "survey" and kind in {"event", "eventsurvey"}:
            method = "event survey"
        round_ = round_ or item["month"]
        if not round_:
            raise InputError(
                self.documents_name,
                f"round is blank for {document['document']!r} and the coded response has no submitted date",
                row=document["source_row"],
                column="round",
            )
        return method, round_, respondent or item["response_id"]  # each response is one respondent (a pseudonymous id)

    def excerpt(self, item: dict) -> dict:
        theme, sub_theme = self.theme(item)
        document = self.document(item)
        if "survey_file" in item:
            method, round_, respondent = self.survey_fields(item, document)
        else:
            method, round_, respondent = document["method"], document["round"], document["respondent"]
        code_row = self.code_rows[sub_theme or theme]
        return dict(
            document=document["document"],
            respondent=respondent,
            group=document["group"],
            method=method,
            round=round_,
            theme=theme,
            sub_theme=sub_theme,
            section=code_row["section"],
            text=item["text"],
            consent=bool(document["consent"]),
            disclosure=str(document.get("disclosure", "") or ""),
            source=f"{item['source_file']}, {item['location']}",
            theme_label=code_row["theme_label"],
            sub_theme_label=code_row["label"] if sub_theme else "",
            stance=code_row["stance"],
            source_file=item["source_file"],
            source_row=int(item["ledger_row"]),
            _order=(self.code_order[theme], self.code_order[sub_theme or theme]),
            _item=f"{item['source_file']}:{item['item']}",
        )


def _ordered(records: list[dict]) -> pd.DataFrame:
    """The excerpts in codebook order, then by round, document and text: never by the name of the file they came from."""
    if not records:
        return _empty_excerpts()
    records.sort(key=lambda rec: (rec["_order"], rec["round"], document_key(rec["document"]), _normalise(rec["text"]), rec["source"]))
    counts: dict[str, int] = {}
    for rec in records:
        counts[rec["_item"]] = counts.get(rec["_item"], 0) + 1
        rec["excerpt_id"] = rec["_item"] if counts[rec["_item"]] == 1 else f"{rec['_item']}#{counts[rec['_item']]}"
    frame = pd.DataFrame.from_records(records)
    return frame[EXCERPT_COLUMNS].reset_index(drop=True)


def _documents_without_excerpts(documents: pd.DataFrame, raw: list[dict], documents_name: str) -> list[dict]:
    """The rows of documents.csv that no excerpt names, whatever its period: a coded file left out of excerpts/ shows here."""
    named = {document_key(item["document"]) for item in raw if "survey_file" not in item}
    surveyed = {item["survey_file"] for item in raw if "survey_file" in item}
    unread = []
    for document in documents.to_dict("records"):
        if document_key(document["document"]) in named or any(_same_file(document["document"], file) for file in surveyed):
            continue
        unread.append(
            {
                "file": documents_name,
                "what": f"row {document['source_row']}: document {document['document']!r}",
                "note": "no excerpt names this document: were its highlights exported into excerpts/?",
            }
        )
    return unread


def unread_notices(unread_tables: Iterable[pd.DataFrame | None]) -> list[str]:
    """One line per file of ``excerpts/`` not read and per document no excerpt names, each once, for stderr.

    >>> unread_notices([pd.DataFrame({"file": ["excerpts/codebook.qdc"], "what": ["REFI-QDA codebook (.qdc)"], "note": ["not needed"]})] * 2)
    ['excerpts/codebook.qdc: REFI-QDA codebook (.qdc): not needed']
    """
    lines: dict[str, None] = {}
    for table in unread_tables:
        if table is not None:
            lines.update(dict.fromkeys(f"{row['file']}: {row['what']}: {row['note']}" for row in table.to_dict("records")))
    return list(lines)


def read_excerpt_folder(
    data_dir: str | Path,
    survey_open_answers: pd.DataFrame | None = None,
    ledger: Ledger | None = None,
    codebook: Codebook | None = None,
    survey_respondents: pd.DataFrame | None = None,
    survey_files: Iterable[str] = (),
) -> ExcerptFolder:
    """:func:`load_excerpts`, with what the folder held that was not read (:class:`ExcerptFolder`)."""
    data_dir = Path(data_dir)
    inputs = _excerpt_inputs(data_dir, codebook)
    if inputs is None:
        return ExcerptFolder(_empty_excerpts(), _unread_frame([]))
    codebook, documents, documents_name = inputs
    folder = data_dir / EXCERPTS_DIR
    raw: list[dict] = []
    unread: list[dict] = []
    for file in excerpt_files(folder, data_dir):
        if file.read:
            raw.extend(_read_export(file, ledger))
        else:
            unread.append({"file": file.name, "what": file.what, "note": file.note})
    raw = _drop_repeats(raw, ledger)
    raw.extend(_coded_answers(folder, data_dir, ledger, survey_open_answers, survey_respondents, survey_files))
    resolver = _Resolver(codebook, documents, documents_name)
    excerpts = _ordered([resolver.excerpt(item) for item in raw])
    unread.extend(_documents_without_excerpts(documents, raw, documents_name))
    return ExcerptFolder(excerpts, _unread_frame(unread))


def load_excerpts(
    data_dir: str | Path,
    survey_open_answers: pd.DataFrame | None = None,
    ledger: Ledger | None = None,
    codebook: Codebook | None = None,
    survey_respondents: pd.DataFrame | None = None,
    survey_files: Iterable[str] = (),
) -> pd.DataFrame:
    """Every coded excerpt of a data folder, in one tidy frame.

    Reads ``codebook.yml``, ``excerpts/documents.csv`` and every export in
    ``excerpts/`` (Taguette CSV/XLSX, ``.qdpx``, plain CSV/XLSX; what else the
    folder holds is told apart by :mod:`pdu_lib.inputs.excerpt_kinds`), plus
    ``excerpts/survey_codes.csv`` located in ``survey_open_answers`` (the
    survey loader's answers with text: ``response_id, source_file, question,
    measure, text, survey, submitted``) through ``survey_respondents`` (every
    response read: ``response_id, source_file, respondent_id, used``; by
    default the responses of ``survey_open_answers``, when it has
    ``respondent_id``); ``survey_files`` names every export read, so that a
    code pointing into an export left with no responses is counted, not an
    error. Returns one row per excerpt and code:
    ``excerpt_id, document, respondent, group, method, round, theme,
    sub_theme, section, text, consent, source, theme_label,
    sub_theme_label, stance``, in codebook order, then by round, document and
    text. ``source`` names the file and row or selection the excerpt came from.

    An unknown tag or document is an InputError naming file and row (or
    selection). Rows set aside (a Taguette highlight with no tag or exported
    twice, a qdpx selection with no code, a coded survey response the survey
    loader set aside or that is no longer in its export) are recorded in
    ``ledger``. A ``codebook`` already loaded is used rather than read again.
    With no ``codebook.yml`` and no ``excerpts/`` the frame is empty.
    """
    return read_excerpt_folder(data_dir, survey_open_answers, ledger, codebook, survey_respondents, survey_files).excerpts


def in_period(excerpts: pd.DataFrame, start: Any, end: Any, reviews_end: Any = None) -> pd.DataFrame:
    """Excerpts whose round (a month) falls within a report period, both months included.

    Expert Citizens reviews (method ``review``) run to ``reviews_end`` when given.

    >>> rows = pd.DataFrame({"round": ["2018-06", "2019-01", "2019-02"], "method": ["interview", "interview", "review"]})
    >>> in_period(rows, "2017-10-01", "2019-01-31", reviews_end="2019-02-28")["round"].tolist()
    ['2018-06', '2019-01', '2019-02']
    >>> in_period(rows, "2017-10-01", "2018-06-30")["round"].tolist()
    ['2018-06']
    """
    first, last = month_key(start), month_key(end)
    last_review = month_key(reviews_end) if reviews_end is not None else last
    rounds = excerpts["round"].astype(str)
    is_review = excerpts["method"] == "review" if "method" in excerpts.columns else pd.Series(False, index=excerpts.index)
    keep = (rounds >= first) & ((~is_review & (rounds <= last)) | (is_review & (rounds <= last_review)))
    return excerpts.loc[keep].reset_index(drop=True)
