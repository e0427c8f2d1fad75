"""The output folder's safety: where a render may write, one writer at a time, and what it may replace.

- :func:`check_out_dir` refuses an ``--out`` that is, or lies inside, the data
  folder, one that holds the data folder, the filesystem root and a home folder.
- :class:`OutputFolder` takes a lock per output folder (``.pdu-report.lock``,
  removed when the render ends): a second render into the same folder stops at
  once with an :class:`~pdu_lib.errors.InputError` (``pdu-report`` exits 2)
  saying that another render is writing (and which process, from ``.pdu-report.pid``).
  The lock is an OS lock taken through ``filelock`` (``flock`` on Unix, ``msvcrt`` on
  Windows), so a killed render releases it (its file stays, unlocked, until the next render).
- Each run works in its own folder ``<out>/.pdu-work/run-<pid>-<random>/``:
  ``staging/<report>/`` (the pages being built), ``executed/<report>/``
  (executed notebooks) and ``runtime/`` (kernel connection files). Nothing
  goes to ``$TMPDIR``. The next render into the folder, once it holds the lock,
  removes whatever a killed render left there.
- A report folder carries a manifest, ``.pdu-report.json``. A render replaces
  ``<out>/<report>/`` (or ``<out>/<report>.failed/``) only when it holds that
  manifest (or, for folders rendered before manifests existed, holds nothing
  but what pdu-report writes); anything else is refused, never deleted.
  Once a report is published, its manifest also names the render key the
  report was built from (``incremental.report_key``) and every file with its
  size: :func:`published_key` gives that key back only while those files are
  all there, unchanged in size, so that a render with nothing changed can leave the report as it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from pathlib import Path

from filelock import FileLock, Timeout

from pdu_lib.errors import InputError

MANIFEST_NAME = ".pdu-report.json"
LOCK_NAME = ".pdu-report.lock"
HOLDER_NAME = ".pdu-report.pid"  # the process holding the lock, for the message a second render gets
WORK_DIR_NAME = ".pdu-work"
#: What a render writes into a report folder: a folder holding only these (and no manifest) was rendered before manifests.
_RENDERED_NAMES = {"index.html", "figures.csv", "sections", "charts", "assets", MANIFEST_NAME}


def _home_folders() -> set[Path]:
    homes = {Path("/root")}
    with contextlib.suppress(RuntimeError, KeyError):
        homes.add(Path.home().resolve())
    for parent in (Path("/home"), Path("/Users")):
        with contextlib.suppress(OSError):
            homes.update(child.resolve() for child in parent.iterdir() if child.is_dir())
    return homes


def check_out_dir(out_dir: str | Path, data_dir: str | Path) -> Path:
    """The resolved output folder, or an :class:`InputError` when writing there could destroy something.

    >>> check_out_dir("/srv/data/outputs", "/srv/data")
    Traceback (most recent call last):
    ...
    pdu_lib.errors.InputError: /srv/data/outputs: --out lies inside the data folder /srv/data: a render would write among (and could replace) its inputs; choose a folder outside it
    """
    out = Path(os.path.abspath(Path(out_dir).expanduser())).resolve()
    data = Path(os.path.abspath(Path(data_dir).expanduser())).resolve()
    if out.parent == out:
        raise InputError(out, "--out is the filesystem root: choose a folder for the reports, e.g. outputs")
    if out in _home_folders():
        raise InputError(out, "--out is a home folder: choose a folder for the reports inside it, e.g. outputs")
    if out == data:
        raise InputError(out, "--out is the data folder: a render would replace its inputs; choose another folder, e.g. outputs")
    if data in out.parents:
        raise InputError(
            out,
            f"--out lies inside the data folder {data}: a render would write among (and could replace) its inputs; choose a folder outside it",
        )
    if out in data.parents:
        raise InputError(out, f"--out holds the data folder {data}: choose a folder beside the data, e.g. outputs")
    return out


def manifest_text(report: str, render_key: str | None = None, files: dict[str, int] | None = None) -> str:
    """The manifest a render leaves in a report folder (no time or run id, so renders stay byte-identical)."""
    manifest: dict = {"written_by": "pdu-report", "report": report}
    if render_key is not None:
        manifest.update(render_key=render_key, files=files or {})
    return json.dumps(manifest, sort_keys=True, indent=0 if files else None) + "\n"


def write_manifest(folder: Path, report: str, render_key: str | None = None) -> None:
    """Write the manifest; with ``render_key``, the report is complete: list its files and their sizes too."""
    files = None
    if render_key is not None:
        files = {
            path.relative_to(folder).as_posix(): path.stat().st_size
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != MANIFEST_NAME
        }
    (folder / MANIFEST_NAME).write_text(manifest_text(report, render_key, files), encoding="utf-8")


def published_key(folder: Path) -> str | None:
    """The render key of the report published in ``folder``, while every file it lists is there with its size; else None.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "index.html").write_text("<p>report</p>")
    >>> write_manifest(folder, "final", render_key="k1")
    >>> published_key(folder)
    'k1'
    >>> _ = (folder / "index.html").write_text("<p>edited by hand</p>")
    >>> published_key(folder) is None
    True
    """
    manifest = folder / MANIFEST_NAME
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        key, files = recorded["render_key"], recorded["files"]
        for name, size in files.items():
            path = folder / name
            if path.is_symlink() or not path.is_file() or path.stat().st_size != size:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return key if isinstance(key, str) else None


def written_by_us(folder: Path) -> bool:
    """True when ``folder`` is one pdu-report wrote: it holds a manifest, or only what a render writes."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    manifest = folder / MANIFEST_NAME
    if manifest.is_file() and not manifest.is_symlink():
        try:
            return json.loads(manifest.read_text(encoding="utf-8")).get("written_by") == "pdu-report"
        except (OSError, ValueError, AttributeError):
            return False
    names = {child.name for child in folder.iterdir()}
    return bool(names) and all(name in _RENDERED_NAMES or name.endswith("_report.html") for name in names) and "index.html" in names


