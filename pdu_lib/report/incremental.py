"""The incremental render: run only the sections whose notebook, data, library or parameters changed.

``run_incremental`` looks each section up in the cache (``section_cache``)
under its key; the sections found are not executed: their HTML fragment and
the files they wrote (charts) come from the cache. The others run with
papermill as usual (``execute.run_sections``), each with an ``output_dir`` of
its own, so that the files it writes can be kept with its result; then those
files are copied into the report folder being built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path

from pdu_lib.config import Section
from pdu_lib.report import cache, markdown_only
from pdu_lib.report.cache import library_hash
from pdu_lib.report.execute import SectionResult, run_sections
from pdu_lib.report.export import has_plotly
from pdu_lib.report.section_reads import WHOLE_FOLDER, Fingerprints, take_reads


class SectionKeys:
    """Each section's cache key: its notebook, parameters and library, and the fingerprints of what it read last time.

    A section's *base* (``cache.section_key`` with :meth:`frame` for the data)
    covers all but the data; the data part is what the section read when it
    last ran (``section_reads``), fingerprinted in the current data. The
    sets of names a section read are kept per base (``cache.load_traces``), so a
    changed ``hub_registrations.csv`` misses only for the sections that read the
    hub table, a figure computed from it, or the row accounting. A section that
    recorded nothing is keyed on every file of the data folder.
    ``fingerprints`` None (no prepared dataset): nothing is keyed nor cached.
    """

    def __init__(
        self,
        *,
        notebooks_dir: Path,
        parameters: dict,
        fingerprints: Fingerprints | None,
        frame: str | None = None,
        drop_tags: Iterable[str] = (),
    ):
        self.notebooks_dir = Path(notebooks_dir)
        self.parameters = parameters
        self.fingerprints = fingerprints
        self.drop_tags = sorted(drop_tags)
        self.frame = frame
        self.library = library_hash() if fingerprints is not None else None
        self.keys: dict[str, str | None] = {}
        self._bases: dict[str, str | None] = {}
        self._code_bases: dict[str, tuple[str, object]] = {}

    def base(self, section: Section) -> str | None:
        if section.key not in self._bases:
            notebook = self.notebooks_dir / section.notebook
            self._bases[section.key] = (
                cache.section_key(
                    notebook, parameters=self.parameters, dataset_key=self.frame, drop_tags=self.drop_tags, library=self.library
                )
                if self.fingerprints is not None and self.frame and notebook.is_file()
                else None
            )
        return self._bases[section.key]

    def lookup(self, section: Section) -> cache.CachedSection | None:
        """The section's cached result when what it read last time is unchanged; its key is then in ``keys``."""
        base = self.base(section)
        self.keys[section.key] = None
        if base is None or self.fingerprints is None:
            return None
        for names in cache.load_traces(base):
            key = self.fingerprints.key(base, names)
            hit = cache.lookup(key)
            if hit is not None:
                self.keys[section.key] = key
                return hit
        return None

    def code_base(self, section: Section) -> tuple[str, object] | None:
        """The key of the section's code cells (its markdown left out), and its notebook as it runs (other reports' cells dropped)."""
        import nbformat

        from pdu_lib.report.export import without_tagged_cells

        notebook = self.notebooks_dir / section.notebook
        if self.base(section) is None:
            return None
        if section.key in self._code_bases:
            return self._code_bases[section.key]
        source = without_tagged_cells(nbformat.read(notebook, as_version=4), self.drop_tags)
        parts = {"frame": self.frame, "parameters": self.keyed_parameters, "drop_tags": self.drop_tags, "library": self.library}
        parts |= {"packages": cache.package_versions_hash(), "notebook": section.notebook}
        self._code_bases[section.key] = (markdown_only.code_base(parts, source), source)
        return self._code_bases[section.key]

    @property
    def keyed_parameters(self) -> dict:
        return {name: value for name, value in self.parameters.items() if name not in cache.UNKEYED_PARAMETERS}

    def reexport(self, section: Section, output: Path) -> SectionResult | None:
        """The section's page without a kernel when only its markdown changed since a kept run (``markdown_only``); its key is then in ``keys``."""
        import time

        started = time.monotonic()
        coded = self.code_base(section)
        if coded is None or self.fingerprints is None:
            return None
        code_base, source = coded
        for names in cache.load_traces(code_base):
            made = markdown_only.reexport(self.fingerprints.key(code_base, names), section, source, self.notebooks_dir, output)
            if made is not None:
                self.record(section, names)
                body, stderr_lines = made
                return SectionResult(
                    section, ok=True, body=body, has_plotly=has_plotly(body), stderr_lines=stderr_lines, seconds=time.monotonic() - started
                )
        return None

    def keep_run(self, section: Section, names: list[str] | None, executed: Path, output: Path) -> None:
        """Keep a section's executed notebook under the key of its code and reads, for an edit of its markdown alone."""
        coded = self.code_base(section)
        if coded is None or self.fingerprints is None:
            return
        names = sorted(set(names)) if names is not None else [WHOLE_FOLDER]
        cache.store_trace(coded[0], names)
        markdown_only.keep(self.fingerprints.key(coded[0], names), executed, output)

    def record(self, section: Section, names: list[str] | None) -> str | None:
        """The key of a section that has just run and read ``names`` (None: it recorded nothing, so the whole folder)."""
        base = self.base(section)
        if base is None or self.fingerprints is None:
            return None
        names = sorted(set(names)) if names is not None else [WHOLE_FOLDER]
        cache.store_trace(base, names)
        self.keys[section.key] = self.fingerprints.key(base, names)
        return self.keys[section.key]


