"""Render the reports: execute the section notebooks and publish offline HTML.

``render_reports(["final"], data_dir, out_dir, jobs, sections)`` is what
``pdu-report render`` calls. For each report it

1. checks the data once (``pdu_lib.dataset.load_dataset``), so bad input stops
   the run with one :class:`~pdu_lib.errors.InputError` before any notebook runs;
2. writes ``figures.csv`` from ``pdu_lib.figures.compute_figures``;
3. executes every section notebook with papermill, in parallel (``jobs``
   kernels at a time), with the parameters ``report``, ``data_dir``,
   ``output_dir`` and ``report_mode=True``;
4. exports each executed notebook to an HTML fragment with nbconvert (code,
   prompts and stderr left out) and wraps it in the project's own page shell
   (``templates/``): inline CSS, no script, style, font or image from the web;
5. writes ``index.html``, ``sections/NN_name.html``, ``assets/plotly.min.js``
   (only when a page holds a plotly chart) and ``<report>_report.html``, one
   self-contained file with every section and plotly.js inlined once.

Everything is built in a staging folder beside the report's folder and swapped
in only when every section rendered: a failed render leaves the previous
``outputs/<report>/`` untouched and keeps each failed, executed notebook in
``outputs/<report>.failed/``.

Rendering twice from the same data gives byte-identical HTML: cell ids are
renumbered, plotly div ids are fixed, JavaScript outputs (which nbconvert gives
random ids) are dropped, and the kernels run with a fixed matplotlib SVG salt,
``SOURCE_DATE_EPOCH`` and ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import base64
import copy
import csv
import html as html_lib
import logging
import math
import mimetypes
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Sequence

from pdu_lib import config
from pdu_lib.config import ReportPeriod, Section
from pdu_lib.dataset import load_dataset
from pdu_lib.errors import InputError
from pdu_lib.figures import compute_figures

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CELLS_TEMPLATE = TEMPLATES_DIR / "pdu_cells.html.j2"
MATPLOTLIBRC = TEMPLATES_DIR / "matplotlibrc"

#: A rendered report, folder and single file together, stays under this size.
MAX_REPORT_BYTES = 15_000_000

PLOTLY_ASSET = "assets/plotly.min.js"
FIGURE_COLUMNS = ("figure_id", "value", "numerator", "base", "section", "unit", "statement")

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
_PLOTLY_DIV = re.compile(r'<div\s+id="([^"]+)"\s+class="plotly-graph-div"')
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Results


@dataclass
class SectionResult:
    """How one section went. ``error`` is short: the cell's exception, one line."""

    section: Section
    ok: bool
    error: str | None = None
    failed_notebook: Path | None = None
    seconds: float = 0.0
    stderr_lines: int = 0
    body: str = field(default="", repr=False)
    has_plotly: bool = False


@dataclass
class ReportResult:
    """How one report went; ``ok`` only when every section (and figures.csv) rendered."""

    name: str
    report_dir: Path
    sections: list[SectionResult]
    figures_error: str | None = None
    single_file: Path | None = None
    size_bytes: int | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[SectionResult]:
        return [result for result in self.sections if not result.ok]

    @property
    def ok(self) -> bool:
        return self.figures_error is None and not self.failed


