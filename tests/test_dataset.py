"""load_dataset on the sample: every loader's tidy table, the period filter and the row accounting."""

import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis import quality
from pdu_lib.inputs.dataset import load_dataset

PERSONAL_COLUMNS = {"name", "email", "first_name", "last_name", "ip_address", "respondent_id", "collector_id"}


@pytest.fixture(scope="module", params=["interim", "final"])
def ds(request):
    return load_dataset(config.SAMPLE_DATA_DIR, request.param)


def _frames(ds):
    return {
        "events": ds.events,
        "bookings": ds.bookings,
        "attendances": ds.attendances,
        "cop_attendances": ds.cop_attendances,
        "event_responses": ds.event_responses,
        "event_answers": ds.event_answers,
        "followup_responses": ds.followup_responses,
        "followup_answers": ds.followup_answers,
        "hub": ds.hub,
        "interviews": ds.interviews,
        "reviews": ds.reviews,
        "excerpts": ds.excerpts,
        "people_audit": ds.people_audit,
    }


def test_every_loader_gives_a_non_empty_tidy_table(ds):
    for name, frame in _frames(ds).items():
        assert isinstance(frame, pd.DataFrame) and len(frame), name


def test_no_table_carries_a_personal_column(ds):
    for name, frame in _frames(ds).items():
        assert not PERSONAL_COLUMNS & {c.lower() for c in frame.columns}, name


def test_rows_read_equal_rows_used_plus_rows_excluded_for_every_file(ds):
    table = ds.reconciliation()
    assert quality.ledger_balances(table)
    assert {"events.csv", "attendance_register.xlsx", "hub_registrations.csv", "interviews.csv"} <= set(table["file"])


def test_everything_kept_is_dated_within_the_period(ds):
    start, end = pd.Timestamp(ds.period.start), pd.Timestamp(ds.period.end)
    assert ds.events["date"].between(start, end).all()
    assert ds.attendances["event_date"].between(start, end).all()
    assert ds.event_responses["submitted"].dt.normalize().between(start, end).all()
    assert ds.followup_responses["submitted"].dt.normalize().between(start, end).all()
    assert (ds.hub["registered_on"] <= end).all()
    assert ds.reviews["date"].between(start, pd.Timestamp(ds.period.reviews_end)).all()


def test_attendances_are_attended_rows_at_learning_events(ds):
    assert set(ds.attendances["status"]) == {"attended"}
    assert set(ds.attendances["event_kind"]) == {"learning_event"}
    assert set(ds.cop_attendances["event_kind"]) == {"cop_session"}


def test_the_interim_period_keeps_fewer_rows_than_the_final():
    interim = load_dataset(config.SAMPLE_DATA_DIR, "interim")
    final = load_dataset(config.SAMPLE_DATA_DIR, "final")
    assert len(interim.attendances) < len(final.attendances)
    assert interim.rounds == ["2018-06"] and final.rounds == ["2018-06", "2019-01"]
