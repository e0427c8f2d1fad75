"""Loading ``events.csv`` and the co-ordinator's attendance register (see data/README.md).

The register is read, checked against the contract, linked to pseudonymous
people (``pdu_lib/people.py``) and returned without names or emails. Nothing
is filtered here: the period filter and the status accounting (attended,
cancelled, ...) are the caller's, so that every excluded row is counted once,
with its reason, in the Ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.people import EMAIL_CONFLICT_COLUMNS, email_conflicts, link_people
from pdu_lib.inputs.tables import choose, choose_codes, find_sheet, first_failure, map_distinct, parse_date, read_table, squash_text

# code -> the label the contract documents; dict order is the order reports show them in.
EVENT_KINDS = {"learning_event": "learning event", "cop_session": "CoP session"}
EVENT_KIND_ALIASES = {
    "Community of Practice": "cop_session",
    "Community of Practice session": "cop_session",
    "CoP": "cop_session",
}
SECTORS = {"voluntary": "Voluntary", "statutory": "Statutory", "private": "Private"}
SECTOR_ALIASES = {
    "Voluntary sector": "voluntary",
    "VCS": "voluntary",
    "VCSE": "voluntary",
    "Third sector": "voluntary",
    "Statutory sector": "statutory",
    "Public sector": "statutory",
    "Private sector": "private",
}
FOCUSES = {
    "housing": "Housing",
    "womens_services": "Women's services",
    "offending": "Offending",
    "mental_health": "Mental health",
    "substance_misuse": "Substance misuse",
    "other": "Other",
}
FOCUS_ALIASES = {"Women": "womens_services", "Substance use": "substance_misuse", "MH": "mental_health"}
STATUSES = {"attended": "Attended", "booked": "Booked", "cancelled": "Cancelled", "did_not_attend": "Did not attend"}
STATUS_ALIASES = {"DNA": "did_not_attend", "No show": "did_not_attend", "Canceled": "cancelled"}

EVENT_COLUMNS = {"event_id": "event_id", "date": "date", "title": "title", "kind": "kind", "topic": "topic", "cop_group": "cop_group"}
REGISTER_COLUMNS = {
    "event_id": "Event ID",
    "name": "Name",
    "email": "Email",
    "organisation": "Organisation",
    "sector": "Sector",
    "focus": "Main focus of work",
    "status": "Status",
}
REGISTER_OUTPUT = [
    "booking_row",
    "event_id",
    "event_date",
    "event_kind",
    "cop_group",
    "person_id",
    "organisation",
    "sector",
    "focus",
    "status",
    "source_file",
    "source_row",
]


def _optional(value: Any) -> str | None:
    text = squash_text(value)
    return text or None


def load_events(path: str | Path, name: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Read ``events.csv``: one row per learning event or Community of Practice session.

    Returns columns ``event_id, title, topic, cop_group, kind, source_file``
    (str; ``title``, ``topic`` and ``cop_group`` missing (NaN) where blank,
    ``cop_group`` always missing for a learning event), ``date`` (datetime64,
    the day) and ``source_row`` (int64), in the order
    ``event_id, date, title, kind, topic, cop_group, source_file, source_row``.
    ``kind`` is ``learning_event`` or ``cop_session``.

    Errors (InputError naming file, row and column): blank or duplicate
    ``event_id`` (ids compare without regard to case or surrounding spaces;
    the message names both rows), a blank or unreadable date, an unknown kind,
    a CoP session without ``cop_group`` and a learning event with one.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "events.csv")
    ...     _ = path.write_text("event_id,date,title,kind,topic,cop_group\\n"
    ...                         "E01,2018-01-25,Trauma,Learning Event,Trauma,\\n"
    ...                         "C01,14/02/2018,SUI 1,Community of Practice,Involvement,Service User Involvement\\n")
    ...     events = load_events(path)
    >>> events[["event_id", "date", "kind", "cop_group"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'event_id': 'E01', 'date': Timestamp('2018-01-25 00:00:00'), 'kind': 'learning_event', 'cop_group': nan},
     {'event_id': 'C01', 'date': Timestamp('2018-02-14 00:00:00'), 'kind': 'cop_session', 'cop_group': 'Service User Involvement'}]
    """
    path = Path(path)
    name = name or path.name
    table = read_table(path, EVENT_COLUMNS, name=name)
    records = []
    seen: dict[str, int] = {}
    for row in table.itertuples(index=False):
        records.append(_event(row, name, seen))
    if ledger is not None:
        ledger.read(name, len(records))
    frame = pd.DataFrame.from_records(records, columns=list(records[0]))
    return frame.astype(
        {
            "event_id": "str",
            "date": "datetime64[us]",
            "title": "str",
            "kind": "str",
            "topic": "str",
            "cop_group": "str",
            "source_file": "str",
            "source_row": "int64",
        }
    )


