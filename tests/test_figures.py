"""Every figure of the evaluation's figures table, computed from the sample's rows."""

from pathlib import Path

import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis import figures
from pdu_lib.inputs.dataset import load_dataset

FIGURES_TABLE = Path(__file__).parent / "data" / "report_figures.csv"

TABLE = pd.read_csv(FIGURES_TABLE, dtype={"numerator": "Int64", "denominator": "Int64"})


@pytest.fixture(scope="module")
def computed():
    return {
        report: figures.compute_figures(load_dataset(config.SAMPLE_DATA_DIR, report)).set_index("figure_id")
        for report in ("interim", "final")
    }


@pytest.mark.parametrize(
    "report,figure_id", [(row.report, row.figure_id) for row in TABLE.itertuples()], ids=lambda v: str(v)
)
def test_sample_reproduces_the_report_figure(computed, report, figure_id):
    expected = TABLE.loc[(TABLE["report"] == report) & (TABLE["figure_id"] == figure_id)].iloc[0]
    table = computed[report]
    assert figure_id in table.index, f"{figure_id} is not computed for the {report} report"
    got = table.loc[figure_id]
    assert got["value"] == expected["value"]
    if pd.notna(expected["numerator"]):
        assert got["numerator"] == expected["numerator"]
    if pd.notna(expected["denominator"]):
        assert got["base"] == expected["denominator"]


def test_figure_ids_are_unique_within_a_report(computed):
    for table in computed.values():
        assert not table.index.duplicated().any()


def test_every_percentage_carries_its_base(computed):
    for table in computed.values():
        shares = table.loc[table["unit"].isin(["percent", "fraction"])]
        assert shares["base"].notna().all(), shares.loc[shares["base"].isna()].index.tolist()
