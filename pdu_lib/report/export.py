"""Exporting an executed notebook to a stable, offline HTML fragment with nbconvert (code hidden)."""

import copy
import functools
import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from pdu_lib import config
from pdu_lib.config import TEMPLATES_DIR, Section

CELLS_TEMPLATE = TEMPLATES_DIR / "pdu_cells.html.j2"


#: Cells with one of these tags are left out of the HTML (the notebook still runs them).
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell"})

#: What the HTML shows of an output, best first. JavaScript and widget views are
#: not shown: they need scripts from the web and nbconvert gives them random ids.
DISPLAY_PRIORITY = (
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/latex",
    "text/plain",
)
PLOTLY_MIME = "application/vnd.plotly.v1+json"

_PLOTLY_CALL = re.compile(r"\bPlotly\.(?:newPlot|react|plot)\s*\(")
#: What a chart's drawing call becomes on a page: it waits until the page has loaded plotly.js
#: (templates/pdu_page.html.j2 defines it), so the text paints before plotly.js is parsed.
QUEUED_CALL = "window.pduPlot("
_PLOTLY_DIV = re.compile(r'<div\s+id="([^"]+)"\s+class="plotly-graph-div"')


# ---------------------------------------------------------------------------
# Exporting to HTML


def without_tagged_cells(nb, tags: Iterable[str]):
    """A copy of ``nb`` without the cells carrying any of ``tags`` (nbconvert's TagRemovePreprocessor).

    The render drops the cells tagged with another report's name (``interim``,
    ``final``) before a section runs, so each report executes and shows only its
    own text; cells tagged ``remove-cell`` run but are left out of the HTML.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("both"),
    ...     nbformat.v4.new_markdown_cell("final only", metadata={"tags": ["final"]})])
    >>> [c.source for c in without_tagged_cells(nb, {"final"}).cells]
    ['both']
    """
    from nbconvert.preprocessors import TagRemovePreprocessor

    remover = TagRemovePreprocessor(remove_cell_tags=set(tags), enabled=True)
    stripped, _ = remover.preprocess(copy.deepcopy(nb), {})
    return stripped


def prepare_for_html(nb, section: Section):
    """A copy of the executed notebook made ready for a stable, offline page.

    Cells get ids from the section key and their position (papermill's injected
    cell has a random one); cells tagged ``remove-cell`` and code cells with
    nothing to show go; stderr (warnings) goes, and is counted; JavaScript and
    widget outputs go; plotly's own mimetype becomes an HTML chart with a fixed
    div id; plotly div ids are prefixed with the section key so they stay
    unique in the single file.
    """
    nb = without_tagged_cells(nb, REMOVE_CELL_TAGS)
    cells = []
    stderr_lines = 0
    plotly_count = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    stderr_lines += len(str(output.get("text", "")).splitlines())
                    continue
                if "data" in output:
                    data = output["data"]
                    if PLOTLY_MIME in data:
                        plotly_count += 1
                        data = {"text/html": queue_plotly_calls(plotly_html(data[PLOTLY_MIME], f"{section.key}-plotly-{plotly_count}"))}
                    elif "text/html" in data:
                        data = dict(data)
                        data["text/html"] = queue_plotly_calls(namespace_plotly_ids(_text(data["text/html"]), section.key))
                    data = {mime: value for mime, value in data.items() if mime in DISPLAY_PRIORITY}
                    if not data:
                        continue
                    output["data"] = data
                outputs.append(output)
            if not outputs:
                continue
            cell["outputs"] = outputs
        cells.append(cell)
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"{section.key}-{number}"
    nb.cells = cells
    return nb, stderr_lines


def plotly_html(figure: dict, div_id: str) -> str:
    """A plotly figure (as JSON) as a chart div; plotly.js is loaded by the page."""
    import plotly.io as pio

    from pdu_lib.present.charts import check_trace_types

    check_trace_types((trace.get("type", "scatter") for trace in figure.get("data", [])), div_id)

    return pio.to_html(figure, include_plotlyjs=False, full_html=False, div_id=div_id, validate=False)


