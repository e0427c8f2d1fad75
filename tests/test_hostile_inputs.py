"""Issue 11: hostile input and faults get a clear error, a guard, or are handled and counted.

One test (or more) per numbered case of the issue. Large hostile files are
generated here, at test time, never committed. Cases that could run away
(memory, time) run in a child process with a timeout, and the child reports its
own peak memory (``resource.getrusage``): each must stop within 10 s under 1 GB.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pdu_lib import cli, config
from pdu_lib.analysis import quality
from pdu_lib.analysis.response_rates import response_rates
from pdu_lib.config import Section
from pdu_lib.errors import InputError
from pdu_lib.inputs import files, tables
from pdu_lib.inputs.attendance import load_events
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.inputs.excerpts import load_qdpx
from pdu_lib.inputs.yaml_file import load_yaml
from pdu_lib.present import charts, prose, wording
from pdu_lib.report import outputs, render
from pdu_lib.report.execute import SectionResult

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PYTHON = sys.executable
LIMIT_SECONDS = 10
LIMIT_BYTES = 1_000_000_000
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.fixture
def data(tmp_path) -> Path:
    """A fresh copy of the sample data folder."""
    folder = tmp_path / "data"
    shutil.copytree(SAMPLE, folder)
    return folder


def run_child(code: str, *args: str, env: dict | None = None, timeout: float = LIMIT_SECONDS) -> dict:
    """Run ``code`` in a fresh interpreter; its exit code, stderr, seconds and own peak memory (bytes)."""
    prelude = (
        "import atexit, resource, sys\n"
        "atexit.register(lambda: print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [PYTHON, "-c", prelude + textwrap.dedent(code), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    seconds = time.monotonic() - started
    found = re.search(r"^MAXRSS (\d+)$", done.stderr, re.MULTILINE)
    assert found, done.stderr
    return {
        "code": done.returncode,
        "stderr": done.stderr[: found.start()].strip(),
        "seconds": seconds,
        "peak_bytes": int(found.group(1)) * 1024,  # Linux reports kilobytes
    }


CLI = "from pdu_lib import cli; sys.exit(cli.main(['render', 'final', '--data', sys.argv[1], '--out', sys.argv[2]]))"
LOAD = "from pdu_lib.inputs.dataset import load_dataset; load_dataset(sys.argv[1], 'final')"


def assert_refused_quickly(run: dict, *fragments: str) -> None:
    """Exit 2, one line naming the file, no traceback, within the time and memory bounds."""
    assert run["code"] == 2, run
    lines = run["stderr"].splitlines()
    assert len(lines) == 1 and lines[0].startswith("pdu-report: "), run["stderr"]
    assert "Traceback" not in run["stderr"]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert run["seconds"] < LIMIT_SECONDS
    assert run["peak_bytes"] < LIMIT_BYTES


# ---------------------------------------------------------------------------
# Case 1: a render deleted its own input


def test_case1_out_as_the_data_folder_is_refused_and_the_inputs_survive(data, tmp_path):
    reports = data / "reports.yml"
    reports.write_text(reports.read_text() + "  event_surveys:\n    title: Trap\n    start: 2017-10-01\n    end: 2019-01-31\n")
    before = sorted(p.name for p in (data / "event_surveys").iterdir())
    code = "from pdu_lib import cli; sys.exit(cli.main(['render', 'event_surveys', '--data', sys.argv[1], '--out', sys.argv[2]]))"
    run = run_child(code, str(data), str(data))
    assert_refused_quickly(run, str(data), "--out is the data folder")
    assert sorted(p.name for p in (data / "event_surveys").iterdir()) == before and len(before) == 16


@pytest.mark.parametrize(
    "out, message",
    [
        (lambda data, tmp: data / "outputs", "--out lies inside the data folder"),
        (lambda data, tmp: tmp, "--out holds the data folder"),
        (lambda data, tmp: Path("/"), "--out is the filesystem root"),
        (lambda data, tmp: Path.home(), "--out is a home folder"),
    ],
    ids=["inside-data", "holds-data", "root", "home"],
)
def test_case1_unsafe_out_folders_are_refused_before_anything_is_read(data, tmp_path, capsys, monkeypatch, out, message):
    monkeypatch.setattr(render, "load_dataset", lambda *a: pytest.fail("data loaded despite an unsafe --out"))
    target = out(data, tmp_path)
    assert cli.main(["render", "final", "--data", str(data), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (data / "outputs").exists()


def test_case1_a_folder_not_written_by_pdu_report_is_never_replaced(data, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    (out / "final").mkdir(parents=True)
    (out / "final" / "notes.docx").write_text("someone's work")
    monkeypatch.setattr(render, "render_report", lambda *a, **k: pytest.fail("rendered over a foreign folder"))
    assert cli.main(["render", "final", "--data", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "was not written by pdu-report" in err and str(out / "final") in err
    assert (out / "final" / "notes.docx").read_text() == "someone's work"


def test_case1_a_safe_out_beside_the_data_is_accepted(data, tmp_path):
    assert outputs.check_out_dir(tmp_path / "outputs", data) == (tmp_path / "outputs").resolve()


def test_case1_only_manifest_folders_or_old_renders_count_as_ours(tmp_path):
    ours, legacy, foreign = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder in (ours, legacy, foreign):
        folder.mkdir()
    outputs.write_manifest(ours, "a")
    (ours / "anything.txt").write_text("x")
    for name in ("index.html", "figures.csv", "b_report.html"):
        (legacy / name).write_text("x")
    (legacy / "sections").mkdir()
    (foreign / "index.html").write_text("x")
    (foreign / "thesis.tex").write_text("x")
    assert [outputs.written_by_us(f) for f in (ours, legacy, foreign)] == [True, True, False]
    with pytest.raises(InputError, match="was not written by pdu-report"):
        outputs.remove_ours(foreign)
    assert (foreign / "thesis.tex").exists()


# ---------------------------------------------------------------------------
# Case 2: two renders into the same --out

FIGURES = pd.DataFrame(
    {
        "figure_id": ["events"],
        "value": [3.0],
        "numerator": [None],
        "base": [None],
        "section": ["plain"],
        "unit": ["count"],
        "statement": ["Events"],
    }
)


@pytest.fixture
def fake_render(monkeypatch):
    """render_reports without kernels: sections 'render' at once (for output-folder behaviour)."""
    sections = (Section("plain", "02_plain.ipynb", "Plain"),)
    monkeypatch.setattr(config, "SECTIONS", sections)
    monkeypatch.setattr(render, "load_dataset", lambda data_dir, report: {"report": report})
    monkeypatch.setattr(render, "compute_figures", lambda dataset: FIGURES.copy())

    def run_sections(chosen, **kwargs):
        assert Path(kwargs["executed_dir"]).is_dir() and Path(kwargs["runtime_dir"]).is_dir()
        return [SectionResult(section, ok=True, body="<p>rendered</p>") for section in chosen]

    monkeypatch.setattr(render, "run_sections", run_sections)
    return sections


def test_case2_a_second_render_into_the_same_folder_exits_2(data, tmp_path, capsys, fake_render):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            PYTHON,
            "-c",
            "import sys, time; from pdu_lib.report.outputs import OutputFolder\n"
            "with OutputFolder(__import__('pathlib').Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(30)",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert cli.main(["render", "final", "--data", str(data), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"process {holder.pid}" in err and "another render" in err and "is writing to this output folder" in err
        assert not (out / "final").exists()
    finally:
        holder.kill()
        holder.wait()
    assert cli.main(["render", "final", "--data", str(data), "--out", str(out)]) == 0  # the lock went with the process
    assert (out / "final" / "index.html").is_file()


def test_case2_each_run_has_its_own_work_folder_and_leaves_none(data, tmp_path, fake_render):
    out = tmp_path / "out"
    seen = []
    real = render.render_report

    def spy(*args, **kwargs):
        seen.append(kwargs["folder"].run_dir)
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "render_report", spy)
        render.render_reports(["final"], data, out)
        render.render_reports(["final"], data, out)
    assert len(set(seen)) == 2 and all(out / ".pdu-work" in run.parents for run in seen)
    assert not (out / ".pdu-work").exists()
    assert json.loads((out / "final" / outputs.MANIFEST_NAME).read_text())["written_by"] == "pdu-report"


# ---------------------------------------------------------------------------
# Case 3: oversized workbooks


def _rewrite_sheet(path: Path, change) -> None:
    """Rewrite an XLSX's first sheet XML through ``change(xml_bytes) -> bytes``, keeping the other parts."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, raw in parts:
            if info.filename == "xl/worksheets/sheet1.xml":
                changed = change(raw)
                assert changed != raw, "the hostile change must take"
                raw = changed
            target.writestr(info.filename, raw)