# ---------------------------------------------------------------------------
# Entry point


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def render_reports(
    names: Sequence[str],
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    jobs: int | None = None,
    sections: Sequence[str] | None = None,
    *,
    intervals: bool = False,
    stream=None,
) -> list[ReportResult]:
    """Render the named reports (``"all"``: every report of ``reports.yml``).

    ``sections`` is a list of section keys (``config.SECTIONS``) to render, or
    None for all of them. Raises :class:`InputError` for an unknown report or
    section and for data that fails its checks, before any notebook runs.
    Section failures do not raise: they are in the results (``ok`` False),
    printed to ``stream`` (stderr) with their error.
    """
    stream = sys.stderr if stream is None else stream
    data_dir = Path(config.SAMPLE_DATA_DIR if data_dir is None else data_dir).resolve()
    out_dir = Path(config.OUTPUTS_DIR if out_dir is None else out_dir).resolve()
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InputError("--jobs", f"must be at least 1, not {jobs}")
    if not data_dir.is_dir():
        raise InputError(data_dir, "no such data folder")

    chosen = select_sections(config.SECTIONS, sections)
    periods = config.load_reports(data_dir)
    wanted: list[str] = []
    for name in names or ():
        for each in (list(periods) if name == "all" else [name]):
            if each not in wanted:
                wanted.append(each)
    if not wanted:
        raise InputError(data_dir / config.REPORTS_FILE, "no report to render: name one, or 'all'")
    for name in wanted:
        if name != "all" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
            raise InputError(data_dir / config.REPORTS_FILE, f"report name {name!r} cannot name a folder: use letters, digits, '-' and '_'")
    resolved = [config.report_period(data_dir, name) for name in wanted]
    programme = config.programme_name(data_dir)

    # Fail fast: every report's data is checked before any kernel starts.
    datasets = {period.name: load_dataset(data_dir, period.name) for period in resolved}

    results = []
    for period in resolved:
        results.append(
            render_report(
                period,
                datasets[period.name],
                data_dir=data_dir,
                out_dir=out_dir,
                sections=chosen,
                notebooks_dir=Path(config.NOTEBOOKS_DIR),
                jobs=jobs,
                programme=programme,
                partial=len(chosen) < len(config.SECTIONS),
                intervals=intervals,
                stream=stream,
            )
        )
    return results


def select_sections(all_sections: Sequence[Section], keys: Sequence[str] | None) -> list[Section]:
    """The sections named by ``keys``, in report order; all of them for None.

    >>> from pdu_lib.config import Section
    >>> s = [Section("a", "01_a.ipynb", "A"), Section("b", "02_b.ipynb", "B")]
    >>> [x.key for x in select_sections(s, ["b", "a"])]
    ['a', 'b']
    """
    if not keys:
        return list(all_sections)
    known = {section.key for section in all_sections}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise InputError(
            "--sections",
            f"unknown section {', '.join(map(repr, unknown))}; known: {', '.join(s.key for s in all_sections)}",
        )
    return [section for section in all_sections if section.key in set(keys)]


# ---------------------------------------------------------------------------
# One report


