"""Both rendered reports in a real browser (headless Chromium), with the network blocked.

Every page of both reports: no request leaves the machine, no console error,
every chart draws and every image loads, no sideways scroll at phone widths
(390 and 320 CSS px), no serious or critical axe-core violation; and the
printed (A4) single file has no element wider than the page.

Run with ``make test-browser``. Needs the ``browser`` extra (playwright,
axe-playwright-python) and Debian's ``chromium`` package: ``playwright install``
downloads a browser, which these machines cannot do, so the system one is used.
"""

from __future__ import annotations

import contextlib
import functools
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
  const charts = [...document.querySelectorAll('.plotly-graph-div')];
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


_ALL_CHARTS_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')].every(c =>
  [...c.querySelectorAll('.trace .point path')].some(b => b.getBoundingClientRect().width > 0) && c.getBoundingClientRect().height >= 100)"""


def _wait_for_charts(page) -> None:
    """Charts draw once plotly.js, loaded after the text has painted, is parsed: wait for that, not a fixed time."""
    with contextlib.suppress(playwright_api.TimeoutError):  # the measurement that follows names the charts that did not draw
        page.wait_for_function(_ALL_CHARTS_DRAWN, timeout=20_000)


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
