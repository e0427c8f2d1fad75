"""Rendering: executed notebooks become offline, stable HTML; failures leave the last good render alone.

The end-to-end tests render tiny throwaway notebooks (written into a temporary
folder) that print text, show a matplotlib PNG and SVG, a plotly chart made the
way the report notebooks make them, and a table. The data functions of the
lead (load_dataset, compute_figures) are stubbed: these tests are about
rendering, not figures.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from notebookfiles import write_notebook

from pdu_lib import cli, config
from pdu_lib.config import Section
from pdu_lib.errors import InputError
from pdu_lib.report import execute, export, figures_csv, offline, publish, render

REPORTS_YML = textwrap.dedent(
    """\
    programme: Test Programme
    author: A. Evaluator
    author_organisation: Evaluation Co
    commissioner: The Funder
    reports:
      interim:
        title: Interim evaluation report
        published: July 2018
        start: 2017-10-01
        end: 2018-06-30
      final:
        title: Final evaluation report
        published: February 2019
        start: 2017-10-01
        end: 2019-01-31
        reviews_end: 2019-02-28
        compare_with: interim
    """
)

PARAMETERS = "report = 'final'\ndata_dir = ''\noutput_dir = ''\nreport_mode = False"

CHARTS = [
    "# CODE-MARKER-charts: this comment must not reach the HTML\nprint('TEXT-MARKER', report, report_mode)",
    "import sys\nprint('KERNEL-PYTHON', sys.executable)",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\nax.bar(['a', 'b'], [1, 2])\nplt.show()",
    # The report notebooks' way: HTML without plotly.js, a fixed div id.
    "import plotly.graph_objects as go\nfrom IPython.display import HTML, display\n"
    "chart = go.Figure(go.Bar(x=['a', 'b'], y=[3, 4]))\n"
    "display(HTML(chart.to_html(full_html=False, include_plotlyjs=False, div_id='bars')))",
    "import warnings\nwarnings.warn('STDERR-MARKER')",
    "import pandas as pd\npd.DataFrame({'people': [1, 2]})",
    "from pathlib import Path\nfolder = Path(output_dir, 'charts')\nfolder.mkdir(exist_ok=True)\n"
    "fig.savefig(folder / 'bars.png')\nfig.savefig(folder / 'bars.svg')",
]

PLAIN = [
    "print('PLAIN-MARKER')",
    # SVG ids are random unless svg.hashsalt is set: the renderer sets it, this notebook does not.
    "%config InlineBackend.figure_formats = ['svg']\nimport matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(2, 2))\nax.plot([1, 2], [2, 1])\nplt.show()",
]

FAILS = ["print('got this far')", "raise ValueError('NOTEBOOK-ERROR-MARKER')"]


def tagged_cell(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


# Cells for one report only: the other report's cells neither run nor show.
REPORT_TAGGED = [
    tagged_cell(nbformat.v4.new_markdown_cell("FINAL-ONLY-MARKER text"), "final"),
    tagged_cell(nbformat.v4.new_markdown_cell("INTERIM-ONLY-MARKER text"), "interim"),
    tagged_cell(nbformat.v4.new_code_cell("raise RuntimeError('an interim cell ran in the final report')"), "interim"),
]


SECTIONS = (
    Section("charts", "01_charts.ipynb", "Charts"),
    Section("plain", "02_plain.ipynb", "Plain"),
)
FAILING = (*SECTIONS, Section("broken", "03_broken.ipynb", "Broken"))

FIGURES = pd.DataFrame(
    {
        "figure_id": ["shared_pct", "events", "attendances"],
        "value": [48.0, 19.0, 468.0],
        "numerator": [36.0, None, None],
        "base": [75.0, None, None],
        "section": ["plain", "charts", "charts"],
        "unit": ["percent", "count", "count"],
        "statement": ["Shared what they learnt", "Learning events", "Attendances"],
    }
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("render")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_charts.ipynb", CHARTS, PARAMETERS, "# Charts heading\n\nSome prose.")
    write_notebook(notebooks / "02_plain.ipynb", PLAIN, PARAMETERS, "# Plain heading\n\nSome prose.", tagged=REPORT_TAGGED)
    write_notebook(notebooks / "03_broken.ipynb", FAILS, PARAMETERS, "# Broken heading\n\nSome prose.")
    data = root / "data"
    data.mkdir()
    (data / "reports.yml").write_text(REPORTS_YML, encoding="utf-8")
    # A user-wide "python3" kernelspec pointing nowhere, as a stale one in
    # ~/.local/share/jupyter would: the render must not depend on it.
    bogus = root / "jupyter" / "kernels" / "python3"
    bogus.mkdir(parents=True)
    (bogus / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "stale",
                "language": "python",
            }
        )
    )
    return root


@pytest.fixture(scope="module")
def patched(workspace):
    """config pointed at the tiny notebooks; the lead's data functions stubbed; a hostile environment."""
    calls = []

    def fake_load_dataset(data_dir, report_name):
        calls.append(report_name)
        return {"report": report_name}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "NOTEBOOKS_DIR", workspace / "notebooks")
        mp.setattr(config, "SECTIONS", SECTIONS)
        mp.setattr(render, "load_dataset", fake_load_dataset)
        mp.setattr(render, "compute_figures", lambda dataset: FIGURES.copy())
        mp.setenv("MPLBACKEND", "Agg")  # as CI often sets: would drop every inline chart
        mp.setenv("JUPYTER_PATH", str(workspace / "jupyter"))
        yield mp, calls


