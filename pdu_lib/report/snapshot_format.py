"""The prepared dataset's file format: JSON and Arrow IPC, nothing that can run code when it is read.

A snapshot was a pickle, and reading a pickle runs whatever code it names: a
cache folder another user can write would then run their code in the next
render. This format holds only data:

- a first line ``PDU-SNAPSHOT <version>``, then the SHA-256 of everything after it;
- a JSON header: the objects of the Dataset (plain values, and the few classes
  of :data:`CLASSES`, rebuilt field by field), each DataFrame named by its place
  in the payload, with its column dtypes;
- the DataFrames, one Arrow IPC stream each (pyarrow), back to back.

Reading checks the hash first: a truncated, changed or foreign file raises
:class:`SnapshotError` and nothing of it is used. Only the classes named in
:data:`CLASSES` are ever built, from their fields: no name in the file is imported.
Every DataFrame comes back with the same columns, dtypes (categoricals,
datetimes, nullable integers, both kinds of strings) and values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path, PurePath

import pandas as pd
import pyarrow as pa

from pdu_lib.config import ReportPeriod
from pdu_lib.inputs.codebook import Codebook
from pdu_lib.inputs.dataset import Dataset
from pdu_lib.inputs.expert_citizens import Judgements
from pdu_lib.inputs.harmonise import HarmonisationMap, Measure
from pdu_lib.inputs.ledger import Ledger

MAGIC = b"PDU-SNAPSHOT 2\n"
#: The only classes a snapshot may hold (besides plain values, DataFrames and the Ledger), by name.
CLASSES = {cls.__name__: cls for cls in (Dataset, ReportPeriod, HarmonisationMap, Measure, Codebook, Judgements)}


class SnapshotError(ValueError):
    """A snapshot that cannot be read as one: truncated, changed, foreign or of another version."""


# --------------------------------------------------------------------------- writing


def dumps(value) -> bytes:
    """``value`` (a Dataset, or any mix of plain values, DataFrames and :data:`CLASSES`) as snapshot bytes."""
    frames: list[bytes] = []
    header = json.dumps({"value": _encode(value, frames), "frames": [len(f) for f in frames]}, separators=(",", ":")).encode("utf-8")
    body = len(header).to_bytes(8, "big") + header + b"".join(frames)
    return MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def _encode(value, frames: list[bytes]):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, pd.DataFrame):
        frames.append(_frame_bytes(value))
        return {"$frame": len(frames) - 1, "dtypes": [str(dtype) for dtype in value.dtypes]}
    if isinstance(value, Ledger):
        return {"$ledger": _encode(value.state(), frames)}
    if type(value).__name__ in CLASSES and dataclasses.is_dataclass(value):
        fields = {f.name: _encode(getattr(value, f.name), frames) for f in dataclasses.fields(value) if f.init}
        return {"$class": type(value).__name__, "fields": fields}
    if isinstance(value, dict):
        return {"$dict": [[_encode(k, frames), _encode(v, frames)] for k, v in value.items()]}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return {f"${type(value).__name__ if not isinstance(value, frozenset) else 'set'}": [_encode(v, frames) for v in items]}
    if isinstance(value, pd.Timestamp):
        return {"$timestamp": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    if hasattr(value, "item") and not isinstance(value, pd.Series):  # a numpy scalar
        return _encode(value.item(), frames)
    raise SnapshotError(f"a snapshot cannot hold a {type(value).__name__}")


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    plain_index = isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1 and frame.index.name is None
    if not plain_index or not all(isinstance(c, str) for c in frame.columns):
        raise SnapshotError("a snapshot holds tables with a plain row index and text column names only")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


# --------------------------------------------------------------------------- reading


def loads(data: bytes):
    """The value :func:`dumps` wrote; :class:`SnapshotError` for anything else."""
    if not data.startswith(MAGIC):
        raise SnapshotError("not a snapshot of this version")
    start = len(MAGIC) + 65
    digest, body = data[len(MAGIC) : start - 1], memoryview(data)[start:]
    if hashlib.sha256(body).hexdigest().encode("ascii") != digest:
        raise SnapshotError("its content does not match its hash (truncated or changed)")
    try:
        size = int.from_bytes(body[:8], "big")
        header = json.loads(bytes(body[8 : 8 + size]))
        offsets, position = [], 8 + size
        for length in header["frames"]:
            offsets.append((position, position + int(length)))
            position += int(length)
        payload = pa.py_buffer(body)
        return _decode(header["value"], lambda i: payload.slice(offsets[i][0], offsets[i][1] - offsets[i][0]))
    except SnapshotError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, pa.ArrowException) as exc:
        raise SnapshotError(f"it cannot be read ({type(exc).__name__})") from None


_PLAIN = {
    "$list": list,
    "$tuple": tuple,
    "$set": set,
}
_SCALARS = {
    "$timestamp": pd.Timestamp,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$path": Path,
}


def _decode(value, frame):
    if not isinstance(value, dict):
        return value
    if not value:
        raise SnapshotError("an empty entry")
    tag, content = next(iter(value.items()))
    if tag == "$frame":
        return _frame(frame(content), value["dtypes"])
    if tag in _PLAIN:
        return _PLAIN[tag](_decode(v, frame) for v in content)
    if tag == "$dict":
        return {_decode(k, frame): _decode(v, frame) for k, v in content}
    if tag in _SCALARS:
        return _SCALARS[tag](content)
    if tag == "$ledger":
        return Ledger.from_state(_decode(content, frame))
    if tag == "$class" and content in CLASSES:
        return CLASSES[content](**{name: _decode(v, frame) for name, v in value["fields"].items()})
    raise SnapshotError(f"unknown entry {tag!r}")


def _frame(buffer, dtypes: list[str]) -> pd.DataFrame:
    table = pa.ipc.open_stream(buffer).read_all()
    frame = table.to_pandas(use_threads=False, ignore_metadata=True, split_blocks=True)
    if len(dtypes) != frame.shape[1]:
        raise SnapshotError("a table's columns do not match its header")
    for position, (column, wanted, dtype) in enumerate(zip(frame.columns, dtypes, frame.dtypes)):
        if str(dtype) == wanted:
            continue
        if wanted == "string":  # pandas' nullable string: the Arrow column as it is, no copy
            frame[column] = pd.arrays.ArrowStringArray(table.column(position).cast(pa.large_string()))
        else:
            frame[column] = frame[column].astype(wanted)
    return frame
