"""Issue 19: caches and outputs you can trust. One case (or more) per numbered point of the issue.

Every case runs ``pdu-report`` (or a loader) in a child process with a time
limit, and the child reports its own peak memory (``resource.getrusage``); each
checks the exit code, that no traceback reached stderr, that the inputs are
untouched and that the previous report is intact (byte for byte when the run
is refused, complete and valid when it renders). The renders share one warm
render cache, copied per case, so that most renders take only the sections a
case disturbs.

Planted-cache cases plant as a second user (``pdu-other``, created with
``useradd``) when the tests run as root, and are skipped with the reason
otherwise. Set ``PDU_CASE_LOG`` to a file to collect each case's seconds and
peak memory (one JSON line per run).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pdu_lib.report import cache as cache_module
from pdu_lib.report import snapshot_format

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PYTHON = sys.executable
OTHER_USER = "pdu-other"
RENDER_SECONDS, LOAD_SECONDS = 300, 20
RENDER_BYTES, LOAD_BYTES = 2_500_000_000, 1_000_000_000
PRELUDE = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
)
CLI = "from pdu_lib import cli\nsys.exit(cli.main(sys.argv[1:]))\n"


# --------------------------------------------------------------------------- helpers


def run_case(case: str, code: str, *args: str, env: dict, timeout: float, limit: int, user: str | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; its exit code, stderr, seconds and own peak memory, checked against the limits."""
    started = time.monotonic()
    done = subprocess.run(
        [PYTHON, "-c", PRELUDE + textwrap.dedent(code), *args],
        cwd=ROOT,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **env},
        user=user,
    )
    seconds = time.monotonic() - started
    stderr = done.stderr.decode("utf-8", "replace")
    found = re.search(r"^MAXRSS (\d+)$", stderr, re.MULTILINE)
    assert found, stderr
    run = {"case": case, "code": done.returncode, "stderr": stderr[: found.start()].strip(), "seconds": round(seconds, 1)}
    run["stdout"] = done.stdout.decode("utf-8", "replace")
    run["peak_mb"] = round(int(found.group(1)) / 1024)  # Linux reports kilobytes
    if os.environ.get("PDU_CASE_LOG"):
        with open(os.environ["PDU_CASE_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({k: run[k] for k in ("case", "code", "seconds", "peak_mb")}) + "\n")
    assert seconds < timeout and run["peak_mb"] * 1_000_000 < limit, run
    assert "Traceback" not in run["stderr"], run["stderr"]
    return run


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by relative path (bytes, for names that are not UTF-8) and content hash."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[os.fsencode(path.relative_to(folder)).decode("utf-8", "backslashreplace")] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def pages(report: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [*sorted((report / "sections").glob("*.html")), report / "final_report.html"])


def assert_complete(report: Path, charts: int | None = None, sections: int = 14) -> None:
    """A published report: manifest, index, single file, figures.csv, every section page and (when given) every chart."""
    for name in (".pdu-report.json", "index.html", "final_report.html", "figures.csv"):
        assert (report / name).is_file(), name
    assert len(list((report / "sections").glob("*.html"))) == sections
    if charts is not None:
        assert len(list((report / "charts").iterdir())) == charts


def one_line(run: dict, *fragments: str) -> str:
    lines = [line for line in run["stderr"].splitlines() if line.startswith("pdu-report: ")]
    assert len(lines) == 1 and len(run["stderr"].splitlines()) == 1, run["stderr"]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def warnings_of(run: dict) -> list[str]:
    return [line for line in run["stderr"].splitlines() if line.startswith("pdu-report: warning: ")]


@pytest.fixture(scope="module")
def rendered():
    """The sample, rendered once (final) with a private render cache, kept pristine: data/, out/ and cache/.

    The cases work on copies at one fixed place (``ws/``): the render keys on the data folder's
    path, so the warm cache serves every case.
    """
    base = Path(tempfile.mkdtemp(prefix="pdu-hostile-"))  # not pytest's folder: other sessions' pytest may prune or lock it
    base.chmod(0o711)
    work = base / "ws"
    shutil.copytree(SAMPLE, work / "data")
    (work / "cache").mkdir(mode=0o700)
    run = run_case(
        "setup: first render",
        CLI,
        "render",
        "final",
        "--data",
        str(work / "data"),
        "--out",
        str(work / "out"),
        "--jobs",
        "1",
        env={"PDU_CACHE_DIR": str(work / "cache")},
        timeout=600,
        limit=RENDER_BYTES,
    )
    assert run["code"] == 0, run["stderr"]
    shutil.copytree(work, base / "pristine", symlinks=True)
    yield base
    subprocess.run(["chmod", "-R", "u+rwX", str(base)], check=False)
    shutil.rmtree(base, ignore_errors=True)


class Workspace:
    """A case's own copy of the rendered sample: data, out and cache, with what they held before the case."""

    def __init__(self, rendered: Path):
        folder = rendered / "ws"
        if folder.exists():
            subprocess.run(["chmod", "-R", "u+rwX", str(folder)], check=False)
            shutil.rmtree(folder)
        shutil.copytree(rendered / "pristine", folder, symlinks=True)
        self.folder = folder
        self.data, self.out, self.cache = folder / "data", folder / "out", folder / "cache"
        self.cache.chmod(0o700)
        self.report = self.out / "final"
        self.charts = len(list((self.report / "charts").iterdir()))
        self.before: dict[str, str] = {}
        self.previous = tree(self.report)

    def seal(self) -> None:
        """Record the inputs as the case leaves them (after its own changes), to check the run leaves them untouched."""
        self.before = tree(self.data)

    def render(self, case: str, *extra: str, code: str = CLI, env: dict | None = None, user: str | None = None) -> dict:
        if not self.before:
            self.seal()
        args = ["render", "final", "--data", str(self.data), "--out", str(self.out), "--jobs", "1", *extra]
        run = run_case(
            case, code, *args, env={"PDU_CACHE_DIR": str(self.cache), **(env or {})}, timeout=RENDER_SECONDS, limit=RENDER_BYTES, user=user
        )
        assert tree(self.data) == self.before, "the inputs changed"
        return run

    def assert_previous_intact(self) -> None:
        assert tree(self.report) == self.previous

    def entries(self) -> list[Path]:
        return sorted(p for p in (self.cache / "sections").iterdir() if p.is_dir() and not p.name.startswith("."))

    def snapshot_path(self) -> Path:
        return self.cache / "datasets" / f"{cache_module.dataset_key(self.data, 'final')}.snapshot"


@pytest.fixture
def ws(rendered) -> Workspace:
    return Workspace(rendered)


@pytest.fixture(scope="module")
def other_user() -> str:
    """A second user on this machine, for planting into a cache; created when the tests run as root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("planting as a second user needs root (to create the user and hand it files)")
    if subprocess.run(["id", OTHER_USER], capture_output=True).returncode != 0:
        made = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER], capture_output=True)
        if made.returncode != 0:
            pytest.skip(f"cannot create a second user: {made.stderr.decode(errors='replace').strip()}")
    return OTHER_USER


def plant_as(user: str, path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` as ``user`` (the second user), in a child process.

    The folders above ``path`` are opened for passing through (o+x), as on a shared machine.
    """
    for folder in path.parents:
        if str(folder) in (tempfile.gettempdir(), "/"):
            break
        folder.chmod(folder.stat().st_mode | 0o001)
    subprocess.run(["sh", "-c", 'cat > "$1"', "sh", str(path)], input=content, check=True, user=user, cwd="/", capture_output=True)


def _chown(path: Path, user: str) -> None:
    shutil.chown(path, user=user)


class Payload:
    """A pickle that creates a file when it is loaded: proof that a cache ran code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# --------------------------------------------------------------------------- 1. a cache can run someone else's code


def test_case1_a_pickle_planted_as_the_snapshot_never_runs_and_is_replaced(ws, tmp_path):
    marker = tmp_path / "owned"
    ws.snapshot_path().write_bytes(pickle.dumps(Payload(marker)))
    run = ws.render("1 planted pickle, same user")
    assert run["code"] == 0 and not marker.exists()
    assert any("prepared dataset" in w and "was not used" in w for w in warnings_of(run))
    assert ws.snapshot_path().read_bytes().startswith(snapshot_format.MAGIC)
    assert_complete(ws.report, ws.charts)


def test_case1_a_cache_folder_others_can_write_is_refused_and_a_planted_file_never_runs(ws, tmp_path, other_user):
    marker = tmp_path / "owned"
    ws.cache.chmod(0o1777)  # a shared folder, as /tmp is
    ws.snapshot_path().parent.chmod(0o777)
    ws.snapshot_path().unlink()
    plant_as(other_user, ws.snapshot_path(), pickle.dumps(Payload(marker)))
    run = ws.render("1 cache folder writable by others, planted by a second user")
    assert run["code"] == 2 and not marker.exists()
    one_line(run, str(ws.cache), "can be written by other users", "chmod go-w", "PDU_CACHE_DIR")
    ws.assert_previous_intact()


def test_case1_a_cache_folder_of_another_user_is_refused(ws, other_user):
    _chown(ws.cache, other_user)
    run = ws.render("1 cache folder owned by a second user")
    assert run["code"] == 2
    one_line(run, str(ws.cache), "belongs to another user")
    ws.assert_previous_intact()


# --------------------------------------------------------------------------- 2. a planted section entry is published


def _plant_script(entry: Path, valid_hash: bool) -> bytes:
    result = json.loads((entry / "result.json").read_text(encoding="utf-8"))
    result["body"] = result["body"] + "<script>alert('planted')</script>"
    if valid_hash:  # an attacker who knows the format recomputes it
        result["sha256"] = cache_module._entry_digest(result)
    return json.dumps(result).encode("utf-8")


def test_case2_a_planted_section_entry_is_a_warned_miss_and_never_published(ws):
    entry = ws.entries()[0]
    (entry / "result.json").write_bytes(_plant_script(entry, valid_hash=False))
    run = ws.render("2 planted section entry, same user")
    assert run["code"] == 0 and "planted" not in pages(ws.report)
    assert any("cached section" in w and "does not match its hash" in w for w in warnings_of(run))
    assert_complete(ws.report, ws.charts)


def test_case2_an_entry_written_by_another_user_is_never_published_even_with_a_valid_hash(ws, other_user):
    entry = ws.entries()[0]
    content = _plant_script(entry, valid_hash=True)
    for folder in (ws.cache, ws.cache / "sections"):
        folder.chmod(0o711)  # others may pass through, not write
    _chown(entry, other_user)
    (entry / "result.json").unlink()
    plant_as(other_user, entry / "result.json", content)
    run = ws.render("2 planted section entry, second user")
    assert run["code"] == 0 and "planted" not in pages(ws.report)
    assert any("belongs to another user" in w for w in warnings_of(run))
    assert_complete(ws.report, ws.charts)


# --------------------------------------------------------------------------- 3. a wrong object in the cache


def test_case3_a_valid_snapshot_of_the_wrong_object_is_a_warned_miss(ws):
    ws.snapshot_path().write_bytes(snapshot_format.dumps({"not": "a dataset"}))
    run = ws.render("3 wrong object in the snapshot")
    assert run["code"] == 0 and "AttributeError" not in run["stderr"]
    assert any("holds a dict, not a Dataset" in w for w in warnings_of(run))
    assert_complete(ws.report, ws.charts)
    run = ws.render("3 the render after it")
    assert run["code"] == 0 and not warnings_of(run)


# --------------------------------------------------------------------------- 4. cached outputs are checked


def test_case4_deleted_cached_charts_are_a_miss_and_every_chart_is_published(ws):
    deleted = [path for path in ws.cache.rglob("output/charts/*") if path.is_file()]
    assert len(deleted) >= 10
    for path in deleted:
        path.unlink()
    run = ws.render("4 cached charts deleted")
    assert run["code"] == 0 and any("is missing" in w for w in warnings_of(run))
    assert_complete(ws.report, ws.charts)


# --------------------------------------------------------------------------- 5. where the cache may live


@pytest.mark.parametrize("where, message", [("data", "inside the data folder"), ("out", "inside the output folder")])
def test_case5_a_cache_inside_the_data_or_the_output_folder_is_refused(ws, where, message):
    inside = (ws.data if where == "data" else ws.report) / "cache"
    run = ws.render(f"5 cache inside {where}", env={"PDU_CACHE_DIR": str(inside)})
    assert run["code"] == 2 and not inside.exists()
    one_line(run, str(inside), message)
    ws.assert_previous_intact()


# --------------------------------------------------------------------------- 6. section keys follow library upgrades

VERSIONS = """
from importlib import metadata
from pathlib import Path
from pdu_lib.report import cache
real = metadata.version
keys = []
for bump in ("", "matplotlib", "nbconvert", "plotly"):
    metadata.version = lambda name, bump=bump: "99.0" if name == bump else real(name)
    cache._package_versions_hash.cache_clear()
    notebook = sorted(Path("notebooks").glob("0[1-9]_*.ipynb"))[0]
    keys.append(cache.section_key(notebook, parameters={}, dataset_key="d", library="l"))
print(len(set(keys)))
"""


def test_case6_an_upgrade_of_a_package_that_shapes_outputs_changes_every_section_key():
    run = run_case("6 section keys and package versions", VERSIONS, env={}, timeout=LOAD_SECONDS, limit=LOAD_BYTES)
    assert run["code"] == 0
    assert run["stdout"].strip() == "4", "matplotlib, nbconvert and plotly each give other keys"


# --------------------------------------------------------------------------- 7. formula injection

FIGURES_CSV = """
import pandas as pd
from pathlib import Path
from pdu_lib.report.figures_csv import write_figures_csv
frame = pd.DataFrame({"figure_id": ["x"], "value": [-3.0], "section": ["links"], "unit": ["count"],
    "statement": ['=HYPERLINK("http://evil.example","click")'], "question": ["@SUM(A1)"], "metric": ["+cmd|' /C calc'!A0"], "filter": ["-x"]})
write_figures_csv(frame, Path(sys.argv[1]))
"""


def test_case7_figures_csv_neutralises_formulas_and_keeps_numbers(tmp_path, rendered):
    target = tmp_path / "figures.csv"
    run = run_case("7 figures.csv formulas", FIGURES_CSV, str(target), env={}, timeout=LOAD_SECONDS, limit=LOAD_BYTES)
    assert run["code"] == 0
    row = next(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert row["statement"].startswith("'=HYPERLINK(") and row["question"] == "'@SUM(A1)" and row["metric"] == "'+cmd|' /C calc'!A0"
    assert row["filter"] == "'-x" and row["value"] == "-3"
    published = list(csv.reader(io.StringIO((rendered / "pristine" / "out" / "final" / "figures.csv").read_text(encoding="utf-8"))))
    assert not [cell for line in published for cell in line if cell[:1] in ("=", "+", "@", "\t", "\r") or re.match(r"-[^\d]", cell)]


def _action_answer(data: Path, text: str, among: set[str]) -> str:
    """Start the first action answered in the latest follow-up export whose text is one of ``among`` with ``text``; its old text."""
    path = next((data / "followup_surveys").glob("2019-01*.csv"))
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    column = next(i for i, h in enumerate(rows[0]) if h.startswith("What action did you take"))
    row = next(r for r in rows[2:] if column < len(r) and r[column].strip() in among)
    old = row[column]
    row[column] = text + row[column]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return old


def test_case7_the_review_pack_writes_formula_texts_as_strings_and_an_untouched_pack_reads_back_exactly(ws, tmp_path):
    from pdu_lib.inputs.dataset import _load
    from pdu_lib.inputs.expert_citizens import COLUMNS
    from pdu_lib.inputs.tables import read_table
    from pdu_lib.report.expert_review_pack import pack_actions

    shown = set(pack_actions(_load(ws.data, "final", with_judgements=False)).actions["text"])
    _action_answer(ws.data, '=HYPERLINK("http://evil.example","x") ', shown)
    ws.seal()
    out = tmp_path / "packs"
    run = run_case(
        "7 review pack formulas",
        CLI,
        "review-pack",
        "final",
        "--data",
        str(ws.data),
        "--out",
        str(out),
        env={"PDU_CACHE_DIR": str(ws.cache)},
        timeout=RENDER_SECONDS,
        limit=RENDER_BYTES,
    )
    assert run["code"] == 0 and tree(ws.data) == ws.before
    pack = out / "review_pack" / "final" / "expert_citizens_review_pack.xlsx"
    with zipfile.ZipFile(pack) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml"), "no live formula"
    texts = [cell.value for cell in openpyxl.load_workbook(pack)["Actions"]["C"][1:]]
    planted = [t for t in texts if t.startswith("=HYPERLINK(")]
    assert len(planted) == 1
    back = read_table(pack, COLUMNS, name=pack.name, optional=["comment", "theme"])
    assert back["action"].tolist() == texts, "the untouched pack reads back exactly"
    for old in (ws.data / "expert_citizens").iterdir():
        old.unlink()
    shutil.copyfile(pack, ws.data / "expert_citizens" / "2019-02-14.xlsx")
    ws.seal()
    run = ws.render("7 untouched pack returned", "--sections", "data_quality")
    assert run["code"] == 0, run["stderr"]


# --------------------------------------------------------------------------- 8. a full disk names the path that failed

FULL_CACHE = """
import errno, shutil
from pathlib import Path
from pdu_lib.report import cache
def full(*args, **kwargs):
    chart = str(cache.cache_dir() / "sections" / "tmp" / "output" / "charts" / "a.png")
    raise shutil.Error([(chart, chart, "[Errno 28] No space left on device: '" + chart + "'")] * 30)
real = cache.write_private
def full_snapshot(path, data):
    if cache.cache_dir() in Path(path).parents:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    return real(path, data)
cache._store = full
cache.write_private = full_snapshot
from pdu_lib import cli
sys.exit(cli.main(sys.argv[1:]))
"""

FULL_STAGING = """
import errno
from pdu_lib.report import render
def full(frame, path):
    raise OSError(errno.ENOSPC, "No space left on device", str(path))
render.write_figures_csv = full
from pdu_lib import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_case8_a_full_cache_warns_with_the_cache_path_and_the_render_goes_on(ws):
    run = ws.render("8 cache disk full", "--no-cache", "--sections", "data_quality", code=FULL_CACHE)
    assert run["code"] == 0
    found = warnings_of(run)
    assert found and all(len(w) < 300 and "No space left on device" in w and str(ws.cache) in w for w in found)
    assert all("cannot write the cache" in w for w in found)
    assert_complete(ws.report, sections=1)


def test_case8_a_full_staging_folder_exits_3_naming_the_file(ws):
    run = ws.render("8 staging disk full", "--no-cache", code=FULL_STAGING)
    assert run["code"] == 3
    line = one_line(run, "cannot write", str(ws.out / ".pdu-work"), "figures.csv: No space left on device")
    assert "output folder" not in line
    ws.assert_previous_intact()


# --------------------------------------------------------------------------- 9. file names in messages


def test_case9_a_newline_in_an_exports_name_stays_on_one_line(ws):
    (ws.data / "event_surveys" / "E01 broken\nexport.csv").write_text("not,a survey\n", encoding="utf-8")
    run = ws.render("9 newline in a file name", "--sections", "introduction")
    assert run["code"] == 2
    one_line(run, "E01 broken\\nexport.csv")
    ws.assert_previous_intact()


def test_case9_a_name_that_is_not_utf8_is_read_or_refused_in_one_line(ws):
    source = ws.data / "event_surveys" / "E01.csv"
    target = os.path.join(os.fsencode(ws.data / "event_surveys"), b"E01 caf\xe9.csv")
    with open(target, "wb") as file:
        file.write(source.read_bytes())
    source.unlink()
    run = ws.render("9 a file name that is not UTF-8", "--sections", "introduction")
    assert run["code"] == 2
    one_line(run, "event_surveys/E01 caf\\xe9.csv", "is not UTF-8 text", "rename the file")
    ws.assert_previous_intact()


# --------------------------------------------------------------------------- 10. scale of odd inputs

LOAD = (
    "from pdu_lib.inputs.dataset import load_dataset\nds = load_dataset(sys.argv[1], 'final')\nprint(len(ds.hub), len(ds.event_responses))"
)


def test_case10_ignored_columns_are_not_examined_cell_by_cell(ws):
    path = ws.data / "hub_registrations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += "," + ",".join(f"extra{i}" for i in range(200_000))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tree(ws.data)
    run = run_case("10 hub with 200,000 extra columns", LOAD, str(ws.data), env={}, timeout=30, limit=LOAD_BYTES)  # was 38 s, 782 MB
    assert run["code"] == 0 and tree(ws.data) == before


@pytest.mark.xfail(strict=True, reason="each export still costs ~50 ms of pandas work: 9,000 take minutes, not 30 s (not done)")
def test_case10_nine_thousand_tiny_exports_load_in_30_seconds_and_500_mb(ws):
    source = ws.data / "event_surveys" / "E01.csv"
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"))))
    source.unlink()
    for n in range(9000):
        row = list(rows[2 + n % (len(rows) - 2)])
        row[0] = str(7_000_000_000 + n)
        out = io.StringIO()
        csv.writer(out).writerows([*rows[:2], row])
        (ws.data / "event_surveys" / f"E01 part {n:04d}.csv").write_text(out.getvalue(), encoding="utf-8")
    run_case("10 9,000 tiny exports", LOAD, str(ws.data), env={}, timeout=30, limit=500_000_000)


# --------------------------------------------------------------------------- 11. more responses than attendances


def test_case11_more_responses_than_attendances_renders_with_the_double_dagger(ws):
    from pdu_lib.analysis import quality
    from pdu_lib.inputs.dataset import _load

    before = _load(ws.data, "final")
    attended = int((before.attendances["event_id"] == "E01").sum())
    path = ws.data / "event_surveys" / "E01.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    extra = [[str(8_000_000_000 + n), *rows[2 + n % (len(rows) - 2)][1:]] for n in range(attended + 1)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows + extra)
    path.write_text(out.getvalue(), encoding="utf-8")
    ds = _load(ws.data, "final")
    assert len(quality.responses_over_attendances(ds.learning_events, ds.attendances, ds.event_responses)), "the case holds"
    run = ws.render("11 more responses than attendances", "--sections", "data_quality")
    assert run["code"] == 0, run["stderr"]
    page = pages(ws.report)
    assert "\u2021" in page or "\\u2021" in page, "the bar is marked (plotly's JSON escapes the mark)"
    words = re.sub(r"(<br>|\\u003cbr\\u003e|\\n|\s)+", " ", page)  # the chart wraps its axis label
    assert "More responses than attendances were recorded" in words, "with its note"


# --------------------------------------------------------------------------- 12. the review round trip


def _pack_sheet(data: Path, change) -> Path:
    path = data / "expert_citizens" / "2019-02-14.xlsx"
    book = openpyxl.load_workbook(path)
    change(book.worksheets[0])
    book.save(path)
    return path


def test_case12_review_pack_reads_no_judgements(ws, tmp_path):
    _pack_sheet(ws.data, lambda sheet: sheet.cell(row=2, column=3, value="edited by hand"))
    ws.seal()
    out = tmp_path / "packs"
    args = ["review-pack", "final", "--data", str(ws.data), "--out", str(out)]
    run = run_case("12 review-pack ignores returned packs", CLI, *args, env={"PDU_CACHE_DIR": str(ws.cache)}, timeout=120, limit=LOAD_BYTES)
    assert run["code"] == 0 and tree(ws.data) == ws.before
    assert (out / "review_pack" / "final" / "expert_citizens_review_pack.xlsx").is_file()


def test_case12_an_id_edited_to_another_is_named_unknown_and_an_edited_text_is_refused(ws):
    def swap_id(sheet):
        sheet.cell(row=2, column=1, value=sheet.cell(row=3, column=1).value + "X")

    _pack_sheet(ws.data, swap_id)
    run = ws.render("12 unknown id", "--sections", "introduction")
    assert run["code"] == 2
    one_line(run, "expert_citizens/2019-02-14.xlsx, row 2, column 'Action id': unknown action id")
    ws.assert_previous_intact()


def test_case12_a_text_edited_in_the_workbook_is_refused_with_file_row_and_column(ws):
    _pack_sheet(ws.data, lambda sheet: sheet.cell(row=3, column=3, value=str(sheet.cell(row=3, column=3).value) + " and more"))
    run = ws.render("12 text edited in the workbook", "--sections", "introduction")
    assert run["code"] == 2
    one_line(run, "expert_citizens/2019-02-14.xlsx, row 3, column 'Action': the text of action", "restore the text")
    ws.assert_previous_intact()


def test_case12_a_judgement_whose_text_changed_in_the_data_is_set_aside_and_listed_by_id(ws):
    from pdu_lib.inputs.dataset import _load

    judgements = _load(ws.data, "final").judgements.judgements
    judged = set(judgements["action_id"])
    _action_answer(ws.data, "Since then: ", set(judgements["action"]))
    ds = _load(ws.data, "final")
    gone = sorted(judged - set(ds.judgements.judgements["action_id"]))
    assert gone and gone == sorted(ds.judgements.set_aside["action_id"])
    run = ws.render("12 text changed in the data", "--sections", "data_quality")
    assert run["code"] == 0, run["stderr"]
    page = pages(ws.report)
    assert all(action in page for action in gone) and "judgements set aside" in page


# --------------------------------------------------------------------------- 13. plain messages


def _damage_sheet(path: Path) -> None:
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, body in parts:
            target.writestr(
                info, body.replace(b"</sheetData>", b"<row><c><v>1</c></row></sheetData>", 1) if "worksheets/" in info.filename else body
            )


def _entities_in_qdpx(path: Path) -> None:
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, body in parts:
            if info.filename.endswith(".qde"):
                body = re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"") + b'<!DOCTYPE p [<!ENTITY a "aaaa">]>', body, count=1)
            target.writestr(info, body)