@pytest.fixture(scope="module")
def renders(workspace, patched):
    """Render 'final' twice into the same folder, keeping a copy of the first; then a failing render over it."""
    mp, calls = patched
    out = workspace / "outputs"
    first = render.render_reports(["final"], workspace / "data", out, jobs=2, sections=None)
    shutil.copytree(out / "final", workspace / "first")
    second = render.render_reports(["final"], workspace / "data", out, jobs=2, sections=None)
    shutil.copytree(out / "final", workspace / "second")

    # Through the command line, keeping what render_reports returned.
    real, failing = render.render_reports, []

    def keep(*args, **kwargs):
        failing.extend(real(*args, **kwargs))
        return failing

    mp.setattr(config, "SECTIONS", FAILING)
    mp.setattr(render, "render_reports", keep)
    code = cli.main(["render", "final", "--data", str(workspace / "data"), "--out", str(out), "--jobs", "2", "--sections", "plain,broken"])
    mp.setattr(render, "render_reports", real)
    mp.setattr(config, "SECTIONS", SECTIONS)
    return {
        "first": first,
        "second": second,
        "failing": failing,
        "failing_exit": code,
        "out": out,
        "copy": workspace / "first",
        "second_copy": workspace / "second",
        "datasets_loaded": list(calls),
    }


def files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def html_pages(folder: Path) -> dict[str, str]:
    return {name: data.decode("utf-8") for name, data in files(folder).items() if name.endswith(".html")}


# ---------------------------------------------------------------------------
# End to end (tiny notebooks)


def test_a_good_render_writes_the_layout(renders):
    report = renders["copy"]
    assert renders["first"][0].ok and renders["second"][0].ok
    assert sorted(files(report)) == [
        ".pdu-report.json",
        "assets/plotly.min.js",
        "charts/bars.png",
        "charts/bars.svg",
        "figures.csv",
        "final_report.docx",
        "final_report.html",
        "index.html",
        "sections/01_charts.html",
        "sections/02_plain.html",
    ]
    assert not list(renders["out"].glob(".*")), "no lock, staging, work or old folder left behind"


def test_pages_hide_code_and_stderr_but_show_output(renders):
    for name, page in html_pages(renders["copy"]).items():
        assert "CODE-MARKER" not in page, name
        assert "warnings.warn" not in page and "STDERR-MARKER" not in page, name
        assert "In&nbsp;[" not in page and "Out[" not in page, name
    charts = (renders["copy"] / "sections/01_charts.html").read_text(encoding="utf-8")
    assert "TEXT-MARKER final True" in charts  # the parameters reached the notebook
    assert "data:image/png;base64," in charts
    assert 'class="dataframe"' in charts
    assert "<h1" in charts and "Charts heading" in charts


