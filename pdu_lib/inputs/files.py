"""Reading input files with bounds: regular files only, inside the data folder, under a size cap.

Every loader reads bytes through :func:`read_input_bytes` (``tables.read_grid``
does), so a FIFO cannot hang a render, a device such as ``/dev/zero`` cannot
fill the memory, a symbolic link cannot pull in a file from outside the data
folder, and a runaway file stops with an :class:`InputError` naming it.

The size cap is ``PDU_MAX_INPUT_MB`` megabytes per file (default
:data:`DEFAULT_MAX_INPUT_MB`); set the environment variable to raise it for a
larger real export (documented in data/README.md).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from pdu_lib.errors import InputError

#: Default cap on one input file's size (and on an XLSX's unpacked sheets), in megabytes.
DEFAULT_MAX_INPUT_MB = 50
MAX_INPUT_ENV = "PDU_MAX_INPUT_MB"
#: A data folder is known by this file, which every data folder holds (data/README.md).
DATA_FOLDER_MARKER = "reports.yml"

# Bidi controls let text display in another order than it is stored (e.g. U+202E turns "gpj.exe" round):
# embeddings and overrides (U+202A-E), isolates (U+2066-9), the LRM/RLM marks and the Arabic letter mark.
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{_BIDI_CONTROLS}]")
BIDI_CONTROLS = frozenset(_BIDI_CONTROLS)


def strip_bidi(text: str) -> str:
    """Text without bidi control characters, so that no output can show it in a spoofed order.

    >>> strip_bidi("invoice\\u202egpj.exe"), strip_bidi("plain")
    ('invoicegpj.exe', 'plain')
    """
    return _BIDI.sub("", text) if text else text


def file_identity(path: Path) -> tuple:
    """What tells a file apart from its own later versions: its resolved path, inode, type, size and modification time.

    Memos of parsed files key on it: a file rewritten, replaced or turned into a link gets another identity.
    Raises OSError when the file cannot be looked at.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder, "a.csv")
    ...     _ = path.write_text("a")
    ...     first = file_identity(path)
    ...     _ = path.write_text("ab")
    ...     first == file_identity(path)
    False
    """
    status = os.lstat(path)
    return (str(Path(path).resolve()), status.st_dev, status.st_ino, status.st_mode, status.st_size, status.st_mtime_ns)


def max_input_bytes() -> int:
    """The per-file size cap in bytes: ``PDU_MAX_INPUT_MB`` megabytes, or the default.

    >>> max_input_bytes() == DEFAULT_MAX_INPUT_MB * 1_000_000 or MAX_INPUT_ENV in os.environ
    True
    """
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB * 1_000_000
    try:
        megabytes = float(raw)
    except ValueError:
        raise InputError(MAX_INPUT_ENV, f"must be a number of megabytes, not {raw!r}") from None
    if megabytes <= 0:
        raise InputError(MAX_INPUT_ENV, f"must be a positive number of megabytes, not {raw!r}")
    return int(megabytes * 1_000_000)


def data_folder_of(path: Path) -> Path:
    """The data folder a path lies in: the nearest folder above it holding reports.yml, else its own folder."""
    path = Path(os.path.abspath(path))
    for folder in path.parents:
        if (folder / DATA_FOLDER_MARKER).is_file():
            return folder
    return path.parent


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def check_input_file(path: str | Path, name: str | None = None, data_dir: str | Path | None = None) -> Path:
    """The resolved path of an input file that is safe to read, or an :class:`InputError` naming it.

    Refuses a missing file, anything but a regular file (a FIFO would hang the
    read, a device never ends), a symbolic link whose target leaves the data
    folder (``data_dir``, else :func:`data_folder_of`) and a file over the size cap.
    """
    path = Path(path)
    name = name or path.name
    if not path.exists() and not path.is_symlink():
        raise InputError(name, "file not found")
    folder = Path(data_dir) if data_dir is not None else data_folder_of(path)
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputError(name, "is a symbolic link to nothing (or a loop of links)") from None
    if target != Path(os.path.abspath(path)):
        root = folder.resolve()
        if target != root and root not in target.parents:
            raise InputError(name, "is a symbolic link to a file outside the data folder: copy the file into the data folder instead")
    mode = target.stat().st_mode
    if not stat.S_ISREG(mode):
        raise InputError(name, f"is {_kind(mode)}, not a file: inputs must be regular files")
    size = target.stat().st_size
    cap = max_input_bytes()
    if size > cap:
        raise InputError(
            name, f"is {size / 1e6:,.1f} MB, over the {cap / 1e6:,.0f} MB limit for one input file (set {MAX_INPUT_ENV} to raise it)"
        )
    return target


def read_input_bytes(path: str | Path, name: str | None = None, data_dir: str | Path | None = None) -> bytes:
    """The bytes of an input file, checked by :func:`check_input_file`; never more than the size cap."""
    name = name or Path(path).name
    target = check_input_file(path, name, data_dir)
    cap = max_input_bytes()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(target, flags)
    except OSError as err:
        raise InputError(name, f"cannot be read ({err.strerror or err})") from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped after the check
            raise InputError(name, "is not a regular file: inputs must be regular files")
        raw = handle.read(cap + 1)
    if len(raw) > cap:
        raise InputError(name, f"is over the {cap / 1e6:,.0f} MB limit for one input file (set {MAX_INPUT_ENV} to raise it)")
    return raw


def check_data_folder(data_dir: str | Path, max_entries: int = 10_000) -> None:
    """Refuse a data folder holding a FIFO, a device, or a symbolic link that leaves it, before any file is read."""
    root = Path(data_dir).resolve()
    seen = 0
    for folder, dirs, files in os.walk(root):
        for entry in [*dirs, *files]:
            seen += 1
            if seen > max_entries:
                raise InputError(root, f"holds more than {max_entries:,} files and folders: is this the data folder?")
            path = Path(folder) / entry
            name = path.relative_to(root).as_posix()
            if not entry.startswith(".") and not _utf8(entry):
                raise InputError(name, "the file's name is not UTF-8 text, so the report cannot name it: rename the file")
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    continue  # a dangling link is an error only when a loader needs that file
                if target != root and root not in target.parents:
                    raise InputError(
                        name, "is a symbolic link to a file outside the data folder: copy the file into the data folder instead"
                    )
                continue
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise InputError(name, f"is {_kind(mode)}, not a file: the data folder holds regular files only")


def _utf8(name: str) -> bool:
    """Whether a file name decoded as UTF-8 (Python keeps the bytes of one that did not as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def not_an_archive(head: bytes, kind: str, fix: str) -> str:
    """What a file that should be a zip archive (``kind``: "an Excel workbook", "a REFI-QDA project") holds instead, and what to do.

    ``head`` is the file's first bytes; ``fix`` says how to get a proper file.

    >>> not_an_archive(b"<!DOCTYPE html><html>", "an Excel workbook", "export it again as .xlsx")
    'is a web page (HTML) saved under this name, not an Excel workbook: export it again as .xlsx'
    >>> not_an_archive(b"PK\\x03\\x04 cut short", "an Excel workbook", "open it in Excel and save it again")
    'is damaged (it is not a complete Excel workbook): open it in Excel and save it again'
    """
    start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return f"is a web page (HTML) saved under this name, not {kind}: {fix}"
    if start.startswith(b"<"):
        return f"is an XML or text file saved under this name, not {kind}: {fix}"
    if start and not start.startswith(b"pk") and b"\x00" not in start:
        try:
            start.decode("utf-8")
            return f"is a text file (a CSV?) saved under this name, not {kind}: {fix}"
        except UnicodeDecodeError:
            pass
    return f"is damaged (it is not a complete {kind.split(' ', 1)[1]}): {fix}"


def xml_position(err: BaseException) -> str:
    """Where an XML parser's error points ("line 1, column 1861"), or an empty string.

    >>> xml_position(ValueError("not well-formed (invalid token): line 1, column 1861")), xml_position(ValueError("bad"))
    ('line 1, column 1861', '')
    """
    found = re.search(r"line (\d+),? column (\d+)", str(err))
    return f"line {found.group(1)}, column {found.group(2)}" if found else ""
