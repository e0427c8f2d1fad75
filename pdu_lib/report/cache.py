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
import functools
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pdu_lib import config
from pdu_lib.errors import InputError, printable
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.inputs.files import check_data_folder, file_identity
from pdu_lib.memo import PROCESS_MEMO
from pdu_lib.report import snapshot_format
from pdu_lib.report.snapshot_format import SnapshotError

#: Bump when the Dataset's shape changes in a way the source hash would not show.
FORMAT_VERSION = 2
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


def warn(message: str) -> None:
    """One line on stderr: the cache could not be used, and the run goes on without it."""
    print(f"pdu-report: warning: {printable(message)}", file=sys.stderr)


def untrusted_reason(path: Path) -> str | None:
    """Why ``path`` (a cache folder or file) could hold someone else's content, or None when only we can write it.

    As ssh does with its files: it must be ours and not writable by group or
    others. Where the platform has no owners (Windows), only the mode is checked.
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    owner = getattr(os, "geteuid", None)
    if owner is not None and info.st_uid != owner():
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "can be written by other users"
    return None


def trusted_dir(folder: Path) -> Path:
    """``folder``, created private (0700) when missing; InputError when another user could write to it."""
    reason = untrusted_reason(folder)
    if reason is None and not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        reason = untrusted_reason(folder)
    if reason is not None:
        raise InputError(
            folder,
            f"the render cache {reason}, so what it holds cannot be trusted: run 'chmod go-w' on it if it is yours, "
            f"or set {CACHE_ENV} to a folder of your own",
        )
    return folder


def check_cache_location(data_dir: Path, out_dir: Path) -> None:
    """Refuse a cache inside the data folder (it would change the data's hash) or the output folder (the render deletes it)."""
    root = cache_dir().resolve()
    for folder, what in ((Path(data_dir).resolve(), "data folder"), (Path(out_dir).resolve(), "output folder")):
        if root == folder or folder in root.parents:
            raise InputError(root, f"{CACHE_ENV} lies inside the {what} {folder}: set it to a folder outside both the data and the outputs")


def package_versions_hash() -> str:
    """SHA-256 of the installed versions of the locked packages (``requirements.lock``), or of every installed one."""
    return _package_versions_hash(str(config.PROJECT_ROOT / "requirements.lock"))


@functools.lru_cache(maxsize=2)
def _package_versions_hash(lock: str) -> str:
    try:
        names = [re.split(r"[=<>!~ ;\[]", line.strip(), maxsplit=1)[0] for line in Path(lock).read_text(encoding="utf-8").splitlines()]
        names = sorted({name.lower() for name in names if name and not name.startswith(("#", "-"))})
    except OSError:  # an installed copy without the lock: every installed distribution counts
        names = sorted({(dist.metadata["Name"] or "").lower() for dist in metadata.distributions()})
    versions = []
    for name in names:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return hashlib.sha256("\n".join(versions).encode("utf-8")).hexdigest()


def _hash_tree(digest, root: Path) -> None:
    """Feed every regular file under ``root`` (relative path and bytes, in a fixed order) to ``digest``.

    Hidden files and folders (``.ipynb_checkpoints``, ``.DS_Store``) and
    ``__pycache__`` are left out: no loader reads them. Anything else (a FIFO,
    a device) counts by its name only and is never opened: the loaders refuse it.
    """
    paths: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "__pycache__")
        paths.extend(Path(folder, name) for name in names if not name.startswith("."))
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        relative = os.fsencode(path.relative_to(root).as_posix())  # a name that is not UTF-8 keeps its bytes
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
        f"packages {package_versions_hash()}",
        f"report {report}",
        f"folder {data_dir}",
        f"library {library_hash(library_dir)}",
    ):
        digest.update(part.encode("utf-8") + b"\0")
    _hash_tree(digest, data_dir)
    return digest.hexdigest()


def snapshot_path(key: str) -> Path:
    return cache_dir() / DATASETS_FOLDER / f"{key}.snapshot"


def write_snapshot(dataset, path: Path) -> Path:
    """Write ``dataset`` (its data only: no values derived from it) to ``path`` atomically (``snapshot_format``)."""
    write_private(path, snapshot_format.dumps(dataset))
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a private temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_snapshot(path: str | Path):
    """The Dataset stored at ``path``; SnapshotError when the file is not one, or was changed, or another user could write it."""
    path = Path(path)
    reason = untrusted_reason(path)
    if reason is not None:
        raise SnapshotError(f"the file {reason}")
    return snapshot_format.loads(path.read_bytes())


