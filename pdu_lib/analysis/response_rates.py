"""Post-event survey response rates per learning event: responses over recorded attendances."""

from __future__ import annotations

import pandas as pd

RATE_COLUMNS = ["event_id", "date", "title", "attendances", "responses", "rate", "more_responses_than_attendances"]


def response_rates(events: pd.DataFrame, attendances: pd.DataFrame, event_responses: pd.DataFrame) -> pd.DataFrame:
    """One row per learning event: its attendances, its post-event survey responses and the rate.

    ``events`` has ``event_id, date, title`` (the learning events), ``attendances``
    one row per attendance (``event_id``), ``event_responses`` one row per
    response (``survey_id`` is the event's id). ``rate`` is responses per 100
    attendances as a number (NaN with no attendances); it can exceed 100 when a
    survey link was forwarded beyond those who attended, and such an event is
    flagged in ``more_responses_than_attendances`` rather than refused.

    >>> events = pd.DataFrame({"event_id": ["E1", "E2", "E3"], "date": pd.to_datetime(["2018-02-01", "2018-01-01", "2018-03-01"]), "title": ["a", "b", "c"]})
    >>> attended = pd.DataFrame({"event_id": ["E1"] * 4 + ["E2"] * 2})
    >>> answered = pd.DataFrame({"survey_id": ["E1"] * 2 + ["E2"] * 3})
    >>> response_rates(events, attended, answered)[["event_id", "attendances", "responses", "rate", "more_responses_than_attendances"]].values.tolist()
    [['E2', 2, 3, 150.0, True], ['E1', 4, 2, 50.0, False], ['E3', 0, 0, nan, False]]
    """
    attended = attendances.groupby("event_id").size()
    answered = event_responses.groupby("survey_id").size()
    table = events[["event_id", "date", "title"]].copy()
    table["attendances"] = table["event_id"].map(attended).fillna(0).astype(int)
    table["responses"] = table["event_id"].map(answered).fillna(0).astype(int)
    table["rate"] = (100.0 * table["responses"] / table["attendances"]).where(table["attendances"] > 0)
    table["more_responses_than_attendances"] = table["responses"] > table["attendances"]
    return table.sort_values(["date", "event_id"]).reset_index(drop=True)[RATE_COLUMNS]
