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
from pdu_lib.report import cache
from pdu_lib.report.cache import library_hash
from pdu_lib.report.execute import SectionResult, run_sections


def section_keys(
    sections: Sequence[Section], *, notebooks_dir: Path, parameters: dict, dataset_key: str | None, drop_tags: Iterable[str] = ()
) -> dict[str, str | None]:
    """Each section's cache key (``cache.section_key``); None without a prepared dataset or a notebook."""
    drop_tags = sorted(drop_tags)
    library = library_hash() if dataset_key else None
    keys: dict[str, str | None] = {}
    for section in sections:
        notebook = notebooks_dir / section.notebook
        keys[section.key] = (
            cache.section_key(notebook, parameters=parameters, dataset_key=dataset_key, drop_tags=drop_tags, library=library)
            if dataset_key and notebook.is_file()
            else None
        )
    return keys


#: Installed packages whose version changes what a published page holds (the section keys cover the rest).
PUBLISHING_PACKAGES = ("nbconvert", "plotly", "jinja2", "markupsafe", "pypandoc-binary", "pillow")


def cached_sections(sections: Sequence[Section], keys: Mapping[str, str | None]) -> list[SectionResult] | None:
    """Every section's result from the cache, in order; None when any of them is not there."""
    results = []
    for section in sections:
        key = keys.get(section.key)
        hit = cache.lookup(key) if key else None
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
    notebooks_dir: Path,
    parameters: dict,
    executed_dir: Path,
    output_dir: Path,
    dataset_key: str | None,
    use_cache: bool = True,
    jobs: int = 1,
    desc: str = "",
    stream=None,
    drop_tags: Iterable[str] = (),
    runtime_dir: Path | None = None,
    runner: Callable[..., list[SectionResult]] = run_sections,
    keys: Mapping[str, str | None] | None = None,
) -> list[SectionResult]:
    """Results in section order; ``cached`` tells which came from the cache.

    With ``dataset_key`` None (no prepared dataset) nothing is cached. With
    ``use_cache`` False every section runs, and its fresh result replaces the
    cached one. ``runner`` executes the sections that must run
    (``execute.run_sections``, or a stand-in in tests). ``keys`` are the
    sections' keys when the caller has them (:func:`section_keys`).
    """
    drop_tags = sorted(drop_tags)
    if keys is None:
        keys = section_keys(sections, notebooks_dir=notebooks_dir, parameters=parameters, dataset_key=dataset_key, drop_tags=drop_tags)

    hits = _cache_hits(sections, keys) if use_cache else {}
    outputs = executed_dir / "output"

    def own_parameters(section: Section) -> dict:
        folder = outputs / section.key
        folder.mkdir(parents=True, exist_ok=True)
        return {**parameters, "output_dir": str(folder)}

    ran = runner(
        [section for section in sections if section.key not in hits],
        notebooks_dir=notebooks_dir,
        parameters=own_parameters,
        executed_dir=executed_dir,
        jobs=jobs,
        desc=desc,
        stream=stream,
        drop_tags=drop_tags,
        runtime_dir=runtime_dir,
    )
    results = _keep_ran(ran, keys, outputs, output_dir)
    for section in sections:
        if section.key in hits:
            hits[section.key].write_output(output_dir)
            results[section.key] = from_cache(section, hits[section.key])
    return [results[section.key] for section in sections]


def _cache_hits(sections: Sequence[Section], keys: Mapping[str, str | None]) -> dict[str, cache.CachedSection]:
    """The sections whose key the section cache holds, by section key."""
    hits = {}
    for section in sections:
        key = keys[section.key]
        hit = cache.lookup(key) if key else None
        if hit is not None:
            hits[section.key] = hit
    return hits


def _keep_ran(ran: Sequence[SectionResult], keys: Mapping[str, str | None], outputs: Path, output_dir: Path) -> dict[str, SectionResult]:
    """The sections that ran, by key: each one that rendered has its output copied to ``output_dir`` and is cached."""
    results: dict[str, SectionResult] = {}
    for result in ran:
        results[result.section.key] = result
        if not result.ok:
            continue
        written = outputs / result.section.key
        cache.copy_output(written, output_dir)
        key = keys[result.section.key]
        if key:
            cache.store(key, body=result.body, has_plotly=result.has_plotly, stderr_lines=result.stderr_lines, output=written)
    return results
