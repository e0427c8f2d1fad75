"""Completed Expert Citizens review packs, read back: ``expert_citizens/<session date>.xlsx``.

The review pack (``pdu-report review-pack``, :mod:`pdu_lib.report.expert_review_pack`)
lists the actions people reported, one row each, with blank columns for the
group's judgement. After the session the evaluator saves the filled-in XLSX
under ``expert_citizens/`` in the data folder, named by the session's date.
This module reads any number of them, checks them against the contract
(data/README.md) and returns tidy tables. Errors name file, row and column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.files import strip_bidi
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.periods import long_date
from pdu_lib.inputs.tables import (
    cell_text,
    display_name,
    header_key,
    parse_date,
    read_table,
)
from pdu_lib.inputs.xlsx import read_sheet

FOLDER = "expert_citizens"
ACTIONS_SHEET = "Actions"
OVERALL_SHEET = "Overall"
MAX_OVERALL_ROWS = 1000  # points a group makes overall, at most
# The judgement asked of each action: its likely impact for service users, in scale order.
IMPACT_SCALE = {
    "big": "A big difference",
    "some": "Some difference",
    "little": "Little or no difference",
    "cant_say": "Can't say",
}
IMPACT_ALIASES = {"Big difference": "big", "Little or none": "little", "None": "little", "Cannot say": "cant_say", "Don't know": "cant_say"}
COLUMNS = {
    "action_id": "Action id",
    "theme": "Theme",
    "action": "Action",
    "impact": "Likely impact for service users",
    "comment": "Comment",
    "check": "Check",
}
JUDGEMENT_COLUMNS = ["session", "session_date", "action_id", "theme", "action", "impact", "comment", "source_file", "source_row"]
OVERALL_COLUMNS = ["session", "session_date", "text", "source_file", "source_row"]
SET_ASIDE_COLUMNS = ["session", "action_id", "reason", "source_file", "source_row"]
#: Why a judgement as the pack gave it is set aside (counted in the ledger and listed in the data-quality appendix).
NOT_IN_DATA = "action no longer in the data as the pack gave it (its response was removed, or its text changed)"
TEXT_CHANGED = "action text changed in the data since the pack was made"


def text_check(action_id: str, text: str) -> str:
    """The check the pack writes beside an action: a changed action text no longer matches it.

    >>> text_check("A-1", "Shorter first meetings") == text_check("A-1", "Shorter  first meetings ")
    True
    >>> text_check("A-1", "Shorter first meetings") == text_check("A-1", "Longer first meetings")
    False
    """
    normal = " ".join(str(text).split())
    return hashlib.sha1(f"{action_id}|{normal}".encode()).hexdigest()[:10]


@dataclass
class Judgements:
    """Every completed pack read: one row per action judged, the group's overall notes, and the sessions."""

    judgements: pd.DataFrame  # JUDGEMENT_COLUMNS; impact is a key of IMPACT_SCALE
    overall: pd.DataFrame  # OVERALL_COLUMNS
    sessions: pd.DataFrame  # session, session_date, source_file, actions, judged, left_blank
    set_aside: pd.DataFrame | None = None  # SET_ASIDE_COLUMNS: judgements of actions not in the data as the pack gave them


def _scale_value(value, file: str, row: int, column: str) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    lookup = {header_key(label): code for code, label in IMPACT_SCALE.items()}
    lookup.update({header_key(code): code for code in IMPACT_SCALE})
    lookup.update({header_key(alias): code for alias, code in IMPACT_ALIASES.items()})
    found = lookup.get(header_key(text))
    if found is None:
        allowed = ", ".join(repr(label) for label in IMPACT_SCALE.values())
        raise InputError(file, f"{text!r} is not on the impact scale: use one of {allowed} (or leave it blank)", row=row, column=column)
    return found


def _session_date(path: Path, name: str) -> pd.Timestamp:
    try:
        return parse_date(path.stem.split(" ")[0].split("_")[0], file=name, row=None, column=None).normalize()
    except InputError:
        raise InputError(name, "the file name must start with the session's date, e.g. 2019-02-14.xlsx") from None


