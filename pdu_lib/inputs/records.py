"""Loading the evaluation's own records: hub registrations, interviews and Expert Citizens reviews.

Each loader checks its file against data/README.md and returns every data row
(period filtering is the caller's, through ``pdu_lib.inputs.periods``). Errors name
file, row and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.attendance import SECTOR_ALIASES, SECTORS
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.tables import (
    cell_text,
    choose,
    choose_codes,
    dates,
    first_failure,
    parse_date,
    parse_month,
    parse_yes_no,
    read_table,
    squash_text,
)

INTERVIEW_GROUPS = {
    "participant": "participant",
    "steering_group_member": "Steering Group member",
    "beneficiary_ambassador": "Beneficiary Ambassador",
    "facilitator": "facilitator",
    "coordinator": "co-ordinator",
}
INTERVIEW_GROUP_ALIASES = {"Steering Group": "steering_group_member", "PDU co-ordinator": "coordinator"}

_WHOLE = re.compile(r"\+?(\d+)(?:\.0*)?")


def parse_whole_number(value: Any, *, file: str, row: int, column: str) -> int:
    """A cell holding a whole number >= 0 ('6', 6, 6.0 and '6.0' are all 6), or an error naming the cell.

    >>> parse_whole_number("6.0", file="f", row=2, column="present")
    6
    >>> parse_whole_number("3.5", file="f.csv", row=3, column="present")
    Traceback (most recent call last):
    ...
    pdu_lib.errors.InputError: f.csv, row 3, column 'present': '3.5' is not a whole number of 0 or more
    """
    if isinstance(value, bool):
        raise InputError(file, f"{value!r} is not a whole number of 0 or more", row=row, column=column)
    text = cell_text(value)
    match = _WHOLE.fullmatch(text)
    if not match:
        raise InputError(file, f"{repr(text) if text else 'blank'} is not a whole number of 0 or more", row=row, column=column)
    return int(match.group(1))


def load_hub_registrations(path: str | Path, name: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Read ``hub_registrations.csv``: one row per registered user of the online hub.

    Returns ``registered_on`` (datetime64, the day), ``sector`` (a key of
    ``pdu_lib.inputs.attendance.SECTORS``), ``source_file`` (str) and ``source_row``
    (int64). Only these two columns are read: any name or email column in the
    export is ignored.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "hub.csv")
    ...     _ = path.write_text("registered_on,sector,email\\n2018-03-01,VCS,a@b.org\\n")
    ...     hub = load_hub_registrations(path)
    >>> hub.to_dict("records")
    [{'registered_on': Timestamp('2018-03-01 00:00:00'), 'sector': 'voluntary', 'source_file': 'hub.csv', 'source_row': 2}]
    """
    path = Path(path)
    name = name or path.name
    table = read_table(path, {"registered_on": "registered_on", "sector": "sector"}, name=name)
    rows = table["source_row"].to_numpy()
    registered_on, unreadable = dates(table["registered_on"])
    sector, allowed = choose_codes(table["sector"], SECTORS, SECTOR_ALIASES)
    first_failure(
        (unreadable, lambda at: parse_date(table["registered_on"].iat[at], file=name, row=int(rows[at]), column="registered_on")),
        (
            ~allowed,
            lambda at: choose(table["sector"].iat[at], SECTORS, file=name, row=int(rows[at]), column="sector", aliases=SECTOR_ALIASES),
        ),
    )
    if ledger is not None:
        ledger.read(name, len(table))
    frame = pd.DataFrame(
        {"registered_on": registered_on, "sector": sector, "source_file": table["source_file"], "source_row": table["source_row"]},
        columns=["registered_on", "sector", "source_file", "source_row"],
    )
    return frame.astype({"registered_on": "datetime64[us]", "sector": "str", "source_file": "str", "source_row": "int64"})


