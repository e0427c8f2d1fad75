"""The codebook (codebook.yml): themes, the report section each belongs to, stances, and names never to publish."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pdu_lib.config import SECTIONS
from pdu_lib.errors import InputError
from pdu_lib.inputs.files import read_input_bytes
from pdu_lib.inputs.tables import cell_text, decode_text, header_key
from pdu_lib.inputs.yaml_file import load_yaml

CODEBOOK_FILE = "codebook.yml"
EXCERPTS_DIR = "excerpts"
NAMES_FILE = "names_to_redact.txt"
STANCES = ("positive", "critical", "mixed", "neutral")

_TAG_SPLIT = re.compile(r"\s*(?:/|\\|>|::|\.|\|)\s*")


# --------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Codebook:
    """The codebook of a data folder.

    ``themes`` is tidy: one row per code (a theme or a sub-theme) with
    ``code, kind, theme, sub_theme, label, theme_label, section, stance,
    finding``; a sub-theme inherits its theme's section and stance unless it
    sets its own. ``finding`` is the evaluator's own wording of the point, as
    the report says it (blank when the codebook gives none).
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
    text = decode_text(read_input_bytes(path, path.name), path.name)
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
    raw = load_yaml(path, name) or {}
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), list) or not raw["themes"]:
        raise InputError(name, "needs a 'themes' list (each theme with id, label, section and optional sub_themes)")
    sections = {s.key for s in SECTIONS}
    records: list[dict[str, str]] = []
    seen_ids: set[str] = set()
    for index, theme in enumerate(raw["themes"], start=1):
        records.extend(_theme_records(theme, index, name, sections, seen_ids))
    themes = pd.DataFrame.from_records(
        records, columns=["code", "kind", "theme", "sub_theme", "label", "theme_label", "section", "stance", "finding"]
    )
    _tag_lookup(themes, name)  # refuses a codebook where one tag would match two codes
    if names_file is None:
        names_file = path.parent / EXCERPTS_DIR / NAMES_FILE
    return Codebook(
        themes=themes,
        organisations=tuple(cell_text(o) for o in _as_list(raw.get("organisations"), name, "organisations") if cell_text(o)),
        allowed_organisations=tuple(
            cell_text(o) for o in _as_list(raw.get("allowed_organisations"), name, "allowed_organisations") if cell_text(o)
        ),
        withhold_text=tuple(cell_text(o) for o in _as_list(raw.get("withhold_text"), name, "withhold_text") if cell_text(o)),
        names=load_names(names_file),
        file=name,
    )


def _theme_records(theme: Any, index: int, name: str, sections: set[str], seen_ids: set[str]) -> list[dict[str, str]]:
    """One theme of the codebook and its sub-themes, as rows of the themes table; ``seen_ids`` gains their ids."""
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
    theme_row = dict(
        code=theme_id,
        kind="theme",
        theme=theme_id,
        sub_theme="",
        label=label,
        theme_label=label,
        section=section,
        stance=stance,
        finding=cell_text(theme.get("finding")),
    )
    subs = theme.get("sub_themes", theme.get("sub-themes", theme.get("subthemes")))
    return [theme_row] + [
        _sub_theme_record(sub, sub_index, theme_row, where, name, sections, seen_ids)
        for sub_index, sub in enumerate(_as_list(subs, name, f"{where}: sub_themes"), start=1)
    ]


def _sub_theme_record(
    sub: Any, sub_index: int, theme: dict[str, str], where: str, name: str, sections: set[str], seen_ids: set[str]
) -> dict[str, str]:
    """One sub-theme as a row of the themes table, its section and stance defaulting to its theme's."""
    if isinstance(sub, str):
        sub = {"id": sub}
    if not isinstance(sub, dict) or not cell_text(sub.get("id")):
        raise InputError(name, f"{where}: sub-theme {sub_index} needs an id")
    sub_id = cell_text(sub["id"])
    sub_where = f"{where}, sub-theme {sub_id}"
    if header_key(sub_id) in seen_ids:
        raise InputError(name, f"{sub_where}: id used twice (sub-theme ids are unique in the whole codebook)")
    seen_ids.add(header_key(sub_id))
    sub_section = cell_text(sub.get("section")) or theme["section"]
    if sub_section not in sections:
        raise InputError(name, f"{sub_where}: section {sub_section!r} is not a report section")
    return dict(
        code=sub_id,
        kind="sub_theme",
        theme=theme["theme"],
        sub_theme=sub_id,
        label=cell_text(sub.get("label")) or sub_id,
        theme_label=theme["label"],
        section=sub_section,
        stance=_stance(sub.get("stance"), name, sub_where) or theme["stance"],
        finding=cell_text(sub.get("finding")),
    )


def _tag_lookup(themes: pd.DataFrame, file: str = CODEBOOK_FILE) -> dict[str, int]:
    """Loose key (id or label) -> row index of ``themes``."""
    lookup: dict[str, int] = {}
    for index, code, label in zip(themes.index, themes["code"], themes["label"]):
        for key in {header_key(code), header_key(label)}:
            if not key:
                continue
            if key in lookup and lookup[key] != index:
                other = themes.loc[lookup[key], "code"]
                raise InputError(file, f"codes {other!r} and {code!r} would both match a tag written {key!r}: make ids and labels distinct")
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
        return str(themes.at[index, "theme"]), str(themes.at[index, "sub_theme"])

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
