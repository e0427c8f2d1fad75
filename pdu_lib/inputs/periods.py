"""Filtering by report period: the one place where dates decide what counts."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.tables import MONTH


def month_key(value) -> str:
    """A date, or a month already written YYYY-MM, as the month ``YYYY-MM`` (how rounds are compared).

    >>> month_key("2019-01"), month_key(dt.date(2018, 6, 30)), month_key("2019-02-28")
    ('2019-01', '2018-06', '2019-02')
    """
    if isinstance(value, str) and MONTH.match(value.strip()):
        return value.strip()
    return f"{pd.Timestamp(value):%Y-%m}"


def round_label(round_id: str | None) -> str | None:
    """A collection round ("2019-01") as the report writes it ("January 2019"); None for no round.

    >>> round_label("2018-06"), round_label(None)
    ('June 2018', None)
    """
    if not round_id:
        return None
    return pd.Timestamp(f"{round_id}-01").strftime("%B %Y")


def long_date(day: dt.date) -> str:
    """A date as the report writes it, without a leading zero on the day.

    Portable: the day is formatted by Python, not by a platform's strftime flag (Windows' has no "no leading zero").

    >>> long_date(dt.date(2017, 10, 1)), long_date(pd.Timestamp("2019-03-28"))
    ('1 October 2017', '28 March 2019')
    """
    return f"{day.day} {day:%B %Y}"


def within(dates: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    """True where a date falls in [start, end], both days included.

    >>> import pandas as pd, datetime as dt
    >>> within(pd.Series(pd.to_datetime(["2018-06-30 23:59", "2018-07-01 00:00"])), dt.date(2017, 10, 1), dt.date(2018, 6, 30)).tolist()
    [True, False]
    """
    days = pd.to_datetime(dates).dt.normalize()
    return days.between(pd.Timestamp(start), pd.Timestamp(end))


def keep_within(
    frame: pd.DataFrame,
    date_column: str,
    start: dt.date,
    end: dt.date,
    ledger: Ledger | None = None,
    reason: str | None = None,
) -> pd.DataFrame:
    """Rows of ``frame`` dated within the period; the rest are recorded in ``ledger``.

    ``frame`` carries ``source_file`` and ``source_row`` (as every loader's
    output does), so each excluded row is counted against its file.
    """
    inside = within(frame[date_column], start, end)
    if ledger is not None:
        outside = frame.loc[~inside]
        why = reason or f"dated outside {start:%d %b %Y} to {end:%d %b %Y}"
        for file, rows in outside.groupby("source_file", sort=True)["source_row"]:
            ledger.exclude(file, rows.tolist(), why)
    return frame.loc[inside].reset_index(drop=True)
