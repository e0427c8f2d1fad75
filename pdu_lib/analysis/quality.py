"""Checks for the data-quality appendix: pure functions that find where figures could mislead.

Each returns a table with a ``flag`` column saying what a reader should know.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pdu_lib.analysis import metrics
from pdu_lib.analysis.response_rates import response_rates


def rounded_sums(distributions: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """For each single-choice distribution, the sum of its whole-number percentages.

    Rounding each share can make them add to 99 or 101; the appendix says so
    rather than adjusting a figure.

    >>> d = metrics.distribution(pd.Series(["a", "b", "c"]), ["a", "b", "c"])
    >>> rounded_sums({"thirds": d}).values.tolist()
    [['thirds', 3, 99, 'shares add to 99% after rounding each to a whole number']]
    """
    rows = []
    for name, table in distributions.items():
        base = int(table["base"].iloc[0]) if len(table) else 0
        total = sum(metrics.round_half_up(p) for p in table["percent"]) if base else 0
        flag = "" if total == 100 or not base else f"shares add to {total}% after rounding each to a whole number"
        rows.append({"measure": name, "base": base, "sum_of_percentages": total, "flag": flag})
    return pd.DataFrame(rows, columns=["measure", "base", "sum_of_percentages", "flag"])


def base_gaps(responses: pd.DataFrame, answers: pd.DataFrame, asked: pd.DataFrame, label: str) -> pd.DataFrame:
    """Questions whose answered count differs from the responses to surveys that asked them.

    A share quoted over everyone who took a survey, when fewer answered the
    question, mixes bases (e.g. "6/30" beside "13/28"); the workbook uses
    those who answered and lists every such question here.

    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "survey_id": "S"})
    >>> ans = pd.DataFrame({"response_id": ["a", "b"], "survey_id": "S", "measure": "heard_via", "answer": ["x", "y"], "text": None})
    >>> base_gaps(r, ans, pd.DataFrame({"survey_id": ["S"], "measure": ["heard_via"]}), "follow-up").values.tolist()[0][:4]
    ['follow-up', 'heard_via', 3, 2]
    """
    table = metrics.answered_vs_responses(responses, answers, asked)
    table.insert(0, "survey", label)
    table["flag"] = [
        f"{gap} of {total} left it blank: shares use the {answered} who answered" if gap else ""
        for gap, total, answered in zip(table["not_answered"], table["responses"], table["answered"])
    ]
    return table


def survey_count_vs_item_n(responses: pd.DataFrame, answers: pd.DataFrame, asked: pd.DataFrame, label: str) -> pd.DataFrame:
    """Responses in total against each question's n: an n above the responses is an error in the data.

    Not every survey asked every question, so an item's n is usually below the
    number of responses; the appendix shows both so that neither is quoted for
    the other.

    >>> r = pd.DataFrame({"response_id": ["a", "b"], "survey_id": ["S", "T"]})
    >>> ans = pd.DataFrame({"response_id": ["a"], "survey_id": ["S"], "measure": ["m"], "answer": ["x"], "text": [None]})
    >>> survey_count_vs_item_n(r, ans, pd.DataFrame({"survey_id": ["S"], "measure": ["m"]}), "event").values.tolist()
    [['event', 'm', 2, 1, 1, 'asked in 1 of 2 surveys']]
    """
    total = int(responses["response_id"].nunique())
    surveys = int(responses["survey_id"].nunique())
    rows = []
    for measure, group in asked.groupby("measure", sort=True):
        n = len(metrics.answered(answers, measure))
        asked_in = int(group["survey_id"].nunique())
        flag = (
            "more answers than responses: check the exports"
            if n > total
            else (f"asked in {asked_in} of {surveys} surveys" if asked_in < surveys else "")
        )
        rows.append({"survey": label, "measure": measure, "responses": total, "item_n": n, "surveys_asking": asked_in, "flag": flag})
    return pd.DataFrame(rows, columns=["survey", "measure", "responses", "item_n", "surveys_asking", "flag"])


#: A post-event response dated more than this many days after its event is "long after" it.
LONG_AFTER_DAYS = 42


def response_timing(responses: pd.DataFrame, events: pd.DataFrame, long_after_days: int = LONG_AFTER_DAYS) -> pd.DataFrame:
    """Post-event responses dated before their event, or long after it, per event survey.

    ``responses`` has ``survey_id`` (the event id) and ``submitted``;
    ``events`` has ``event_id`` and ``date``. A response dated before its
    event's day cannot be about it; one more than ``long_after_days`` after
    it remembers the event from afar. Both stay in the figures and are
    counted here.

    >>> r = pd.DataFrame({"survey_id": ["E1", "E1", "E1", "E2"],
    ...                   "submitted": pd.to_datetime(["2018-01-09", "2018-01-12", "2018-04-01", "2018-02-02"])})
    >>> e = pd.DataFrame({"event_id": ["E1", "E2"], "date": pd.to_datetime(["2018-01-10", "2018-02-01"])})
    >>> response_timing(r, e).values.tolist()
    [['E1', 3, 1, 1, '1 dated before the event; 1 more than 42 days after it'], ['E2', 1, 0, 0, '']]
    """
    dated = responses[["survey_id", "submitted"]].merge(
        events[["event_id", "date"]].rename(columns={"event_id": "survey_id", "date": "event_date"}), on="survey_id", how="left"
    )
    days = (pd.to_datetime(dated["submitted"]).dt.normalize() - pd.to_datetime(dated["event_date"])).dt.days
    table = (
        dated.assign(before_event=days < 0, long_after=days > long_after_days)
        .groupby("survey_id", sort=True)
        .agg(responses=("submitted", "size"), before_event=("before_event", "sum"), long_after=("long_after", "sum"))
        .astype("int64")
        .reset_index()
    )
    table["flag"] = [
        "; ".join(
            part
            for part in (
                f"{before} dated before the event" if before else "",
                f"{late} more than {long_after_days} days after it" if late else "",
            )
            if part
        )
        for before, late in zip(table["before_event"], table["long_after"])
    ]
    return table[["survey_id", "responses", "before_event", "long_after", "flag"]]


def ledger_balances(reconciliation: pd.DataFrame) -> bool:
    """True when every file's rows read equal rows used plus rows excluded."""
    return bool((reconciliation["rows_read"] == reconciliation["rows_used"] + reconciliation["rows_excluded"]).all())