def render_report(
    period: ReportPeriod,
    dataset: Any,
    *,
    data_dir: Path,
    out_dir: Path,
    sections: Sequence[Section],
    notebooks_dir: Path,
    jobs: int = 1,
    programme: str = "",
    partial: bool = False,
    intervals: bool = False,
    stream=None,
) -> ReportResult:
    """Render one report into ``out_dir/<name>/``, swapping it in only on success."""
    stream = sys.stderr if stream is None else stream
    started = time.monotonic()
    name = period.name
    data_dir, out_dir, notebooks_dir = Path(data_dir), Path(out_dir), Path(notebooks_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final_dir = out_dir / name
    staging = out_dir / f".{name}.rendering"
    failed_dir = out_dir / f"{name}.failed"
    result = ReportResult(name=name, report_dir=final_dir, sections=[])

    _remove(staging)
    _remove(failed_dir)  # failures of an earlier render would only mislead
    for sub in ("sections", "charts"):
        (staging / sub).mkdir(parents=True)
    executed_dir = Path(tempfile.mkdtemp(prefix=f"pdu-{name}-"))
    try:
        try:
            write_figures_csv(compute_figures(dataset), staging / "figures.csv")
        except InputError:
            raise
        except Exception as exc:  # a defect in the figures code: report it like a section
            result.figures_error = _short(f"{type(exc).__name__}: {exc}")
            _say(stream, f"{name}: figures.csv failed: {result.figures_error}")

        params = {
            "report": name,
            "data_dir": str(data_dir),
            "output_dir": str(staging),
            "report_mode": True,
            "show_intervals": intervals,
        }
        result.sections = run_sections(
            sections,
            notebooks_dir=notebooks_dir,
            parameters=params,
            executed_dir=executed_dir,
            jobs=jobs,
            desc=name,
            stream=stream,
        )
        for section_result in result.failed:
            kept = _keep_failed(section_result, executed_dir, failed_dir)
            _say(stream, f"{name}: section {section_result.section.key!r} ({section_result.section.notebook}) failed: {section_result.error}")
            if kept:
                _say(stream, f"    executed notebook kept: {kept}")
        for section_result in result.sections:
            if section_result.ok and section_result.stderr_lines:
                _say(stream, f"{name}: section {section_result.section.key!r} wrote {section_result.stderr_lines} line(s) to stderr (warnings); they are not in the HTML")

        if not result.ok:
            result.seconds = time.monotonic() - started
            previous = "the previous render is unchanged" if final_dir.exists() else "nothing was published"
            _say(stream, f"{name}: {len(result.failed)} of {len(sections)} section(s) failed; {previous} ({final_dir})")
            return result

        figures = read_figures_csv(staging / "figures.csv")
        result.single_file = publish(staging, period, result.sections, figures, programme=programme, partial=partial, all_sections=config.SECTIONS)
        _swap_in(staging, final_dir)
        result.single_file = final_dir / result.single_file.name
        result.size_bytes = report_size(final_dir)
        result.seconds = time.monotonic() - started
        _say(stream, f"{name}: {len(sections)} section(s) rendered to {final_dir} ({result.size_bytes / 1e6:.1f} MB, {result.seconds:.0f} s)")
        if result.size_bytes > MAX_REPORT_BYTES:
            _say(stream, f"{name}: warning: the report is {result.size_bytes / 1e6:.1f} MB, over the {MAX_REPORT_BYTES / 1e6:.0f} MB limit")
        return result
    finally:
        _remove(staging)
        _remove(executed_dir)


def _keep_failed(section_result: SectionResult, executed_dir: Path, failed_dir: Path) -> Path | None:
    executed = executed_dir / section_result.section.notebook
    if not executed.exists():
        return None
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = failed_dir / section_result.section.notebook
    shutil.copyfile(executed, target)
    section_result.failed_notebook = target
    return target


def _swap_in(staging: Path, final_dir: Path) -> None:
    """Replace ``final_dir`` by ``staging``; the old folder goes only once the new one is in place."""
    old = final_dir.with_name(f".{final_dir.name}.old")
    _remove(old)
    if final_dir.exists():
        final_dir.rename(old)
    try:
        staging.rename(final_dir)
    except BaseException:
        if old.exists() and not final_dir.exists():
            old.rename(final_dir)
        raise
    _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _say(stream, line: str) -> None:
    from tqdm import tqdm

    tqdm.write(line, file=stream)


def _short(text: str, limit: int = 300) -> str:
    text = _ANSI.sub("", str(text)).strip()
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# figures.csv


def write_figures_csv(frame, path: Path) -> None:
    """Write the figures table in a fixed column and row order.

    Rows are grouped by section in report order (``config.SECTIONS``; other
    sections after, alphabetically); within a section they keep the order of
    ``compute_figures``, which is stable by contract, so two renders of the
    same data write the same file. Whole numbers are written without ``.0``.
    """
    columns = list(frame.columns)
    if "figure_id" not in columns:
        raise ValueError(f"compute_figures returned no figure_id column (columns: {columns})")
    rank = {section.key: index for index, section in enumerate(config.SECTIONS)}
    rows = []
    for record in frame.to_dict("records"):
        rows.append({column: record.get(column) for column in FIGURE_COLUMNS})
    rows.sort(key=lambda row: (rank.get(_cell(row["section"]), len(rank)), _cell(row["section"])))  # stable
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIGURE_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row[column]) for column in FIGURE_COLUMNS])


def read_figures_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _cell(value) -> str:
    """A value as figures.csv writes it.

    >>> [_cell(v) for v in (36.0, 0.48, None, float("nan"), "x", 7)]
    ['36', '0.48', '', '', 'x', '7']
    """
    if value is None:
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        value = float(value)
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if type(value).__name__.startswith(("int", "uint")):
        return str(int(value))
    return str(value)


