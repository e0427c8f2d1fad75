"""Render the reports: execute the section notebooks and publish offline HTML.

``render_reports(["final"], data_dir, out_dir, jobs, sections)`` is what
``pdu-report render`` calls. For each report it

1. checks the data once (``pdu_lib.inputs.dataset.load_dataset``), so bad input stops
   the run with one :class:`~pdu_lib.errors.InputError` before any notebook runs,
   and keeps it as a prepared dataset (``pdu_lib.report.cache``): the kernels
   open its snapshot (the ``dataset_path`` parameter) instead of loading again;
2. writes ``figures.csv`` from ``pdu_lib.analysis.figures.compute_figures``;
3. executes every section notebook with papermill, in parallel (``jobs``
   kernels at a time), with the parameters ``report``, ``data_dir``,
   ``output_dir``, ``dataset_path`` and ``report_mode=True``; a section whose
   notebook, data, library and parameters are unchanged is taken from the
   cache instead (``pdu_lib.report.incremental``);
4. exports each executed notebook to an HTML fragment with nbconvert (code,
   prompts and stderr left out) and wraps it in the project's own page shell
   (``templates/``): inline CSS, no script, style, font or image from the web;
5. writes ``index.html``, ``sections/NN_name.html``, ``assets/plotly.min.js``
   (only when a page holds a plotly chart) and ``<report>_report.html``, one
   self-contained file with every section and plotly.js inlined once.

Everything is built in this run's own staging folder inside the output folder
(``pdu_lib.report.outputs``: a lock per output folder, a work folder per run,
a manifest in every report folder) and swapped in only when every section
rendered: a failed render leaves the previous ``outputs/<report>/`` untouched
and keeps each failed, executed notebook in ``outputs/<report>.failed/``.
``--out`` may not be, hold or lie inside the data folder, nor be ``/`` or a home folder.

Rendering twice from the same data gives byte-identical HTML: cell ids are
renumbered, plotly div ids are fixed, JavaScript outputs (which nbconvert gives
random ids) are dropped, and the kernels run with a fixed matplotlib SVG salt,
``SOURCE_DATE_EPOCH`` and ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import functools
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pdu_lib import config
from pdu_lib.analysis.figures import compute_figures, figure_map
from pdu_lib.config import ReportPeriod, Section
from pdu_lib.errors import InputError
from pdu_lib.inputs.dataset import Dataset, forget_loaded, load_dataset
from pdu_lib.inputs.excerpts import unread_notices
from pdu_lib.inputs.tables import reads_shared
from pdu_lib.present.section_tables import sources_lacking
from pdu_lib.report.authored_text import drop_tags_for, section_problems
from pdu_lib.report.cache import Prepared, check_cache_location, keep_snapshot, load_fingerprints, prepare, store_fingerprints
from pdu_lib.report.execute import KernelPool, SectionResult, run_sections, short_message
from pdu_lib.report.figures_csv import write_figures_csv
from pdu_lib.report.incremental import SectionKeys, cached_sections, frame_key, report_key, run_incremental
from pdu_lib.report.offline import report_size
from pdu_lib.report.outputs import (
    OutputFolder,
    check_out_dir,
    check_replaceable,
    published_key,
    remove_ours,
    write_manifest,
)
from pdu_lib.report.publish import (
    PageBodies,
    report_pages,
    single_file_body,
    single_file_part,
    single_name,
    write_index,
    write_plotly_asset,
    write_section_pages,
    write_single_file,
)
from pdu_lib.report.section_reads import Fingerprints
from pdu_lib.report.word import docx_name, write_word_copy

_LOAD_DATASET = load_dataset  # the real loader: only its snapshots must hold a Dataset (tests stand in others)
#: A rendered report, folder and single file together, stays under this size.
MAX_REPORT_BYTES = 15_000_000


# ---------------------------------------------------------------------------
# Results


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


default_jobs = config.default_jobs


def render_reports(
    names: Sequence[str],
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    jobs: int | None = None,
    sections: Sequence[str] | None = None,
    *,
    intervals: bool = False,
    use_cache: bool = True,
    stream=None,
) -> list[ReportResult]:
    """Render the named reports (``"all"``: every report of ``reports.yml``).

    ``sections`` is a list of section keys (``config.SECTIONS``) to render, or
    None for all of them. Raises :class:`InputError` for an unknown report or
    section and for data that fails its checks, before any notebook runs.
    Section failures do not raise: they are in the results (``ok`` False),
    printed to ``stream`` (stderr) with their error.

    Each report's data is prepared once (``pdu_lib.report.cache``) and a
    section runs again only when its notebook, data, library or parameters
    changed (``pdu_lib.report.incremental``); ``use_cache=False`` loads the data
    and runs every section afresh.
    """
    stream = sys.stderr if stream is None else stream
    data_dir = Path(config.SAMPLE_DATA_DIR if data_dir is None else data_dir).resolve()
    out_dir = Path(config.OUTPUTS_DIR if out_dir is None else out_dir).resolve()
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InputError("--jobs", f"must be at least 1, not {jobs}")
    if not data_dir.is_dir():
        raise InputError(data_dir, "no such data folder")
    out_dir = check_out_dir(out_dir, data_dir)
    check_cache_location(data_dir, out_dir)

    chosen = select_sections(config.SECTIONS, sections)
    resolved = [config.report_period(data_dir, name) for name in _report_names(names, data_dir)]
    programme = config.programme_name(data_dir)
    # Fail fast: every report's data (or its checked snapshot) and output folder are checked before any kernel starts.
    forget_loaded()  # this process may have loaded the data before it changed (a preview, a test)
    prepared = _prepare_all(data_dir, resolved, use_cache)
    # Files of excerpts/ set aside, and documents no excerpt names, are said here too, not only in the appendix.
    for line in unread_notices(getattr(p.dataset, "unread_inputs", None) for p in prepared.values()):
        print(f"pdu-report: not read: {line}", file=stream)
    for period in resolved:
        check_replaceable(out_dir / period.name)
        check_replaceable(out_dir / f"{period.name}.failed")

    options = RenderOptions(
        data_dir=data_dir,
        out_dir=out_dir,
        sections=chosen,
        notebooks_dir=Path(config.NOTEBOOKS_DIR),
        jobs=jobs,
        programme=programme,
        partial=len(chosen) < len(config.SECTIONS),
        intervals=intervals,
        use_cache=use_cache,
        stream=stream,
    )
    with OutputFolder(out_dir) as folder, KernelPool(folder.runtime) as pool:  # one set of kernels serves every report
        return [render_report(period, prepared[period.name], options, folder=folder, pool=pool) for period in resolved]


def _report_names(names: Sequence[str] | None, data_dir: Path) -> list[str]:
    """The reports named (``all``: every report of ``reports.yml``), each once, in order; each must be able to name a folder."""
    periods = config.load_reports(data_dir)
    wanted: list[str] = []
    for name in names or ():
        for each in list(periods) if name == "all" else [name]:
            if each not in wanted:
                wanted.append(each)
    if not wanted:
        raise InputError(data_dir / config.REPORTS_FILE, "no report to render: name one, or 'all'")
    for name in wanted:
        if name != "all" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
            raise InputError(data_dir / config.REPORTS_FILE, f"report name {name!r} cannot name a folder: use letters, digits, '-' and '_'")
    return wanted


def _prepare_all(data_dir: Path, periods: Sequence[ReportPeriod], use_cache: bool) -> dict[str, Prepared]:
    """Every report's prepared dataset (its checked snapshot, or its data loaded and checked), by report name."""
    with reads_shared():  # the reports read the same files: each is parsed once
        return {
            period.name: prepare(
                data_dir,
                period.name,
                loader=lambda folder, report: load_dataset(folder, report),
                refresh=not use_cache,
                expect=Dataset if load_dataset is _LOAD_DATASET else None,
            )
            for period in periods
        }


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


