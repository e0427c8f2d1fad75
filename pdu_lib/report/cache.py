"""Every cache of the render, in one module: the prepared dataset and the executed sections.

**The prepared dataset.** a report's Dataset loaded and checked once, kept as a snapshot keyed by content.

``open_dataset(data_dir, report)`` is what a notebook's setup calls. With
``dataset_path`` (the render passes it as a papermill parameter) it opens that
snapshot; without it (JupyterLab) it looks the snapshot up in the user cache
folder by the content key, loading and checking the data only on a miss.

The key (:func:`dataset_key`) is a SHA-256 of every file of the data folder
(``reports.yml``, the harmonisation map and the codebook among them), the
folder's own path, the report's name, ``pdu_lib``'s source (templates and data
files included), the versions of Python and pandas and :data:`FORMAT_VERSION`.
Any change to one of them gives another key, so a stale snapshot is never
opened; it is left for ``pdu-report cache clear``.

The cache folder is ``$PDU_CACHE_DIR`` when set, else
``$XDG_CACHE_HOME/pdu-workbook``, else ``~/.cache/pdu-workbook``: never in git
and never in ``outputs/``.

**The executed sections.** a section's executed result, kept under what it depends on.

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

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from pdu_lib import config
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.inputs.files import check_data_folder, file_identity

#: Bump when the Dataset's shape changes in a way the source hash would not show.
FORMAT_VERSION = 1
CACHE_ENV = "PDU_CACHE_DIR"
#: Set (to anything) to make open_dataset load the data every time, as before the cache (the benchmark's baseline).
NO_CACHE_ENV = "PDU_NO_CACHE"
LIBRARY_DIR = Path(__file__).resolve().parent.parent  # pdu_lib/
DATASETS_FOLDER = "datasets"


def cache_dir() -> Path:
    """The user cache folder of the workbook (created on first use, not here)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "pdu-workbook"


def _hash_tree(digest, root: Path) -> None:
    """Feed every regular file under ``root`` (relative path and bytes, in a fixed order) to ``digest``.

    Hidden files and folders (``.ipynb_checkpoints``, ``.DS_Store``) and
    ``__pycache__`` are left out: no loader reads them. Anything else (a FIFO,
    a device) counts by its name only and is never opened: the loaders refuse it.
    """
    paths = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "__pycache__")
        paths.extend(Path(folder, name) for name in names if not name.startswith("."))
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        relative = path.relative_to(root).as_posix().encode("utf-8")
        digest.update(len(relative).to_bytes(8, "big") + relative)
        try:
            regular = stat.S_ISREG(path.stat().st_mode)
        except OSError:  # a dangling link
            regular = False
        if not regular:
            digest.update(b"not a regular file")
            continue
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            digest.update(size.to_bytes(8, "big"))
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)


def library_hash(library_dir: Path | None = None) -> str:
    """SHA-256 of ``pdu_lib``'s source: every module, template and data file it ships."""
    digest = hashlib.sha256()
    _hash_tree(digest, Path(library_dir or LIBRARY_DIR))
    return digest.hexdigest()


def dataset_key(data_dir: str | Path, report: str, *, library_dir: Path | None = None) -> str:
    """The content key of a report's prepared dataset (see the module docstring).

    The folder is checked first (``files.check_data_folder``: no FIFO, device
    or link out of it), so a hostile folder stops here as it would in the loaders.
    """
    data_dir = Path(data_dir).resolve()
    check_data_folder(data_dir)
    digest = hashlib.sha256()
    for part in (
        f"format {FORMAT_VERSION}",
        f"python {sys.version}",
        f"pandas {pd.__version__}",
        f"report {report}",
        f"folder {data_dir}",
        f"library {library_hash(library_dir)}",
    ):
        digest.update(part.encode("utf-8") + b"\0")
    _hash_tree(digest, data_dir)
    return digest.hexdigest()


def snapshot_path(key: str) -> Path:
    return cache_dir() / DATASETS_FOLDER / f"{key}.pickle"


def write_snapshot(dataset, path: Path) -> Path:
    """Pickle ``dataset`` (its data only: no values derived from it) to ``path``, atomically."""
    if dataclasses.is_dataclass(dataset) and hasattr(dataset, "_derived"):
        dataset = dataclasses.replace(dataset, _derived={})
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(dataset, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_snapshot(path: str | Path):
    """The Dataset pickled at ``path`` (a snapshot this workbook wrote: pickle runs code, so only ours)."""
    with open(path, "rb") as file:
        return pickle.load(file)


_OPENED: dict[tuple, object] = {}
_OPENED_KEPT = 4


def open_snapshot(path: str | Path):
    """The Dataset at ``path``, read once per process while the file stays the same.

    A render keeps its kernels from one section to the next: every section of a
    report then shares one Dataset, and what it has computed (its figures).
    Notebooks read the Dataset and never change it in place.
    """
    path = Path(path).resolve()
    token = file_identity(path)
    if token not in _OPENED:
        while len(_OPENED) >= _OPENED_KEPT:
            _OPENED.pop(next(iter(_OPENED)))
        _OPENED[token] = read_snapshot(path)
    return _OPENED[token]


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A report's prepared dataset: its content key, its snapshot and the Dataset itself."""

    key: str
    path: Path
    dataset: object
    loaded: bool  # True when the data was loaded and checked; False when the snapshot was reused


def prepare(data_dir: str | Path, report: str, *, loader: Callable | None = None, refresh: bool = False) -> Prepared:
    """Load and check the report's data once and keep its snapshot, or reuse the snapshot with the same key.

    ``loader(data_dir, report)`` loads and checks the data (default:
    ``pdu_lib.inputs.dataset.load_dataset``); it raises InputError on bad
    input, and then no snapshot is written. ``refresh`` loads even when a
    snapshot exists (``pdu-report render --no-cache``).
    """
    key = dataset_key(data_dir, report)
    path = snapshot_path(key)
    if not refresh and path.is_file():
        try:
            return Prepared(key, path, read_snapshot(path), loaded=False)
        except Exception:  # a truncated or foreign file: load again and overwrite it
            pass
    if loader is None:
        loader = load_dataset
    dataset = loader(Path(data_dir).resolve(), report)
    write_snapshot(dataset, path)
    return Prepared(key, path, dataset, loaded=True)


def open_dataset(data_dir: str | Path | None, report: str, dataset_path: str | Path | None = None):
    """The report's Dataset, for a notebook: from ``dataset_path`` when given, else through the cache.

    The render passes ``dataset_path`` (a snapshot it has just prepared); in
    JupyterLab leave it out: the first call loads and checks the data, later
    ones (in this kernel or the next) open the snapshot in milliseconds.
    With ``$PDU_NO_CACHE`` set, it loads the data every time and keeps nothing.
    """
    if dataset_path:
        return open_snapshot(dataset_path)
    data_dir = Path(data_dir) if data_dir else config.SAMPLE_DATA_DIR
    if os.environ.get(NO_CACHE_ENV):
        return load_dataset(data_dir, report)
    return prepare(data_dir, report).dataset


SECTIONS_FOLDER = "sections"
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
    return cache_dir() / SECTIONS_FOLDER


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
    root = cache_dir()
    removed = 0
    for name in (DATASETS_FOLDER, SECTIONS_FOLDER):
        folder = root / name
        if folder.is_dir() and not folder.is_symlink():
            removed += sum(1 for path in folder.rglob("*") if path.is_file())
            shutil.rmtree(folder)
    return root, removed