def figure_display(row: dict[str, str]) -> str:
    """A figure as the index shows it: the value with its base.

    >>> figure_display({"value": "47", "unit": "percent", "numerator": "47", "base": "100"})
    '47% (47 of 100)'
    >>> figure_display({"value": "25", "unit": "percent", "numerator": "", "base": "400"})
    '25% (base 400)'
    >>> figure_display({"value": "12", "unit": "fraction", "numerator": "12", "base": "30"})
    '12 of 30'
    >>> figure_display({"value": "400", "unit": "count", "numerator": "", "base": ""})
    '400'
    """
    value, unit = row.get("value", ""), (row.get("unit") or "").strip()
    numerator, base = row.get("numerator", ""), row.get("base", "")
    if unit == "fraction":
        return f"{numerator or value} of {base}" if base else value
    shown = f"{value}%" if unit in ("percent", "%") else value
    if unit not in ("", "count", "percent", "%", "fraction"):
        shown = f"{value} {unit}"
    if numerator and base:
        return f"{shown} ({numerator} of {base})"
    if base:
        return f"{shown} (base {base})"
    return shown


# ---------------------------------------------------------------------------
# Executing the notebooks


def kernel_env() -> dict[str, str]:
    """Environment added to each notebook kernel, for a reproducible render.

    The kernel imports the same ``pdu_lib`` as the renderer (PYTHONPATH), draws
    matplotlib figures inline even where the shell sets MPLBACKEND (CI often
    sets Agg, which would drop every chart), salts SVG ids (MATPLOTLIBRC) and
    dates (SOURCE_DATE_EPOCH), and fixes str hashing (PYTHONHASHSEED).
    """
    root = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    return {
        "PYTHONPATH": root + (os.pathsep + path if path else ""),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MATPLOTLIBRC": str(MATPLOTLIBRC),
        "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"),
        "PYTHONHASHSEED": "0",
    }


def _kernel_manager_class():
    import zmq
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ThisInterpreterKernelManager(AsyncKernelManager):
        """Runs notebooks on the interpreter that runs the render.

        A kernel found by name ("python3") can be another Python: a user-wide
        kernelspec in ~/.local/share/jupyter wins over the venv's own, and a
        fresh venv may have none. The renderer's interpreter has the pinned
        packages, so the kernel uses it (ipykernel's own spec, sys.executable).
        """

        @default("transport_encryption")
        def _transport_encryption_default(self):
            # Encrypt the local TCP channels when pyzmq can (ipykernel warns otherwise).
            return "auto" if zmq.has("curve") else "disabled"

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                from ipykernel.kernelspec import RESOURCES, get_kernel_dict

                spec = get_kernel_dict()
                spec["env"] = kernel_env()
                self._kernel_spec = KernelSpec(resource_dir=RESOURCES, **spec)
            return self._kernel_spec

    return ThisInterpreterKernelManager


def execute_notebook(notebook: Path, executed: Path, parameters: dict, cwd: Path, timeout: int | None = None):
    """Execute one notebook with papermill; the executed copy goes to ``executed``.

    The kernel's working folder is ``cwd`` (the notebooks folder, as in
    JupyterLab), given to the kernel rather than through papermill's ``cwd``,
    which changes the whole process's folder and so is unsafe in threads.
    """
    import papermill

    return papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters=parameters,
        kernel_name="python3",
        language="python",
        progress_bar=False,
        log_output=False,
        start_timeout=120,
        execution_timeout=timeout,
        kernel_manager_class=_kernel_manager_class(),
        resources={"metadata": {"path": str(cwd)}},
    )


