"""The incremental render's cache: a section's executed result, kept under what it depends on.

A section's key (:func:`section_key`) is a SHA-256 of its notebook's bytes, its
parameters (``output_dir`` aside: a fresh folder each time), the cells dropped
for the other reports, the prepared dataset's key (which covers every data
file and ``pdu_lib``'s source) and ``pdu_lib``'s source hash again, for
sections whose dataset is shared. jupyter-cache keys on the code alone and so
misses a change of data or library; this key does not.

An entry is a folder ``<cache>/sections/<key>/`` holding ``result.json`` (the
HTML fragment, whether it draws plotly charts, its count of stderr lines) and
``output/``, every file the notebook wrote to its ``output_dir`` (the charts).
Entries are written to a temporary folder and renamed into place, so a
half-written entry is never read. Only sections that rendered are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pdu_lib.inputs.snapshot import cache_dir, library_hash

SECTIONS = "sections"
RESULT_FILE = "result.json"
OUTPUT_FOLDER = "output"
#: Parameters that do not change what a section shows.
UNKEYED_PARAMETERS = frozenset({"output_dir", "dataset_path"})


@dataclass(frozen=True)
class CachedSection:
    """What the render needs of a section that did not run again."""

    key: str
    body: str
    has_plotly: bool
    stderr_lines: int
    output: Path  # the files it wrote, to copy into the report


def sections_dir() -> Path:
    return cache_dir() / SECTIONS


def section_key(
    notebook: Path,
    *,
    parameters: dict,
    dataset_key: str,
    drop_tags: Iterable[str] = (),
    library: str | None = None,
) -> str:
    """The key of a section's executed result (see the module docstring)."""
    keyed = {name: value for name, value in parameters.items() if name not in UNKEYED_PARAMETERS}
    digest = hashlib.sha256()
    digest.update(
        json.dumps(
            {
                "parameters": keyed,
                "drop_tags": sorted(drop_tags),
                "dataset": dataset_key,
                "library": library or library_hash(),
                "notebook_name": Path(notebook).name,
            },
            sort_keys=True,
            default=str,
        ).encode("utf-8")
    )
    digest.update(Path(notebook).read_bytes())
    return digest.hexdigest()


def lookup(key: str) -> CachedSection | None:
    """The cached result under ``key``, or None."""
    entry = sections_dir() / key
    try:
        result = json.loads((entry / RESULT_FILE).read_text(encoding="utf-8"))
        return CachedSection(key, str(result["body"]), bool(result["has_plotly"]), int(result["stderr_lines"]), entry / OUTPUT_FOLDER)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, *, body: str, has_plotly: bool, stderr_lines: int, output: Path | None) -> None:
    """Keep a rendered section's result and the files it wrote (``output``) under ``key``."""
    folder = sections_dir()
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key[:16]}.", dir=folder))
    try:
        if output is not None and output.is_dir():
            shutil.copytree(output, staging / OUTPUT_FOLDER)
        else:
            (staging / OUTPUT_FOLDER).mkdir()
        (staging / RESULT_FILE).write_text(
            json.dumps({"body": body, "has_plotly": has_plotly, "stderr_lines": stderr_lines}), encoding="utf-8"
        )
        target = folder / key
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(staging, target)
        except OSError:
            if not (target / RESULT_FILE).is_file():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # another render stored the same key meanwhile
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def copy_output(source: Path, target: Path) -> None:
    """Copy the files a section wrote into the report folder being built (merging folders)."""
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)


def clear() -> tuple[Path, int]:
    """Empty the workbook cache (prepared datasets and sections); return its folder and the files removed.

    Only the cache's own subfolders go, never the folder itself: ``PDU_CACHE_DIR``
    may point somewhere that holds other things.
    """
    from pdu_lib.inputs.snapshot import DATASETS

    root = cache_dir()
    removed = 0
    for name in (DATASETS, SECTIONS):
        folder = root / name
        if folder.is_dir() and not folder.is_symlink():
            removed += sum(1 for path in folder.rglob("*") if path.is_file())
            shutil.rmtree(folder)
    return root, removed