def test_cells_tagged_for_another_report_neither_run_nor_show(renders):
    plain = renders["second"][0].sections[1]
    assert plain.ok, plain.error
    assert "FINAL-ONLY-MARKER" in plain.body and "INTERIM-ONLY-MARKER" not in plain.body


def test_the_kernel_is_this_interpreter_and_draws_inline(renders):
    # JUPYTER_PATH held a broken 'python3' kernelspec and MPLBACKEND was Agg.
    charts = (renders["copy"] / "sections/01_charts.html").read_text(encoding="utf-8")
    assert f"KERNEL-PYTHON {sys.executable}" in charts
    assert "data:image/png;base64," in charts


def test_no_page_refers_to_the_network(renders):
    for name, page in html_pages(renders["copy"]).items():
        assert offline.external_references(page) == [], name
        markup = re.sub(
            r"<script( type=\"text/plain\" id=\"pdu-plotly-js\")?>.*?</script>", "<script></script>", page, flags=re.DOTALL
        )  # inline JS is code, not markup
        assert "require" not in markup and "mathjax" not in markup.lower(), name


def test_plotly_js_is_loaded_only_where_a_chart_is_and_once_in_the_single_file(renders):
    report = renders["copy"]
    charts = (report / "sections/01_charts.html").read_text(encoding="utf-8")
    plain = (report / "sections/02_plain.html").read_text(encoding="utf-8")
    index = (report / "index.html").read_text(encoding="utf-8")
    single = (report / "final_report.html").read_text(encoding="utf-8")

    # plotly.js loads after the text has painted, and the chart's drawing call waits for it.
    assert offline.resource_references(charts) == []
    assert 'script.src = "../assets/plotly.min.js"' in charts and "requestAnimationFrame" in charts
    queued = re.search(r'window\.pduPlot\(\s*"charts-bars"', charts)
    assert queued and not re.search(r'Plotly\.newPlot\(\s*"charts-bars"', charts)
    assert charts.index("window.pduPlot = function") < queued.start()
    assert 'id="charts-bars"' in charts  # div id made unique for the single file
    assert "plotly.min.js" not in plain and "plotly.min.js" not in index
    assert (report / "assets/plotly.min.js").read_text(encoding="utf-8").startswith("/**\n* plotly.js")

    marker = export.plotly_js().splitlines()[1]  # "* plotly.js (basic - minified) v..."
    assert marker.startswith("* plotly.js") and single.count(marker) == 1
    # inlined once, as inert text after the report's content, run after the first paint
    assert single.index('<script type="text/plain" id="pdu-plotly-js">') < single.index(marker)
    assert single.rindex("</main>") < single.index(marker)
    assert offline.resource_references(single) == [], "the single file must stand alone"


def test_the_single_file_holds_the_index_and_every_section(renders):
    single = (renders["copy"] / "final_report.html").read_text(encoding="utf-8")
    for marker in ("Contents", "TEXT-MARKER", "PLAIN-MARKER", 'id="section-charts"', 'id="section-plain"', 'href="#section-plain"'):
        assert marker in single
    assert "<svg" in single or "data:image/svg+xml" in single


def test_index_has_front_matter_and_contents_but_no_figure_ids(renders):
    index = (renders["copy"] / "index.html").read_text(encoding="utf-8")
    assert "Final evaluation report" in index and "Test Programme" in index
    assert "October 2017 to January 2019" in index
    assert "A. Evaluator, Evaluation Co" in index and "The Funder" in index and "February 2019" in index
    assert 'href="sections/01_charts.html">Charts</a>' in index
    assert 'href="sections/02_plain.html">Plain</a>' in index
    assert "shared_pct" not in index and "figure_id" not in index
    assert 'href="final_report.html"' in index


def test_figures_csv_is_written_in_section_order(renders):
    # Sections in report order; within one, compute_figures' own order.
    text = (renders["copy"] / "figures.csv").read_text(encoding="utf-8")
    assert text == (
        "figure_id,value,numerator,base,section,unit,statement,source_files,question,filter,metric\n"
        "events,19,,,charts,count,Learning events,,,,\n"
        "attendances,468,,,charts,count,Attendances,,,,\n"
        "shared_pct,48,36,75,plain,percent,Shared what they learnt,,,,\n"
    )


