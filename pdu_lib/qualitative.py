"""Qualitative evidence: coded excerpts, the codebook, and what may be published.

Most of the report is what people said. This module turns it into data:

* loaders for the tools evaluators code in: Taguette's highlights export
  (:func:`load_taguette`), a REFI-QDA project (:func:`load_qdpx`), a plain CSV
  typed by hand (:func:`load_plain_excerpts`), and survey open answers coded
  in ``excerpts/survey_codes.csv``; :func:`load_excerpts` combines them with
  ``codebook.yml`` and ``excerpts/documents.csv`` into one tidy frame;
* pure functions over that frame: :func:`publishable` (consent, names of
  people, names of organisations), :func:`excerpts_for_section`,
  :func:`theme_table` (people, not excerpts, by respondent group),
  :func:`attribution`, :func:`pledge_adopters`, :func:`in_period` and
  :func:`render_excerpts_html` (quotes as escaped text, never markup).

The input contract is the *Qualitative evidence* section of data/README.md.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

import pandas as pd
import yaml

from pdu_lib.config import SECTIONS
from pdu_lib.errors import InputError
from pdu_lib.ledger import Ledger
from pdu_lib.tables import MONTH, cell_text, choose, decode_text, display_name, header_key, parse_month, parse_yes_no, read_grid, read_table

CODEBOOK_FILE = "codebook.yml"
EXCERPTS_DIR = "excerpts"
DOCUMENTS_FILE = "documents.csv"
SURVEY_CODES_FILE = "survey_codes.csv"
NAMES_FILE = "names_to_redact.txt"
SOURCES_DIR = "sources"
RESERVED_FILES = {DOCUMENTS_FILE, SURVEY_CODES_FILE, NAMES_FILE}

REFI_NAMESPACE = "urn:QDA-XML:project:1.0"
ORGANISATION_PLACEHOLDER = "[organisation]"

# A group with fewer respondents than this (in the whole excerpts data) is
# never shown on its own in a theme table: see theme_table().
MIN_GROUP_SIZE = 3

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
STANCES = ("positive", "critical", "mixed", "neutral")

EXCERPT_COLUMNS = [
    "excerpt_id", "document", "respondent", "group", "method", "round", "theme", "sub_theme",
    "section", "text", "consent", "source", "theme_label", "sub_theme_label", "stance",
    "source_file", "source_row",  # the file and its ledger row (spreadsheet row; a qdpx selection's ordinal)
]
RAW_COLUMNS = ["item", "document", "tag", "tag_path", "text", "source_file", "source_row", "location"]

_TAG_SPLIT = re.compile(r"\s*(?:/|\\|>|::|\.|\|)\s*")
_DOC_SUFFIXES = {".txt", ".docx", ".doc", ".odt", ".rtf", ".pdf", ".md", ".html", ".htm"}
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")
_TITLE_NAME = re.compile(r"(?<![\w])(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'’-]+")
_ORG_SUFFIXES = (
    "Trust", "Society", "Council", "Centre", "Center", "Association", "Foundation", "Agency",
    "Charity", "Partnership", "Ltd", "Limited", "CIC", "Church",
)
_ORG_HEURISTIC = re.compile(
    r"(?<![\w\[])((?:[A-Z][\w'’&-]*\s+){1,5}(?:" + "|".join(_ORG_SUFFIXES) + r"))(?![\w])"
)
_NOT_ORG_WORDS = {
    "the", "our", "my", "their", "his", "her", "a", "an", "this", "that", "at", "in", "from", "with",
    "and", "but", "so", "we", "i", "they", "of", "for", "to", "by", "on", "as", "when", "if", "local",
}
# HTML's special characters, and markdown's, as entities: an excerpt is shown as text by any renderer.
_ESCAPES = {
    **{ord(c): f"&#{ord(c)};" for c in "*_`[]#|~\\"},
    ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;",
}
_MAX_MEMBER_BYTES = 200 * 1024 * 1024


# --------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Codebook:
    """The codebook of a data folder.

    ``themes`` is tidy: one row per code (a theme or a sub-theme) with
    ``code, kind, theme, sub_theme, label, theme_label, section, stance``;
    a sub-theme inherits its theme's section and stance unless it sets its own.
    ``names`` are the first names of ``excerpts/names_to_redact.txt``.
    """

    themes: pd.DataFrame
    organisations: tuple[str, ...] = ()
    allowed_organisations: tuple[str, ...] = ()
    withhold_text: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    file: str = CODEBOOK_FILE

    def theme_ids(self) -> list[str]:
        return self.themes.loc[self.themes["kind"] == "theme", "code"].tolist()


def _as_list(value: Any, file: str, key: str) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [value]
    if isinstance(value, list):
        return value
    raise InputError(file, f"{key} must be a list")


def _stance(value: Any, file: str, where: str) -> str:
    text = cell_text(value).lower()
    if text and text not in STANCES:
        raise InputError(file, f"{where}: stance {text!r} is not one of {', '.join(STANCES)}")
    return text


def load_names(path: str | Path) -> tuple[str, ...]:
    """First names to withhold, one a line (blank lines and ``#`` comments ignored)."""
    path = Path(path)
    if not path.is_file():
        return ()
    text = decode_text(path.read_bytes(), path.name)
    names = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return tuple(names)


def load_codebook(path: str | Path, names_file: str | Path | None = None) -> Codebook:
    """Read ``codebook.yml`` (and the data folder's ``excerpts/names_to_redact.txt``).

    Errors name the file and the theme at fault: a section that is not a
    report section, a duplicate id, two codes that would match the same tag.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InputError(name, "file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as err:
        raise InputError(name, f"is not valid YAML ({err})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), list) or not raw["themes"]:
        raise InputError(name, "needs a 'themes' list (each theme with id, label, section and optional sub_themes)")
    sections = {s.key for s in SECTIONS}
    records: list[dict[str, str]] = []
    seen_ids: set[str] = set()
    for index, theme in enumerate(raw["themes"], start=1):
        if not isinstance(theme, dict):
            raise InputError(name, f"theme {index} must be a mapping with id, label and section")
        theme_id = cell_text(theme.get("id"))
        where = f"theme {theme_id or index}"
        if not theme_id:
            raise InputError(name, f"theme {index} has no id")
        label = cell_text(theme.get("label")) or theme_id
        section = cell_text(theme.get("section"))
        if section not in sections:
            raise InputError(name, f"{where}: section {section!r} is not a report section ({', '.join(sorted(sections))})")
        stance = _stance(theme.get("stance"), name, where)
        if header_key(theme_id) in seen_ids:
            raise InputError(name, f"{where}: id used twice")
        seen_ids.add(header_key(theme_id))
        records.append(dict(code=theme_id, kind="theme", theme=theme_id, sub_theme="", label=label,
                            theme_label=label, section=section, stance=stance))
        subs = theme.get("sub_themes", theme.get("sub-themes", theme.get("subthemes")))
        for sub_index, sub in enumerate(_as_list(subs, name, f"{where}: sub_themes"), start=1):
            if isinstance(sub, str):
                sub = {"id": sub}
            if not isinstance(sub, dict) or not cell_text(sub.get("id")):
                raise InputError(name, f"{where}: sub-theme {sub_index} needs an id")
            sub_id = cell_text(sub["id"])
            sub_where = f"{where}, sub-theme {sub_id}"
            if header_key(sub_id) in seen_ids:
                raise InputError(name, f"{sub_where}: id used twice (sub-theme ids are unique in the whole codebook)")
            seen_ids.add(header_key(sub_id))
            sub_section = cell_text(sub.get("section")) or section
            if sub_section not in sections:
                raise InputError(name, f"{sub_where}: section {sub_section!r} is not a report section")
            records.append(dict(code=sub_id, kind="sub_theme", theme=theme_id, sub_theme=sub_id,
                                label=cell_text(sub.get("label")) or sub_id, theme_label=label,
                                section=sub_section, stance=_stance(sub.get("stance"), name, sub_where) or stance))
    themes = pd.DataFrame.from_records(records, columns=["code", "kind", "theme", "sub_theme", "label", "theme_label", "section", "stance"])
    _tag_lookup(themes, name)  # refuses a codebook where one tag would match two codes
    if names_file is None:
        names_file = path.parent / EXCERPTS_DIR / NAMES_FILE
    return Codebook(
        themes=themes,
        organisations=tuple(cell_text(o) for o in _as_list(raw.get("organisations"), name, "organisations") if cell_text(o)),
        allowed_organisations=tuple(cell_text(o) for o in _as_list(raw.get("allowed_organisations"), name, "allowed_organisations") if cell_text(o)),
        withhold_text=tuple(cell_text(o) for o in _as_list(raw.get("withhold_text"), name, "withhold_text") if cell_text(o)),
        names=load_names(names_file),
        file=name,
    )


def _tag_lookup(themes: pd.DataFrame, file: str = CODEBOOK_FILE) -> dict[str, int]:
    """Loose key (id or label) -> row index of ``themes``."""
    lookup: dict[str, int] = {}
    for index, row in themes.iterrows():
        for key in {header_key(row["code"]), header_key(row["label"])}:
            if not key:
                continue
            if key in lookup and lookup[key] != index:
                other = themes.loc[lookup[key], "code"]
                raise InputError(file, f"codes {other!r} and {row['code']!r} would both match a tag written {key!r}: make ids and labels distinct")
            lookup[key] = index
    return lookup


def resolve_tag(tag: str, codebook: Codebook, lookup: Mapping[str, int] | None = None) -> tuple[str, str] | None:
    """The (theme, sub_theme) a tag means, or None when the codebook does not know it.

    A tag matches a theme or sub-theme by id or label, loosely (case, spaces
    and punctuation ignored). A hierarchical tag (``diversity/same faces``,
    ``diversity.same_faces``, ``Diversity > Same faces``) matches by its last
    part; its first part, when it names a theme, must be that sub-theme's theme.
    """
    lookup = lookup if lookup is not None else _tag_lookup(codebook.themes)
    themes = codebook.themes

    def found(index: int) -> tuple[str, str]:
        row = themes.loc[index]
        return str(row["theme"]), str(row["sub_theme"])

    key = header_key(tag)
    if key in lookup:
        return found(lookup[key])
    parts = [p for p in _TAG_SPLIT.split(str(tag).strip()) if p.strip()]
    if len(parts) < 2:
        return None
    last = header_key(parts[-1])
    if last not in lookup:
        return None
    theme, sub = found(lookup[last])
    first = header_key(parts[0])
    if first in lookup:
        parent_theme, _ = found(lookup[first])
        if parent_theme != theme:
            return None
    return theme, sub


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
        {"document": "document", "respondent": "respondent", "group": "group", "method": "method",
         "round": "round", "consent": "consent"},
        name=name,
        optional=["respondent"],
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
            raise InputError(name, "respondent is blank: give each person a pseudonymous id (e.g. R07) so themes count people", row=r, column="respondent")
        if not respondent and method == "review":
            respondent = document
        records.append(dict(
            document=document, respondent=respondent, group=group, method=method,
            round=parse_month(row.round, file=name, row=r, column="round", required=method not in SURVEY_METHODS),
            consent=parse_yes_no(row.consent, file=name, row=r, column="consent"), source_file=name, source_row=r,
        ))
    return pd.DataFrame.from_records(records, columns=["document", "respondent", "group", "method", "round", "consent", "source_file", "source_row"])


# --------------------------------------------------------------------------- source texts and positions


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _source_texts(folder: Path) -> dict[str, str]:
    """Plain-text sources next to a tabular export (``excerpts/sources/<document>.txt``), by document key."""
    texts: dict[str, str] = {}
    if folder.is_dir():
        for file in sorted(folder.glob("*.txt")):
            texts[document_key(file.name)] = file.read_bytes().decode("utf-8-sig", errors="replace")
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
        raise InputError(file, f"end {end} is past the end of the source text of {record['document']!r} ({len(source)} characters)", row=row, column="end")
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
    header_index = next((i for i, row in enumerate(grid[:10]) if {header_key(c) for c in columns.values()} <= {header_key(c) for c in row}), None)
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
            document=document, tag=tag, tag_path=tag, text=text,
            source_file=name, source_row=r, location=f"row {r}",
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


def _parse_xml(raw: bytes, name: str):
    try:
        from defusedxml import ElementTree as SafeET  # refuses entity expansion, external entities, DTDs

        try:
            return SafeET.fromstring(raw)
        except SafeET.ParseError as err:
            raise InputError(name, f"project.qde is not well-formed XML ({err})") from None
        except Exception as err:  # defusedxml's DTDForbidden, EntitiesForbidden, ...
            raise InputError(name, f"project.qde was refused as unsafe XML ({type(err).__name__})") from None
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
    if not path.is_file():
        raise InputError(name, "file not found")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise InputError(name, f"is not a REFI-QDA project: cannot be opened as a zip ({err})") from None
    with archive:
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

        codes: dict[str, tuple[str, str]] = {}

        def walk(element, parents: tuple[str, ...]) -> None:
            for code in _children(element, "Code"):
                guid = (code.get("guid") or "").strip()
                code_name = (code.get("name") or "").strip()
                if guid:
                    codes[guid.upper()] = (code_name, "/".join((*parents, code_name)))
                walk(code, (*parents, code_name))

        codebook = _child(root, "CodeBook")
        if codebook is not None and _child(codebook, "Codes") is not None:
            walk(_child(codebook, "Codes"), ())

        records = []
        sources = _child(root, "Sources")
        for source in _children(sources, "TextSource") if sources is not None else []:
            source_guid = source.get("guid") or "?"
            source_name = source.get("name") or source_guid
            where_source = f"source {source_name!r} ({source_guid})"
            text = None
            inline = _child(source, "PlainTextContent")
            if inline is not None and inline.text is not None:
                text = inline.text
            else:
                text_path = (source.get("plainTextPath") or "").strip()
                if not text_path:
                    raise InputError(name, f"{where_source} has neither plainTextPath nor PlainTextContent")
                if not text_path.startswith("internal://"):
                    raise InputError(name, f"{where_source} keeps its text outside the project ({text_path!r}): export the project with its sources included")
                member = _zip_member(archive, "sources/" + text_path[len("internal://"):])
                if member is None:
                    raise InputError(name, f"{where_source}: {text_path} is not in the project's sources/ folder")
                raw = _read_member(archive, member, name)
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise InputError(name, f"{where_source}: {member.filename} is not UTF-8 text as REFI-QDA requires") from None
            for selection in _children(source, "PlainTextSelection"):
                guid = selection.get("guid") or "?"
                where = f"selection {guid} in {where_source}"
                try:
                    start = int(selection.get("startPosition"))
                    end = int(selection.get("endPosition"))
                except (TypeError, ValueError):
                    raise InputError(name, f"{where}: startPosition {selection.get('startPosition')!r} and endPosition {selection.get('endPosition')!r} must be whole numbers") from None
                if start < 0 or end < 0:
                    raise InputError(name, f"{where}: positions {start}-{end} are negative")
                if start > end:
                    raise InputError(name, f"{where}: startPosition {start} is after endPosition {end}")
                if end > len(text):
                    raise InputError(name, f"{where}: positions {start}-{end} run past the end of the source text ({len(text)} characters)")
                selected = text[start:end]
                if not selected.strip():
                    raise InputError(name, f"{where}: positions {start}-{end} select no text")
                _check_copy(selected, text, _selection_copy(selection), where, name)
                refs = [ref.get("targetGUID") for coding in _children(selection, "Coding") for ref in _children(coding, "CodeRef")]
                for target in refs:
                    if not target or target.strip().upper() not in codes:
                        raise InputError(name, f"{where} is coded to {target!r}, which is not a Code of the project's CodeBook")
                    code_name, code_path = codes[target.strip().upper()]
                    records.append(dict(
                        item=guid, document=source_name, tag=code_name, tag_path=code_path,
                        text=selected.strip(), source_file=name, source_row=None, location=f"selection {guid}",
                    ))
                if not refs:
                    records.append(dict(item=guid, document=source_name, tag="", tag_path="", text=selected.strip(),
                                        source_file=name, source_row=None, location=f"selection {guid}"))
    return pd.DataFrame.from_records(records, columns=RAW_COLUMNS)


# --------------------------------------------------------------------------- survey open answers


def _column_number(text: str) -> int | None:
    if re.fullmatch(r"[A-Za-z]{1,3}", text):
        number = 0
        for char in text.upper():
            number = number * 26 + ord(char) - 64
        return number
    if re.fullmatch(r"\d+", text):
        return int(text)
    return None


def _same_column(coded: Any, answer: Any) -> bool:
    a, b = cell_text(coded), cell_text(answer)
    if header_key(a) == header_key(b) and header_key(a):
        return True
    na, nb = _column_number(a), _column_number(b)
    return na is not None and na == nb


def _same_file(coded: str, answer: str) -> bool:
    a = PurePosixPath(coded.replace("\\", "/").strip().casefold())
    b = PurePosixPath(answer.replace("\\", "/").strip().casefold())
    if a == b:
        return True
    if len(a.parts) == 1 or len(b.parts) == 1:
        return a.name == b.name
    return False


def load_survey_codes(path: str | Path, name: str | None = None) -> pd.DataFrame:
    """Read ``excerpts/survey_codes.csv`` (``survey_file, row, column, tag``)."""
    path = Path(path)
    name = name or path.name
    table = read_table(path, {"survey_file": "survey_file", "row": "row", "column": "column", "tag": "tag"}, name=name)
    records = []
    for row in table.to_dict("records"):
        r = int(row["source_row"])
        survey_file = cell_text(row["survey_file"])
        if not survey_file:
            raise InputError(name, "survey_file is blank", row=r, column="survey_file")
        number = cell_text(row["row"])
        if not re.fullmatch(r"\d+", number) or int(number) < 2:
            raise InputError(name, f"row {number!r} must be the spreadsheet row number of the response (header rows included)", row=r, column="row")
        column = cell_text(row["column"])
        if not column:
            raise InputError(name, "column is blank", row=r, column="column")
        records.append(dict(survey_file=survey_file, row=int(number), column=column, tag=cell_text(row["tag"]), source_file=name, source_row=r))
    return pd.DataFrame.from_records(records, columns=["survey_file", "row", "column", "tag", "source_file", "source_row"])


def _survey_raw(codes: pd.DataFrame, answers: pd.DataFrame, ledger: Ledger | None) -> list[dict]:
    """Coded survey cells as raw excerpt rows (with the answer's survey kind and month)."""
    needed = {"source_file", "source_row", "column", "text"}
    missing = needed - set(answers.columns)
    if missing:
        raise ValueError(f"survey_open_answers lacks column(s) {', '.join(sorted(missing))}")
    files = sorted({cell_text(f) for f in answers["source_file"]})
    records = []
    for code in codes.to_dict("records"):
        name, r = code["source_file"], code["source_row"]
        matches = [f for f in files if _same_file(code["survey_file"], f)]
        if not matches:
            raise InputError(name, f"no open answers of {code['survey_file']!r} were supplied (known survey files: {', '.join(files) or 'none'})", row=r, column="survey_file")
        if len(matches) > 1:
            raise InputError(name, f"{code['survey_file']!r} matches several survey files ({', '.join(matches)}): give its folder too", row=r, column="survey_file")
        in_file = answers[answers["source_file"].map(cell_text) == matches[0]]
        in_row = in_file[pd.to_numeric(in_file["source_row"], errors="coerce") == code["row"]]
        if in_row.empty:
            if ledger is not None:
                ledger.exclude(name, [r], "coded response not among the survey open answers used (excluded by the survey loader)")
            warnings.warn(f"{name}, row {r}: no response at row {code['row']} of {matches[0]} among the open answers supplied; not used", stacklevel=3)
            continue
        cell = in_row[[_same_column(code["column"], c) for c in in_row["column"]]]
        if cell.empty or not cell_text(cell.iloc[0]["text"]):
            raise InputError(name, f"row {code['row']} of {matches[0]} has no open answer in column {code['column']!r} (blank cell or wrong column)", row=r, column="column")
        answer = cell.iloc[0]
        submitted = answer.get("submitted") if "submitted" in answer.index else None
        month = ""
        if submitted is not None and not pd.isna(submitted):
            month = f"{pd.Timestamp(submitted):%Y-%m}"
        records.append(dict(
            item=f"{matches[0]}:{code['row']}:{code['column']}", document=matches[0], tag=code["tag"], tag_path=code["tag"],
            text=cell_text(answer["text"]), source_file=name, source_row=r, ledger_row=r, location=f"row {r}",
            survey_file=matches[0], response_row=code["row"], month=month,
            survey_kind=cell_text(answer.get("survey")) if "survey" in answer.index else "",
        ))
    return records


# --------------------------------------------------------------------------- combining


def _empty_excerpts() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in EXCERPT_COLUMNS})