def open_snapshot(path: str | Path):
    """The Dataset at ``path``, read once per process while the file stays the same.

    A render keeps its kernels from one section to the next: every section of a
    report then shares one Dataset (kept in :data:`pdu_lib.memo.PROCESS_MEMO`), and
    so its figures. A Dataset is frozen; notebooks never change its frames in place.
    """
    path = Path(path).resolve()
    return PROCESS_MEMO.get(("snapshot", file_identity(path)), lambda: read_snapshot(path))


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A report's prepared dataset: its content key, its snapshot and the Dataset itself."""

    key: str
    path: Path
    dataset: object
    loaded: bool  # True when the data was loaded and checked; False when the snapshot was reused


def prepare(
    data_dir: str | Path, report: str, *, loader: Callable | None = None, refresh: bool = False, expect: type | None = None
) -> Prepared:
    """Load and check the report's data once and keep its snapshot, or reuse the snapshot with the same key.

    ``loader(data_dir, report)`` loads and checks the data (default:
    ``pdu_lib.inputs.dataset.load_dataset``); it raises InputError on bad
    input, and then no snapshot is written. ``refresh`` loads even when a
    snapshot exists (``pdu-report render --no-cache``). A snapshot that is
    not an ``expect`` (when given), or fails its checks, is a miss: a warning,
    and the data is loaded again.
    """
    key = dataset_key(data_dir, report)
    path = trusted_dir(cache_dir()) / DATASETS_FOLDER / f"{key}.snapshot"
    if not refresh and path.is_file():
        try:
            dataset = read_snapshot(path)
            if expect is not None and not isinstance(dataset, expect):
                raise SnapshotError(f"it holds a {type(dataset).__name__}, not a {expect.__name__}")
            return Prepared(key, path, dataset, loaded=False)
        except (SnapshotError, OSError) as exc:  # a truncated, changed or foreign file: load again and replace it
            warn(f"the prepared dataset {path} was not used ({exc}); the data is loaded again and the snapshot replaced")
    if loader is None:
        loader = load_dataset
    dataset = loader(Path(data_dir).resolve(), report)
    try:
        trusted_dir(path.parent)
        write_snapshot(dataset, path)
    except OSError as exc:
        warn(f"cannot write the cache {exc.filename or path}: {exc.strerror or exc}; the run goes on without keeping the prepared dataset")
    return Prepared(key, path, dataset, loaded=True)


def keep_snapshot(prepared: Prepared, folder: Path) -> Path:
    """A copy of the prepared dataset's snapshot in ``folder`` (a render's work folder), so that clearing the cache mid-render does no harm."""
    return write_snapshot(prepared.dataset, folder / f"dataset-{prepared.key[:16]}.snapshot")


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
    """What the render needs of a section that did not run again: its result and the files it wrote, checked and in memory."""

    key: str
    body: str
    has_plotly: bool
    stderr_lines: int
    files: dict[str, bytes]  # relative path -> content, every one checked against its hash

    def write_output(self, target: Path) -> None:
        """Write the files the section wrote into the report folder being built (merging folders)."""
        for relative, content in self.files.items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def sections_dir() -> Path:
    return trusted_dir(cache_dir()) / SECTIONS_FOLDER


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
                "packages": package_versions_hash(),
                "notebook_name": Path(notebook).name,
            },
            sort_keys=True,
            default=str,
        ).encode("utf-8")
    )
    digest.update(Path(notebook).read_bytes())
    return digest.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry_digest(result: dict) -> str:
    """The hash an entry's result.json carries of its own content (everything but the hash)."""
    content = {name: value for name, value in result.items() if name != "sha256"}
    return _sha256(json.dumps(content, sort_keys=True).encode("utf-8"))


class BadEntry(Exception):
    """A section entry that may not be used: missing, changed, of the wrong types, or writable by others."""