def test_rendering_twice_gives_identical_files(renders):
    # charts/ holds what the notebooks saved; those are the chart module's business.
    first = {k: v for k, v in files(renders["copy"]).items() if not k.startswith("charts/")}
    second = {k: v for k, v in files(renders["out"] / "final").items() if not k.startswith("charts/")}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_a_failed_section_exits_non_zero_and_the_last_good_render_stays(renders):
    assert renders["failing_exit"] == 1
    out = renders["out"]
    # The previous render is untouched, byte for byte.
    assert files(out / "final") == files(renders["second_copy"])
    kept = out / "final.failed" / "03_broken.ipynb"
    assert kept.is_file()
    executed = nbformat.read(kept, as_version=4)
    assert any("NOTEBOOK-ERROR-MARKER" in str(output) for cell in executed.cells for output in cell.get("outputs", []))
    assert sorted(p.name for p in (out / "final.failed").iterdir()) == [".pdu-report.json", "03_broken.ipynb"]


def test_a_failing_render_names_the_section_and_its_error(workspace, patched, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(
        config, "SECTIONS", (Section("broken", "03_broken.ipynb", "Broken"), Section("missing", "99_missing.ipynb", "Missing"))
    )
    results = render.render_reports(["final"], workspace / "data", tmp_path, jobs=2)
    err = capsys.readouterr().err
    assert "section 'broken' (03_broken.ipynb) failed: ValueError: NOTEBOOK-ERROR-MARKER (cell [" in err
    assert "section 'missing' (99_missing.ipynb) failed: notebook not found" in err
    assert not results[0].ok and [r.section.key for r in results[0].failed] == ["broken", "missing"]
    assert not (tmp_path / "final").exists(), "nothing published"
    assert (tmp_path / "final.failed" / "03_broken.ipynb").is_file()


def test_the_other_sections_still_render_when_one_fails(renders):
    (result,) = renders["failing"]
    plain, broken = result.sections
    assert plain.ok and "PLAIN-MARKER" in plain.body
    assert not broken.ok and broken.error.startswith("ValueError: NOTEBOOK-ERROR-MARKER (cell [")
    assert broken.failed_notebook == renders["out"] / "final.failed" / "03_broken.ipynb"


def test_the_report_stays_under_the_size_limit(renders):
    report = renders["copy"]
    size = offline.report_size(report)
    assert size == sum(p.stat().st_size for p in report.rglob("*") if p.is_file())
    assert size < render.MAX_REPORT_BYTES
    assert renders["second"][0].size_bytes == offline.report_size(renders["out"] / "final")


def test_data_is_checked_once_per_report_before_rendering(renders):
    # Once for the first render; the later renders of the same data open its checked snapshot.
    assert renders["datasets_loaded"] == ["final"]


# ---------------------------------------------------------------------------
# Bad input fails fast, before any kernel starts


def test_bad_data_stops_everything_before_any_notebook_runs(workspace, patched, monkeypatch, tmp_path):
    loaded = []

    def load(data_dir, name):
        loaded.append(name)
        if name == "final":
            raise InputError("register.xlsx", "unknown sector 'Charity'", row=14, column="Sector")
        return {}

    monkeypatch.setattr(render, "load_dataset", load)
    monkeypatch.setattr(render, "render_report", lambda *a, **k: pytest.fail("rendered despite bad data"))
    # A cache of its own: the data stays the same, only the stubbed check turns bad.
    monkeypatch.setenv("PDU_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(InputError, match="register.xlsx, row 14"):
        render.render_reports(["all"], workspace / "data", tmp_path / "out")
    assert loaded == ["interim", "final"]
    assert not (tmp_path / "out").exists()
    assert len(list((tmp_path / "cache" / "datasets").glob("*.snapshot"))) == 1, "interim's checked data kept; nothing for final's"


@pytest.mark.parametrize(
    "names, sections, message",
    [
        (["midterm"], None, "no report named 'midterm'"),
        (["final"], ["charts", "nope"], "unknown section 'nope'"),
        ([], None, "no report to render"),
    ],
)
def test_unknown_names_are_input_errors(workspace, monkeypatch, tmp_path, names, sections, message):
    monkeypatch.setattr(config, "SECTIONS", SECTIONS)
    monkeypatch.setattr(render, "load_dataset", lambda *a: pytest.fail("data loaded"))
    with pytest.raises(InputError, match=message):
        render.render_reports(names, workspace / "data", tmp_path, sections=sections)


def test_missing_reports_yml_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="reports.yml"):
        render.render_reports(["final"], tmp_path, tmp_path / "out")


# ---------------------------------------------------------------------------
# Pieces


def test_kernel_runs_on_this_interpreter_whatever_kernelspecs_say(monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    manager = execute.new_kernel_manager()
    assert manager.kernel_spec.argv[0] == sys.executable
    assert manager.kernel_spec.env["MPLBACKEND"] == "module://matplotlib_inline.backend_inline"
    assert Path(manager.kernel_spec.env["MATPLOTLIBRC"]).read_text().count("svg.hashsalt") == 1


def _notebook(outputs: list[dict], tags=()) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["tags"] = list(tags)
    cell.outputs = [nbformat.from_dict(output) for output in outputs]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), cell]
    return nb