def _row_problem(action: str, text: str, check: str, known: Mapping[str, str | None] | None) -> tuple[str, str] | None:
    """What is wrong with a pack row: ("refuse", column) for an edit in the workbook, ("aside", reason) for a change in the data.

    ``known`` maps each action id of the report's data to its text (None: unknown; no mapping: ids cannot be checked).
    """
    as_given = text_check(action, text) == check
    if known is None:
        return None if as_given else ("refuse", "action")
    if action not in known:
        return ("aside", NOT_IN_DATA) if as_given else ("refuse", "action_id")
    data_text = known[action]
    if not as_given:
        # The text is the data's own: the check was written for another id, so the id was edited.
        edited_id = data_text is not None and text_check(action, data_text) == text_check(action, text)
        return ("refuse", "action_id") if edited_id else ("refuse", "action")
    return None if data_text is None or text_check(action, data_text) == check else ("aside", TEXT_CHANGED)


def _refusal(name: str, action: str, column: str, row: int) -> InputError:
    if column == "action_id":
        message = f"unknown action id {action!r}: no action of the data has it as the pack gave it (was the id edited?); restore the id"
    else:
        message = (
            f"the text of action {action} is not the text the pack gave it: a judgement must be of the action as written; restore the text"
        )
    return InputError(name, message, column=COLUMNS[column], row=row)


def load_pack(
    path: str | Path, name: str | None = None, known_ids: Iterable[str] | Mapping[str, str] | None = None, ledger: Ledger | None = None
) -> Judgements:
    """Read one completed pack: its Actions sheet (first sheet) and its Overall sheet.

    ``known_ids`` maps the action ids of the report's data to their texts (an
    iterable of ids alone checks the ids only). Errors (file, row, column): a
    missing column, a blank or repeated action id, an id the pack did not give
    (edited: named as unknown), an impact off the scale, an action text edited
    in the workbook (its check no longer matches). A row as the pack gave it
    whose action is no longer in the data, or whose text the data has changed
    since (a re-exported survey), is set aside: counted in the ledger and listed
    in ``set_aside``, never judged. A row whose impact and comment are both
    blank is counted as excluded.
    """
    path = Path(path)
    name = name or path.name
    session_date = _session_date(path, name)
    session = f"{session_date:%Y-%m}"
    table = read_table(path, COLUMNS, name=name, optional=["comment", "theme"])
    known = None if known_ids is None else (dict(known_ids) if isinstance(known_ids, Mapping) else dict.fromkeys(known_ids))
    seen: dict[str, int] = {}
    records, blank_rows, aside = [], [], []
    for row in table.itertuples(index=False):
        at = {"row": int(row.source_row)}
        action = _action_id(row, name, seen)
        if not action:
            continue
        text = cell_text(row.action)
        problem = _row_problem(action, text, cell_text(row.check), known)
        if problem and problem[0] == "refuse":
            raise _refusal(name, action, problem[1], at["row"])
        if problem:
            aside.append({"session": session, "action_id": action, "reason": problem[1], "source_file": name, "source_row": at["row"]})
            continue
        impact = _scale_value(row.impact, file=name, column=COLUMNS["impact"], **at)
        comment = cell_text(getattr(row, "comment", None))
        if impact is None and not comment:
            blank_rows.append(int(row.source_row))
            continue
        records.append(
            {
                "session": session,
                "session_date": session_date,
                "action_id": action,
                "theme": cell_text(getattr(row, "theme", None)),
                "action": text,
                "impact": impact,
                "comment": comment or None,
                "source_file": name,
                "source_row": int(row.source_row),
            }
        )
    return _pack(path, name, session, session_date, records, blank_rows, _set_aside_frame(aside), len(seen), ledger)


def _action_id(row, name: str, seen: dict[str, int]) -> str:
    """A pack row's action id ("" for a blank row); an error for a blank id beside a judgement, or an id listed twice."""
    at = {"row": int(row.source_row)}
    action = cell_text(row.action_id)
    if not action:
        if any(cell_text(getattr(row, c, None)) for c in ("action", "impact", "comment")):
            raise InputError(name, "the action id is blank: a judgement must stay on its action's row", column=COLUMNS["action_id"], **at)
        return ""
    if action.casefold() in seen:
        raise InputError(
            name,
            f"action {action} is listed twice: rows {seen[action.casefold()]} and {row.source_row}",
            column=COLUMNS["action_id"],
            **at,
        )
    seen[action.casefold()] = int(row.source_row)
    return action


