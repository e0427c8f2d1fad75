import pandas as pd

from pdu_lib.analysis import metrics, quality


def test_rounded_sums_flag_only_distributions_that_do_not_add_to_100():
    exact = metrics.distribution(pd.Series(["a"] * 36 + ["b"] * 27 + ["c"] * 11 + ["d"]), ["a", "b", "c", "d"])
    off = metrics.distribution(pd.Series(["a"] * 23 + ["b"] * 35 + ["c"] * 17 + ["d"]), ["a", "b", "c", "d"])
    table = quality.rounded_sums({"exact": exact, "off": off}).set_index("measure")
    assert table.loc["exact", "flag"] == ""
    assert table.loc["off", "sum_of_percentages"] == 99 and table.loc["off", "flag"]


def test_base_gaps_flag_questions_some_left_blank():
    responses = pd.DataFrame({"response_id": ["a", "b", "c"], "survey_id": "R"})
    answers = pd.DataFrame(
        {
            "response_id": ["a", "b", "c", "a"],
            "survey_id": "R",
            "measure": ["m", "m", "m", "n"],
            "answer": ["x", "y", "x", "z"],
            "text": None,
        }
    )
    asked = pd.DataFrame({"survey_id": ["R", "R"], "measure": ["m", "n"]})
    table = quality.base_gaps(responses, answers, asked, "follow-up").set_index("measure")
    assert table.loc["m", "flag"] == ""
    assert "2 of 3 left it blank" in table.loc["n", "flag"]


def test_ledger_balances_detects_a_broken_account():
    good = pd.DataFrame({"rows_read": [3], "rows_used": [2], "rows_excluded": [1]})
    bad = pd.DataFrame({"rows_read": [3], "rows_used": [2], "rows_excluded": [0]})
    assert quality.ledger_balances(good) and not quality.ledger_balances(bad)


def test_response_timing_counts_responses_before_or_long_after_their_event():
    import pandas as pd

    from pdu_lib.analysis import quality

    responses = pd.DataFrame(
        {
            "survey_id": ["E1", "E1", "E1", "E1"],
            "submitted": pd.to_datetime(["2018-10-10 23:00", "2018-10-11 08:00", "2018-11-22 09:00", "2018-11-23 09:00"]),
        }
    )
    events = pd.DataFrame({"event_id": ["E1"], "date": pd.to_datetime(["2018-10-11"])})
    row = quality.response_timing(responses, events).iloc[0]
    # The event's own day counts as after it; 42 days later is not yet "long after", 43 is.
    assert (row["responses"], row["before_event"], row["long_after"]) == (4, 1, 1)
    assert quality.response_timing(responses, events, long_after_days=41).iloc[0]["long_after"] == 2