def authored_text_failures(sections: Sequence[Section], notebooks_dir: Path, drop_tags: Sequence[str], dataset) -> dict[str, SectionResult]:
    """The sections whose authored text fails its checks (:mod:`pdu_lib.report.authored_text`), as failed results, by key."""
    lacking = sources_lacking(dataset)
    failed = {}
    for section in sections:
        notebook = Path(notebooks_dir) / section.notebook
        # The figures are computed only if a passage names a source the period lacks (figure_map keeps them).
        problems = section_problems(notebook, drop_tags, lacking, lambda: figure_map(dataset)) if notebook.is_file() else []
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            failed[section.key] = SectionResult(section, ok=False, error=problems[0] + more)
    return failed


@dataclass(frozen=True)
class RenderOptions:
    """How to render a report: where from and to, which sections, how many at once, and what to publish."""

    data_dir: Path
    out_dir: Path
    sections: Sequence[Section]
    notebooks_dir: Path
    jobs: int = 1
    programme: str = ""
    partial: bool = False
    intervals: bool = False
    use_cache: bool = True
    stream: Any = None
    #: False: the pages only, without the single file and the Word copy (the preview's updates).
    copies: bool = True
    #: Section bodies as pages show them, kept from one render to the next by a preview.
    page_bodies: PageBodies | None = None

    def say(self, line: str) -> None:
        _say(sys.stderr if self.stream is None else self.stream, line)