def _event(row, name: str, seen: dict[str, int]) -> dict:
    """One row of the events list, checked: its id (not blank, not seen before), date, kind and CoP group."""
    at = {"file": name, "row": row.source_row}
    event_id = squash_text(row.event_id)
    if not event_id:
        raise InputError(name, "event_id is blank", row=row.source_row, column="event_id")
    key = event_id.casefold()
    if key in seen:
        raise InputError(
            name,
            f"duplicate event_id {event_id!r}: rows {seen[key]} and {row.source_row} both use it",
            row=row.source_row,
            column="event_id",
        )
    seen[key] = row.source_row
    date = parse_date(row.date, column="date", **at).normalize()
    kind = choose(row.kind, EVENT_KINDS, column="kind", aliases=EVENT_KIND_ALIASES, **at)
    cop_group = _optional(row.cop_group)
    if kind == "cop_session" and cop_group is None:
        raise InputError(
            name,
            f"event {event_id!r} is a CoP session but cop_group is blank: name its Community of Practice",
            row=row.source_row,
            column="cop_group",
        )
    if kind == "learning_event" and cop_group is not None:
        raise InputError(
            name,
            f"event {event_id!r} is a learning event but has cop_group {cop_group!r}: leave it blank, or make kind 'CoP session'",
            row=row.source_row,
            column="cop_group",
        )
    return {
        "event_id": event_id,
        "date": date,
        "title": _optional(row.title),
        "kind": kind,
        "topic": _optional(row.topic),
        "cop_group": cop_group,
        "source_file": row.source_file,
        "source_row": row.source_row,
    }


def load_register(
    path: str | Path,
    events: pd.DataFrame,
    name: str | None = None,
    nicknames: Mapping[str, str] | None = None,
    ledger: Ledger | None = None,
) -> pd.DataFrame:
    """Read the attendance register (.csv, or the sheet of an .xlsx that holds its header): one row per booking, linked to people.

    ``events`` is what :func:`load_events` returned. ``nicknames`` overrides
    ``pdu_lib/nicknames.csv`` (nickname -> full first name, lower case).

    Returns, in register order, columns ``booking_row`` (int64, 1, 2, ... in
    file order), ``event_id`` (str, spelled as in events.csv), ``event_date``
    (datetime64), ``event_kind`` (``learning_event``/``cop_session``),
    ``cop_group`` (str, NaN for a learning event), ``person_id`` (``P0001``...),
    ``organisation`` (str, whitespace collapsed, NaN if blank), ``sector``
    (a key of ``SECTORS``), ``focus`` (a key of ``FOCUSES``), ``status``
    (a key of ``STATUSES``), ``source_file`` and ``source_row`` (int64, the
    spreadsheet row). Names and emails are not returned. Every row is
    returned, whatever its status or date; see :func:`load_register_with_audit`
    for the linking audit.

    Errors (InputError naming file, row and column): a missing column, an
    Event ID not in events.csv, an unknown sector, focus or status, and a row
    with both name and email blank (it cannot be linked to a person).
    """
    return load_register_with_audit(path, events, name=name, nicknames=nicknames, ledger=ledger)[0]


