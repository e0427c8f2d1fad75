from pdu_lib.inputs.ledger import Ledger


def test_a_row_excluded_twice_is_counted_once_under_its_first_reason():
    ledger = Ledger()
    ledger.read("f.csv", 4)
    ledger.exclude("f.csv", [2, 3], "cancelled booking")
    ledger.exclude("f.csv", [3, 4], "outside the period")
    row = ledger.table().iloc[0]
    assert (row["rows_read"], row["rows_used"], row["rows_excluded"]) == (4, 1, 3)
    assert ledger.reasons()[["reason", "rows"]].values.tolist() == [["cancelled booking", 2], ["outside the period", 1]]


def test_files_read_with_nothing_excluded_still_appear():
    ledger = Ledger()
    ledger.read("empty_export.csv", 0)
    assert ledger.table()[["file", "rows_read", "rows_excluded"]].values.tolist() == [["empty_export.csv", 0, 0]]