def render_report(
    period: ReportPeriod,
    prepared: Prepared,
    options: RenderOptions,
    *,
    folder: OutputFolder,
    pool: KernelPool | None = None,
    snapshot: Path | None = None,
) -> ReportResult:
    """Render one report into ``out_dir/<name>/``, swapping it in only on success.

    ``folder`` is the locked output folder; the sections run in the kernels
    of ``pool``, or in kernels of their own without one. ``snapshot`` is the
    run's own copy of the prepared dataset, when the caller keeps one (a preview).
    """
    started = time.monotonic()
    final_dir = options.out_dir / period.name
    result = ReportResult(name=period.name, report_dir=final_dir, sections=[])
    check_replaceable(final_dir)
    remove_ours(options.out_dir / f"{period.name}.failed")  # failures of an earlier render would only mislead
    keys = report_keys(period, prepared, options)
    refused = refused_sections(prepared, keys, options)
    if not refused and unchanged_report(result, keys, options):
        keep_fingerprints(prepared, keys)
        result.seconds = time.monotonic() - started
        return result
    staging, executed_dir = folder.staging(period.name), folder.executed(period.name)
    try:
        snapshot = snapshot or keep_snapshot(prepared, folder.run_folder)  # the run's own copy: the cache may be cleared meanwhile
        run_report_sections(result, staging, executed_dir, snapshot, prepared, keys, options, folder, pool, refused)
        keep_fingerprints(prepared, keys)
        if result.ok:
            publish_report(result, staging, period, options, folder, published_report_key(period.name, options, keys))
        else:
            report_failures(result, executed_dir, options)
        result.seconds = time.monotonic() - started
        say_done(result, options)
        return result
    finally:
        _remove(staging)
        _remove(executed_dir)


def refused_sections(prepared: Prepared, keys: SectionKeys, options: RenderOptions) -> dict[str, SectionResult]:
    """The sections whose authored text fails its checks, as failed results (none for a stand-in dataset in tests)."""
    if not isinstance(prepared.dataset, Dataset):
        return {}
    return authored_text_failures(options.sections, options.notebooks_dir, keys.drop_tags, prepared.dataset)


def report_keys(period: ReportPeriod, prepared: Prepared, options: RenderOptions) -> SectionKeys:
    """The section keys of a report: its notebooks and parameters, and what each section read of ``prepared``."""
    others = [other for other in config.load_reports(options.data_dir) if other != period.name]
    # A stand-in dataset (in tests of the render itself) has no sources to check.
    drop_tags = drop_tags_for(prepared.dataset, others) if isinstance(prepared.dataset, Dataset) else others
    parameters = {"report": period.name, "data_dir": str(options.data_dir), "report_mode": True, "show_intervals": options.intervals}
    dataset: Any = prepared.dataset
    fingerprints = Fingerprints(
        dataset,
        figures=functools.partial(figure_map, dataset),
        values=functools.partial(text_values, dataset, period.name, options.intervals),
        folder_key=prepared.key,
        known=load_fingerprints(prepared.key),
    )
    keys = SectionKeys(
        notebooks_dir=options.notebooks_dir,
        parameters=parameters,
        fingerprints=fingerprints,
        frame=frame_key(options.data_dir, period.name),
        drop_tags=drop_tags,
    )
    return keys


