"""The appendix of figures: every figure with where it comes from, no figure id and no file name on the reader table."""

from __future__ import annotations

import pytest

from pdu_lib import config
from pdu_lib.analysis.figures import compute_figures
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.present.figure_sources import figures_table, input_files_table


@pytest.fixture(scope="module")
def final_figures():
    return compute_figures(load_dataset(None, "final"))


def test_every_figure_is_listed_with_its_provenance_without_its_id(final_figures):
    table = figures_table(final_figures)
    assert len(table) == len(final_figures)
    assert table["Figure"].tolist() == final_figures["statement"].tolist()
    assert table["Question as asked"].tolist() == final_figures["question"].fillna("").tolist()
    assert table["How it is computed"].tolist() == final_figures["metric"].fillna("").tolist()
    assert table["Records counted"].tolist() == final_figures["filter"].fillna("").tolist()
    shares = final_figures["base"].notna().to_numpy()
    assert shares.any()
    for shown, row in zip(table.loc[shares, "Value"], final_figures.loc[shares].itertuples()):
        assert f"{row.numerator} of {row.base}" in shown, "a share's value carries its base"
    shown = set(table.astype(str).to_numpy().ravel())
    assert not shown & set(final_figures["figure_id"])
    assert set(table["Section"]) <= {s.title for s in config.SECTIONS}


def test_the_reader_table_names_sources_not_files(final_figures):
    table = figures_table(final_figures)
    assert (table["Source"] != "").all()
    text = " ".join(table["Source"])
    assert ".csv" not in text and ".xlsx" not in text and "/" not in text
    survey_rows = final_figures["source_files"].str.contains("event_surveys/", regex=False).to_numpy()
    assert table.loc[survey_rows, "Source"].str.contains("Post-event surveys").all()


def test_the_technical_table_keeps_every_input_file(final_figures):
    files = input_files_table(final_figures)
    for listed, shown in zip(final_figures["source_files"], files["Input files"]):
        assert all(name.strip() in shown for name in listed.split(";"))


def test_a_figure_with_no_data_says_so():
    figures = compute_figures(load_dataset(None, "interim"))
    empty = figures["value"].isna()
    assert empty.any()
    assert (figures_table(figures).loc[empty.to_numpy(), "Value"] == "no data").all()
