"""``python -m pdu_sample --scale K``: K times the people, bookings and responses, the same shape and periods."""

from __future__ import annotations

import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis.figures import compute_figures
from pdu_lib.inputs.dataset import load_dataset
from pdu_sample.__main__ import main


@pytest.fixture(scope="module")
def doubled(tmp_path_factory):
    out = tmp_path_factory.mktemp("x2")
    assert main(["--out", str(out), "--scale", "2"]) == 0
    return out


def test_twice_the_rows_and_the_same_shares(doubled):
    sample = load_dataset(config.SAMPLE_DATA_DIR, "final")
    twice = load_dataset(doubled, "final")
    assert len(twice.bookings) == 2 * len(sample.bookings)
    assert len(twice.attendances) == 2 * len(sample.attendances)
    # The replicas are new people: none links to another replica's bookings.
    assert twice.attendances["person_id"].nunique() == 2 * sample.attendances["person_id"].nunique()
    assert len(twice.event_responses) == 2 * len(sample.event_responses)
    assert len(twice.followup_responses) == 2 * len(sample.followup_responses)
    assert len(twice.hub) == 2 * len(sample.hub)
    # The same events, periods, interviews and reviews.
    pd.testing.assert_frame_equal(twice.events, sample.events)
    assert len(twice.interviews) == len(sample.interviews) and len(twice.reviews) == len(sample.reviews)
    assert twice.period == sample.period

    one = compute_figures(sample).set_index("figure_id")
    two = compute_figures(twice).set_index("figure_id")
    shares = one["unit"] == "percent"
    assert shares.sum() > 10
    pd.testing.assert_series_equal(two.loc[shares, "value"], one.loc[shares, "value"])
    # The Expert Citizens' judgements, like the interviews and reviews, are not scaled.
    judged = one["source_files"].str.startswith("expert_citizens/")
    assert judged.any() and (two.loc[judged, "base"] == one.loc[judged, "base"]).all()
    with_base = one["base"].notna() & ~judged
    assert (two.loc[with_base, "base"] == 2 * one.loc[with_base, "base"]).all()
    assert (two.loc[with_base, "numerator"] == 2 * one.loc[with_base, "numerator"]).all()


def test_the_excerpts_still_code_the_same_survey_answers(doubled):
    sample = load_dataset(config.SAMPLE_DATA_DIR, "final")
    twice = load_dataset(doubled, "final")
    columns = ["source_file", "source_row", "theme", "text"]
    pd.testing.assert_frame_equal(twice.excerpts[columns].reset_index(drop=True), sample.excerpts[columns].reset_index(drop=True))


def test_a_scale_below_one_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--scale", "0"])
    assert "--scale must be at least 1" in capsys.readouterr().err