def lookup(key: str) -> CachedSection | None:
    """The cached result under ``key``, checked, or None.

    An entry that exists but fails a check (result.json or a file missing,
    changed or of the wrong type; a file another user could write) is a miss:
    a warning on stderr, and the entry is removed so that this render's result
    replaces it. Nothing of it is published.
    """
    entry = sections_dir() / key
    if not entry.exists():
        return None
    try:
        return _read_entry(key, entry)
    except BadEntry as exc:
        warn(f"the cached section {entry} was not used ({exc}); the section runs again")
        shutil.rmtree(entry, ignore_errors=True)
        return None


def _read_entry(key: str, entry: Path) -> CachedSection:
    for path in (entry, entry / RESULT_FILE):
        reason = untrusted_reason(path)
        if reason:
            raise BadEntry(f"{path.name} {reason}")
    try:
        result = json.loads((entry / RESULT_FILE).read_bytes())
    except FileNotFoundError:
        raise BadEntry(f"no {RESULT_FILE}") from None
    except (OSError, ValueError) as exc:
        raise BadEntry(f"{RESULT_FILE} cannot be read: {type(exc).__name__}") from None
    types = {"body": str, "has_plotly": bool, "stderr_lines": int, "files": dict, "sha256": str}
    if not isinstance(result, dict) or any(not isinstance(result.get(name), kind) for name, kind in types.items()):
        raise BadEntry(f"{RESULT_FILE} is not a section result")
    if result["sha256"] != _entry_digest(result):
        raise BadEntry(f"{RESULT_FILE} does not match its hash")
    files = {}
    for relative, digest in result["files"].items():
        path = entry / OUTPUT_FOLDER / relative
        if not isinstance(digest, str) or Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise BadEntry(f"{RESULT_FILE} lists a file outside the entry")
        try:
            content = path.read_bytes()
        except OSError:
            raise BadEntry(f"its file {relative} is missing") from None
        if _sha256(content) != digest or untrusted_reason(path):
            raise BadEntry(f"its file {relative} was changed")
        files[relative] = content
    return CachedSection(key, result["body"], result["has_plotly"], result["stderr_lines"], files)


def store(key: str, *, body: str, has_plotly: bool, stderr_lines: int, output: Path | None) -> None:
    """Keep a rendered section's result and the files it wrote (``output``) under ``key``, each with its hash.

    The cache is a help, not a need: when it cannot be written (a full disk, no
    permission) a one-line warning names the path and the render goes on.
    """
    try:
        _store(key, body=body, has_plotly=has_plotly, stderr_lines=stderr_lines, output=output)
    except OSError as exc:
        warn(f"cannot write the cache {_failed_path(exc, sections_dir())}: {_cause(exc)}; the section's result is not kept")


def _failed_path(exc: OSError, default: Path) -> str:
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        return str(exc.args[0][0][1])  # shutil.Error holds a list of (source, target, why)
    return str(exc.filename or default)


def _cause(exc: OSError) -> str:
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        return str(exc.args[0][0][2]).split(": '", 1)[0]
    return exc.strerror or type(exc).__name__


def _store(key: str, *, body: str, has_plotly: bool, stderr_lines: int, output: Path | None) -> None:
    folder = sections_dir()
    folder.mkdir(mode=0o700, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key[:16]}.", dir=folder))
    try:
        files = {}
        if output is not None and output.is_dir():
            shutil.copytree(output, staging / OUTPUT_FOLDER)
            for path in sorted(p for p in (staging / OUTPUT_FOLDER).rglob("*") if p.is_file()):
                files[path.relative_to(staging / OUTPUT_FOLDER).as_posix()] = _sha256(path.read_bytes())
        else:
            (staging / OUTPUT_FOLDER).mkdir()
        result = {"body": body, "has_plotly": bool(has_plotly), "stderr_lines": int(stderr_lines), "files": files}
        result["sha256"] = _entry_digest(result)
        (staging / RESULT_FILE).write_text(json.dumps(result), encoding="utf-8")
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
    for name in (DATASETS_FOLDER, SECTIONS_FOLDER, TRACES_FOLDER, EXECUTED_FOLDER):
        folder = root / name
        if folder.is_dir() and not folder.is_symlink():
            removed += sum(1 for path in folder.rglob("*") if path.is_file())
            shutil.rmtree(folder)
    return root, removed


# ---------------------------------------------------------------------------
# What each section read (``section_reads``): the sets of names per section base, and fingerprints per prepared dataset