def frame_key(data_dir: Path, report: str) -> str:
    """What every section of a report depends on besides what it reads: the folder, report, library, Python and pandas.

    >>> frame_key(Path("/data"), "final") == frame_key(Path("/data"), "interim")
    False
    """
    import sys

    text = json.dumps({"folder": str(data_dir), "report": report, "python": sys.version, "format": cache.FORMAT_VERSION})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: Installed packages whose version changes what a published page holds (the section keys cover the rest).
PUBLISHING_PACKAGES = ("nbconvert", "plotly", "jinja2", "markupsafe", "pypandoc-binary", "pillow")


def cached_sections(sections: Sequence[Section], keys: SectionKeys) -> list[SectionResult] | None:
    """Every section's result from the cache, in order; None when any of them is not there."""
    results = []
    for section in sections:
        hit = keys.lookup(section)
        if hit is None:
            return None
        results.append(from_cache(section, hit))
    return results


def from_cache(section: Section, hit: cache.CachedSection) -> SectionResult:
    """A section's result as the cache keeps it (``cached`` True)."""
    return SectionResult(section, ok=True, body=hit.body, has_plotly=hit.has_plotly, stderr_lines=hit.stderr_lines, cached=True)


def report_key(keys: Mapping[str, str | None], **published) -> str | None:
    """The key of a published report: its sections' keys, in order, and whatever else its pages show (``published``).

    None when a section has no key (no prepared dataset): such a report is always built afresh.

    >>> a = report_key({"intro": "k1", "links": "k2"}, report="final")
    >>> a == report_key({"intro": "k1", "links": "k2"}, report="final"), a == report_key({"intro": "k1", "links": "k3"}, report="final")
    (True, False)
    >>> report_key({"intro": None}, report="final") is None
    True
    """
    if not keys or any(key is None for key in keys.values()):
        return None
    versions: dict[str, str | None] = {}
    for package in PUBLISHING_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    text = json.dumps({"sections": list(keys.items()), "published": published, "packages": versions}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_incremental(
    sections: Sequence[Section],
    *,
    keys: SectionKeys,
    executed_dir: Path,
    output_dir: Path,
    use_cache: bool = True,
    jobs: int = 1,
    desc: str = "",
    stream=None,
    runtime_dir: Path | None = None,
    runner: Callable[..., list[SectionResult]] = run_sections,
    run_parameters: Mapping | None = None,
) -> list[SectionResult]:
    """Results in section order; ``cached`` tells which came from the cache.

    ``keys`` key the sections (:class:`SectionKeys`; without fingerprints
    nothing is cached). With ``use_cache`` False every section runs, and its
    fresh result replaces the cached one. ``runner`` executes the sections
    that must run (``execute.run_sections``, or a stand-in in tests).
    ``run_parameters`` are given to the notebooks beside the keyed ones
    (``keys.parameters``) and key nothing (the path of the dataset's snapshot).
    """
    hits = _cache_hits(sections, keys) if use_cache else {}
    outputs = executed_dir / "output"
    reexported = _reexported([s for s in sections if s.key not in hits], keys, outputs, output_dir) if use_cache else {}

    def own_parameters(section: Section) -> dict:
        folder = outputs / section.key
        folder.mkdir(parents=True, exist_ok=True)
        return {**keys.parameters, **(run_parameters or {}), "output_dir": str(folder)}

    ran = runner(
        [section for section in sections if section.key not in hits and section.key not in reexported],
        notebooks_dir=keys.notebooks_dir,
        parameters=own_parameters,
        executed_dir=executed_dir,
        jobs=jobs,
        desc=desc,
        stream=stream,
        drop_tags=keys.drop_tags,
        runtime_dir=runtime_dir,
    )
    results = {**_keep_ran(ran, keys, executed_dir, output_dir), **reexported}
    for section in sections:
        if section.key in hits:
            hits[section.key].write_output(output_dir)
            results[section.key] = from_cache(section, hits[section.key])
    return [results[section.key] for section in sections]


def _cache_hits(sections: Sequence[Section], keys: SectionKeys) -> dict[str, cache.CachedSection]:
    """The sections whose last result still holds (:meth:`SectionKeys.lookup`), by section key."""
    hits = {}
    for section in sections:
        hit = keys.lookup(section)
        if hit is not None:
            hits[section.key] = hit
    return hits


def _reexported(sections: Sequence[Section], keys: SectionKeys, outputs: Path, output_dir: Path) -> dict[str, SectionResult]:
    """The sections whose markdown alone changed, exported from their kept run (``markdown_only``), by key; each cached."""
    results: dict[str, SectionResult] = {}
    for section in sections:
        written = outputs / section.key
        result = keys.reexport(section, written)
        if result is None:
            continue
        results[section.key] = result
        cache.copy_output(written, output_dir)
        key = keys.keys.get(section.key)
        if key:
            cache.store(key, body=result.body, has_plotly=result.has_plotly, stderr_lines=result.stderr_lines, output=written)
    return results


def _keep_ran(ran: Sequence[SectionResult], keys: SectionKeys, executed_dir: Path, output_dir: Path) -> dict[str, SectionResult]:
    """The sections that ran, by key: each one that rendered has its output copied to ``output_dir`` and is cached under what it read."""
    results: dict[str, SectionResult] = {}
    for result in ran:
        results[result.section.key] = result
        written = executed_dir / "output" / result.section.key
        names = take_reads(written)
        if not result.ok:
            continue
        cache.copy_output(written, output_dir)
        key = keys.record(result.section, names)
        if key:
            cache.store(key, body=result.body, has_plotly=result.has_plotly, stderr_lines=result.stderr_lines, output=written)
            keys.keep_run(result.section, names, executed_dir / result.section.notebook, written)
    return results