def test_the_pages_plotly_js_is_the_version_plotly_py_draws_for():
    from plotly.offline import get_plotlyjs_version

    assert export.plotly_js_version(export.plotly_js()) == get_plotlyjs_version(), (
        "update pdu_lib/templates/plotly-basic.min.js to the plotly.js that the installed plotly ships (npm: plotly.js-basic-dist-min)"
    )


def test_a_chart_the_basic_bundle_cannot_draw_is_refused():
    import plotly.graph_objects as go

    from pdu_lib.present import charts

    with pytest.raises(ValueError, match="chart 'heat' draws a heatmap trace"):
        charts.ReportChart(go.Figure(go.Heatmap(z=[[1, 2]])), "heat")
    with pytest.raises(ValueError, match="draws a heatmap trace"):
        export.plotly_html({"data": [{"type": "heatmap", "z": [[1]]}], "layout": {}}, "heat")


def test_plotly_mimetype_outputs_become_charts_with_fixed_ids():
    figure = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {}}
    nb = _notebook([{"output_type": "display_data", "metadata": {}, "data": {export.PLOTLY_MIME: figure, "text/plain": "Figure"}}])
    section = Section("links", "06_links.ipynb", "Links")
    once, _ = export.notebook_body(nb, section)
    twice, _ = export.notebook_body(nb, section)
    assert once == twice
    assert 'id="links-plotly-1"' in once and export.has_plotly(once)
    assert offline.external_references(once) == []


def test_javascript_and_widget_outputs_are_dropped():
    nb = _notebook(
        [
            {"output_type": "display_data", "metadata": {}, "data": {"application/javascript": "alert(1)"}},
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "W"},
            },
        ]
    )
    body, _ = export.notebook_body(nb, Section("a", "01_a.ipynb", "A"))
    assert "alert(1)" not in body and "<script" not in body
    assert "W" in body  # the text fallback of the widget


def test_cells_tagged_remove_cell_and_stderr_are_left_out():
    nb = _notebook([{"output_type": "stream", "name": "stdout", "text": "SHOWN"}], tags=["remove-cell"])
    extra = nbformat.v4.new_code_cell("y = 2")
    extra.outputs = [nbformat.from_dict({"output_type": "stream", "name": "stderr", "text": "warn 1\nwarn 2\n"})]
    nb.cells.append(extra)
    prepared, stderr_lines = export.prepare_for_html(nb, Section("a", "01_a.ipynb", "A"))
    assert [cell.cell_type for cell in prepared.cells] == ["markdown"]
    assert [cell.id for cell in prepared.cells] == ["a-1"]
    assert stderr_lines == 2


