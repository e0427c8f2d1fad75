"""Both rendered reports in a real browser (headless Chromium), with the network blocked.

Every page of both reports: no request leaves the machine, no console error,
every chart draws and every image loads, no sideways scroll at phone widths
(390 and 320 CSS px), chart text of at least 9 CSS px there, no caption cut off,
a scrolling table that says so, "tap" rather than "hover" on a touch screen, no
serious or critical axe-core violation. The printed (A4) single file has no
element wider than the page, numbered pages, no chart or small table split and
no heading at a page's foot; LibreOffice's layout of the Word copy keeps every
picture within the margins.

Run with ``make test-browser``. Needs the ``browser`` extra (playwright,
axe-playwright-python) and Debian's ``chromium`` package: ``playwright install``
downloads a browser, which these machines cannot do, so the system one is used.
The print and Word checks also need poppler-utils and libreoffice-writer; they are
skipped, saying so, where those are missing.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import shutil
from pathlib import Path

import pytest

from pdu_lib import config
from pdu_lib.report import render
from pdu_lib.report.publish import section_filename, single_name

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[browser]' (see README.md)")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -e '.[browser]' (see README.md)")

CHROMIUM = os.environ.get("PDU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
REPORTS = ("interim", "final")
PAGES = ["index.html", *[f"sections/{section_filename(s)}" for s in config.SECTIONS]]
PHONE_WIDTHS = (390, 320)
# A4 less the print stylesheet's margins (18 mm each side), in CSS px.
A4_CONTENT_PX = round((210 - 2 * 18) / 25.4 * 96)

if not CHROMIUM:
    pytest.skip("no chromium: `apt-get install chromium` (see README.md)", allow_module_level=True)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """Both reports, rendered once per test session."""
    out = tmp_path_factory.mktemp("browser-outputs")
    results = render.render_reports(["all"], out_dir=out, jobs=2)
    assert all(r.ok for r in results), [(s.section.key, s.error) for r in results for s in r.failed]
    return out


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _pages(report: str) -> list[str]:
    return [*PAGES, single_name(report)]


ALL_PAGES = [(report, page) for report in REPORTS for page in _pages(report)]

_CHARTS_AND_IMAGES = """() => {
  // Charts shown at this width (on a phone the static chart's narrow drawing stands in for an interactive one).
  const charts = [...document.querySelectorAll('.plotly-graph-div')].filter(c => c.closest('figure').getClientRects().length);
  const images = [...document.images];
  return {
    charts: charts.length,
    undrawn: charts.filter(c => {
      const bars = [...c.querySelectorAll('.trace .point path')];
      return !bars.some(b => b.getBoundingClientRect().width > 0) || c.getBoundingClientRect().height < 100;
    }).map(c => c.id),
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt || i.src.slice(0, 60)),
  };
}"""

_TOO_WIDE = """([limit, inScrollBoxes]) => {
  // Elements reaching past the right edge; with inScrollBoxes, a table's content may, inside the box that scrolls it.
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    if (inScrollBoxes && element.parentElement.closest('.pdu-scroll')) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > limit + 1) wide.push(`${element.tagName.toLowerCase()}.${element.className} ${Math.round(box.right)}px`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10)};
}"""


_ALL_CHARTS_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')].filter(c => c.closest('figure').getClientRects().length).every(c =>
  [...c.querySelectorAll('.trace .point path')].some(b => b.getBoundingClientRect().width > 0) && c.getBoundingClientRect().height >= 100)"""


def _wait_for_charts(page) -> None:
    """Charts draw once plotly.js, loaded after the text has painted, is parsed: wait for that, not a fixed time."""
    with contextlib.suppress(playwright_api.TimeoutError):  # the measurement that follows names the charts that did not draw
        page.wait_for_function(_ALL_CHARTS_DRAWN, timeout=20_000)


_CHART_TEXT = """() => {
  // Every chart shown: a static one's picture (the drawing the browser chose, its drawn and natural widths)
  // and the smallest text of an interactive one, in CSS px.
  const shown = e => e.getClientRects().length > 0;
  const images = [...document.querySelectorAll('figure.pdu-chart img')].filter(shown)
    .map(i => ({src: i.currentSrc, width: i.getBoundingClientRect().width, natural: i.naturalWidth, alt: i.alt}));
  const sizes = [...document.querySelectorAll('figure.pdu-interactive')].filter(shown)
    .flatMap(f => [...f.querySelectorAll('svg text')].filter(t => t.textContent.trim() && shown(t)))
    .map(t => parseFloat(getComputedStyle(t).fontSize));
  return {images, interactive: sizes.length ? Math.min(...sizes) : null};
}"""