def keep_fingerprints(prepared: Prepared, keys: SectionKeys) -> None:
    """Keep what this render fingerprinted in the prepared dataset, for the next render of the same data."""
    if keys.fingerprints is not None and keys.fingerprints.computed:
        store_fingerprints(prepared.key, keys.fingerprints.known)
        keys.fingerprints.computed = 0


def text_values(dataset: Any, report: str, intervals: bool) -> dict:
    """What a section's ``%%prose`` cells can name (``notebook.text_values_for``; imported when a section's reads need it)."""
    from pdu_lib.report.notebook import text_values_for

    return dict(text_values_for(dataset, figure_map(dataset), report, intervals).values)


def published_report_key(name: str, options: RenderOptions, keys: SectionKeys) -> str | None:
    """The key of the report as published (``report_key``); None for a preview's pages or a section without a key."""
    if not options.copies:
        return None
    section_keys = {section.key: keys.keys.get(section.key) for section in options.sections}
    return report_key(section_keys, report=name, partial=options.partial, programme=options.programme)


def unchanged_report(result: ReportResult, keys: SectionKeys, options: RenderOptions) -> bool:
    """True (and ``result`` filled) when the published report is what these sections would publish again."""
    if not options.use_cache or published_key(result.report_dir) is None:
        return False
    cached = cached_sections(options.sections, keys)
    key = published_report_key(result.name, options, keys)
    if cached is None or key is None or published_key(result.report_dir) != key:
        return False
    result.sections = cached
    result.single_file = result.report_dir / single_name(result.name)
    result.size_bytes = report_size(result.report_dir)
    options.say(f"{result.name}: nothing changed since the report in {result.report_dir} was rendered; it is left as it is")
    return True


def run_report_sections(
    result: ReportResult,
    staging: Path,
    executed_dir: Path,
    snapshot: Path,
    prepared: Prepared,
    keys: SectionKeys,
    options: RenderOptions,
    folder: OutputFolder,
    pool: KernelPool | None,
    refused: dict[str, SectionResult],
) -> None:
    """Write figures.csv and run (or take from the cache) every section but the ``refused`` ones, into ``staging``."""
    for sub in ("sections", "charts"):
        (staging / sub).mkdir(parents=True)
    write_manifest(staging, result.name)
    executed_dir.mkdir(parents=True, exist_ok=True)
    try:
        dataset: Any = prepared.dataset
        write_figures_csv(compute_figures(dataset), staging / "figures.csv")
    except (InputError, OSError):  # bad input, or the output folder cannot be written: not a defect of the figures
        raise
    except Exception as exc:  # a defect in the figures code: report it like a section
        result.figures_error = short_message(f"{type(exc).__name__}: {exc}")
        options.say(f"{result.name}: figures.csv failed: {result.figures_error}")
    ran = run_incremental(
        [section for section in options.sections if section.key not in refused],
        keys=keys,
        run_parameters={"dataset_path": str(snapshot)},
        executed_dir=executed_dir,
        output_dir=staging,
        use_cache=options.use_cache,
        jobs=options.jobs,
        desc=result.name,
        stream=sys.stderr if options.stream is None else options.stream,
        runtime_dir=folder.runtime,
        runner=functools.partial(run_sections, pool=pool),
    )
    by_key = {**{section_result.section.key: section_result for section_result in ran}, **refused}
    result.sections = [by_key[section.key] for section in options.sections]
    for section_result in result.sections:
        if section_result.ok and section_result.stderr_lines:
            options.say(
                f"{result.name}: section {section_result.section.key!r} wrote {section_result.stderr_lines} line(s) to stderr (warnings); they are not in the HTML"
            )