def test_external_references_finds_every_kind_of_off_page_reference():
    page = """
    <link rel="stylesheet" href="https://cdn.example/lab.css">
    <script src="//cdn.example/require.js"></script>
    <style>@import url('http://fonts.example/font.css'); body { background: url("https://img.example/bg.png") }</style>
    <div style="background-image: url(HTTPS://img.example/x.png)"></div>
    <img srcset="https://img.example/a.png 1x, local.png 2x">
    <svg><image xlink:href="https://img.example/s.png"/></svg>
    <script>var notAReference = "https://plotly.com/";</script>
    <img src="data:image/png;base64,AAAA"><a href="#top">top</a><a href="https://example.org">link</a>
    <img src="charts/local.png">
    """
    assert offline.external_references(page) == [
        "https://cdn.example/lab.css",
        "//cdn.example/require.js",
        "http://fonts.example/font.css",
        "https://img.example/bg.png",
        "HTTPS://img.example/x.png",
        "https://img.example/a.png",
        "https://img.example/s.png",
    ]
    assert "https://example.org" in offline.external_references(page, include_links=True)
    assert "charts/local.png" in offline.resource_references(page)


def test_local_images_are_inlined_for_the_single_file(tmp_path):
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "c.png").write_bytes(b"\x89PNG fake")
    html = '<p><img alt="c" src="charts/c.png"> <img src="data:image/png;base64,AA"> <img src="missing.png"></p>'
    inlined = publish.inline_local_images(html, tmp_path)
    assert 'src="data:image/png;base64,iVBORyBmYWtl"' in inlined
    assert 'src="missing.png"' in inlined


def test_swap_replaces_the_old_render_only_as_a_whole(tmp_path):
    final, staging = tmp_path / "final", tmp_path / ".final.rendering"
    final.mkdir()
    (final / "old.html").write_text("old")
    (final / ".pdu-report.json").write_text('{"written_by": "pdu-report"}')
    staging.mkdir()
    (staging / "new.html").write_text("new")
    render._swap_in(staging, final)
    assert [p.name for p in final.iterdir()] == ["new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]


def test_figures_csv_writes_whole_numbers_plainly_and_keeps_fractions(tmp_path):
    frame = pd.DataFrame(
        {
            "figure_id": ["b", "a", "c"],
            "value": [0.25, 3.0, 5],
            "numerator": [1, None, pd.NA],
            "base": pd.array([4, None, 9], dtype="Int64"),
            "section": ["zz", "zz", "charts"],
        }
    )
    figures_csv.write_figures_csv(frame, tmp_path / "figures.csv")
    assert (tmp_path / "figures.csv").read_text() == (
        "figure_id,value,numerator,base,section,unit,statement,source_files,question,filter,metric\n"
        "c,5,,9,charts,,,,,,\nb,0.25,1,4,zz,,,,,,\na,3,,,zz,,,,,,\n"
    )


def test_report_size_counts_every_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.bin").write_bytes(b"1234")
    (tmp_path / "y.html").write_bytes(b"12")
    assert offline.report_size(tmp_path) == 6


@pytest.mark.parametrize("opens_with_front_matter", [True, False])
def test_the_single_file_shows_one_title_page(tmp_path, opens_with_front_matter):
    from pdu_lib.report.execute import SectionResult
    from pdu_lib.report.publish import publish

    period = config.ReportPeriod(
        "final",
        "Final evaluation report",
        "February 2019",
        dt.date(2017, 10, 1),
        dt.date(2019, 1, 31),
        dt.date(2019, 1, 31),
        author="A. Evaluator",
    )
    intro = Section("intro", "01_intro.ipynb", "Introduction", front_matter=opens_with_front_matter)
    results = [
        SectionResult(intro, ok=True, body="<h1>Final evaluation report</h1>\n<p>By A. Evaluator</p>\n<h2>Introduction</h2>\n"),
        SectionResult(Section("plain", "02_plain.ipynb", "Plain"), ok=True, body="<p>Text.</p>\n"),
    ]
    for sub in ("sections", "charts"):
        (tmp_path / sub).mkdir()
    single = publish(tmp_path, period, results, programme="Test Programme").single_file.read_text(encoding="utf-8")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    main = single[single.index("<main") :]
    assert main.count("<h1>Final evaluation report</h1>") == (1 if opens_with_front_matter else 2)
    assert index.count("<h1>Final evaluation report</h1>") == 1 and "A. Evaluator" in index  # the index keeps its title page
    assert 'href="#section-plain"' in single
    title, contents, introduction = (
        main.index(text) for text in ("<h1>Final evaluation report</h1>", 'id="contents"', "<h2>Introduction</h2>")
    )
    assert title < contents < introduction, "the contents follow the title page"