_CUT_CAPTIONS = """(width) => {
  // Captions with a line of text outside the screen or outside a box that clips it.
  const cut = [];
  for (const caption of document.querySelectorAll('caption, figcaption')) {
    if (!caption.getClientRects().length) continue;
    let left = 0, right = width;
    for (let box = caption.parentElement; box; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') {
        const r = box.getBoundingClientRect();
        left = Math.max(left, r.left);
        right = Math.min(right, r.right);
      }
    }
    const range = document.createRange();
    range.selectNodeContents(caption);
    if ([...range.getClientRects()].some(r => r.width > 0 && (r.right > right + 1 || r.left < left - 1))) cut.push(caption.textContent.trim().slice(0, 80));
  }
  return cut;
}"""

_SCROLL_HINTS = """() => [...document.querySelectorAll('.pdu-scroll')].filter(b => b.getClientRects().length).map(b => {
  const hint = b.querySelector(':scope > .pdu-scroll-hint');
  const shown = !!hint && hint.getClientRects().length > 0 && hint.getBoundingClientRect().right <= b.getBoundingClientRect().right + 1
    && getComputedStyle(hint, '::before').content.includes('Scroll sideways');
  return {label: b.getAttribute('aria-label'), scrolls: b.scrollWidth > b.clientWidth + 1, says: shown};
})"""


class _Inspection(dict):
    pass


