"""Sections keyed on what they read: the recording views, the fingerprints, and a changed hub file on the real report."""

from __future__ import annotations

import csv
import filecmp
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis.figures import figure_map
from pdu_lib.inputs.dataset import Dataset, forget_loaded, load_dataset
from pdu_lib.report import execute, render
from pdu_lib.report.publish import section_filename
from pdu_lib.report.section_reads import (
    READS_FILE,
    WHOLE_FOLDER,
    Fingerprints,
    Reads,
    RecordingDataset,
    RecordingMapping,
    fingerprint,
    recording,
    take_reads,
)


@pytest.fixture(scope="module")
def sample_dataset():
    return load_dataset(config.SAMPLE_DATA_DIR, "final")


def test_a_field_read_through_the_view_is_noted_by_name(sample_dataset):
    reads = Reads()
    view = RecordingDataset(sample_dataset, reads)
    assert view.hub is sample_dataset.hub
    assert list(reads.names) == ["field:hub"]


def test_properties_and_methods_note_the_fields_they_use(sample_dataset):
    reads = Reads()
    view = RecordingDataset(sample_dataset, reads)
    assert view.learning_events.equals(sample_dataset.learning_events)
    view.measure("understanding")
    assert set(reads.names) == {"field:events", "field:harmonisation"}


def test_the_view_is_a_read_only_dataset(sample_dataset):
    view = RecordingDataset(sample_dataset, Reads())
    assert isinstance(view, Dataset)
    with pytest.raises(AttributeError):
        view.hub = None


def test_reading_the_data_folder_keys_the_section_on_every_file(sample_dataset):
    reads = Reads()
    assert RecordingDataset(sample_dataset, reads).data_dir == sample_dataset.data_dir
    assert list(reads.names) == [WHOLE_FOLDER]


def test_figures_computed_through_the_view_are_the_kept_ones_and_key_the_section_on_every_file(sample_dataset):
    kept = figure_map(sample_dataset)  # as a section's setup does first
    reads = Reads()
    assert figure_map(RecordingDataset(sample_dataset, reads)) is kept
    assert list(reads.names) == [WHOLE_FOLDER]


def test_figures_are_noted_one_by_one_and_listing_them_is_a_read_of_the_list():
    reads = Reads()
    figures = RecordingMapping({"a": 1, "b": 2}, reads, "figure", "figures:ids")
    assert figures["a"] == 1 and "c" not in figures
    assert list(reads.names) == ["figure:a", "figure:c"]
    assert sorted(figures) == ["a", "b"]
    assert "figures:ids" in reads.names


def test_reads_are_saved_in_the_output_folder_and_taken_out_of_it(tmp_path, sample_dataset):
    view, figures, values = recording(sample_dataset, {"x": 1}, {"title": "T"}, tmp_path)
    assert (view.hub is sample_dataset.hub, figures["x"], values["title"]) == (True, 1, "T")
    assert (tmp_path / READS_FILE).is_file()
    assert take_reads(tmp_path) == ["field:hub", "figure:x", "value:title"]
    assert not (tmp_path / READS_FILE).exists(), "never published"
    assert take_reads(tmp_path) is None


def test_fingerprints_follow_content_not_identity():
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert fingerprint(frame) != fingerprint(frame.assign(b=["x", "z"]))
    assert fingerprint(frame) != fingerprint(frame.rename(columns={"b": "c"}))
    assert fingerprint(object()) is None


def test_a_name_that_cannot_be_fingerprinted_stands_for_the_whole_folder(sample_dataset):
    prints = Fingerprints(sample_dataset, figures=dict, values=dict, folder_key="K")
    assert prints.of("field:no_such_field") == "folder K"
    assert prints.of(WHOLE_FOLDER) == "folder K"
    assert prints.of("field:hub") != "folder K"


# ---------------------------------------------------------------------------
# A changed hub file, on the real final report


def _drop_first_hub_registration(data: Path) -> None:
    path = data / "hub_registrations.csv"
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([rows[0], *rows[2:]])
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def hub_runs(tmp_path_factory):
    """The final report rendered, then again after one registration is dropped, then cold from that data."""
    root = tmp_path_factory.mktemp("hub")
    data = root / "data"
    shutil.copytree(config.SAMPLE_DATA_DIR, data)
    executed: list[str] = []
    real_execute = execute.execute_notebook

    def counting_execute(notebook, executed_path, *args, **kwargs):
        executed.append(Path(executed_path).name)
        return real_execute(notebook, executed_path, *args, **kwargs)

    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(execute, "execute_notebook", counting_execute)
        mp.setenv("PDU_CACHE_DIR", str(root / "cache"))
        for label, out, cache in (("first", "out", "cache"), ("hub changed", "out", "cache"), ("cold", "out-cold", "cache-cold")):
            if label == "hub changed":
                _drop_first_hub_registration(data)
            mp.setenv("PDU_CACHE_DIR", str(root / cache))
            executed.clear()
            results = render.render_reports(["final"], data_dir=data, out_dir=root / out, jobs=2, stream=io.StringIO())
            assert all(result.ok for result in results), [(s.section.key, s.error) for r in results for s in r.failed]
            runs[label] = {"executed": sorted(executed), "report": root / out / "final", "dataset": load_dataset(data, "final")}
            forget_loaded()
    return runs


def test_a_changed_hub_file_re_runs_only_the_sections_that_read_it(hub_runs):
    by_notebook = {section.notebook: section.key for section in config.SECTIONS}
    ran = {by_notebook[name] for name in hub_runs["hub changed"]["executed"]}
    assert len(hub_runs["first"]["executed"]) == len(config.SECTIONS)
    # The figures the dropped registration moved, compared in the data itself; the sections whose text names one of them.
    before, after = figure_map(hub_runs["first"]["dataset"]), figure_map(hub_runs["hub changed"]["dataset"])
    moved = {figure_id for figure_id in after if before.get(figure_id) != after[figure_id]}
    assert moved and all(figure_id.startswith("hub_") for figure_id in moved)
    quoting = {
        section.key
        for section in config.SECTIONS
        if any(f"{{{figure_id}" in (config.NOTEBOOKS_DIR / section.notebook).read_text(encoding="utf-8") for figure_id in moved)
    }
    assert "attendance" in quoting
    # The appendices list every figure and every file's rows; no other section reads the hub.
    assert ran == quoting | {"figures", "data_quality"}
    assert len(ran) < len(config.SECTIONS) / 2


def test_after_a_changed_hub_file_the_report_is_the_one_a_cold_render_gives(hub_runs):
    incremental, cold = hub_runs["hub changed"]["report"], hub_runs["cold"]["report"]
    assert (incremental / "figures.csv").read_bytes() == (cold / "figures.csv").read_bytes()
    for section in config.SECTIONS:
        page = Path("sections") / section_filename(section)
        assert (incremental / page).read_bytes() == (cold / page).read_bytes(), page
    assert (incremental / "final_report.html").read_bytes() == (cold / "final_report.html").read_bytes()
    charts = sorted(path.name for path in (cold / "charts").iterdir())
    assert sorted(path.name for path in (incremental / "charts").iterdir()) == charts
    assert filecmp.cmpfiles(incremental / "charts", cold / "charts", charts, shallow=False)[0] == charts
