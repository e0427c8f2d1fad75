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
        {"response_id": ["a", "b", "c", "a"], "survey_id": "R", "measure": ["m", "m", "m", "n"], "answer": ["x", "y", "x", "z"], "text": None}
    )
    asked = pd.DataFrame({"survey_id": ["R", "R"], "measure": ["m", "n"]})
    table = quality.base_gaps(responses, answers, asked, "follow-up").set_index("measure")
    assert table.loc["m", "flag"] == ""
    assert "2 of 3 left it blank" in table.loc["n", "flag"]


def test_ledger_balances_detects_a_broken_account():
    good = pd.DataFrame({"rows_read": [3], "rows_used": [2], "rows_excluded": [1]})
    bad = pd.DataFrame({"rows_read": [3], "rows_used": [2], "rows_excluded": [0]})
    assert quality.ledger_balances(good) and not quality.ledger_balances(bad)
