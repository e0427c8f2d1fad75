"""pdu-report preview: the server's pages and events, and a preview updated by a saved notebook, stopped cleanly."""

from __future__ import annotations

import io
import json
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from pdu_lib import config
from pdu_lib.report.preview import EVENTS_PATH, PreviewSettings, Versions, run_preview, start_server


def test_served_pages_carry_the_reload_script_and_other_files_are_served_as_they_are(tmp_path):
    (tmp_path / "sections").mkdir()
    (tmp_path / "index.html").write_text("<html><body><p>Index</p></body></html>", encoding="utf-8")
    (tmp_path / "sections" / "a.html").write_text("<html><body><p>A</p></body></html>", encoding="utf-8")
    (tmp_path / "figures.csv").write_text("figure_id,value\n", encoding="utf-8")
    versions = Versions()
    server = start_server(tmp_path, versions, 0)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for page in ("", "index.html", "sections/a.html"):
            html = urllib.request.urlopen(base + page).read().decode("utf-8")
            assert "new EventSource" in html and html.index("EventSource") < html.index("</body>"), page
            assert "http" not in html.split("<script>")[1], "the script loads nothing"
        assert urllib.request.urlopen(base + "figures.csv").read() == b"figure_id,value\n"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(base + "../etc/passwd")
    finally:
        versions.stop()
        server.shutdown()
        server.server_close()


def test_the_events_stream_announces_each_new_version(tmp_path):
    versions = Versions()
    server = start_server(tmp_path, versions, 0)
    try:
        stream = urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}{EVENTS_PATH}", timeout=10)
        assert stream.readline() == b"data: 0\n"
        stream.readline()
        versions.bump()
        assert stream.readline() == b"data: 1\n"
    finally:
        versions.stop()
        server.shutdown()
        server.server_close()


def _add_sentence(notebook: Path, sentence: str, kind: str) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    if kind == "markdown":
        cell = [c for c in nb["cells"] if c["cell_type"] == "markdown"][-1]
    else:
        cell = [c for c in nb["cells"] if c["cell_type"] == "code" and "%%prose" in "".join(c["source"])][-1]
    cell["source"] = "".join(cell["source"]) + f"\n\n{sentence}"
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def _wait_for(url: str, text: str, seconds: float = 180) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if text in urllib.request.urlopen(url).read().decode("utf-8"):
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {url}")


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """A preview of the final report on copies of the sample and the notebooks, running in a thread."""
    root = tmp_path_factory.mktemp("preview")
    data, notebooks = root / "data", root / "notebooks"
    shutil.copytree(config.SAMPLE_DATA_DIR, data)
    shutil.copytree(config.NOTEBOOKS_DIR, notebooks, ignore=shutil.ignore_patterns(".*"))
    log = io.StringIO()
    settings = PreviewSettings("final", data, root / "out", notebooks, port=0, jobs=2, stream=log)
    ready, stop = threading.Event(), threading.Event()
    outcome: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDU_CACHE_DIR", str(root / "cache"))
        thread = threading.Thread(target=lambda: outcome.update(code=run_preview(settings, ready=ready, stop=stop)))
        thread.start()
        assert ready.wait(600), log.getvalue()
        address = next(line for line in log.getvalue().splitlines() if "Previewing" in line).split(" at ")[1].split()[0]
        yield {
            "address": address,
            "notebooks": notebooks,
            "log": log,
            "stop": stop,
            "thread": thread,
            "outcome": outcome,
            "out": root / "out",
        }
        stop.set()
        thread.join(600)


def test_a_saved_markdown_edit_reaches_the_served_page_and_only_its_section_runs(preview):
    page = preview["address"] + "sections/09_changes_at_work.html"
    _add_sentence(preview["notebooks"] / "09_changes_at_work.ipynb", "A sentence the evaluator just wrote.", "markdown")
    _wait_for(page, "A sentence the evaluator just wrote.")
    time.sleep(0.5)
    notes = preview["log"].getvalue().splitlines()
    assert any(line.startswith("09 Changes at work: updated in ") for line in notes), notes


def test_a_saved_prose_edit_reaches_the_served_page(preview):
    page = preview["address"] + "sections/09_changes_at_work.html"
    _add_sentence(preview["notebooks"] / "09_changes_at_work.ipynb", "They were {took_action:of} in the end.", "code")
    _wait_for(page, "in the end.")
    assert "{took_action" not in urllib.request.urlopen(page).read().decode("utf-8")


def test_stopping_leaves_no_kernel_and_writes_the_single_file_and_word_copy(preview):
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    assert before, "the preview's kernels are running"
    preview["stop"].set()
    preview["thread"].join(600)
    assert preview["outcome"] == {"code": 0}
    left = [child for child in psutil.Process().children(recursive=True) if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]
    assert left == []
    report = preview["out"] / "final"
    assert (report / "final_report.html").is_file() and (report / "final_report.docx").is_file()
    assert "A sentence the evaluator just wrote." in (report / "final_report.html").read_text(encoding="utf-8")
    assert not (preview["out"] / ".pdu-work").exists()