def load_register_with_audit(
    path: str | Path,
    events: pd.DataFrame,
    name: str | None = None,
    nicknames: Mapping[str, str] | None = None,
    ledger: Ledger | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`load_register`, plus the linking audit of :func:`pdu_lib.inputs.people.link_people`.

    The audit has one row per person (``person_id``, ``bookings``,
    ``linked_by``) over every row of the register; pass it to
    :func:`pdu_lib.inputs.people.linking_summary` for the data-quality appendix.
    """
    frame, audit, _ = load_register_linked(path, events, name=name, nicknames=nicknames, ledger=ledger)
    return frame, audit


def load_register_linked(
    path: str | Path,
    events: pd.DataFrame,
    name: str | None = None,
    nicknames: Mapping[str, str] | None = None,
    ledger: Ledger | None = None,
    link_within: tuple | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The register, its linking audit and its email conflicts (:func:`pdu_lib.inputs.people.email_conflicts`).

    With ``link_within=(start, end)`` (dates, both included) people are
    linked over the rows whose event falls in that period only, so that a
    later period's bookings never change an earlier report's people; the
    audit and the conflicts cover those rows. Rows outside it are linked
    among themselves, with person ids numbered after the period's.
    """
    path = Path(path)
    name = name or path.name
    sheet = find_sheet(path, REGISTER_COLUMNS, name=name, what="register")
    try:
        return _register_linked(path, events, name, sheet, nicknames, ledger, link_within)
    except InputError as err:
        if sheet is None or err.file != name:
            raise
        raise InputError(f"{name}, sheet {sheet!r}", err.message, row=err.row, column=err.column) from None


#: The linked register's columns and their types.
REGISTER_DTYPES = {
    "booking_row": "int64",
    "event_id": "str",
    "event_date": "datetime64[us]",
    "event_kind": "str",
    "cop_group": "str",
    "person_id": "str",
    "organisation": "str",
    "sector": "str",
    "focus": "str",
    "status": "str",
    "source_file": "str",
    "source_row": "int64",
}


def _register_linked(
    path: Path,
    events: pd.DataFrame,
    name: str,
    sheet: str | None,
    nicknames: Mapping[str, str] | None,
    ledger: Ledger | None,
    link_within: tuple | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`load_register_linked` on one sheet of the register (None: a CSV, or the workbook's only sheet)."""
    table = read_table(path, REGISTER_COLUMNS, name=name, sheet=sheet)
    events_file = str(events["source_file"].iloc[0]) if len(events) and "source_file" in events else "events.csv"
    by_id = {str(event_id).casefold(): position for position, event_id in enumerate(events["event_id"])}
    rows = table["source_row"].to_numpy()

    event_text = map_distinct(table["event_id"], squash_text)
    position = pd.Series(map_distinct(event_text, lambda text: by_id.get(text.casefold(), -1)), dtype="int64").to_numpy()
    codes = {
        key: choose_codes(table[key], allowed, aliases)
        for key, allowed, aliases in (
            ("sector", SECTORS, SECTOR_ALIASES),
            ("focus", FOCUSES, FOCUS_ALIASES),
            ("status", STATUSES, STATUS_ALIASES),
        )
    }
    person_name, email = map_distinct(table["name"], squash_text), map_distinct(table["email"], squash_text)
    _check_register(table, name, events_file, event_text, position, codes, (person_name == "") & (email == ""))
    organisation = map_distinct(table["organisation"], _optional)
    cop_groups = events["cop_group"].to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "booking_row": np.arange(1, len(table) + 1, dtype="int64"),
            "event_id": events["event_id"].to_numpy(dtype=object)[position],
            "event_date": events["date"].to_numpy()[position],
            "event_kind": events["kind"].to_numpy(dtype=object)[position],
            "cop_group": np.array([group if isinstance(group, str) else None for group in cop_groups], dtype=object)[position],
            "organisation": organisation,
            "sector": codes["sector"][0],
            "focus": codes["focus"][0],
            "status": codes["status"][0],
            "source_file": table["source_file"].to_numpy(dtype=object),
            "source_row": rows,
        }
    )
    identities = pd.DataFrame({"name": person_name, "email": email, "organisation": organisation}, dtype=object)
    frame["person_id"], audit, conflicts = _link_bookings(frame, identities, link_within, nicknames)
    frame = frame[REGISTER_OUTPUT].astype(REGISTER_DTYPES)
    if ledger is not None:
        ledger.read(name, len(frame))
    return frame, audit, conflicts


def _check_register(
    table: pd.DataFrame, name: str, events_file: str, event_text: np.ndarray, position: np.ndarray, codes: dict, nobody_named: np.ndarray
) -> None:
    """The register's first problem in reading order, raised: a blank or unknown Event ID, a sector, focus or status
    off its list, or a booking with neither name nor email."""
    rows = table["source_row"].to_numpy()
    blank_event = event_text == ""

    def blank_id(at: int) -> None:
        raise InputError(name, "Event ID is blank", column=REGISTER_COLUMNS["event_id"], row=int(rows[at]))

    def unknown_id(at: int) -> None:
        raise InputError(name, f"event {event_text[at]!r} is not in {events_file}", column=REGISTER_COLUMNS["event_id"], row=int(rows[at]))

    def not_allowed(key: str, allowed: Mapping[str, str], aliases: Mapping[str, str]):
        return lambda at: choose(table[key].iat[at], allowed, file=name, row=int(rows[at]), column=REGISTER_COLUMNS[key], aliases=aliases)

    def nobody(at: int) -> None:
        raise InputError(
            name,
            "Name and Email are both blank: the booking cannot be linked to a person",
            column=REGISTER_COLUMNS["name"],
            row=int(rows[at]),
        )

    first_failure(
        (blank_event, blank_id),
        (~blank_event & (position < 0), unknown_id),
        (~codes["sector"][1], not_allowed("sector", SECTORS, SECTOR_ALIASES)),
        (~codes["focus"][1], not_allowed("focus", FOCUSES, FOCUS_ALIASES)),
        (~codes["status"][1], not_allowed("status", STATUSES, STATUS_ALIASES)),
        (nobody_named, nobody),
    )


def _link_bookings(
    frame: pd.DataFrame, identities: pd.DataFrame, link_within: tuple | None, nicknames: Mapping[str, str] | None
) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Each booking's person id, the linking audit and the shared emails whose names conflict.

    People are linked over the bookings within ``link_within`` only; later (or earlier) bookings are
    linked among themselves, numbered after them, so that they never change this period's people.
    """
    inside = pd.Series(True, index=frame.index)
    if link_within is not None:
        inside = frame["event_date"].between(pd.Timestamp(link_within[0]), pd.Timestamp(link_within[1]))
    person_id, audit = link_people(identities.loc[inside], nicknames=nicknames)
    conflicts = (
        email_conflicts(identities.loc[inside], person_id, nicknames=nicknames)
        if len(person_id)
        else pd.DataFrame(columns=EMAIL_CONFLICT_COLUMNS)
    )
    ids = person_id.reindex(frame.index)
    if not inside.all():
        later, _ = link_people(identities.loc[~inside], nicknames=nicknames)
        offset = len(audit)
        ids = ids.astype(object)
        ids.loc[~inside] = [f"P{int(pid[1:]) + offset:04d}" for pid in later]
    return ids, audit, conflicts
