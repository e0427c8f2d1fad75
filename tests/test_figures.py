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


@pytest.mark.parametrize("report,figure_id", [(row.report, row.figure_id) for row in TABLE.itertuples()], ids=lambda v: str(v))
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


def test_every_figure_says_where_it_comes_from(computed):
    sample_files = {str(p.relative_to(config.SAMPLE_DATA_DIR)) for p in config.SAMPLE_DATA_DIR.rglob("*") if p.is_file()}
    for table in computed.values():
        for figure_id, row in table.iterrows():
            files = row["source_files"].split("; ")
            assert files and set(files) <= sample_files, (figure_id, files)
            assert row["filter"] and row["metric"], figure_id
        survey = table.loc[table["filter"].str.contains("those who answered")]
        assert len(survey) and survey["question"].str.len().gt(0).all()


def test_provenance_follows_the_data_rounds_and_period(computed):
    final, interim = computed["final"], computed["interim"]
    assert final.at["made_contact", "source_files"] == "followup_surveys/2018-06.xlsx; followup_surveys/2019-01.csv"
    assert final.at["took_action", "source_files"] == "followup_surveys/2019-01.csv"
    assert interim.at["took_action", "source_files"] == "followup_surveys/2018-06.xlsx"
    assert "31 January 2019" in final.at["attendances", "filter"] and "30 June 2018" in interim.at["attendances", "filter"]
    assert final.at["hub_used", "question"] and final.at["hub_used", "question"] != final.at["hub_aware", "question"]