@pytest.mark.parametrize(
    "spoil, fragments",
    [
        (
            lambda d: _damage_sheet(d / "attendance_register.xlsx"),
            ("attendance_register.xlsx", "the workbook is damaged (the XML of the first sheet cannot be read", "save it again"),
        ),
        (
            lambda d: (d / "attendance_register.xlsx").write_text("<!DOCTYPE html><html><body>Export</body></html>"),
            ("attendance_register.xlsx", "is a web page (HTML) saved under this name, not an Excel workbook", "export it again"),
        ),
        (
            lambda d: _entities_in_qdpx(next((d / "excerpts").glob("*.qdpx"))),
            (".qdpx", "declares XML entities, which Taguette never writes", "export the project from Taguette again"),
        ),
    ],
    ids=["damaged-workbook", "html-as-xlsx", "entities-in-qdpx"],
)
def test_case13_parser_errors_reach_the_reader_in_plain_words(ws, spoil, fragments):
    spoil(ws.data)
    run = ws.render("13 " + fragments[1][:30], "--sections", "introduction")
    assert run["code"] == 2
    line = one_line(run, *fragments)
    assert not re.search(r"ParseError|EntitiesForbidden|BadZipFile|File is not a zip", line)
    ws.assert_previous_intact()


# --------------------------------------------------------------------------- 14. a cache cleared mid-render

CLEARED = """
import shutil
from pdu_lib.report import cache, incremental, render
real = incremental.run_incremental
def cleared_first(*args, **kwargs):
    cache.clear()  # as another terminal's `pdu-report cache clear` would
    shutil.rmtree(cache.cache_dir(), ignore_errors=True)
    return real(*args, **kwargs)
render.run_incremental = cleared_first
from pdu_lib import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_case14_a_cache_cleared_during_the_render_does_not_break_it(ws):
    run = ws.render("14 cache cleared mid-render", "--sections", "introduction,data_quality", code=CLEARED)
    assert run["code"] == 0, run["stderr"]
    assert "FileNotFoundError" not in run["stderr"]
    assert_complete(ws.report, sections=2)
