"""What a section read of its report's data, recorded as it runs, and the fingerprint of each thing read.

A section is keyed on what it read (``pdu_lib.report.incremental``): a changed
``hub_registrations.csv`` re-runs the sections that read the hub table or a
figure computed from it, not the whole report. The Dataset itself stays as it
is: in the kernel, :func:`recording` wraps the section's Dataset, its figures
and its text values in views that note each name read, and the render
fingerprints those names in the current data to decide whether the section's
last result still holds.

Names read (a section's *reads*):

- ``field:<name>``: a field of the Dataset (``hub``, ``ledger`` ...); its
  properties and methods (``learning_events``, ``measure()``) run on the view,
  so the fields they use are what is noted;
- a value kept for the whole Dataset (its figures, in the process's memo, by
  the Dataset as key): the view noted as hashed stands for ``folder``;
- ``figure:<id>`` (one figure, or its absence) and ``figures:ids`` (the list of ids);
- ``value:<name>`` and ``values:names``: the front matter and words ``%%prose`` can name;
- ``folder``: the data folder itself (a section that opens files of its own):
  keyed then on every file of the folder.

When in doubt, re-run: a section that recorded nothing (it never called
``notebook.setup``), or a name this module cannot fingerprint, is keyed on
every file of the data folder, as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePath
from typing import Any

#: The file a recording section writes into its own output folder (the render takes it out before publishing).
READS_FILE = ".pdu-reads.json"
#: The read that stands for every file of the data folder.
WHOLE_FOLDER = "folder"


class Reads:
    """The names a section has read, in the order first read; saved to ``path`` (when given) as each new one comes."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.names: dict[str, None] = {}

    def add(self, name: str) -> None:
        if name in self.names:
            return
        self.names[name] = None
        if self.path is not None:
            _write_json(self.path, sorted(self.names))


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(value, file)
    os.replace(temporary, path)


def take_reads(folder: Path) -> list[str] | None:
    """The reads a section saved in its output ``folder`` (the file is removed), or None when it saved none."""
    path = Path(folder) / READS_FILE
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        path.unlink(missing_ok=True)
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return None
    return names


class RecordingDataset:
    """A read-only view of a Dataset that notes each field read (``field:<name>``) in ``reads``.

    Properties and methods of the Dataset run with this view as ``self``, so
    what they read is noted field by field. ``isinstance(view, Dataset)`` holds.
    """

    __slots__ = ("pdu_dataset", "pdu_reads")

    def __init__(self, dataset: Any, reads: Reads):
        object.__setattr__(self, "pdu_dataset", dataset)
        object.__setattr__(self, "pdu_reads", reads)

    @property  # type: ignore[misc]
    def __class__(self):  # isinstance() and type hints see a Dataset
        return type(self.pdu_dataset)

    def __getattr__(self, name: str) -> Any:
        dataset = self.pdu_dataset
        attribute = getattr(type(dataset), name, None)
        if isinstance(attribute, property) and attribute.fget is not None:
            return attribute.fget(self)
        if callable(attribute) and not isinstance(attribute, type) and hasattr(attribute, "__get__"):
            return attribute.__get__(self, type(dataset))
        if name.startswith("__"):
            return getattr(dataset, name)
        if name == "data_dir":
            self.pdu_reads.add(WHOLE_FOLDER)
        elif not name.startswith("_"):
            self.pdu_reads.add(f"field:{name}")
        return getattr(dataset, name)

    def __hash__(self) -> int:
        # Hashed as a key of a value kept for the whole Dataset (its figures, in the process's memo): what that
        # value read is not seen here, so the section is keyed on every file of the data folder.
        self.pdu_reads.add(WHOLE_FOLDER)
        return hash(self.pdu_dataset)

    def __eq__(self, other: object) -> bool:
        return other is self or other is self.pdu_dataset

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the report's data is read-only in a section (tried to set {name!r})")

    def __repr__(self) -> str:
        return repr(self.pdu_dataset)


class RecordingMapping(Mapping):
    """A read-only mapping that notes each key looked up (``<kind>:<key>``) and any listing of its keys (``<kind>s:...``)."""

    def __init__(self, values: Mapping[str, Any], reads: Reads, kind: str, listing: str):
        self._values = values
        self._reads = reads
        self._kind = kind
        self._listing = listing

    def __getitem__(self, key: str) -> Any:
        self._reads.add(f"{self._kind}:{key}")
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        self._reads.add(f"{self._kind}:{key}")
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        self._reads.add(self._listing)
        return iter(self._values)

    def __len__(self) -> int:
        self._reads.add(self._listing)
        return len(self._values)


def recording(dataset: Any, figures: Mapping[str, Any], values: Mapping[str, Any], output_dir: Path | None):
    """The section's Dataset, figures and text values as recording views, saving into ``output_dir`` (when set)."""
    reads = Reads(Path(output_dir) / READS_FILE if output_dir else None)
    return (
        RecordingDataset(dataset, reads),
        RecordingMapping(figures, reads, "figure", "figures:ids"),
        RecordingMapping(values, reads, "value", "values:names"),
    )


# ---------------------------------------------------------------------------
# Fingerprints, in the render's process