def check_replaceable(path: Path) -> None:
    """Refuse to go on when ``path`` exists and is not a folder pdu-report wrote (it would be replaced)."""
    if (path.exists() or path.is_symlink()) and not written_by_us(path):
        raise InputError(
            path,
            f"exists and was not written by pdu-report (it has no {MANIFEST_NAME}), so a render will not replace it: move it away or choose another --out",
        )


def remove_ours(path: Path) -> None:
    """Remove a folder pdu-report wrote (checked again here); anything else is left alone."""
    if not (path.exists() or path.is_symlink()):
        return
    check_replaceable(path)
    shutil.rmtree(path)


class OutputFolder:
    """The lock on an output folder and this run's work folder inside it; use as a context manager."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.work_root = self.out_dir / WORK_DIR_NAME
        self.run_dir: Path | None = None
        self._lock: FileLock | None = None

    @property
    def run_folder(self) -> Path:
        """This run's work folder; only while the output folder is open (a context manager)."""
        if self.run_dir is None:
            raise RuntimeError("the output folder is not open: use it as a context manager")
        return self.run_dir

    def __enter__(self) -> OutputFolder:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._lock = self._take_lock()
        try:
            (self.out_dir / HOLDER_NAME).write_text(str(os.getpid()), encoding="utf-8")
            # Holding the lock, no other render is running here: whatever is in the work folder was left by a killed one.
            if self.work_root.is_dir() and not self.work_root.is_symlink():
                shutil.rmtree(self.work_root)
            self.run_dir = self.work_root / f"run-{os.getpid()}-{secrets.token_hex(4)}"
            for sub in ("staging", "executed", "runtime"):
                (self.run_dir / sub).mkdir(parents=True)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _take_lock(self) -> FileLock:
        """The output folder's lock (filelock: an OS lock on every platform, let go when the process ends)."""
        lock = FileLock(self.out_dir / LOCK_NAME, blocking=False, thread_local=False)
        try:
            lock.acquire()
        except Timeout:
            holder = ""
            with contextlib.suppress(OSError):
                holder = (self.out_dir / HOLDER_NAME).read_text(encoding="utf-8").strip()
            raise InputError(
                self.out_dir,
                f"another render{f' (process {holder})' if holder.isdigit() else ''} is writing to this output folder; "
                "wait for it to finish, or choose another --out",
            ) from None
        return lock

    def staging(self, report: str) -> Path:
        return self.run_folder / "staging" / report

    def executed(self, report: str) -> Path:
        return self.run_folder / "executed" / report

    @property
    def runtime(self) -> Path:
        return self.run_folder / "runtime"

    def old(self, report: str) -> Path:
        """Where the previous render waits while the new one is swapped in."""
        return self.run_folder / "previous" / report

    def __exit__(self, *exc) -> None:
        try:
            if self.run_dir is not None:
                shutil.rmtree(self.run_dir, ignore_errors=True)
            with contextlib.suppress(OSError):
                self.work_root.rmdir()
        finally:
            if self._lock is not None:
                for name in (HOLDER_NAME, LOCK_NAME):  # removed while still held: filelock then never locks a stale file
                    with contextlib.suppress(OSError):  # (Windows keeps a file that is open: it stays, unlocked)
                        (self.out_dir / name).unlink()
                self._lock.release()
                self._lock = None