TRACES_FOLDER = "reads"
#: How many sets of names read are kept per section base (a section whose reads depend on the data alternates between a few).
TRACES_KEPT = 4


def _traces_dir() -> Path:
    return trusted_dir(cache_dir()) / TRACES_FOLDER


def _read_json(path: Path):
    """The value kept at ``path`` by :func:`_write_json`, checked against its hash; None when missing or not as written."""
    try:
        kept = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        kept = None
    reason = untrusted_reason(path)
    if reason or not isinstance(kept, dict) or kept.get("sha256") != _entry_digest(kept):
        warn(f"the cached file {path} was not used ({reason or 'it does not match its hash'}); it is written again")
        path.unlink(missing_ok=True)
        return None
    return kept.get("value")


def _write_json(path: Path, value) -> None:
    kept = {"value": value}
    kept["sha256"] = _entry_digest(kept)
    try:
        write_private(path, json.dumps(kept, sort_keys=True).encode("utf-8"))
    except OSError as exc:
        warn(f"cannot write the cache {_failed_path(exc, path)}: {_cause(exc)}; the next render may run more sections")


def load_traces(base: str) -> list[list[str]]:
    """The sets of names a section with this base read in its last runs, newest first."""
    traces = _read_json(_traces_dir() / f"{base}.json")
    if not isinstance(traces, list):
        return []
    return [trace for trace in traces if isinstance(trace, list) and all(isinstance(name, str) for name in trace)]


def store_trace(base: str, names: list[str]) -> None:
    """Keep ``names`` as the newest set read by the section with this base."""
    traces = [names] + [trace for trace in load_traces(base) if trace != names]
    _write_json(_traces_dir() / f"{base}.json", traces[:TRACES_KEPT])


def load_fingerprints(dataset_key: str) -> dict[str, str]:
    """The fingerprints already computed in the prepared dataset with this key (``section_reads.Fingerprints``)."""
    known = _read_json(_traces_dir() / f"fingerprints-{dataset_key}.json")
    if not isinstance(known, dict):
        return {}
    return {name: value for name, value in known.items() if isinstance(name, str) and isinstance(value, str)}


def store_fingerprints(dataset_key: str, known: dict[str, str]) -> None:
    """Keep the fingerprints computed in the prepared dataset with this key, so the next render need not compute them."""
    _write_json(_traces_dir() / f"fingerprints-{dataset_key}.json", known)


EXECUTED_FOLDER = "executed"


def store_executed(code_key: str, notebook: bytes, output: Path) -> None:
    """Keep a section's executed notebook and the files it wrote under the key of its code (``markdown_only``), each with its hash."""
    entry = trusted_dir(cache_dir()) / EXECUTED_FOLDER / code_key
    try:
        files = (
            {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()} if output.is_dir() else {}
        )
        for relative, content in files.items():
            write_private(entry / OUTPUT_FOLDER / relative, content)
        write_private(entry / "notebook.ipynb", notebook)
        digests = {"notebook": _sha256(notebook), "files": {relative: _sha256(content) for relative, content in files.items()}}
        _write_json(entry / "digests.json", digests)  # read back by load_executed through _read_json, hash-checked
    except OSError as exc:
        warn(f"cannot write the cache {_failed_path(exc, entry)}: {_cause(exc)}; an edit of this section's text will run it again")


def load_executed(code_key: str, output: Path) -> bytes | None:
    """The executed notebook kept under ``code_key``, its files written into ``output``; None when missing or changed."""
    entry = trusted_dir(cache_dir()) / EXECUTED_FOLDER / code_key
    digests = _read_json(entry / "digests.json")
    if not isinstance(digests, dict) or not isinstance(digests.get("files"), dict):
        return None
    if any(Path(relative).is_absolute() or ".." in Path(relative).parts for relative in digests["files"]):
        return None
    try:
        notebook = (entry / "notebook.ipynb").read_bytes()
        files = {relative: (entry / OUTPUT_FOLDER / relative).read_bytes() for relative in digests["files"]}
    except OSError:
        return None
    if _sha256(notebook) != digests.get("notebook") or any(_sha256(files[r]) != digests["files"][r] for r in files):
        warn(f"a kept run in the cache was changed ({entry}); the section runs again")
        return None
    for relative, content in files.items():
        target = output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return notebook