def test_case3_a_sheet_declaring_thirty_million_rows_is_refused_before_parsing(data, tmp_path):
    register = data / "attendance_register.xlsx"
    _rewrite_sheet(register, lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:J30000000"/>', xml))
    run = run_child(CLI, str(data), str(tmp_path / "out"))
    assert_refused_quickly(run, "attendance_register.xlsx", "30,000,000 rows", "more than Excel allows")


def test_case3_a_sheet_that_inflates_past_the_cap_is_refused(data, tmp_path):
    register = data / "attendance_register.xlsx"
    filler = b"<row>" + b'<c t="inlineStr"><is><t>' + b"x" * 1000 + b"</t></is></c>" + b"</row>"
    count = (files.DEFAULT_MAX_INPUT_MB * 1_000_000) // len(filler) + 10
    _rewrite_sheet(register, lambda xml: xml.replace(b"</sheetData>", filler * count + b"</sheetData>"))
    assert register.stat().st_size < 5_000_000  # small on disk, large unpacked
    run = run_child(CLI, str(data), str(tmp_path / "out"))
    assert_refused_quickly(run, "attendance_register.xlsx", "unpacks to", "PDU_MAX_INPUT_MB")


def test_case3_a_row_far_down_the_sheet_is_bounded_not_padded_for_ever(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "far.xlsx"
    book = Workbook()
    book.active.append(["event_id", "date"])
    book.save(path)
    _rewrite_sheet(
        path,
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="1048000"><c r="XFD1048000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        ),
    )
    run = run_child(
        "from pdu_lib.inputs.tables import read_grid\nfrom pdu_lib.errors import InputError\n"
        "try:\n    read_grid(sys.argv[1])\nexcept InputError as e:\n    print(e, file=sys.stderr); sys.exit(2)",
        str(path),
    )
    assert run["code"] == 2 and "far.xlsx" in run["stderr"] and "cells" in run["stderr"]
    assert run["seconds"] < LIMIT_SECONDS and run["peak_bytes"] < LIMIT_BYTES


def test_case3_the_size_cap_is_configurable(data, tmp_path, monkeypatch):
    events = data / "events.csv"
    monkeypatch.setenv(files.MAX_INPUT_ENV, "0.001")  # 1,000 bytes
    with pytest.raises(InputError, match=r"events.csv: is .* MB, over the 0 MB limit .*PDU_MAX_INPUT_MB"):
        tables.read_grid(events)
    monkeypatch.setenv(files.MAX_INPUT_ENV, "1")
    assert tables.read_grid(events)[0][0] == "event_id"
    monkeypatch.setenv(files.MAX_INPUT_ENV, "lots")
    with pytest.raises(InputError, match="PDU_MAX_INPUT_MB: must be a number of megabytes"):
        tables.read_grid(events)


# ---------------------------------------------------------------------------
# Case 4: YAML bombs and deep nesting


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def deep_list(depth: int = 20_000) -> str:
    return "deep: " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("file", ["reports.yml", "harmonisation.yml", "codebook.yml"])
@pytest.mark.parametrize(
    "content, message", [(alias_bomb(), "more than 20 aliases"), (deep_list(), "nests deeper than 50 levels")], ids=["alias-bomb", "deep"]
)
def test_case4_yaml_bombs_stop_at_once_naming_file_and_line(data, tmp_path, file, content, message):
    text = (data / file).read_text(encoding="utf-8")
    (data / file).write_text(content + text if file != "reports.yml" else text + content, encoding="utf-8")
    run = run_child(CLI, str(data), str(tmp_path / "out"))
    assert_refused_quickly(run, file, ", row ", message)


def test_case4_a_few_aliases_and_ordinary_nesting_still_read(tmp_path):
    path = tmp_path / "ok.yml"
    path.write_text("base: &b {a: 1}\none: *b\ntwo: *b\nnested: [[[[1]]]]\n")
    assert load_yaml(path) == {"base": {"a": 1}, "one": {"a": 1}, "two": {"a": 1}, "nested": [[[[1]]]]}


def test_case4_every_yaml_reader_is_the_bounded_one():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("pdu_lib", "pdu_sample")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"yaml\.(safe_load|load|compose|full_load|unsafe_load)\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# ---------------------------------------------------------------------------
# Case 5: paths that are not plain files


def test_case5_a_symlink_to_dev_zero_is_refused(data, tmp_path):
    export = data / "event_surveys" / "E01.csv"
    export.unlink()
    export.symlink_to("/dev/zero")
    run = run_child(CLI, str(data), str(tmp_path / "out"))
    assert_refused_quickly(run, "event_surveys/E01.csv", "symbolic link to a file outside the data folder")


def test_case5_a_device_read_directly_is_refused_not_read(tmp_path):
    link = tmp_path / "E01.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="E01.csv: is a device, not a file"):
        files.read_input_bytes(link, data_dir="/")


def test_case5_a_fifo_does_not_hang(data, tmp_path):
    export = data / "event_surveys" / "E01.csv"
    export.unlink()
    os.mkfifo(export)
    run = run_child(CLI, str(data), str(tmp_path / "out"))
    assert_refused_quickly(run, "event_surveys/E01.csv", "is a FIFO (named pipe), not a file")
    with pytest.raises(InputError, match="FIFO"):
        files.read_input_bytes(export)  # the loaders' own read refuses it too, without blocking


def test_case5_a_symlink_out_of_the_data_folder_is_refused_and_not_quoted(data, tmp_path):
    events = data / "events.csv"
    events.unlink()
    events.symlink_to("/etc/passwd")
    run = run_child(CLI, str(data), str(tmp_path / "out"))
    assert_refused_quickly(run, "events.csv", "outside the data folder")
    first_line = Path("/etc/passwd").read_text().splitlines()[0]
    assert first_line.split(":")[0] + ":" not in run["stderr"]
    with pytest.raises(InputError, match="outside the data folder"):
        tables.read_grid(events)  # a loader called on its own refuses it as well


def test_case5_a_symlink_inside_the_data_folder_is_fine(data):
    (data / "archive").mkdir()
    shutil.move(data / "events.csv", data / "archive" / "events.csv")
    (data / "events.csv").symlink_to(data / "archive" / "events.csv")
    assert len(load_dataset(data, "final").all_events) > 0


# ---------------------------------------------------------------------------
# Case 6: malformed XLSX content


def test_case6_a_raw_nul_in_the_sheet_xml_names_the_file(data, tmp_path):
    register = data / "attendance_register.xlsx"
    _rewrite_sheet(
        register,
        lambda xml: xml.replace(b"</sheetData>", b'<row r="9999"><c r="A9999" t="inlineStr"><is><t>a\x00b</t></is></c></row></sheetData>'),
    )
    run = run_child(CLI, str(data), str(tmp_path / "out"))
    assert_refused_quickly(run, "attendance_register.xlsx", "the workbook is damaged", "save it again")
    with pytest.raises(InputError, match=r"attendance_register.xlsx, row \d+: the workbook is damaged \(the XML of the first sheet"):
        tables.read_grid(register)


def test_case6_a_workbook_that_is_not_a_zip_names_the_file(tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match="register.xlsx: is damaged \\(it is not a complete Excel workbook\\)"):
        tables.read_grid(path)


# ---------------------------------------------------------------------------
# Case 7: output faults


@pytest.mark.parametrize(
    "where, error",
    [
        ("write_index", OSError(errno.ENOSPC, "No space left on device", "OUT/final/index.html")),
        ("write_figures_csv", OSError(errno.EROFS, "Read-only file system", "OUT/figures.csv")),
    ],
    ids=["full-disk", "read-only"],
)
def test_case7_output_errors_are_one_line_and_keep_the_previous_render(data, tmp_path, capsys, fake_render, monkeypatch, where, error):
    out = tmp_path / "out"
    assert cli.main(["render", "final", "--data", str(data), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in (out / "final").rglob("*") if p.is_file()}
    capsys.readouterr()

    def fail(*args, **kwargs):
        raise OSError(error.errno, error.strerror, error.filename.replace("OUT", str(out)))

    monkeypatch.setattr(render, where, fail)
    assert cli.main(["render", "final", "--data", str(data), "--out", str(out)]) == cli.EXIT_CANNOT_WRITE
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert (
        err == f"pdu-report: cannot write {error.filename.replace('OUT', str(out))}: {error.strerror}; the previous outputs are unchanged"
    )
    assert {p.name: p.read_bytes() for p in (out / "final").rglob("*") if p.is_file()} == before
    assert not (out / ".pdu-work").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_case7_a_really_read_only_folder(data, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert cli.main(["render", "final", "--data", str(data), "--out", str(out)]) == cli.EXIT_CANNOT_WRITE
    finally:
        out.chmod(0o755)
    assert "cannot write" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Case 8: more post-event responses than attendances


@pytest.fixture(scope="module")
def forwarded():
    """The sample, with one learning event's survey forwarded: more responses than its recorded attendances."""
    ds = load_dataset(SAMPLE, "final")
    events = ds.learning_events
    counts = ds.attendances.groupby("event_id").size()
    event = events["event_id"].iloc[0]
    extra = counts[event] + 8 - int((ds.event_responses["survey_id"] == event).sum())
    forwarded = pd.DataFrame({"response_id": [f"{event}-x{n}" for n in range(extra)], "survey_id": event})
    responses = pd.concat([ds.event_responses[["response_id", "survey_id"]], forwarded], ignore_index=True)
    return ds, event, int(counts[event]), responses


def test_case8_response_rates_flag_the_event_and_keep_the_real_counts(forwarded):
    ds, event, attended, responses = forwarded
    rates = response_rates(ds.learning_events, ds.attendances, responses)
    row = rates.set_index("event_id").loc[event]
    assert (row["attendances"], row["responses"]) == (attended, attended + 8)
    assert row["rate"] == pytest.approx(100 * (attended + 8) / attended) and row["more_responses_than_attendances"]
    assert rates["more_responses_than_attendances"].sum() == 1
    assert len(rates) == len(ds.learning_events)


def test_case8_the_appendix_check_lists_the_event(forwarded):
    ds, event, attended, responses = forwarded
    found = quality.responses_over_attendances(ds.learning_events, ds.attendances, responses)
    assert found["event_id"].tolist() == [event]
    assert found["flag"].iloc[0].startswith(f"{attended + 8} responses but {attended} recorded attendances")
    assert quality.responses_over_attendances(ds.learning_events, ds.attendances, ds.event_responses).empty


def test_case8_the_rate_is_shown_with_its_counts_and_flagged_not_raised(forwarded):
    ds, _event, attended, responses = forwarded
    rates = response_rates(ds.learning_events, ds.attendances, responses)
    shown = [wording.format_rate(r, a, no_base="no attendances") for r, a in zip(rates["responses"], rates["attendances"])]
    flagged = [text for text in shown if text.endswith(wording.OVER_BASE_MARK)]
    assert flagged == [f"{wording.round_half_up(100 * (attended + 8) / attended)}% ({attended + 8} of {attended}){wording.OVER_BASE_MARK}"]
    with pytest.raises(ValueError, match="larger than its base"):
        wording.format_percent(attended + 8, attended)  # shares stay guarded: only rates may exceed their base
    html = str(prose.table_html(rates.assign(rate=shown), "Response rates", require_base=False))
    assert f"{attended + 8} of {attended}" in html


# ---------------------------------------------------------------------------
# Case 9: interrupts and kills

SLEEPY = """
import os, pathlib, time
pathlib.Path({markers!r}, str(os.getpid())).write_text("")
time.sleep(120)
"""

WRAPPER = """
from pathlib import Path
import pandas as pd
from pdu_lib import cli, config
from pdu_lib.report import render
from pdu_lib.config import Section
notebooks, data, out = sys.argv[1:4]
config.NOTEBOOKS_DIR = Path(notebooks)
config.SECTIONS = (Section("one", "01_one.ipynb", "One"), Section("two", "02_two.ipynb", "Two"))
render.load_dataset = lambda data_dir, report: {}
render.compute_figures = lambda dataset: pd.DataFrame({"figure_id": ["events"], "value": [3.0], "numerator": [None], "base": [None], "section": ["one"], "unit": ["count"], "statement": ["Events"]})
sys.exit(cli.main(["render", "final", "--data", data, "--out", out, "--jobs", "2"]))
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


@pytest.fixture
def sleepy_render(tmp_path, data):
    """Start a render whose two sections sleep; yield (process, kernel pids, out, tmpdir) once both kernels run."""
    markers, notebooks, tmpdir = tmp_path / "markers", tmp_path / "notebooks", tmp_path / "tmp"
    for folder in (markers, notebooks, tmpdir):
        folder.mkdir()
    for name in ("01_one.ipynb", "02_two.ipynb"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        parameters = nbformat.v4.new_code_cell(
            "report = 'final'\ndata_dir = ''\noutput_dir = ''\nreport_mode = False\nshow_intervals = False"
        )
        parameters.metadata["tags"] = ["parameters"]
        nb.cells = [parameters, nbformat.v4.new_code_cell(SLEEPY.format(markers=str(markers)))]
        nbformat.write(nb, notebooks / name)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [PYTHON, "-c", "import sys\n" + WRAPPER, str(notebooks), str(data), str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmpdir)},
    )
    deadline = time.monotonic() + 90
    while len(list(markers.iterdir())) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    kernels = [int(p.name) for p in markers.iterdir()]
    try:
        assert len(kernels) == 2, process.poll()
        yield process, kernels, out, tmpdir
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in kernels:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_case9_a_signal_stops_the_kernels_within_5_s_and_removes_temporary_folders(sleepy_render, signum, code):
    process, kernels, out, tmpdir = sleepy_render
    assert (out / ".pdu-work").is_dir()
    started = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=LIMIT_SECONDS)
    assert time.monotonic() - started < 5
    assert process.returncode == code
    assert "interrupted; kernels stopped" in err and "Traceback" not in err
    assert not any(_alive(pid) for pid in kernels)
    assert not (out / ".pdu-work").exists() and not (out / "final").exists()
    assert [p.name for p in tmpdir.iterdir() if p.name.startswith("pdu-") or p.suffix == ".json"] == []


def test_case9_the_next_render_cleans_up_after_a_killed_one(sleepy_render):
    process, kernels, out, tmpdir = sleepy_render
    process.kill()
    process.wait()
    left = out / ".pdu-work"
    assert any(left.rglob("kernel-*.json")), "kernel connection files live in the work folder, not $TMPDIR"
    assert [p.name for p in tmpdir.iterdir() if p.name.startswith("pdu-")] == []
    for pid in kernels:
        os.kill(pid, signal.SIGKILL)
    with outputs.OutputFolder(out) as folder:
        assert [p for p in left.iterdir()] == [folder.run_dir]
    assert not left.exists()


# ---------------------------------------------------------------------------
# Case 10: bidi controls


def test_case10_bidi_controls_are_removed_where_csv_and_xlsx_text_enters(data):
    events = data / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("title")] = "Housing\u202e tsrif\u2066 gnisuoH\u2069\u200f"
    lines[1] = ",".join(cells)
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_events(events)
    assert loaded["title"].iloc[0] == "Housing tsrif gnisuoH"
    assert not loaded["title"].str.contains(f"[{BIDI}]").any()

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["event_id", "title"])
    book.active.append(["E01", "a\u202bb\u061cc"])
    book.save(data / "x.xlsx")
    assert tables.read_grid(data / "x.xlsx")[1] == ["E01", "abc"]


def test_case10_bidi_controls_are_removed_from_yaml_titles_and_qdpx_excerpts(data, tmp_path):
    reports = data / "reports.yml"
    reports.write_text(reports.read_text(encoding="utf-8").replace("title:", "title: \u202e", 1), encoding="utf-8")
    assert not any(ch in BIDI for p in config.load_reports(data).values() for ch in p.title)

    project = tmp_path / "p.qdpx"
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
        '<CodeBook><Codes><Code guid="C1" name="Lear\u202ening" isCodable="true"/></Codes></CodeBook>'
        '<Sources><TextSource guid="S1" name="Inter\u2067view"><PlainTextContent>It \u202ehelped\u202c me a lot.</PlainTextContent>'
        '<PlainTextSelection guid="X1" startPosition="0" endPosition="21"><Coding guid="G1"><CodeRef targetGUID="C1"/></Coding></PlainTextSelection>'
        "</TextSource></Sources></Project>"
    )
    with zipfile.ZipFile(project, "w") as archive:
        archive.writestr("project.qde", qde)
    frame = load_qdpx(project)
    assert frame[["document", "tag", "text"]].values.tolist() == [["Interview", "Learning", "It helped me a lot."]]


def test_case10_no_bidi_control_reaches_a_chart_svg_or_an_html_table(data, tmp_path):
    events = data / "events.csv"
    text = events.read_text(encoding="utf-8")
    first_title = load_events(events)["title"].iloc[0]
    events.write_text(text.replace(first_title, "\u202e" + first_title + "\u2066x\u2069", 1), encoding="utf-8")
    loaded = load_events(events)
    table = pd.DataFrame({"category": ["a"], "label": [loaded["title"].iloc[0]], "count": [3], "base": [4], "percent": [75.0]})
    charts.share_bars(table, loaded["title"].iloc[0], "bidi", output_dir=tmp_path)
    svg = (tmp_path / "charts" / "bidi.svg").read_text(encoding="utf-8")
    html = str(prose.table_html(loaded[["event_id", "title"]], loaded["title"].iloc[0]))
    for output in (svg, html):
        assert not any(ch in output for ch in BIDI)
    assert first_title.split()[0] in html
