import datetime as dt

import pandas as pd

from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.periods import keep_within


def test_rows_outside_the_period_are_dropped_and_counted_with_their_reason():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2018-06-30 18:00", "2018-07-01 00:00", "2017-09-30 00:00"]),
            "source_file": ["a.csv", "a.csv", "b.csv"],
            "source_row": [2, 3, 2],
        }
    )
    ledger = Ledger()
    ledger.read("a.csv", 2)
    ledger.read("b.csv", 1)
    kept = keep_within(frame, "date", dt.date(2017, 10, 1), dt.date(2018, 6, 30), ledger, "outside")
    assert kept["source_row"].tolist() == [2]
    assert ledger.table()["rows_excluded"].tolist() == [1, 1]