@functools.cache
def _inspect(out: Path, browser, report: str, page_name: str) -> _Inspection:
    """Load one page once with the network blocked; measure everything the tests check."""
    found = _Inspection(requests=[], errors=[])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)

    def block(route):
        found["requests"].append(route.request.url)
        route.abort()

    context.route("http://*/**", block)
    context.route("https://*/**", block)
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:", "blob:")) else found["requests"].append(r.url))
    page.on("console", lambda m: found["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found["errors"].append(str(e)))
    page.goto((out / report / page_name).as_uri(), wait_until="load")
    _wait_for_charts(page)
    found["media"] = page.evaluate(_CHARTS_AND_IMAGES)
    found["axe"] = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in axe_api.Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    found["phone"] = {}
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(200)
        _wait_for_charts(page)
        found["phone"][width] = page.evaluate(_TOO_WIDE, [width, True])
        found["phone"][width]["media"] = page.evaluate(_CHARTS_AND_IMAGES)
        found["phone"][width]["scrolling"] = page.evaluate(
            "() => [...document.querySelectorAll('.pdu-scroll')].filter(b => b.scrollWidth > b.clientWidth)"
            ".map(b => b.getAttribute('tabindex') === '0' && b.getAttribute('aria-label'))"
        )
        found["phone"][width]["chart_text"] = page.evaluate(_CHART_TEXT)
        found["phone"][width]["cut_captions"] = page.evaluate(_CUT_CAPTIONS, width)
        found["phone"][width]["scroll_hints"] = page.evaluate(_SCROLL_HINTS)
    context.close()
    return found


@pytest.fixture(params=ALL_PAGES, ids=[f"{r}:{p}" for r, p in ALL_PAGES])
def inspected(request, rendered, browser):
    report, page = request.param
    return _inspect(rendered, browser, report, page)


def test_no_request_leaves_the_machine(inspected):
    assert inspected["requests"] == []


def test_no_console_error(inspected):
    assert inspected["errors"] == []


def test_every_chart_draws_and_every_image_loads(inspected):
    media = inspected["media"]
    assert media["undrawn"] == [] and media["broken"] == []
    for width in PHONE_WIDTHS:
        assert inspected["phone"][width]["media"]["undrawn"] == [], width


def test_single_file_has_charts_and_images(rendered, browser):
    media = _inspect(rendered, browser, "final", single_name("final"))["media"]
    assert media["charts"] >= 3 and media["images"] >= 5  # the test above is not vacuous


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_no_sideways_scroll_on_a_phone(inspected, width):
    measured = inspected["phone"][width]
    assert measured["scrollWidth"] <= width and measured["wide"] == [], measured


@pytest.mark.parametrize("report", REPORTS)
def test_a_wide_table_scrolls_inside_its_own_focusable_box(rendered, browser, report):
    appendix = next(s for s in config.SECTIONS if s.key == "data_quality")
    scrolling = _inspect(rendered, browser, report, f"sections/{section_filename(appendix)}")["phone"][320]["scrolling"]
    assert scrolling and all(scrolling), scrolling  # some do scroll, each can take focus and has a name


def test_no_serious_or_critical_axe_violation(inspected):
    assert inspected["axe"] == []


@pytest.mark.parametrize("report", REPORTS)
def test_printed_single_file_fits_the_a4_page(rendered, browser, report, tmp_path):
    context = browser.new_context(viewport={"width": A4_CONTENT_PX, "height": 1000}, offline=True)
    page = context.new_page()
    page.goto((rendered / report / single_name(report)).as_uri(), wait_until="load")
    page.emulate_media(media="print")
    measured = page.evaluate(_TOO_WIDE, [A4_CONTENT_PX, False])  # print: no box scrolls on paper
    hints = page.evaluate(
        "() => [...document.querySelectorAll('.pdu-hover-hint, .plotly-graph-div')].filter(e => e.getClientRects().length).length"
    )
    pdf = tmp_path / f"{report}.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    context.close()
    assert measured["wide"] == [] and measured["scrollWidth"] <= A4_CONTENT_PX, measured
    assert hints == 0  # interactive charts and hover hints are not printed
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


@pytest.mark.parametrize("report", REPORTS)
def test_the_text_paints_before_plotly_js_runs(rendered, browser, report):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    page.goto((rendered / report / single_name(report)).as_uri(), wait_until="load")
    page.wait_for_function("() => performance.getEntriesByName('pdu-charts-load').length > 0")
    paint, load = page.evaluate(
        "() => [performance.getEntriesByName('first-contentful-paint')[0].startTime, performance.getEntriesByName('pdu-charts-load')[0].startTime]"
    )
    context.close()
    assert paint <= load, (paint, load)


_TWINS = """() => [...document.querySelectorAll('figure.pdu-replaces-static')].map(chart => {
  const cell = chart.closest('.jp-Cell');
  const before = cell.previousElementSibling;
  const twin = (before && before.querySelector('figure.pdu-chart')) || [...cell.querySelectorAll('figure.pdu-chart')].pop();
  return {static: !!twin && twin.getClientRects().length > 0, interactive: chart.getClientRects().length > 0, found: !!twin};
})"""


@pytest.mark.parametrize("report", REPORTS)
def test_no_chart_appears_twice_on_screen_and_print_keeps_the_static_one(rendered, browser, report):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    page.goto((rendered / report / single_name(report)).as_uri(), wait_until="load")
    screen = page.evaluate(_TWINS)
    page.emulate_media(media="print")
    printed = page.evaluate(_TWINS)
    context.close()
    assert screen and all(t["found"] for t in screen), screen  # the report has interactive charts standing in for static ones
    assert all(t["interactive"] and not t["static"] for t in screen), screen
    assert all(t["static"] and not t["interactive"] for t in printed), printed


# --- phone ----------------------------------------------------------------------------------------


def _png_text_px(src: str, out: Path) -> float:
    """The smallest text the chart PNG at ``src`` records (charts.MIN_TEXT_PX_KEY), in the PNG's pixels."""
    import base64
    import io
    from urllib.parse import unquote, urlparse

    from PIL import Image

    from pdu_lib.present import charts

    data = base64.b64decode(src.split(",", 1)[1]) if src.startswith("data:") else Path(unquote(urlparse(src).path)).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        return float(image.text[charts.MIN_TEXT_PX_KEY])


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_chart_text_measures_at_least_9_css_px_on_a_phone(inspected, rendered, width):
    measured = inspected["phone"][width]["chart_text"]
    sizes = [(image["alt"][:50], _png_text_px(image["src"], rendered) * image["width"] / image["natural"]) for image in measured["images"]]
    assert all(size >= 9 for _alt, size in sizes), sizes
    assert measured["interactive"] is None or measured["interactive"] >= 9, measured["interactive"]


def test_the_phone_check_measures_charts(rendered, browser):
    measured = _inspect(rendered, browser, "final", single_name("final"))["phone"][320]["chart_text"]
    assert len(measured["images"]) >= 5, "the static charts are measured (the test above is not vacuous)"
    desk = _inspect(rendered, browser, "final", single_name("final"))["media"]
    assert desk["charts"] >= 3


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_no_caption_is_cut_off_on_a_phone(inspected, width):
    assert inspected["phone"][width]["cut_captions"] == []


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_a_table_that_scrolls_says_so_and_one_that_fits_does_not(inspected, width):
    hints = inspected["phone"][width]["scroll_hints"]
    assert all(hint["scrolls"] == hint["says"] for hint in hints), [h for h in hints if h["scrolls"] != h["says"]]


@pytest.mark.parametrize("report", REPORTS)
def test_a_touch_screen_is_told_to_tap_not_hover(rendered, browser, report):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, offline=True, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto((rendered / report / single_name(report)).as_uri(), wait_until="load")
    _wait_for_charts(page)
    touch = page.evaluate("() => matchMedia('(hover: none)').matches")
    text = page.evaluate("() => document.body.innerText")
    context.close()
    assert touch, "the emulated tablet has no hover"
    assert "hover" not in text.lower() and "tap for counts" in text


# --- print ----------------------------------------------------------------------------------------

PDFTOTEXT = shutil.which("pdftotext")

_MARK_FOR_PRINT = """() => {
  // Tiny white marks at the top and bottom of each chart and small table, and at the end of each
  // heading, found again in the PDF's text: they show on which pages each one starts and ends.
  const style = document.createElement('style');
  style.textContent = '.pdu-mark{position:absolute;left:0;font:4px/1 monospace;color:#fff;white-space:nowrap}'
    + '.pdu-mark-top{top:0}.pdu-mark-bottom{bottom:0}.pdu-mark-heading{font:4px/1 monospace;color:#fff}';
  document.head.append(style);
  const shown = e => e.getClientRects().length > 0;
  // A table of 10 rows or fewer, unless its rows are so long that it is taller than a page (A4 less margins: 259 mm).
  const page = 259 / 25.4 * 96;
  const small = [...document.querySelectorAll('.pdu-scroll')].filter(b => b.querySelector('table').tBodies[0]
    && [...b.querySelector('table').tBodies].reduce((n, body) => n + body.rows.length, 0) <= 10
    && b.getBoundingClientRect().height < page);
  const blocks = [...document.querySelectorAll('figure.pdu-chart'), ...small].filter(shown);
  blocks.forEach((block, i) => {
    if (getComputedStyle(block).position === 'static') block.style.position = 'relative';
    for (const [end, mark] of [['top', 'S'], ['bottom', 'E']]) {
      const span = document.createElement('span');
      span.className = 'pdu-mark pdu-mark-' + end;
      span.textContent = 'QZ' + mark + i + 'QZ';
      block.append(span);
    }
  });
  const headings = [...document.querySelectorAll('main h2, main h3, main h4')].filter(shown);
  headings.forEach((heading, i) => {
    const span = document.createElement('span');
    span.className = 'pdu-mark-heading';
    span.textContent = 'QZH' + i + 'QZ';
    heading.append(span);
  });
  return {blocks: blocks.map(b => (b.querySelector('img') || {}).alt || b.getAttribute('aria-label')), headings: headings.map(h => h.textContent)};
}"""


def _printed(rendered, browser, report, tmp_path):
    import subprocess

    context = browser.new_context(viewport={"width": A4_CONTENT_PX, "height": 1000}, offline=True)
    page = context.new_page()
    page.goto((rendered / report / single_name(report)).as_uri(), wait_until="load")
    page.emulate_media(media="print")
    marked = page.evaluate(_MARK_FOR_PRINT)
    pdf = tmp_path / f"{report}.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    context.close()
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return marked, text.split("\f")[:-1]


@pytest.mark.skipif(not PDFTOTEXT, reason="no pdftotext: `apt-get install poppler-utils` (see README.md)")
@pytest.mark.parametrize("report", REPORTS)
def test_printed_pages_are_numbered_and_keep_charts_small_tables_and_headings_whole(rendered, browser, report, tmp_path):
    import re

    marked, pages = _printed(rendered, browser, report, tmp_path)
    assert len(marked["blocks"]) >= 10 and len(pages) > 10  # the checks below are not vacuous
    lines = [[line.strip() for line in page.splitlines() if line.strip()] for page in pages]
    assert all(str(number) in page for number, page in enumerate(lines, start=1) if number > 1), (
        "a page after the title page lacks its number"
    )
    assert "1" not in lines[0], "the title page has no number"

    def pages_with(mark: str) -> list[int]:
        return [number for number, page in enumerate(pages, start=1) if mark in page]

    split = [
        (name, pages_with(f"QZS{i}QZ"), pages_with(f"QZE{i}QZ"))
        for i, name in enumerate(marked["blocks"])
        if pages_with(f"QZS{i}QZ") != pages_with(f"QZE{i}QZ")
    ]
    assert split == [], split
    stranded = []
    for i, heading in enumerate(marked["headings"]):
        for number in pages_with(f"QZH{i}QZ"):
            after = pages[number - 1].split(f"QZH{i}QZ", 1)[1]
            rest = [line for line in after.splitlines() if line.strip() and not re.fullmatch(r"\s*\d+\s*", line)]
            if not rest:
                stranded.append((heading, number))
    assert stranded == [], "headings at the foot of a page"


# --- the Word copy, as LibreOffice lays it out --------------------------------------------------

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
PDFTOHTML = shutil.which("pdftohtml")


@pytest.mark.skipif(
    not LIBREOFFICE, reason="no LibreOffice: `apt-get install libreoffice-writer` (see README.md) to check the Word copy's layout"
)
@pytest.mark.skipif(not PDFTOHTML, reason="no pdftohtml: `apt-get install poppler-utils` (see README.md)")
@pytest.mark.parametrize("report", REPORTS)
def test_no_picture_of_the_word_copy_crosses_the_margin_in_libreoffice(rendered, report, tmp_path):
    import re
    import subprocess

    from pdu_lib.report import word, word_layout

    docx = rendered / report / word.docx_name(report)
    profile = (tmp_path / "lo-profile").as_uri()  # a profile of its own: no clash with a LibreOffice already open
    subprocess.run(
        [LIBREOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / docx.with_suffix(".pdf").name
    subprocess.run([PDFTOHTML, "-xml", "-zoom", "1", "-q", str(pdf), str(tmp_path / "layout")], check=True, timeout=120)
    xml = (tmp_path / "layout.xml").read_text(encoding="utf-8")
    margin = word_layout.MARGIN / 20  # points
    crossing, pictures = [], 0
    for number, height, width, content in re.findall(
        r'<page number="(\d+)"[^>]*height="([\d.]+)" width="([\d.]+)">(.*?)</page>', xml, re.S
    ):
        assert abs(float(width) - 595) < 2 and abs(float(height) - 842) < 2, "A4"
        for top, left, w, h in re.findall(r'<image top="([-\d.]+)" left="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"', content):
            pictures += 1
            top, left, w, h = map(float, (top, left, w, h))
            if left < margin - 2 or left + w > float(width) - margin + 2 or top < margin - 2 or top + h > float(height) - margin + 2:
                crossing.append((int(number), left, left + w, top, top + h))
    assert pictures >= 5, "the charts are there (the check is not vacuous)"
    assert crossing == [], crossing


# ---------------------------------------------------------------------------
# pdu-report preview: the open page reloads when a notebook is saved


def test_the_preview_page_reloads_itself_when_its_notebook_is_saved(browser, tmp_path, monkeypatch):
    import json
    import threading

    from pdu_lib.report.preview import PreviewSettings, run_preview

    data, notebooks = tmp_path / "data", tmp_path / "notebooks"
    shutil.copytree(config.SAMPLE_DATA_DIR, data)
    shutil.copytree(config.NOTEBOOKS_DIR, notebooks, ignore=shutil.ignore_patterns(".*"))
    monkeypatch.setenv("PDU_CACHE_DIR", str(tmp_path / "cache"))
    log = io.StringIO()
    ready, stop = threading.Event(), threading.Event()
    settings = PreviewSettings("final", data, tmp_path / "out", notebooks, port=0, jobs=2, stream=log)
    thread = threading.Thread(target=run_preview, args=(settings,), kwargs={"ready": ready, "stop": stop})
    thread.start()
    try:
        assert ready.wait(600), log.getvalue()
        address = next(line for line in log.getvalue().splitlines() if "Previewing" in line).split(" at ")[1].split()[0]
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        loads: list[int] = []
        page.on("load", lambda _: loads.append(1))
        page.goto(address + "sections/09_changes_at_work.html")
        page.wait_for_function("() => document.body.innerText.length > 100")
        assert "The evaluator saved this sentence a moment ago." not in page.inner_text("main")

        path = notebooks / "09_changes_at_work.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = [c for c in nb["cells"] if c["cell_type"] == "markdown"][-1]
        cell["source"] = "".join(cell["source"]) + "\n\nThe evaluator saved this sentence a moment ago."
        path.write_text(json.dumps(nb, indent=1), encoding="utf-8")

        page.wait_for_function("() => document.body.innerText.includes('The evaluator saved this sentence a moment ago.')", timeout=120_000)
        assert len(loads) >= 2, "the page reloaded itself"
        assert all(url.startswith(address) for url in requests), [url for url in requests if not url.startswith(address)]
        context.close()
    finally:
        stop.set()
        thread.join(600)