def run_sections(
    sections: Sequence[Section],
    *,
    notebooks_dir: Path,
    parameters: dict,
    executed_dir: Path,
    jobs: int = 1,
    desc: str = "",
    stream=None,
) -> list[SectionResult]:
    """Execute and export each section, ``jobs`` at a time; results in section order."""
    from tqdm import tqdm

    stream = sys.stderr if stream is None else stream
    running: list[str] = []
    lock = threading.Lock()
    bar = tqdm(total=len(sections), desc=desc or "render", unit="section", file=stream, dynamic_ncols=True)

    def show() -> None:
        bar.set_postfix_str(("running: " + ", ".join(running)) if running else "", refresh=True)

    def one(index: int, section: Section) -> SectionResult:
        with lock:
            running.append(section.key)
            show()
        try:
            return render_section(index, section, notebooks_dir=notebooks_dir, parameters=parameters, executed_dir=executed_dir)
        finally:
            with lock:
                running.remove(section.key)
                bar.update(1)
                show()

    results: dict[str, SectionResult] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="pdu-section") as pool:
            futures = {pool.submit(one, index, section): section for index, section in enumerate(sections)}
            for future in as_completed(futures):
                section = futures[future]
                results[section.key] = future.result()
    finally:
        bar.close()
    return [results[section.key] for section in sections]


def render_section(
    index: int,
    section: Section,
    *,
    notebooks_dir: Path,
    parameters: dict,
    executed_dir: Path,
) -> SectionResult:
    """Execute one section notebook and export it; never raises for the notebook's own errors."""
    started = time.monotonic()
    notebook = notebooks_dir / section.notebook
    executed = executed_dir / section.notebook
    if not notebook.is_file():
        return SectionResult(section, ok=False, error=f"notebook not found: {notebook}")
    try:
        nb = execute_notebook(notebook, executed, parameters, cwd=notebooks_dir)
    except Exception as exc:
        return SectionResult(section, ok=False, error=describe_failure(exc), seconds=time.monotonic() - started)
    try:
        body, stderr_lines = notebook_body(nb, section, resources_path=notebooks_dir)
    except Exception as exc:
        return SectionResult(section, ok=False, error=f"HTML export failed: {_short(f'{type(exc).__name__}: {exc}')}", seconds=time.monotonic() - started)
    return SectionResult(
        section,
        ok=True,
        body=body,
        has_plotly=has_plotly(body),
        stderr_lines=stderr_lines,
        seconds=time.monotonic() - started,
    )


def describe_failure(exc: BaseException) -> str:
    """The cell's exception, short: ``KeyError: 'x' (cell [4])``."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        where = f" (cell [{exc.exec_count}])" if exc.exec_count is not None else ""
        return _short(f"{exc.ename}: {exc.evalue}") + where
    return _short(f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------
# Exporting to HTML


def prepare_for_html(nb, section: Section):
    """A copy of the executed notebook made ready for a stable, offline page.

    Cells get ids from the section key and their position (papermill's injected
    cell has a random one); cells tagged ``remove-cell`` and code cells with
    nothing to show go; stderr (warnings) goes, and is counted; JavaScript and
    widget outputs go; plotly's own mimetype becomes an HTML chart with a fixed
    div id; plotly div ids are prefixed with the section key so they stay
    unique in the single file.
    """
    nb = copy.deepcopy(nb)
    cells = []
    stderr_lines = 0
    plotly_count = 0
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_CELL_TAGS:
            continue
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
                        data = {"text/html": plotly_html(data[PLOTLY_MIME], f"{section.key}-plotly-{plotly_count}")}
                    elif "text/html" in data:
                        data = dict(data)
                        data["text/html"] = namespace_plotly_ids(_text(data["text/html"]), section.key)
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


def _exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    quiet = logging.getLogger("pdu_lib.render.nbconvert")
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


def has_plotly(html: str) -> bool:
    """Does this HTML draw a plotly chart (and so need plotly.js)?"""
    return bool(_PLOTLY_CALL.search(html))


def plotly_js() -> str:
    """plotly.js, as the installed plotly ships it, safe to inline in a <script>."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