def load_interviews(path: str | Path, name: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Read ``interviews.csv``: the evaluation's telephone interviews.

    Returns ``interview_id`` (str), ``date`` (datetime64, the day), ``round``
    (str, e.g. ``2018-06``), ``group`` (a key of ``INTERVIEW_GROUPS``),
    ``steering_group`` and ``facilitated_event`` (bool), ``source_file`` (str)
    and ``source_row`` (int64).

    Errors (naming file, row and column): blank or duplicate ``interview_id``
    (compared without regard to case; the message names both rows), a bad
    date, a blank round, an unknown group, a yes/no cell that is not one of
    yes, no, y, n, true, false, 1, 0.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "interviews.csv")
    ...     _ = path.write_text("interview_id,date,round,group,steering_group,facilitated_event\\n"
    ...                         "I01,2019-01-10,2019-01,Beneficiary Ambassador,Y,no\\n")
    ...     interviews = load_interviews(path)
    >>> interviews[["group", "steering_group", "facilitated_event"]].to_dict("records")
    [{'group': 'beneficiary_ambassador', 'steering_group': True, 'facilitated_event': False}]
    """
    path = Path(path)
    name = name or path.name
    columns = {c: c for c in ("interview_id", "date", "round", "group", "steering_group", "facilitated_event")}
    table = read_table(path, columns, name=name)
    seen: dict[str, int] = {}
    records = []
    for row in table.itertuples(index=False):
        at = {"file": name, "row": row.source_row}
        interview_id = squash_text(row.interview_id)
        if not interview_id:
            raise InputError(name, "interview_id is blank", row=row.source_row, column="interview_id")
        if interview_id.casefold() in seen:
            raise InputError(
                name,
                f"duplicate interview_id {interview_id!r}: rows {seen[interview_id.casefold()]} and {row.source_row} both use it",
                row=row.source_row,
                column="interview_id",
            )
        seen[interview_id.casefold()] = row.source_row
        records.append(
            {
                "interview_id": interview_id,
                "date": parse_date(row.date, column="date", **at).normalize(),
                "round": parse_month(row.round, column="round", **at),
                "group": choose(row.group, INTERVIEW_GROUPS, column="group", aliases=INTERVIEW_GROUP_ALIASES, **at),
                "steering_group": parse_yes_no(row.steering_group, column="steering_group", **at),
                "facilitated_event": parse_yes_no(row.facilitated_event, column="facilitated_event", **at),
                "source_file": row.source_file,
                "source_row": row.source_row,
            }
        )
    if ledger is not None:
        ledger.read(name, len(records))
    frame = pd.DataFrame.from_records(records, columns=list(records[0]))
    return frame.astype(
        {
            "interview_id": "str",
            "date": "datetime64[us]",
            "round": "str",
            "group": "str",
            "steering_group": "bool",
            "facilitated_event": "bool",
            "source_file": "str",
            "source_row": "int64",
        }
    )


def load_expert_citizens_reviews(path: str | Path, name: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Read ``expert_citizens_reviews.csv``: the Expert Citizens review sessions.

    Returns ``date`` (datetime64, the day), ``present`` (int64, a whole number
    of 0 or more; ``6.0`` from Excel is 6), ``source_file`` (str) and
    ``source_row`` (int64).

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "reviews.csv")
    ...     _ = path.write_text("date,present\\n2018-06-20,6.0\\n2019-02-12,3\\n")
    ...     reviews = load_expert_citizens_reviews(path)
    >>> reviews["present"].tolist()
    [6, 3]
    """
    path = Path(path)
    name = name or path.name
    table = read_table(path, {"date": "date", "present": "present"}, name=name)
    records = [
        {
            "date": parse_date(row.date, file=name, row=row.source_row, column="date").normalize(),
            "present": parse_whole_number(row.present, file=name, row=row.source_row, column="present"),
            "source_file": row.source_file,
            "source_row": row.source_row,
        }
        for row in table.itertuples(index=False)
    ]
    if ledger is not None:
        ledger.read(name, len(records))
    frame = pd.DataFrame.from_records(records, columns=["date", "present", "source_file", "source_row"])
    return frame.astype({"date": "datetime64[us]", "present": "int64", "source_file": "str", "source_row": "int64"})
