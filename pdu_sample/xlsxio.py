"""Saving openpyxl workbooks byte-for-byte reproducibly.

openpyxl stamps a workbook with the wall clock twice: the ``modified``
document property (set on every save) and the date of every member of the zip
archive. Both are fixed here, so the same workbook always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

# Any fixed moment will do; this one is the end of the final report's data.
FIXED_TIMESTAMP = dt.datetime(2019, 1, 31, 17, 0, 0)


def save_workbook(workbook: Workbook, path: str | Path, *, when: dt.datetime = FIXED_TIMESTAMP, creator: str = "PDU") -> None:
    """Write ``workbook`` to ``path`` with fixed document properties and zip member dates."""
    workbook.properties.created = when
    workbook.properties.modified = when
    workbook.properties.creator = creator
    workbook.properties.lastModifiedBy = creator
    buffer = io.BytesIO()
    # ExcelWriter rather than Workbook.save: save() resets ``modified`` to now.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    buffer.seek(0)
    date_time = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    Path(path).write_bytes(out.getvalue())
