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
import os
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
from pdu_lib.inputs.dataset import Dataset, load_dataset
from pdu_lib.inputs.excerpts import unread_notices
from pdu_lib.inputs.tables import reads_shared
from pdu_lib.present.section_tables import sources_lacking
from pdu_lib.report.authored_text import drop_tags_for, section_problems
from pdu_lib.report.cache import Prepared, check_cache_location, keep_snapshot, prepare
from pdu_lib.report.execute import KernelPool, SectionResult, run_sections, short_message
from pdu_lib.report.figures_csv import write_figures_csv
from pdu_lib.report.incremental import cached_sections, report_key, run_incremental, section_keys
from pdu_lib.report.offline import report_size
from pdu_lib.report.outputs import (
    OutputFolder,
    check_out_dir,
    check_replaceable,
    published_key,
    remove_ours,
    write_manifest,
)
from pdu_lib.report.publish import publish, single_name
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
    prepared = _prepare_all(data_dir, resolved, use_cache)
    # Files of excerpts/ set aside, and documents no excerpt names, are said here too, not only in the appendix.
    for line in unread_notices(getattr(p.dataset, "unread_inputs", None) for p in prepared.values()):
        print(f"pdu-report: not read: {line}", file=stream)
    for period in resolved:
        check_replaceable(out_dir / period.name)
        check_replaceable(out_dir / f"{period.name}.failed")

    results = []
    with OutputFolder(out_dir) as folder, KernelPool(folder.runtime) as pool:  # one set of kernels serves every report
        for period in resolved:
            results.append(
                render_report(
                    period,
                    prepared[period.name].dataset,
                    prepared=prepared[period.name],
                    use_cache=use_cache,
                    data_dir=data_dir,
                    out_dir=out_dir,
                    sections=chosen,
                    notebooks_dir=Path(config.NOTEBOOKS_DIR),
                    jobs=jobs,
                    programme=programme,
                    partial=len(chosen) < len(config.SECTIONS),
                    intervals=intervals,
                    stream=stream,
                    folder=folder,
                    pool=pool,
                )
            )
    return results


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
    lacking, figures = sources_lacking(dataset), figure_map(dataset)
    failed = {}
    for section in sections:
        notebook = Path(notebooks_dir) / section.notebook
        problems = section_problems(notebook, drop_tags, lacking, figures) if notebook.is_file() else []
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            failed[section.key] = SectionResult(section, ok=False, error=problems[0] + more)
    return failed