# ---------------------------------------------------------------------------
# Pages


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _css() -> str:
    return (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8").strip()


def section_filename(section: Section) -> str:
    """``sections/<NN_name>.html`` for the notebook ``NN_name.ipynb``."""
    return f"{Path(section.notebook).stem}.html"


def publish(
    folder: Path,
    period: ReportPeriod,
    results: Sequence[SectionResult],
    figures: list[dict[str, str]],
    *,
    programme: str,
    partial: bool = False,
    all_sections: Sequence[Section] = (),
) -> Path:
    """Write the pages of a fully rendered report into ``folder``; return the single file's path."""
    from markupsafe import Markup

    env = _environment()
    page = env.get_template("pdu_page.html.j2")
    css = Markup(_css())
    sections = [result.section for result in results]
    report_title = f"{period.title}: {period.label()}"
    partial_note = ""
    if partial:
        partial_note = f"This render holds {len(sections)} of the report's {len(all_sections) or len(sections)} sections."

    any_plotly = any(result.has_plotly for result in results)
    if any_plotly:
        asset = folder / PLOTLY_ASSET
        asset.parent.mkdir(parents=True, exist_ok=True)
        asset.write_text(plotly_js(), encoding="utf-8")

    def index_fragment(link: Callable[[Section], str]) -> Markup:
        return Markup(
            env.get_template("pdu_index.html.j2").render(
                period=period,
                programme=programme,
                partial_note=partial_note,
                contents=[(section.title, link(section)) for section in sections],
                figure_groups=figure_groups(figures),
            )
        )

    # index.html
    (folder / "index.html").write_text(
        page.render(
            title=f"{period.title} — {programme}",
            css=css,
            plotly_src=None,
            plotly_inline=None,
            programme=programme,
            report_title=report_title,
            nav=[("Contents", "#contents"), ("Headline figures", "#headline-figures"), ("Whole report as one file", single_name(period.name))],
            body=index_fragment(lambda s: f"sections/{section_filename(s)}"),
            pager=None,
        ),
        encoding="utf-8",
    )

    # sections/NN_name.html
    for position, result in enumerate(results):
        previous = results[position - 1].section if position > 0 else None
        following = results[position + 1].section if position + 1 < len(results) else None
        (folder / "sections" / section_filename(result.section)).write_text(
            page.render(
                title=f"{result.section.title} — {period.title}",
                css=css,
                plotly_src=f"../{PLOTLY_ASSET}" if result.has_plotly else None,
                plotly_inline=None,
                programme=programme,
                report_title=report_title,
                nav=[("Contents", "../index.html"), ("Headline figures", "../index.html#headline-figures")],
                body=Markup(with_heading(result.body, result.section.title)),
                pager={
                    "previous": (previous.title, section_filename(previous)) if previous else None,
                    "next": (following.title, section_filename(following)) if following else None,
                },
            ),
            encoding="utf-8",
        )

    # <report>_report.html: everything in one file.
    parts = [index_fragment(lambda s: f"#section-{s.key}")]
    for result in results:
        body = inline_local_images(with_heading(result.body, result.section.title), folder / "sections")
        parts.append(
            f'<section class="pdu-section" id="section-{result.section.key}" aria-label="{html_lib.escape(result.section.title)}">\n'
            f"{body}</section>\n"
        )
    single = folder / single_name(period.name)
    single.write_text(
        page.render(
            title=f"{period.title} — {programme}",
            css=css,
            plotly_src=None,
            plotly_inline=Markup(plotly_js()) if any_plotly else None,
            programme=programme,
            report_title=report_title,
            nav=[("Contents", "#contents"), ("Headline figures", "#headline-figures")],
            body=Markup("\n".join(parts)),
            pager=None,
        ),
        encoding="utf-8",
    )
    return single


def single_name(report: str) -> str:
    return f"{report}_report.html"


def figure_groups(figures: list[dict[str, str]]) -> list[tuple[str, list[dict[str, str]]]]:
    """figures.csv rows grouped by section (in file order), each with its display value."""
    titles = {section.key: section.title for section in config.SECTIONS}
    groups: dict[str, list[dict[str, str]]] = {}
    for row in figures:
        key = row.get("section", "")
        groups.setdefault(key, []).append({**row, "display": figure_display(row)})
    return [(titles.get(key, key.replace("_", " ").capitalize() or "Other"), rows) for key, rows in groups.items()]


def with_heading(body: str, title: str) -> str:
    """The section body, with the section title as <h1> unless the notebook has one."""
    if re.search(r"<h1[\s>]", body):
        return body
    return f"<h1>{html_lib.escape(title)}</h1>\n{body}"


_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)


