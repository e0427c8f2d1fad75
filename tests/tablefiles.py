"""Small hand-written input files for loader tests, and how their errors are located."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def where(name: str, row: int, column: str) -> str:
    return f"{name}, row {row}, column {column!r}"