def render_report(
    period: ReportPeriod,
    dataset: Any,
    *,
    prepared: Prepared | None = None,
    use_cache: bool = True,
    data_dir: Path,
    out_dir: Path,
    sections: Sequence[Section],
    notebooks_dir: Path,
    jobs: int = 1,
    programme: str = "",
    partial: bool = False,
    intervals: bool = False,
    stream=None,
    folder: OutputFolder | None = None,
    pool: KernelPool | None = None,
) -> ReportResult:
    """Render one report into ``out_dir/<name>/``, swapping it in only on success.

    ``folder`` is the locked output folder of :func:`render_reports`; without
    one, the lock is taken here for this report. The sections run in the
    kernels of ``pool``, or in kernels of their own without one.
    """
    if folder is None:
        with OutputFolder(Path(out_dir)) as own:
            return render_report(
                period,
                dataset,
                prepared=prepared,
                use_cache=use_cache,
                data_dir=data_dir,
                out_dir=out_dir,
                sections=sections,
                notebooks_dir=notebooks_dir,
                jobs=jobs,
                programme=programme,
                partial=partial,
                intervals=intervals,
                stream=stream,
                folder=own,
            )
    stream = sys.stderr if stream is None else stream
    started = time.monotonic()
    name = period.name
    data_dir, out_dir, notebooks_dir = Path(data_dir), Path(out_dir), Path(notebooks_dir)
    final_dir = out_dir / name
    staging = folder.staging(name)
    failed_dir = out_dir / f"{name}.failed"
    result = ReportResult(name=name, report_dir=final_dir, sections=[])

    check_replaceable(final_dir)
    remove_ours(failed_dir)  # failures of an earlier render would only mislead
    others = [other for other in config.load_reports(data_dir) if other != name]
    checkable = isinstance(dataset, Dataset)  # a stand-in dataset (in tests of the render itself) has no sources to check
    drop_tags = drop_tags_for(dataset, others) if checkable else others
    refused = authored_text_failures(sections, notebooks_dir, drop_tags, dataset) if checkable else {}
    keyed_params = {"report": name, "data_dir": str(data_dir), "report_mode": True, "show_intervals": intervals}
    key, keys = None, None
    if prepared is not None:
        keys = section_keys(sections, notebooks_dir=notebooks_dir, parameters=keyed_params, dataset_key=prepared.key, drop_tags=drop_tags)
        key = report_key(keys, report=name, partial=partial, programme=programme)
    unchanged = use_cache and key is not None and keys is not None and published_key(final_dir) == key and cached_sections(sections, keys)
    if unchanged:
        result.sections = unchanged
        result.single_file = final_dir / single_name(name)
        result.size_bytes = report_size(final_dir)
        result.seconds = time.monotonic() - started
        _say(stream, f"{name}: nothing changed since the report in {final_dir} was rendered; it is left as it is")
        return result
    for sub in ("sections", "charts"):
        (staging / sub).mkdir(parents=True)
    write_manifest(staging, name)
    executed_dir = folder.executed(name)
    executed_dir.mkdir(parents=True, exist_ok=True)
    try:
        try:
            write_figures_csv(compute_figures(dataset), staging / "figures.csv")
        except (InputError, OSError):  # bad input, or the output folder cannot be written: not a defect of the figures
            raise
        except Exception as exc:  # a defect in the figures code: report it like a section
            result.figures_error = short_message(f"{type(exc).__name__}: {exc}")
            _say(stream, f"{name}: figures.csv failed: {result.figures_error}")

        params = {**keyed_params, "output_dir": str(staging)}
        if prepared is not None:  # the run's own copy: clearing the cache meanwhile does no harm
            params["dataset_path"] = str(keep_snapshot(prepared, folder.run_folder))
        ran = run_incremental(
            [section for section in sections if section.key not in refused],
            notebooks_dir=notebooks_dir,
            parameters=params,
            executed_dir=executed_dir,
            output_dir=staging,
            dataset_key=prepared.key if prepared is not None else None,
            use_cache=use_cache,
            jobs=jobs,
            desc=name,
            stream=stream,
            drop_tags=drop_tags,
            runtime_dir=folder.runtime,
            runner=functools.partial(run_sections, pool=pool),
            keys=keys,
        )
        by_key = {**{r.section.key: r for r in ran}, **refused}
        result.sections = [by_key[section.key] for section in sections]
        for section_result in result.failed:
            kept = _keep_failed(section_result, executed_dir, failed_dir)
            _say(
                stream, f"{name}: section {section_result.section.key!r} ({section_result.section.notebook}) failed: {section_result.error}"
            )
            if kept:
                _say(stream, f"    executed notebook kept: {kept}")
        for section_result in result.sections:
            if section_result.ok and section_result.stderr_lines:
                _say(
                    stream,
                    f"{name}: section {section_result.section.key!r} wrote {section_result.stderr_lines} line(s) to stderr (warnings); they are not in the HTML",
                )

        if not result.ok:
            result.seconds = time.monotonic() - started
            previous = "the previous render is unchanged" if final_dir.exists() else "nothing was published"
            _say(stream, f"{name}: {len(result.failed)} of {len(sections)} section(s) failed; {previous} ({final_dir})")
            return result

        published = publish(staging, period, result.sections, programme=programme, partial=partial, all_sections=config.SECTIONS)
        write_word_copy(published.body, staging / docx_name(name), period, programme=programme)
        result.single_file = published.single_file
        write_manifest(staging, name, render_key=key)
        _swap_in(staging, final_dir, folder.old(name))
        result.single_file = final_dir / result.single_file.name
        result.size_bytes = report_size(final_dir)
        result.seconds = time.monotonic() - started
        reused = sum(section_result.cached for section_result in result.sections)
        _say(
            stream,
            f"{name}: {len(sections)} section(s) rendered to {final_dir}, {reused} of them unchanged and taken from the cache ({result.size_bytes / 1e6:.1f} MB, {result.seconds:.0f} s)",
        )
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