def namespace_plotly_ids(html: str, key: str) -> str:
    """Prefix each plotly div id in an output with the section key (kept when already there).

    >>> namespace_plotly_ids('<div id="c1" class="plotly-graph-div"></div><script>Plotly.newPlot("c1", [])</script>', "links")
    '<div id="links-c1" class="plotly-graph-div"></div><script>Plotly.newPlot("links-c1", [])</script>'
    """
    for div_id in set(_PLOTLY_DIV.findall(html)):
        if div_id.startswith(f"{key}-"):
            continue
        html = html.replace(f'"{div_id}"', f'"{key}-{div_id}"')
    return html


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_THREAD = threading.local()


def _exporter():
    """This thread's HTML exporter: made once per thread, as its templates take longer to compile than a section to export."""
    exporter = getattr(_THREAD, "exporter", None)
    if exporter is None:
        exporter = _THREAD.exporter = _new_exporter()
    return exporter


def _new_exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    quiet = logging.getLogger("pdu_lib.report.render.nbconvert")
    quiet.setLevel(logging.ERROR)  # "Alternative text is missing" for every chart
    conf = Config()
    conf.NbConvertBase.display_data_priority = list(DISPLAY_PRIORITY)
    conf.TemplateExporter.exclude_input = True
    conf.TemplateExporter.exclude_input_prompt = True
    conf.TemplateExporter.exclude_output_prompt = True
    conf.HTMLExporter.exclude_anchor_links = True
    conf.HTMLExporter.embed_images = True
    conf.HTMLExporter.sanitize_html = False  # our own notebooks; plotly charts are scripts
    return HTMLExporter(config=conf, template_name="lab", template_file=str(CELLS_TEMPLATE), log=quiet)


def notebook_body(nb, section: Section, resources_path: Path | None = None) -> tuple[str, int]:
    """The section's HTML fragment (cells only, code hidden) and its count of stderr lines."""
    prepared, stderr_lines = prepare_for_html(nb, section)
    resources = {"metadata": {"name": Path(section.notebook).stem, "path": str(resources_path or "")}}
    body, _ = _exporter().from_notebook_node(prepared, resources=resources)
    return body.strip() + "\n", stderr_lines


def queue_plotly_calls(html: str) -> str:
    """Each plotly drawing call in an output, made to wait until the page has loaded plotly.js.

    >>> queue_plotly_calls('<script>if (document.getElementById("c")) { Plotly.newPlot("c", [], {}) }</script>')
    '<script>if (document.getElementById("c")) { window.pduPlot("c", [], {}) }</script>'
    """
    return _PLOTLY_CALL.sub(QUEUED_CALL, html)


def has_plotly(html: str) -> bool:
    """Does this HTML draw a plotly chart (and so need plotly.js)?

    >>> has_plotly('<script>window.pduPlot("c", [], {})</script>'), has_plotly("<p>text</p>")
    (True, False)
    """
    return QUEUED_CALL in html or bool(_PLOTLY_CALL.search(html))


@functools.cache
def plotly_js() -> str:
    """The pages' plotly.js (``config.PLOTLY_JS``, the basic bundle), safe to inline in a <script>."""
    return config.PLOTLY_JS.read_text(encoding="utf-8").replace("</script", "<\\/script")


def plotly_js_version(script: str) -> str:
    """The version a plotly.js bundle names in its opening comment.

    >>> plotly_js_version("/**\\n* plotly.js (basic - minified) v4.1.1\\n*/")
    '4.1.1'
    """
    found = re.search(r"plotly\.js[^\n]*? v(\d+\.\d+\.\d+)", script[:500])
    if found is None:
        raise ValueError("no plotly.js version in the bundle's opening comment")
    return found.group(1)
