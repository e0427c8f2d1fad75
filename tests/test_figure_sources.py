"""The appendix of figures: every figure, no figure id, sections by title."""

from __future__ import annotations

from pdu_lib import config
from pdu_lib.analysis.figures import compute_figures
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.present.figure_sources import figures_table


def test_every_figure_is_listed_without_its_id():
    figures = compute_figures(load_dataset(None, "final"))
    table = figures_table(figures)
    assert len(table) == len(figures)
    assert table["Figure"].tolist() == figures["statement"].tolist()
    shown = set(table.astype(str).to_numpy().ravel())
    assert not shown & set(figures["figure_id"])
    assert set(table["Section"]) <= {s.title for s in config.SECTIONS}


def test_a_figure_with_no_data_says_so():
    figures = compute_figures(load_dataset(None, "interim"))
    empty = figures["value"].isna()
    assert empty.any()
    assert (figures_table(figures).loc[empty, "Value"] == "no data").all()
