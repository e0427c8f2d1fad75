"""The prepared dataset's file format: data only, every frame back exactly, nothing else accepted."""

from __future__ import annotations

import dataclasses
import pickle

import pandas as pd
import pytest

from pdu_lib.analysis.figures import compute_figures
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.report import snapshot_format
from pdu_lib.report.snapshot_format import SnapshotError


def _frames(value, prefix=""):
    """Every DataFrame reachable from ``value`` (a Dataset and its small objects), by path."""
    if isinstance(value, pd.DataFrame):
        yield prefix, value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _frames(getattr(value, field.name), f"{prefix}.{field.name}")


@pytest.mark.parametrize("report", ["final", "interim"])
def test_every_frame_of_the_sample_dataset_round_trips_exactly_and_figures_agree(sample_copy, report):
    dataset = load_dataset(sample_copy, report)
    back = snapshot_format.loads(snapshot_format.dumps(dataset))
    frames = dict(_frames(dataset))
    assert len(frames) > 20 and dict(_frames(back)).keys() == frames.keys()
    for path, frame in _frames(back):
        pd.testing.assert_frame_equal(frame, frames[path], check_exact=True, check_index_type=True, check_column_type=True, obj=path)
    assert back.period == dataset.period and back.harmonisation == dataset.harmonisation
    assert back.ledger.state() == dataset.ledger.state() and back.data_dir == dataset.data_dir
    assert back.codebook.names == dataset.codebook.names
    pd.testing.assert_frame_equal(compute_figures(back), compute_figures(dataset))


def test_categoricals_nullable_integers_datetimes_and_both_strings_keep_their_dtypes():
    frame = pd.DataFrame(
        {
            "scale": pd.Categorical(["b", "a", None], categories=["a", "b", "c"], ordered=True),
            "count": pd.array([1, None, 3], dtype="Int64"),
            "when": pd.to_datetime(["2019-01-31", None, "2018-10-01"]).as_unit("us"),
            "zoned": pd.to_datetime(["2019-01-31", "2019-02-01", None]).tz_localize("UTC"),
            "text": pd.array(["x", None, "z"], dtype="string"),
            "plain": pd.Series(["x", "y", None], dtype="str"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "objects": pd.Series(["a", "b", "c"], dtype=object),
        }
    )
    back = snapshot_format.loads(snapshot_format.dumps({"frame": frame}))["frame"]
    pd.testing.assert_frame_equal(back, frame, check_exact=True)


def test_a_pickle_a_changed_byte_or_a_foreign_class_is_refused_and_nothing_runs():
    good = snapshot_format.dumps({"rows": [1, 2]})
    with pytest.raises(SnapshotError, match="not a snapshot"):
        snapshot_format.loads(pickle.dumps({"rows": [1, 2]}))
    changed = bytearray(good)
    changed[-3] ^= 1
    with pytest.raises(SnapshotError, match="does not match its hash"):
        snapshot_format.loads(bytes(changed))
    with pytest.raises(SnapshotError, match="does not match its hash"):
        snapshot_format.loads(good[:-5])
    with pytest.raises(SnapshotError, match="cannot hold"):
        snapshot_format.dumps({"x": object()})
    # A header naming a class outside the allowed few is refused, even with a matching hash.
    import hashlib
    import json

    header = json.dumps({"value": {"$class": "Popen", "fields": {"args": "touch /tmp/owned"}}, "frames": []}).encode()
    body = len(header).to_bytes(8, "big") + header
    forged = snapshot_format.MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    with pytest.raises(SnapshotError, match="unknown entry"):
        snapshot_format.loads(forged)
