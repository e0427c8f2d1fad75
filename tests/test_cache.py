"""The prepared dataset: one load and check, a snapshot under a content key, opened in the kernels."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pdu_lib import cli
from pdu_lib.analysis.figures import compute_figures
from pdu_lib.errors import InputError
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.report import cache as cache_module
from pdu_lib.report import snapshot_format


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PDU_CACHE_DIR", str(folder))
    return folder


def test_the_cache_folder_is_the_users_and_can_be_moved(monkeypatch, tmp_path):
    monkeypatch.delenv("PDU_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_module.cache_dir() == tmp_path / "home" / ".cache" / "pdu-workbook"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_module.cache_dir() == tmp_path / "xdg" / "pdu-workbook"
    monkeypatch.setenv("PDU_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_module.cache_dir() == tmp_path / "mine"


def test_the_sample_dataset_snapshot_gives_the_same_figures(sample_copy, cache):
    prepared = cache_module.prepare(sample_copy, "final")
    assert prepared.loaded and prepared.path.parent == cache / "datasets"
    opened = cache_module.open_dataset(sample_copy, "final", dataset_path=prepared.path)
    direct = load_dataset(sample_copy, "final")
    pd.testing.assert_frame_equal(compute_figures(opened), compute_figures(direct))
    pd.testing.assert_frame_equal(opened.reconciliation(), direct.reconciliation())
    assert opened is not direct  # the snapshot's own Dataset: figures are computed from it, not carried over


def test_without_a_path_the_second_open_uses_the_snapshot(sample_copy, cache, monkeypatch):
    first = cache_module.open_dataset(sample_copy, "interim")
    monkeypatch.setattr(cache_module, "load_dataset", lambda *a: pytest.fail("loaded again"))
    again = cache_module.open_dataset(sample_copy, "interim")
    pd.testing.assert_frame_equal(first.attendances, again.attendances)
    assert len(list((cache / "datasets").glob("*.snapshot"))) == 1


def _folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "event_surveys").mkdir(parents=True)
    (data / "reports.yml").write_text("reports: {}\n", encoding="utf-8")
    (data / "event_surveys" / "E01.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return data


def test_the_key_follows_every_input_and_the_library(tmp_path):
    data = _folder(tmp_path)
    library = tmp_path / "lib"
    library.mkdir()
    (library / "metrics.py").write_text("def share(n, d):\n    return n / d\n", encoding="utf-8")
    key = lambda report="final": cache_module.dataset_key(data, report, library_dir=library)  # noqa: E731
    base = key()
    assert key() == base, "the same content gives the same key"
    assert key("interim") != base

    (data / ".DS_Store").write_bytes(b"junk")
    (data / "event_surveys" / ".~lock.E01.csv#").write_bytes(b"junk")
    assert key() == base, "hidden files are not inputs"

    changes = []
    (data / "event_surveys" / "E01.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    changes.append(key())
    (data / "reports.yml").write_text("reports: {final: {}}\n", encoding="utf-8")
    changes.append(key())
    (data / "harmonisation.yml").write_text("measures: {}\n", encoding="utf-8")
    changes.append(key())
    (data / "event_surveys" / "E01.csv").rename(data / "event_surveys" / "E02.csv")
    changes.append(key())
    (library / "metrics.py").write_text("def share(n, d):\n    return round(n / d, 2)\n", encoding="utf-8")
    changes.append(key())
    assert len({base, *changes}) == 1 + len(changes), "each change gives a new key"


def test_the_same_data_in_another_folder_has_its_own_key(tmp_path):
    data = _folder(tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    # The Dataset records its folder, so a snapshot is not shared between folders.
    assert cache_module.dataset_key(data, "final") != cache_module.dataset_key(copy, "final")


def test_bad_data_leaves_no_snapshot(tmp_path, cache):
    data = _folder(tmp_path)

    def bad(folder, report):
        raise ValueError("unknown sector")

    with pytest.raises(ValueError):
        cache_module.prepare(data, "final", loader=bad)
    assert not (cache / "datasets").exists() or not list((cache / "datasets").iterdir())


def test_a_damaged_snapshot_is_loaded_again(tmp_path, cache):
    data = _folder(tmp_path)
    calls = []
    loader = lambda folder, report: calls.append(report) or {"rows": 1}  # noqa: E731
    first = cache_module.prepare(data, "final", loader=loader)
    first.path.write_bytes(b"not a snapshot")
    again = cache_module.prepare(data, "final", loader=loader)
    assert calls == ["final", "final"] and again.dataset == {"rows": 1}
    assert snapshot_format.loads(again.path.read_bytes()) == {"rows": 1}
    cache_module.prepare(data, "final", loader=loader, refresh=True)
    assert calls == ["final", "final", "final"], "refresh loads even when the snapshot is good"


def test_cache_clear_empties_the_cache_and_nothing_else(tmp_path, cache, capsys):
    data = _folder(tmp_path)
    cache_module.prepare(data, "final", loader=lambda folder, report: {})
    cache_module.store("k" * 64, body="<p>x</p>", has_plotly=False, stderr_lines=0, output=None)
    cache.joinpath("notes.txt").write_text("the user's own file")
    assert cli.main(["cache", "clear"]) == 0
    assert "2 file(s) removed" in capsys.readouterr().out
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
    assert cache_module.lookup("k" * 64) is None
    assert cli.main(["cache", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(cache)


def test_with_pdu_no_cache_a_notebook_loads_every_time_and_keeps_nothing(tmp_path, cache, monkeypatch):
    data = _folder(tmp_path)
    calls = []
    monkeypatch.setattr(cache_module, "load_dataset", lambda folder, report: calls.append(report) or {"rows": 2})
    monkeypatch.setenv("PDU_NO_CACHE", "1")
    assert cache_module.open_dataset(data, "final") == {"rows": 2}
    assert cache_module.open_dataset(data, "final") == {"rows": 2}
    assert calls == ["final", "final"] and not cache.exists()


def test_a_fifo_in_the_data_folder_is_refused_before_anything_is_hashed(tmp_path):
    data = _folder(tmp_path)
    os.mkfifo(data / "events.csv")  # reading it would wait for ever
    with pytest.raises(InputError, match="events.csv"):
        cache_module.dataset_key(data, "final")


def test_a_snapshot_path_opens_once_per_process_until_the_file_changes(tmp_path):
    path = cache_module.write_snapshot({"rows": [1, 2]}, tmp_path / "a.snapshot")
    first = cache_module.open_dataset(None, "final", dataset_path=path)
    assert cache_module.open_dataset(None, "final", dataset_path=str(path)) is first, "the sections of a kept kernel share it"
    os.utime(path, ns=(1, 1))
    cache_module.write_snapshot({"rows": [3]}, path)
    assert cache_module.open_dataset(None, "final", dataset_path=path) == {"rows": [3]}


def _stored(cache_root: Path, tmp_path: Path) -> Path:
    written = tmp_path / "written" / "charts"
    written.mkdir(parents=True)
    (written / "a.png").write_bytes(b"\x89PNG chart")
    cache_module.store("e" * 64, body="<p>kept</p>", has_plotly=False, stderr_lines=0, output=written.parent)
    return cache_root / "sections" / ("e" * 64)


def test_a_stored_section_comes_back_checked_and_in_memory(tmp_path, cache):
    entry = _stored(cache, tmp_path)
    hit = cache_module.lookup("e" * 64)
    assert hit.body == "<p>kept</p>" and hit.files == {"charts/a.png": b"\x89PNG chart"}
    shutil.rmtree(entry)  # cleared after the lookup: what was checked is still published
    hit.write_output(tmp_path / "report")
    assert (tmp_path / "report" / "charts" / "a.png").read_bytes() == b"\x89PNG chart"


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda e: (e / "output" / "charts" / "a.png").unlink(), "is missing"),
        (lambda e: (e / "output" / "charts" / "a.png").write_bytes(b"other"), "was changed"),
        (lambda e: (e / "result.json").write_text('{"body": 1}'), "not a section result"),
        (lambda e: (e / "result.json").write_text((e / "result.json").read_text().replace("kept", "<script>")), "does not match its hash"),
        (lambda e: (e / "result.json").chmod(0o666), "can be written by other users"),
    ],
    ids=["missing", "changed", "wrong-type", "edited", "writable"],
)
def test_a_bad_section_entry_is_a_warned_miss_and_removed(tmp_path, cache, capsys, spoil, reason):
    entry = _stored(cache, tmp_path)
    spoil(entry)
    assert cache_module.lookup("e" * 64) is None
    err = capsys.readouterr().err
    assert reason in err and len(err.strip().splitlines()) == 1 and not entry.exists()


def test_a_cache_folder_others_can_write_is_refused_in_one_line(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    monkeypatch.setenv("PDU_CACHE_DIR", str(folder))
    with pytest.raises(InputError, match="can be written by other users.*chmod go-w.*PDU_CACHE_DIR"):
        cache_module.sections_dir()
    monkeypatch.setenv("PDU_CACHE_DIR", str(tmp_path / "new"))
    assert cache_module.sections_dir().parent.stat().st_mode & 0o777 == 0o700, "a new cache folder is private"


def test_a_cache_inside_the_data_or_output_folder_is_refused(tmp_path, monkeypatch):
    data, out = tmp_path / "data", tmp_path / "out"
    for inside, what in ((data / ".cache", "data folder"), (out / "final" / "cache", "output folder")):
        monkeypatch.setenv("PDU_CACHE_DIR", str(inside))
        with pytest.raises(InputError, match=f"inside the {what}"):
            cache_module.check_cache_location(data, out)
    monkeypatch.setenv("PDU_CACHE_DIR", str(tmp_path / "cache"))
    cache_module.check_cache_location(data, out)


def test_section_keys_change_with_the_installed_version_of_a_locked_package(monkeypatch, tmp_path):
    notebook = tmp_path / "01_x.ipynb"
    notebook.write_text("{}")
    key = cache_module.section_key(notebook, parameters={}, dataset_key="d", library="l")
    real = cache_module.metadata.version
    monkeypatch.setattr(cache_module.metadata, "version", lambda name: "99" if name == "matplotlib" else real(name))
    cache_module._package_versions_hash.cache_clear()
    try:
        assert cache_module.section_key(notebook, parameters={}, dataset_key="d", library="l") != key
    finally:
        monkeypatch.undo()
        cache_module._package_versions_hash.cache_clear()


def test_kept_fingerprints_are_checked_against_their_hash(cache, capsys):
    cache_module.store_fingerprints("k", {"events": "abc"})
    assert cache_module.load_fingerprints("k") == {"events": "abc"}
    path = next((cache / cache_module.TRACES_FOLDER).glob("fingerprints-k.json"))
    path.write_text(path.read_text().replace("abc", "xyz"))
    assert cache_module.load_fingerprints("k") == {}
    assert "does not match its hash" in capsys.readouterr().err and not path.exists()