def inline_local_images(html: str, base: Path) -> str:
    """Replace ``<img src="relative/path">`` by a data: URI of the file (for the single file)."""

    def replace(match: re.Match) -> str:
        src = html_lib.unescape(match.group(2))
        if re.match(r"^(data:|[a-z][a-z0-9+.-]*:|//|#)", src, re.IGNORECASE):
            return match.group(0)
        path = (base / src).resolve()
        if not path.is_file():
            return match.group(0)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{mime};base64,{encoded}{match.group(3)}"

    return _IMG_SRC.sub(replace, html)


# ---------------------------------------------------------------------------
# Checks used by the tests and by CI


_URL_ATTRIBUTES = {"src", "href", "xlink:href", "poster", "data", "action", "formaction", "background", "srcset", "imagesrcset"}
_NAVIGATION_TAGS = {"a", "area"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(['"]?)([^'");\s]+)\1""", re.IGNORECASE)


class _ReferenceParser(HTMLParser):
    def __init__(self, include_links: bool):
        super().__init__(convert_charrefs=True)
        self.include_links = include_links
        self.refs: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.refs.extend(css_references(data))

    def _tag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            name = name.lower()
            if name == "style":
                self.refs.extend(css_references(value))
            elif name in _URL_ATTRIBUTES:
                if name in ("href", "xlink:href") and tag in _NAVIGATION_TAGS and not self.include_links:
                    continue
                if name in ("srcset", "imagesrcset"):
                    self.refs.extend(part.strip().split(" ")[0] for part in value.split(",") if part.strip())
                else:
                    self.refs.append(value.strip())


def css_references(css: str) -> list[str]:
    """The url() and @import targets of a piece of CSS.

    >>> css_references("@import 'https://x/y.css'; a { background: url(img.png) }")
    ['https://x/y.css', 'img.png']
    """
    found = [(m.start(), m.group(2)) for m in _CSS_IMPORT.finditer(css)]
    found += [(m.start(), m.group(2)) for m in _CSS_URL.finditer(css)]
    seen, refs = set(), []
    for _, ref in sorted(found):
        if ref not in seen:
            seen.add(ref)
            refs.append(ref.strip())
    return refs


def resource_references(html: str, include_links: bool = False) -> list[str]:
    """Every URL the page refers to (src, href, srcset, CSS url() and @import).

    Inline script bodies are JavaScript, not references, and are not read;
    ``<a href>`` links are navigation, not resources, and are left out unless
    ``include_links``. ``data:`` URIs and ``#fragments`` stay on the page and
    are left out.
    """
    parser = _ReferenceParser(include_links)
    parser.feed(html)
    parser.close()
    return [ref for ref in parser.refs if ref and not ref.startswith("#") and not ref.lower().startswith("data:")]


def external_references(html: str, include_links: bool = False) -> list[str]:
    """References that leave the page for the network (``http:``, ``https:``, ``//``).

    >>> external_references('<script src="https://cdn.x/require.js"></script><img src="data:image/png;base64,AA">')
    ['https://cdn.x/require.js']
    >>> external_references('<style>@import url("//fonts.x/css");</style><a href="https://example.org">a link</a>')
    ['//fonts.x/css']
    >>> external_references('<a href="https://example.org">a link</a>', include_links=True)
    ['https://example.org']
    """
    return [ref for ref in resource_references(html, include_links) if re.match(r"^\s*(https?:|//)", ref, re.IGNORECASE)]


def report_size(report_dir: str | Path) -> int:
    """Bytes on disk of a rendered report: its folder, single file included."""
    return sum(path.stat().st_size for path in Path(report_dir).rglob("*") if path.is_file())