def _pack(
    path: Path,
    name: str,
    session: str,
    session_date: pd.Timestamp,
    records: list[dict],
    blank_rows: list[int],
    set_aside: pd.DataFrame,
    actions: int,
    ledger: Ledger | None,
) -> Judgements:
    """A pack's judgements, its Overall sheet and its session row; its rows counted in ``ledger``."""
    if ledger is not None:
        ledger.read(name, actions)
        ledger.exclude(name, blank_rows, "action left blank by the review")
        for reason, rows in set_aside.groupby("reason")["source_row"]:
            ledger.exclude(name, rows.tolist(), reason)
    judgements = pd.DataFrame.from_records(records, columns=JUDGEMENT_COLUMNS).astype(
        {
            "session": "str",
            "session_date": "datetime64[us]",
            "action_id": "str",
            "theme": "str",
            "action": "str",
            "impact": "str",
            "comment": "str",
            "source_file": "str",
            "source_row": "int64",
        }
    )
    overall = _overall(path, name, session, session_date)
    sessions = pd.DataFrame(
        [
            {
                "session": session,
                "session_date": session_date,
                "source_file": name,
                "actions": actions,
                "judged": int(judgements["impact"].notna().sum()),
                "left_blank": len(blank_rows),
            }
        ]
    )
    return Judgements(judgements, overall, sessions, set_aside)


def _set_aside_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=SET_ASIDE_COLUMNS).astype(
        {"session": "str", "action_id": "str", "reason": "str", "source_file": "str", "source_row": "int64"}
    )


def _overall(path: Path, name: str, session: str, session_date: pd.Timestamp) -> pd.DataFrame:
    """The group's overall notes: every filled cell of column A below the Overall sheet's heading.

    Called after :func:`read_table` has checked the file (size, archive); uses at most MAX_OVERALL_ROWS rows.
    """
    grid = read_sheet(path, name, sheet=lambda title: header_key(title) == header_key(OVERALL_SHEET), label=f"the {OVERALL_SHEET} sheet")
    rows = []
    for number, values in enumerate((grid or [])[1 : MAX_OVERALL_ROWS + 1], start=2):
        text = strip_bidi(cell_text(values[0])) if values else ""
        if text:
            rows.append({"session": session, "session_date": session_date, "text": text, "source_file": name, "source_row": number})
    return pd.DataFrame.from_records(rows, columns=OVERALL_COLUMNS)


def _empty() -> Judgements:
    return Judgements(
        pd.DataFrame({c: pd.Series(dtype="object") for c in JUDGEMENT_COLUMNS}),
        pd.DataFrame({c: pd.Series(dtype="object") for c in OVERALL_COLUMNS}),
        pd.DataFrame({c: pd.Series(dtype="object") for c in ["session", "session_date", "source_file", "actions", "judged", "left_blank"]}),
        _set_aside_frame([]),
    )


def load_judgements(
    data_dir: str | Path, *, known_ids: Iterable[str] | Mapping[str, str] | None = None, ledger: Ledger | None = None, start=None, end=None
) -> Judgements:
    """Every completed pack under ``data_dir/expert_citizens/``, in date order (none: empty tables).

    Packs of sessions outside ``start``..``end`` (when given) are read and
    checked, then set aside in the ledger ("review outside the report period").
    Hidden files and Excel lock files are skipped; a file that is not
    ``.xlsx`` is an error; two packs of one date are an error.
    """
    data_dir = Path(data_dir)
    folder = data_dir / FOLDER
    if not folder.is_dir():
        return _empty()
    if known_ids is not None:
        known_ids = dict(known_ids) if isinstance(known_ids, Mapping) else dict.fromkeys(known_ids)
    packs: list = []
    dates: dict[pd.Timestamp, str] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue
        name = display_name(path, data_dir)
        if path.suffix.lower() != ".xlsx":
            raise InputError(name, "is not a completed review pack (.xlsx named by the session's date, e.g. 2019-02-14.xlsx)")
        date = _session_date(path, name)
        if date in dates:
            raise InputError(name, f"a second pack for the session of {long_date(date)} (the other is {dates[date]})")
        dates[date] = name
        outside = (start is not None and date < pd.Timestamp(start)) or (end is not None and date > pd.Timestamp(end))
        # A later session may review actions this period's data does not hold: its ids are not checked here.
        pack = load_pack(path, name, None if outside else known_ids, ledger)
        if outside:
            if ledger is not None:
                ledger.exclude(name, pack.judgements["source_row"].tolist(), "review outside the report period")
            continue
        packs.append(pack)
    if not packs:
        return _empty()
    return Judgements(
        *(pd.concat([getattr(p, part) for p in packs], ignore_index=True) for part in ("judgements", "overall", "sessions", "set_aside"))
    )