def responses_over_attendances(events: pd.DataFrame, attendances: pd.DataFrame, event_responses: pd.DataFrame) -> pd.DataFrame:
    """Learning events with more post-event survey responses than recorded attendances.

    A forwarded survey link or a register left incomplete can do it; the
    report shows the rate with its real counts, flagged, and lists the event here.

    >>> events = pd.DataFrame({"event_id": ["E1", "E2"], "date": pd.to_datetime(["2018-01-01", "2018-02-01"]), "title": ["a", "b"]})
    >>> attended = pd.DataFrame({"event_id": ["E1"] * 2 + ["E2"] * 5})
    >>> answered = pd.DataFrame({"survey_id": ["E1"] * 3 + ["E2"] * 1})
    >>> responses_over_attendances(events, attended, answered).values.tolist()
    [['E1', 'a', 2, 3, '3 responses but 2 recorded attendances: was the survey link forwarded, or is the register incomplete?']]
    """
    rates = response_rates(events, attendances, event_responses)
    over = rates.loc[rates["more_responses_than_attendances"], ["event_id", "title", "attendances", "responses"]].reset_index(drop=True)
    over["flag"] = [
        f"{responses} responses but {attended} recorded attendances: was the survey link forwarded, or is the register incomplete?"
        for responses, attended in zip(over["responses"], over["attendances"])
    ]
    return over
