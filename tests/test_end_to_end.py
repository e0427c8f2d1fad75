"""End to end: render both reports from the sample, check every figure, offline HTML, size, privacy and escaping."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pdu_lib.report import export, offline, render

pytestmark = pytest.mark.slow

FIGURES_TABLE = Path(__file__).parent / "data" / "report_figures.csv"
HOSTILE = '<script>alert("pdu-xss")</script><img src=x onerror=alert("pdu-xss")><a href="javascript:alert(1)">pdu-xss-link</a>'


@pytest.fixture(scope="module")
def rendered(rendered_sample):
    return rendered_sample


def test_both_reports_render_every_section(rendered):
    out, results = rendered
    assert {r.name for r in results} == {"interim", "final"}
    for result in results:
        assert result.ok, [(s.section.key, s.error) for s in result.failed]
        assert len(list((out / result.name / "sections").glob("*.html"))) == len(result.sections)
        assert (out / result.name / "index.html").is_file()
        assert (out / result.name / f"{result.name}_report.html").is_file()


@pytest.mark.parametrize("report", ["interim", "final"])
def test_figures_csv_holds_every_figure_of_the_table_with_its_value_and_base(rendered, report):
    out, _ = rendered
    written = pd.read_csv(out / report / "figures.csv", dtype={"numerator": "Int64", "base": "Int64", "value": "Int64"}).set_index(
        "figure_id"
    )
    expected = pd.read_csv(FIGURES_TABLE, dtype={"numerator": "Int64", "denominator": "Int64"})
    expected = expected.loc[expected["report"] == report]
    assert set(written.columns) >= {"value", "numerator", "base", "section"}
    for row in expected.itertuples():
        assert row.figure_id in written.index, row.figure_id
        got = written.loc[row.figure_id]
        assert got["value"] == row.value, row.figure_id
        if pd.notna(row.numerator):
            assert got["numerator"] == row.numerator, row.figure_id
        if pd.notna(row.denominator):
            assert got["base"] == row.denominator, row.figure_id


def test_html_has_no_external_resource_reference(rendered):
    out, _ = rendered
    pages = list(out.rglob("*.html"))
    assert pages
    for page in pages:
        assert offline.external_references(page.read_text(encoding="utf-8")) == [], page.name


def test_single_file_carries_plotly_js_once_and_needs_no_other_file(rendered):
    out, _ = rendered
    for report in ("interim", "final"):
        html = (out / report / f"{report}_report.html").read_text(encoding="utf-8")
        assert html.count(export.plotly_js()[:200]) == 1
        assert offline.resource_references(html) == []


def test_a_rendered_report_stays_within_15_mb(rendered):
    out, _ = rendered
    for report in ("interim", "final"):
        assert offline.report_size(out / report) <= render.MAX_REPORT_BYTES


def test_static_charts_are_saved_as_png_and_svg(rendered):
    out, _ = rendered
    charts = out / "final" / "charts"
    pngs = {p.stem for p in charts.glob("*.png")}
    svgs = {p.stem for p in charts.glob("*.svg")}
    assert pngs and pngs == svgs


def test_every_table_header_is_in_readers_words(rendered):
    out, _ = rendered
    headers = {
        th.get_text(strip=True)
        for page in out.glob("*/sections/*.html")
        for th in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("th")
    }
    assert headers, "the test is not vacuous"
    assert sorted(h for h in headers if re.match(r"[a-z]", h) or "_" in h) == [], "a column name shown as a header"


def test_kept_kernels_render_each_section_as_a_fresh_kernel_does(rendered, tmp_path):
    """The render runs one section after another in each kernel; nothing of one section may show in the next."""
    from concurrent.futures import ThreadPoolExecutor

    from pdu_lib import config
    from pdu_lib.report import execute

    _, results = rendered
    final = next(result for result in results if result.name == "final")
    parameters = {"report": "final", "data_dir": str(config.SAMPLE_DATA_DIR), "report_mode": True, "show_intervals": False}

    def fresh(numbered):
        index, section = numbered
        folder = tmp_path / section.key
        folder.mkdir()
        return execute.render_section(
            index,
            section,
            notebooks_dir=config.NOTEBOOKS_DIR,
            parameters={**parameters, "output_dir": str(folder)},
            executed_dir=folder,
            drop_tags=["interim"],
            pool=None,
        )

    with ThreadPoolExecutor(max_workers=2) as threads:
        alone = list(threads.map(fresh, enumerate(result.section for result in final.sections)))
    for kept, own in zip(final.sections, alone):
        assert own.ok, own.error
        assert kept.body == own.body, kept.section.key


def test_rendering_the_same_data_twice_gives_identical_html(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        [result] = render.render_reports(["final"], out_dir=out, jobs=2, sections=["attendance", "learning"])
        assert result.ok
    for page in sorted((first / "final").rglob("*.html")):
        twin = second / "final" / page.relative_to(first / "final")
        assert page.read_bytes() == twin.read_bytes(), page.name


# --- Personal data and hostile text ------------------------------------------------------------


def _rewrite_csv(path: Path, change) -> None:
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp1252", raw.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    change(rows)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding if encoding != "utf-8-sig" else "utf-8-sig"))


def _plant(data: Path) -> list[str]:
    """Put a unique marker in every personal cell of the copy, and hostile text in free-text cells."""
    markers: list[str] = []

    def marker(kind: str) -> str:
        value = f"pdumark{kind}{len(markers):04d}"
        markers.append(value)
        return value

    workbook = openpyxl.load_workbook(data / "attendance_register.xlsx")
    sheet = workbook.worksheets[0]
    header_row = next(r for r in range(1, 11) if "Name" in [c.value for c in sheet[r]])
    header = [c.value for c in sheet[header_row]]
    for row in sheet.iter_rows(min_row=header_row + 1):
        if row[header.index("Name")].value:
            row[header.index("Name")].value = f"Pdu {marker('name')}"
            row[header.index("Email")].value = f"{marker('email')}@marker.example"
    sheet.cell(row=header_row + 1, column=header.index("Organisation") + 1).value = HOSTILE
    workbook.save(data / "attendance_register.xlsx")

    metadata = {
        "respondentid": "rid",
        "collectorid": "cid",
        "ipaddress": "ip",
        "emailaddress": "email",
        "firstname": "first",
        "lastname": "last",
    }

    def plant_survey_rows(rows: list[list]) -> None:
        keys = [re.sub(r"[^a-z]", "", str(h or "").lower()) for h in rows[0]]
        for row in rows[2:]:
            for index, key in enumerate(keys):
                if key in metadata and index < len(row) and str(row[index] or "").strip():
                    kind = metadata[key]
                    row[index] = str(880_000_000_000 + len(markers)) if kind in ("rid", "cid") else marker(kind)
                    if kind in ("rid", "cid"):
                        markers.append(row[index])

    for folder in ("event_surveys", "followup_surveys"):
        for path in sorted((data / folder).iterdir()):
            if path.suffix == ".csv":
                _rewrite_csv(path, plant_survey_rows)
            else:
                book = openpyxl.load_workbook(path)
                ws = book.worksheets[0]
                rows = [[c.value for c in r] for r in ws.iter_rows()]
                plant_survey_rows(rows)
                for r, values in enumerate(rows, start=1):
                    for c, value in enumerate(values, start=1):
                        ws.cell(row=r, column=c).value = value
                book.save(path)

    def hostile_event_title(rows):
        rows[1][rows[0].index("title")] = HOSTILE

    _rewrite_csv(data / "events.csv", hostile_event_title)

    def hostile_excerpt(rows):
        rows[1][rows[0].index("content")] = HOSTILE

    taguette = next((data / "excerpts").glob("taguette*.csv"))
    _rewrite_csv(taguette, hostile_excerpt)
    return markers


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    import shutil

    from pdu_lib import config

    data = tmp_path_factory.mktemp("poisoned") / "data"
    shutil.copytree(config.SAMPLE_DATA_DIR, data)
    markers = _plant(data)
    out = tmp_path_factory.mktemp("poisoned_out")
    [result] = render.render_reports(["final"], data_dir=data, out_dir=out, jobs=2)
    return out, result, markers


def test_no_personal_value_reaches_any_output_byte(poisoned):
    out, result, markers = poisoned
    assert result.ok, [(s.section.key, s.error) for s in result.failed]
    assert len(markers) > 500
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in files) and any(p.suffix == ".csv" for p in files)
    pattern = re.compile("|".join(re.escape(m) for m in markers).encode())
    leaks = {p.name: pattern.search(p.read_bytes()).group().decode() for p in files if pattern.search(p.read_bytes())}
    assert leaks == {}


def test_hostile_free_text_renders_as_text_never_as_markup(poisoned):
    out, result, _ = poisoned
    assert result.ok
    seen_as_text = False
    for page in out.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for script in soup.find_all("script"):
            assert (script.string or "").strip() != 'alert("pdu-xss")', page.name
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                text = " ".join(value) if isinstance(value, list) else str(value)
                assert not (name.startswith("on") and "pdu-xss" in text), (page.name, tag.name, name)
                assert not text.strip().lower().startswith("javascript:"), (page.name, tag.name, name)
        if '<script>alert("pdu-xss")</script>' in soup.get_text():
            seen_as_text = True
    assert seen_as_text, "the hostile text should be shown, as text"