def report_failures(result: ReportResult, executed_dir: Path, options: RenderOptions) -> None:
    """Name each failed section and keep its executed notebook in ``<report>.failed/``."""
    failed_dir = options.out_dir / f"{result.name}.failed"
    for section_result in result.failed:
        kept = _keep_failed(section_result, executed_dir, failed_dir)
        options.say(
            f"{result.name}: section {section_result.section.key!r} ({section_result.section.notebook}) failed: {section_result.error}"
        )
        if kept:
            options.say(f"    executed notebook kept: {kept}")
    previous = "the previous render is unchanged" if result.report_dir.exists() else "nothing was published"
    options.say(f"{result.name}: {len(result.failed)} of {len(options.sections)} section(s) failed; {previous} ({result.report_dir})")


def publish_report(
    result: ReportResult, staging: Path, period: ReportPeriod, options: RenderOptions, folder: OutputFolder, key: str | None
) -> None:
    """Write the pages (and, unless a preview's update, the single file and Word copy) and swap the report in."""
    if options.copies:
        result.single_file = result.report_dir / publish_with_copies(staging, period, result.sections, options).name
    else:
        pages = report_pages(
            staging, period, result.sections, programme=options.programme, partial=options.partial, all_sections=config.SECTIONS
        )
        write_plotly_asset(staging, result.sections)
        write_index(pages)
        write_section_pages(pages, result.sections, options.page_bodies)
    write_manifest(staging, result.name, render_key=key)
    _swap_in(staging, result.report_dir, folder.old(result.name))
    result.size_bytes = report_size(result.report_dir)


def publish_with_copies(staging: Path, period: ReportPeriod, sections: Sequence[SectionResult], options: RenderOptions) -> Path:
    """Every page, the single file and the Word copy; pandoc makes the Word copy while the pages are written."""
    from concurrent.futures import ThreadPoolExecutor

    pages = report_pages(staging, period, sections, programme=options.programme, partial=options.partial, all_sections=config.SECTIONS)
    any_plotly = write_plotly_asset(staging, sections)
    body = single_file_body(pages, [single_file_part(section, staging) for section in sections])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdu-word") as word:
        docx = word.submit(write_word_copy, body, staging / docx_name(period.name), period, programme=options.programme)
        write_index(pages)
        write_section_pages(pages, sections, options.page_bodies)
        single = write_single_file(pages, body, any_plotly)
        docx.result()
    return single


def say_done(result: ReportResult, options: RenderOptions) -> None:
    if not result.ok:
        return
    reused = sum(section_result.cached for section_result in result.sections)
    size = result.size_bytes or 0
    options.say(
        f"{result.name}: {len(options.sections)} section(s) rendered to {result.report_dir}, {reused} of them unchanged and taken from the cache ({size / 1e6:.1f} MB, {result.seconds:.0f} s)"
    )
    if size > MAX_REPORT_BYTES:
        options.say(f"{result.name}: warning: the report is {size / 1e6:.1f} MB, over the {MAX_REPORT_BYTES / 1e6:.0f} MB limit")


def _keep_failed(section_result: SectionResult, executed_dir: Path, failed_dir: Path) -> Path | None:
    executed = executed_dir / section_result.section.notebook
    if not executed.exists():
        return None
    if not failed_dir.exists():
        failed_dir.mkdir(parents=True)
        write_manifest(failed_dir, failed_dir.name)
    target = failed_dir / section_result.section.notebook
    shutil.copyfile(executed, target)
    section_result.failed_notebook = target
    return target


def _swap_in(staging: Path, final_dir: Path, old: Path | None = None) -> None:
    """Replace ``final_dir`` by ``staging``; the old folder goes only once the new one is in place.

    ``old`` is where the previous render waits meanwhile (this run's work folder);
    only a folder pdu-report wrote is ever replaced.
    """
    old = final_dir.with_name(f".{final_dir.name}.old") if old is None else old
    check_replaceable(final_dir)
    _remove(old)
    old.parent.mkdir(parents=True, exist_ok=True)
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
