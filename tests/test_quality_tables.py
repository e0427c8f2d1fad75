"""The data-quality appendix in a reader's words: sources, not file names."""

from __future__ import annotations

import pytest

from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.present.quality_tables import rows_by_source, source_label


@pytest.fixture(scope="module", params=["interim", "final"])
def ds(request):
    return load_dataset(None, request.param)


def test_every_sample_file_has_a_reader_name(ds):
    labels = ds.reconciliation()["file"].map(source_label)
    assert "Other input" not in set(labels)
    assert not labels.str.contains(r"\.|_|/").any()


def test_rows_by_source_keeps_every_row_and_reason(ds):
    files = ds.reconciliation()
    table = rows_by_source(files, ds.ledger.reasons())
    assert table["Rows read"].sum() == files["rows_read"].sum()
    assert table["Rows set aside"].sum() == files["rows_excluded"].sum()
    assert (table["Rows read"] == table["Rows used"] + table["Rows set aside"]).all()
    for reason in ds.ledger.reasons()["reason"]:
        assert table["Why rows were set aside"].str.contains(reason, regex=False).any()
    shown = " ".join(table.astype(str).to_numpy().ravel())
    assert ".csv" not in shown and ".xlsx" not in shown and "_" not in shown