def fingerprint(value: Any) -> str | None:
    """A SHA-256 of ``value``'s content, the same in every process; None for a value it cannot read.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [1, 2]})
    >>> fingerprint(a) == fingerprint(a.copy()), fingerprint(a) == fingerprint(a.iloc[:1])
    (True, False)
    >>> fingerprint({"b": {1, 2}, "a": None}) == fingerprint({"a": None, "b": {2, 1}})
    True
    """
    digest = hashlib.sha256()
    try:
        _feed(digest, value, depth=0)
    except _Unreadable:
        return None
    return digest.hexdigest()


class _Unreadable(Exception):
    pass


_SCALARS = (str, bytes, int, float, bool, type(None), dt.date, dt.datetime, dt.time, dt.timedelta, decimal.Decimal, PurePath)


def _feed(digest, value: Any, depth: int) -> None:
    if depth > 20:
        raise _Unreadable()
    kind = type(value)
    digest.update(f"<{kind.__module__}.{kind.__qualname__}>".encode())
    if isinstance(value, _SCALARS):
        digest.update(repr(value).encode("utf-8", "surrogatepass"))
        return
    feeder = _feeder(value)
    if feeder is None:
        raise _Unreadable()
    feeder(digest, value, depth + 1)


def _feeder(value: Any) -> Callable | None:
    import numpy as np
    import pandas as pd

    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return _feed_pandas
    if isinstance(value, np.ndarray):
        return _feed_array
    if isinstance(value, np.generic):
        return lambda digest, item, depth: _feed(digest, item.item(), depth)
    if isinstance(value, Mapping):
        return _feed_mapping
    if isinstance(value, (list, tuple)):
        return _feed_sequence
    if isinstance(value, (set, frozenset)):
        return lambda digest, items, depth: _feed_sequence(digest, sorted(items, key=lambda item: fingerprint(item) or ""), depth)
    if dataclasses.is_dataclass(value):
        return lambda digest, item, depth: _feed_mapping(
            digest, {f.name: getattr(item, f.name) for f in dataclasses.fields(item) if not f.name.startswith("_")}, depth
        )
    if hasattr(value, "__dict__"):
        return lambda digest, item, depth: _feed_mapping(digest, vars(item), depth)
    return None


def _feed_mapping(digest, mapping: Mapping, depth: int) -> None:
    items = sorted(mapping.items(), key=lambda item: repr(item[0]))
    digest.update(len(items).to_bytes(8, "big"))
    for key, item in items:
        _feed(digest, key, depth)
        _feed(digest, item, depth)


def _feed_sequence(digest, items, depth: int) -> None:
    digest.update(len(items).to_bytes(8, "big"))
    for item in items:
        _feed(digest, item, depth)


def _feed_array(digest, array, depth: int) -> None:
    if array.dtype == object:
        _feed_sequence(digest, array.tolist(), depth)
        return
    digest.update(f"{array.dtype.str} {array.shape}".encode())
    digest.update(array.tobytes())


def _feed_pandas(digest, value, depth: int) -> None:
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        digest.update(repr([(str(name), str(dtype)) for name, dtype in value.dtypes.items()]).encode())
        digest.update(repr(value.attrs).encode())
    else:
        digest.update(f"{value.name!r} {value.dtype}".encode())
    try:
        hashed = pd.util.hash_pandas_object(value, index=not isinstance(value, pd.Index), categorize=False)
    except TypeError:  # cells pandas cannot hash (a list in a cell): read them one by one
        _feed_sequence(digest, [value.to_numpy(dtype=object).tolist()], depth)
        return
    digest.update(len(value).to_bytes(8, "big"))
    digest.update(hashed.to_numpy().tobytes())


class Fingerprints:
    """The fingerprint of each name a section can read, in one report's data (each computed once).

    ``figures`` and ``values`` are the report's figures by id and its text
    values (what a section's views hold); ``folder_key`` is the key of every
    file of the data folder (the prepared dataset's), which also stands for
    any name that cannot be fingerprinted.
    """

    def __init__(
        self,
        dataset: Any,
        *,
        figures: Callable[[], Mapping],
        values: Callable[[], Mapping],
        folder_key: str,
        known: Mapping[str, str] | None = None,
    ):
        self.dataset = dataset
        self._figures = figures
        self._values = values
        self.folder_key = folder_key
        self.known: dict[str, str] = dict(known or {})  # fingerprints kept from an earlier render of the same data
        self.computed = 0  # how many were computed here (the others were known)

    def of(self, name: str) -> str:
        if name not in self.known:
            self.known[name] = self._compute(name) or f"folder {self.folder_key}"
            self.computed += 1
        return self.known[name]

    def _compute(self, name: str) -> str | None:
        kind, _, rest = name.partition(":")
        if name == WHOLE_FOLDER:
            return f"folder {self.folder_key}"
        if kind == "field" and dataclasses.is_dataclass(self.dataset) and rest in {f.name for f in dataclasses.fields(self.dataset)}:
            return fingerprint(getattr(self.dataset, rest))
        if kind == "figure":
            return fingerprint(self._figures().get(rest, "absent"))
        if name == "figures:ids":
            return fingerprint(sorted(self._figures()))
        if kind == "value":
            return fingerprint(self._values().get(rest, "absent"))
        if name == "values:names":
            return fingerprint(sorted(self._values()))
        return None

    def key(self, base: str, names: list[str]) -> str:
        """The key of a section whose other inputs give ``base`` and which read ``names``."""
        digest = hashlib.sha256(base.encode("ascii"))
        for name in sorted(set(names)):
            digest.update(f"\0{name}\0{self.of(name)}".encode())
        return digest.hexdigest()