def _sniff(path: Path, name: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        return "qdpx"
    grid = read_grid(path, name)
    for row in grid[:10]:
        keys = {header_key(c) for c in row}
        if {"document", "tag", "content"} <= keys:
            return "taguette" if "id" in keys else "plain"
    raise InputError(name, "is neither a Taguette highlights export (id, document, tag, content) nor a plain excerpts file (document, tag, content)", row=1)


def load_excerpts(
    data_dir: str | Path,
    survey_open_answers: pd.DataFrame | None = None,
    ledger: Ledger | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Every coded excerpt of a data folder, in one tidy frame.

    Reads ``codebook.yml``, ``excerpts/documents.csv`` and every export in
    ``excerpts/`` (Taguette CSV/XLSX, ``.qdpx``, plain CSV/XLSX), plus
    ``excerpts/survey_codes.csv`` located in ``survey_open_answers`` (the
    survey loader's frame ``source_file, source_row, column, text, survey,
    survey_id, submitted``). Returns one row per excerpt and code:
    ``excerpt_id, document, respondent, group, method, round, theme,
    sub_theme, section, text, consent, source, theme_label,
    sub_theme_label, stance``, in codebook order. ``source`` names the file
    and row or selection the excerpt came from.

    An unknown tag or document is an InputError naming file and row (or
    selection). Rows set aside (a Taguette highlight with no tag, a qdpx
    selection with no code, a coded survey response the survey loader did
    not use) are recorded in ``ledger``. A ``codebook`` already loaded is
    used rather than read again. With no ``codebook.yml`` and no
    ``excerpts/`` the frame is empty.
    """
    data_dir = Path(data_dir)
    codebook_path = data_dir / CODEBOOK_FILE
    folder = data_dir / EXCERPTS_DIR
    if not codebook_path.is_file() and not folder.is_dir():
        return _empty_excerpts()
    if not codebook_path.is_file():
        raise InputError(CODEBOOK_FILE, "missing: the excerpts/ folder needs a codebook.yml next to it (see data/README.md)")
    codebook = load_codebook(codebook_path) if codebook is None else codebook
    if not folder.is_dir():
        return _empty_excerpts()
    documents_path = folder / DOCUMENTS_FILE
    documents_name = display_name(documents_path, data_dir)
    if not documents_path.is_file():
        raise InputError(documents_name, "missing: every excerpt's document needs a row giving its group, method, round and consent")
    documents = load_documents(documents_path, documents_name)
    by_key = {document_key(d["document"]): d for d in documents.to_dict("records")}
    lookup = _tag_lookup(codebook.themes, codebook.file)

    raw: list[dict] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith((".", "~$")) or path.name in RESERVED_FILES:
            continue
        if path.suffix.lower() not in {".csv", ".xlsx", ".xlsm", ".qdpx"}:
            continue
        name = display_name(path, data_dir)
        kind = _sniff(path, name)
        frame = {"qdpx": load_qdpx, "taguette": load_taguette, "plain": load_plain_excerpts}[kind](path, name)
        if ledger is not None:
            if kind == "qdpx":
                ledger.read(name, frame["item"].nunique())
            else:
                ledger.read(name, len(frame))
        if kind == "qdpx":
            ordinal = {item: i for i, item in enumerate(dict.fromkeys(frame["item"]), start=1)}
            frame = frame.assign(ledger_row=frame["item"].map(ordinal))
        else:
            frame = frame.assign(ledger_row=frame["source_row"])
        untagged = frame[frame["tag"].map(cell_text) == ""]
        if ledger is not None and not untagged.empty:
            reason = "selection has no code" if kind == "qdpx" else "highlight has no tag"
            ledger.exclude(name, untagged["ledger_row"].astype(int).tolist(), reason)
        raw.extend(frame[frame["tag"].map(cell_text) != ""].to_dict("records"))

    codes_path = folder / SURVEY_CODES_FILE
    if codes_path.is_file():
        codes_name = display_name(codes_path, data_dir)
        codes = load_survey_codes(codes_path, codes_name)
        if ledger is not None:
            ledger.read(codes_name, len(codes))
        if survey_open_answers is None:
            if ledger is not None:
                ledger.exclude(codes_name, codes["source_row"].tolist(), "survey open answers not supplied to load_excerpts")
            warnings.warn(f"{codes_name}: survey open answers were not supplied, so its {len(codes)} coded answers are not used", stacklevel=2)
        else:
            raw.extend(_survey_raw(codes, survey_open_answers, ledger))

    themes = codebook.themes
    records = []
    for item in raw:
        where_row = int(item["source_row"]) if item.get("source_row") is not None and not pd.isna(item["source_row"]) else None
        where_column = "tag" if where_row is not None else None
        resolved = resolve_tag(item["tag"], codebook, lookup)
        if resolved is None and item["tag_path"] != item["tag"]:
            resolved = resolve_tag(item["tag_path"], codebook, lookup)
        if resolved is None:
            prefix = "" if where_row is not None else f"{item['location']}: "
            raise InputError(item["source_file"], f"{prefix}tag {item['tag']!r} is not a theme or sub-theme of {codebook.file}", row=where_row, column=where_column)
        theme, sub_theme = resolved
        if "survey_file" in item:
            found = [d for d in by_key.values() if _same_file(d["document"], item["survey_file"])]
            document = found[0] if len(found) == 1 else None
            missing_column = "survey_file"
        else:
            document = by_key.get(document_key(item["document"]))
            missing_column = "document"
        if document is None:
            prefix = "" if where_row is not None else f"{item['location']}: "
            raise InputError(
                item["source_file"],
                f"{prefix}document {item['document']!r} is not listed (once) in {documents_name}: add a row giving its group, method, round and consent",
                row=where_row, column=missing_column if where_row else None,
            )
        method, round_, respondent = document["method"], document["round"], document["respondent"]
        if "survey_file" in item:
            kind = header_key(item.get("survey_kind"))
            if method == "survey" and kind in {"followup", "followupsurvey"}:
                method = "follow-up survey"
            elif method == "survey" and kind in {"event", "eventsurvey"}:
                method = "event survey"
            round_ = round_ or item["month"]
            if not round_:
                raise InputError(documents_name, f"round is blank for {document['document']!r} and the coded response has no submitted date", row=document["source_row"], column="round")
            respondent = respondent or f"{item['survey_file']} row {item['response_row']}"
        code_row = themes.loc[themes["code"] == (sub_theme or theme)].iloc[0]
        records.append(dict(
            document=document["document"], respondent=respondent, group=document["group"], method=method, round=round_,
            theme=theme, sub_theme=sub_theme, section=code_row["section"], text=item["text"], consent=bool(document["consent"]),
            source=f"{item['source_file']}, {item['location']}", theme_label=code_row["theme_label"],
            sub_theme_label=code_row["label"] if sub_theme else "", stance=code_row["stance"],
            source_file=item["source_file"], source_row=int(item["ledger_row"]),
            _order=(int(themes.index[themes["code"] == theme][0]), int(themes.index[themes["code"] == (sub_theme or theme)][0])),
            _item=f"{item['source_file']}:{item['item']}",
        ))
    if not records:
        return _empty_excerpts()
    records.sort(key=lambda rec: (rec["_order"], rec["round"], rec["source"]))
    counts: dict[str, int] = {}
    for rec in records:
        counts[rec["_item"]] = counts.get(rec["_item"], 0) + 1
        rec["excerpt_id"] = rec["_item"] if counts[rec["_item"]] == 1 else f"{rec['_item']}#{counts[rec['_item']]}"
    frame = pd.DataFrame.from_records(records)
    return frame[EXCERPT_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- pure functions


def _phrase(text: str) -> re.Pattern:
    return re.compile(r"(?<![\w])" + r"\s+".join(re.escape(p) for p in text.split()) + r"(?![\w])", re.IGNORECASE)


def _names_found(text: str, names: Iterable[str]) -> bool:
    """A listed first name written as a name (capital first letter, a whole word), or a title and surname."""
    if _TITLE_NAME.search(text):
        return True
    single = {n.casefold() for n in names if len(n.split()) == 1}
    for match in re.finditer(r"[^\W\d_]+", text):
        word = match.group(0)
        if word[0].isupper() and word.casefold() in single:
            return True
    for name in names:
        if len(name.split()) > 1:
            for match in _phrase(name).finditer(text):
                if match.group(0)[0].isupper():
                    return True
    return False


def redact_organisations(text: str, codebook: Codebook, organisations: Iterable[str] = ()) -> str:
    """Replace names of organisations the codebook does not allow with ``[organisation]``.

    Organisations are those the codebook lists (``organisations``), any
    passed in, and any run of capitalised words ending in an organisation
    word (Trust, Society, Council, Centre, Association, Foundation, Agency,
    Charity, Partnership, Ltd, Limited, CIC, Church).

    >>> book = Codebook(themes=pd.DataFrame(), organisations=("Eastfield Hub",), allowed_organisations=("Opportunity Nottingham",))
    >>> redact_organisations("Eastfield Hub, the Larkspur Housing Trust and Opportunity Nottingham came.", book)
    '[organisation], the [organisation] and Opportunity Nottingham came.'
    """
    allowed = {header_key(a) for a in codebook.allowed_organisations}
    known = sorted({o for o in (*codebook.organisations, *organisations) if o and header_key(o) not in allowed}, key=len, reverse=True)
    for organisation in known:
        text = _phrase(organisation).sub(ORGANISATION_PLACEHOLDER, text)

    def heuristic(match: re.Match) -> str:
        words = match.group(1).split()
        while words[:-1] and words[0].casefold() in _NOT_ORG_WORDS:
            words = words[1:]
        if len(words) < 2:
            return match.group(0)
        candidate = " ".join(words)
        if header_key(candidate) in allowed or any(header_key(candidate) in a or a in header_key(candidate) for a in allowed if a):
            return match.group(0)
        kept = match.group(1)[: match.group(1).index(words[0])]
        return kept + ORGANISATION_PLACEHOLDER

    return _ORG_HEURISTIC.sub(heuristic, text)


def publication_review(excerpts: pd.DataFrame, codebook: Codebook, organisations: Iterable[str] = ()) -> pd.DataFrame:
    """Every excerpt with ``publishable`` (bool), ``withheld_reason`` and ``text`` as it may be published.

    The reason never repeats the name or text that withheld a quote, so the
    review can be shown in the data-quality appendix.
    """
    organisations = tuple(organisations)
    review = excerpts.copy()
    reasons, texts = [], []
    for row in excerpts.itertuples(index=False):
        text = str(row.text)
        if not bool(row.consent):
            reason = "no consent to quote this source"
        elif _names_found(text, codebook.names):
            reason = "names a person"
        elif any(_phrase(p).search(text) for p in codebook.withhold_text):
            reason = "contains text the codebook withholds"
        else:
            reason = ""
        reasons.append(reason)
        texts.append(redact_organisations(text, codebook, organisations) if not reason else "")
    review["text"] = texts
    review["publishable"] = [not r for r in reasons]
    review["withheld_reason"] = reasons
    return review


def publishable(excerpts: pd.DataFrame, codebook: Codebook, organisations: Iterable[str] = ()) -> pd.DataFrame:
    """The excerpts that may be quoted, with organisation names the codebook does not allow replaced.

    A quote is published only when its source consented, it carries no name
    of a person (a first name of ``names_to_redact.txt`` written as a name, or
    a title and surname such as "Mrs Okafor") and none of the codebook's
    ``withhold_text``. See :func:`publication_review` for the reasons.

    >>> book = Codebook(themes=pd.DataFrame(), allowed_organisations=(), names=("Sam",))
    >>> rows = pd.DataFrame({"text": ["Sam helped us", "It helped us", "It helped"], "consent": [True, True, False]})
    >>> publishable(rows, book)["text"].tolist()
    ['It helped us']
    """
    review = publication_review(excerpts, codebook, organisations)
    return review.loc[review["publishable"], list(excerpts.columns)].reset_index(drop=True)


def excerpts_for_section(excerpts: pd.DataFrame, section: str) -> pd.DataFrame:
    """The excerpts whose theme (or sub-theme) serves a report section, in codebook order.

    >>> rows = pd.DataFrame({"section": ["links", "diversity"], "text": ["a", "b"]})
    >>> excerpts_for_section(rows, "diversity")["text"].tolist()
    ['b']
    """
    keys = [s.key for s in SECTIONS]
    if section not in keys:
        raise ValueError(f"unknown section {section!r}; known: {', '.join(keys)}")
    return excerpts.loc[excerpts["section"] == section].reset_index(drop=True)


def theme_table(excerpts: pd.DataFrame, section: str, min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """People who raised each theme of a section, by respondent group.

    Counts distinct respondents, not excerpts: a person quoted three times on
    a theme counts once. Pass the whole excerpts frame (every section, before
    :func:`publishable`): counting is not quoting, so excerpts that may not be
    quoted still count, and group sizes are taken from the whole frame.

    Disclosure rule: a group with fewer than ``min_group`` respondents in the
    whole data (e.g. the one co-ordinator, two Beneficiary Ambassadors) is a
    group whose members are known, so any of its cells says what a known
    person said; such cells are suppressed (``people`` is missing,
    ``suppressed`` is True). Other cells are shown as they are, however small.
    Expert Citizens reviews are group sessions (the respondent is the session,
    so ``people`` counts sessions for them) and identify no one: they are not
    suppressed.

    Returns ``theme`` (label), ``group``, ``people``, ``suppressed``.

    >>> rows = pd.DataFrame({
    ...     "section": ["links"] * 5, "theme_label": ["New contacts"] * 5, "method": ["interview"] * 5,
    ...     "respondent": ["R1", "R1", "R2", "R3", "R9"],
    ...     "group": ["participant"] * 4 + ["co-ordinator"]})
    >>> theme_table(rows, "links").to_dict("records")
    [{'theme': 'New contacts', 'group': 'participant', 'people': 3, 'suppressed': False}, {'theme': 'New contacts', 'group': 'co-ordinator', 'people': None, 'suppressed': True}]
    """
    columns = ["theme", "group", "people", "suppressed"]
    if excerpts.empty:
        return pd.DataFrame({"theme": pd.Series(dtype="object"), "group": pd.Series(dtype="object"),
                             "people": pd.Series(dtype="Int64"), "suppressed": pd.Series(dtype="bool")})
    collective = excerpts["method"] == "review" if "method" in excerpts.columns else pd.Series(False, index=excerpts.index)
    sizes = excerpts.loc[~collective].groupby("group")["respondent"].nunique().to_dict()
    in_section = excerpts_for_section(excerpts, section)
    label = "theme_label" if "theme_label" in in_section.columns else "theme"
    group_order = {g: i for i, g in enumerate(GROUPS.values())}
    records = []
    themes = list(dict.fromkeys(in_section[label]))
    for theme in themes:
        of_theme = in_section[in_section[label] == theme]
        groups = sorted(set(of_theme["group"]), key=lambda g: group_order.get(g, len(group_order)))
        for group in groups:
            rows = of_theme[of_theme["group"] == group]
            is_collective = "method" in rows.columns and (rows["method"] == "review").all()
            people = rows["respondent"].nunique()
            suppressed = not is_collective and sizes.get(group, 0) < min_group
            records.append({"theme": theme, "group": group, "people": pd.NA if suppressed else people, "suppressed": suppressed})
    table = pd.DataFrame.from_records(records, columns=columns)
    table["people"] = table["people"].astype("Int64")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table


def attribution(row: Mapping[str, Any]) -> str:
    """A neutral attribution for a quote: the method and the respondent group, never the person.

    >>> attribution({"method": "interview", "group": "participant"})
    'interview, participant'
    >>> attribution({"method": "follow-up survey", "group": "participant"})
    'follow-up survey'
    >>> attribution({"method": "review", "group": "Expert Citizens"})
    'Expert Citizens review'
    """
    method = cell_text(row.get("method") if hasattr(row, "get") else row["method"])
    group = cell_text(row.get("group") if hasattr(row, "get") else row["group"])
    if method == "review":
        return "Expert Citizens review" if group == "Expert Citizens" else f"review, {group}"
    if method in SURVEY_METHODS:
        return method if group in ("", "participant") else f"{method}, {group}"
    return f"{method}, {group}" if group else method


def _month(value: Any) -> str:
    if isinstance(value, str) and MONTH.match(value.strip()):
        return value.strip()
    return f"{pd.Timestamp(value):%Y-%m}"


def in_period(excerpts: pd.DataFrame, start: Any, end: Any, reviews_end: Any = None) -> pd.DataFrame:
    """Excerpts whose round (a month) falls within a report period, both months included.

    Expert Citizens reviews (method ``review``) run to ``reviews_end`` when given.

    >>> rows = pd.DataFrame({"round": ["2018-06", "2019-01", "2019-02"], "method": ["interview", "interview", "review"]})
    >>> in_period(rows, "2017-10-01", "2019-01-31", reviews_end="2019-02-28")["round"].tolist()
    ['2018-06', '2019-01', '2019-02']
    >>> in_period(rows, "2017-10-01", "2018-06-30")["round"].tolist()
    ['2018-06']
    """
    first, last = _month(start), _month(end)
    last_review = _month(reviews_end) if reviews_end is not None else last
    rounds = excerpts["round"].astype(str)
    is_review = excerpts["method"] == "review" if "method" in excerpts.columns else pd.Series(False, index=excerpts.index)
    keep = (rounds >= first) & ((~is_review & (rounds <= last)) | (is_review & (rounds <= last_review)))
    return excerpts.loc[keep].reset_index(drop=True)


def pledge_adopters(excerpts: pd.DataFrame, period_end: Any, theme: str = "pledge") -> int:
    """People who had introduced the Pledge, or were working towards it, up to a date.

    Distinct respondents coded to the Pledge theme (or a sub-theme with that
    id) in a round up to ``period_end``'s month. Expert Citizens reviews are
    views about the Pledge, not adoptions, and are not counted.

    >>> rows = pd.DataFrame({"theme": ["pledge"] * 4, "sub_theme": [""] * 4, "method": ["interview"] * 3 + ["review"],
    ...                      "respondent": ["R1", "R1", "R2", "EC"], "round": ["2018-06", "2018-06", "2019-01", "2018-06"]})
    >>> pledge_adopters(rows, "2018-06-30"), pledge_adopters(rows, "2019-01-31")
    (1, 2)
    """
    if excerpts.empty:
        return 0
    last = _month(period_end)
    coded = (excerpts["theme"] == theme) | (excerpts["sub_theme"] == theme)
    keep = coded & (excerpts["round"].astype(str) <= last) & (excerpts["method"] != "review")
    return int(excerpts.loc[keep, "respondent"].nunique())


def _escape(text: str) -> str:
    """HTML-escape, and write markdown's special characters as entities so no renderer acts on them."""
    return text.translate(_ESCAPES)


def _paragraphs(text: str) -> str:
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + "<br>".join(_escape(line) for line in part.splitlines()) + "</p>" for part in parts)


def render_excerpts_html(excerpts: pd.DataFrame, by_theme: bool = True) -> str:
    """Quotes as HTML blockquotes with their attributions, all text escaped.

    Pass :func:`publishable` output: a row without consent is refused. Text
    that looks like HTML or markdown in an excerpt is shown as text, never
    executed or formatted. With ``by_theme``, quotes are grouped under their
    theme's label; the same quote coded twice within a theme is shown once.

    >>> rows = pd.DataFrame({"text": ["<b>bold</b> *claim*"], "method": ["interview"], "group": ["participant"], "consent": [True]})
    >>> render_excerpts_html(rows, by_theme=False)
    '<div class="pdu-excerpts tex2jax_ignore"><blockquote class="pdu-excerpt"><p>&lt;b&gt;bold&lt;/b&gt; &#42;claim&#42;</p><footer>&#8212; interview, participant</footer></blockquote></div>'
    """
    if "consent" in excerpts.columns and not excerpts["consent"].astype(bool).all():
        raise ValueError("render_excerpts_html was given excerpts without consent: pass publishable(excerpts, codebook)")
    if excerpts.empty:
        return '<div class="pdu-excerpts tex2jax_ignore"><p class="pdu-no-excerpts">No excerpts may be quoted here.</p></div>'
    label = "theme_label" if "theme_label" in excerpts.columns else ("theme" if "theme" in excerpts.columns else None)
    groups = [(None, excerpts)] if not by_theme or label is None else [
        (theme, excerpts[excerpts[label] == theme]) for theme in dict.fromkeys(excerpts[label])
    ]
    out = ['<div class="pdu-excerpts tex2jax_ignore">']
    for theme, rows in groups:
        if theme is not None:
            out.append(f'<section class="pdu-theme"><h4>{_escape(cell_text(theme))}</h4>')
        seen = set()
        for row in rows.to_dict("records"):
            key = (cell_text(row.get("document")), _normalise(str(row["text"])))
            if key in seen:
                continue
            seen.add(key)
            stance = cell_text(row.get("stance"))
            css = "pdu-excerpt" + (f" pdu-{stance}" if stance in STANCES else "")
            out.append(f'<blockquote class="{css}">{_paragraphs(str(row["text"]))}'
                       f"<footer>&#8212; {_escape(attribution(row))}</footer></blockquote>")
        if theme is not None:
            out.append("</section>")
    out.append("</div>")
    return "".join(out)
