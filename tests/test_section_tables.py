"""Tables the sections show: computed from the rows, reader column names, no ids."""

from __future__ import annotations

import pandas as pd
import pytest

from pdu_lib.analysis.figures import figure_map
from pdu_lib.analysis.response_rates import response_rates
from pdu_lib.inputs.attendance import SECTORS
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.present import section_tables, wording


@pytest.fixture(scope="module", params=["interim", "final"])
def ds(request):
    return load_dataset(None, request.param)


def test_sources_of_evidence_count_every_source_of_the_period(ds):
    table = section_tables.sources_of_evidence(ds)
    figures = figure_map(ds)
    responses = table.loc[table["Unit"] == "responses", "Count"]
    assert responses.sum() == figures["event_survey_responses"].result + figures["followup_responses"].result
    assert table.loc[table["Unit"] == "interviews", "Count"].sum() == len(ds.interviews)
    assert table.loc[table["Unit"] == "people present", "Count"].sum() == ds.reviews["present"].sum()
    assert not table["Source"].str.contains("_").any()
    assert table.loc[table["Unit"] == "interviews", "Count"].ge(3).all(), "a group under three is never named"
    assert not table["Source"].str.contains("co-ordinator|Beneficiary Ambassador").any()


def test_repeat_attendance_adds_up_to_the_people_and_attendances(ds):
    table = section_tables.repeat_attendance(ds.attendances)
    figures = figure_map(ds)
    assert table["People"].sum() == figures["individuals"].result
    assert table["Attendances"].sum() == figures["attendances"].result
    assert table["Learning events attended"].max() == figures["max_events_per_person"].result


def test_shares_by_report_label_each_report(ds):
    table = section_tables.shares_by_report([ds], "sector", SECTORS)
    assert set(table["group"]) == {ds.period.title}
    assert table["count"].sum() == len(ds.attendances)


def test_statutory_by_event_shows_every_learning_event_without_ids(ds):
    table = section_tables.statutory_by_event(ds.attendances, ds.learning_events)
    assert len(table) == ds.attendances["event_id"].nunique()
    assert table["From the statutory sector"].sum() == figure_map(ds)["attendances_statutory_pct"].result.numerator
    assert not table.astype(str).apply(lambda c: c.isin(set(ds.learning_events["event_id"]))).any().any()


def test_response_rates_show_no_event_id_and_add_up(ds):
    rates = section_tables.response_rate_table(response_rates(ds.learning_events, ds.attendances, ds.event_responses))
    assert list(rates.columns) == ["Date", "Event", "Attendances", "Responses", "Response rate"]
    assert rates["Attendances"].sum() == len(ds.attendances)
    assert not rates.astype(str).isin(set(ds.learning_events["event_id"])).any().any()


def test_more_responses_than_attendances_and_events_nobody_attended_are_shown_not_refused():
    events = pd.DataFrame({"event_id": ["E1", "E2"], "date": pd.to_datetime(["2018-03-01", "2018-04-01"]), "title": ["Busy", "Empty"]})
    rates = response_rates(events, pd.DataFrame({"event_id": ["E1"]}), pd.DataFrame({"survey_id": ["E1", "E1", "E2"]}))
    table = section_tables.response_rate_table(rates)
    assert table["Responses"].tolist() == [2, 1]
    assert table["Response rate"].iloc[0].endswith(wording.OVER_BASE_MARK)
    chart = section_tables.response_rate_chart_table(rates)
    assert chart["label"].tolist() == ["Mar 2018 Busy"] and chart["percent"].iloc[0] == 200.0
