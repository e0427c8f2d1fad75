"""A sample K times the size: the same events, periods and shape, K times the people, bookings and responses.

``scale_folder(out, k)`` rewrites a freshly generated sample folder in place.
Every person of the register becomes ``k`` people: replica 0 is the sample's
own row, replicas 1..k-1 are copies whose name, email and organisation carry a
replica mark (``Farah Vaughan R7``, ``farah.vaughan.r7@...``, ``Hope Street
Hostel R7``), applied the same way to every booking, so the sample's planted
messiness (nicknames, a changed email, shared inboxes) is kept within each
replica and the replicas never link to one another. The register still runs
event by event. Every survey response is copied ``k`` times with new
Respondent IDs (and marked emails), after the sample's own rows, so the coded
survey answers still point at the rows they coded. Hub registrations repeat
``k`` times; events, interviews, reviews and coded excerpts are the sample's.

Vectorised with pandas: the cost grows with the rows, not with Python loops
over cells (openpyxl still writes the XLSX files cell by cell).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook

from pdu_sample.xlsxio import save_workbook

REGISTER = "attendance_register.xlsx"
REGISTER_HEADER_ROW = 3  # the header is on row 3, under a title and a blank row
#: Respondent IDs of replica k are the sample's plus k times this (SurveyMonkey's ids have 10 digits).
ID_STEP = 10**10


def marks(k: int) -> pd.Series:
    """The replica marks, replica 0 (the sample itself) unmarked.

    >>> marks(3).tolist()
    ['', ' R1', ' R2']
    """
    numbers = pd.Series(np.arange(k))
    return (" R" + numbers.astype(str)).where(numbers > 0, "")


def _replicate(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """``k`` copies of ``frame`` one after the other, with a ``_replica`` column (0..k-1) and ``_position``."""
    copies = pd.concat([frame] * k, ignore_index=True)
    copies["_replica"] = np.repeat(np.arange(k), len(frame))
    copies["_position"] = np.tile(np.arange(len(frame)), k)
    return copies


def _mark_text(values: pd.Series, replica: pd.Series, k: int) -> pd.Series:
    """Non-blank text with its replica's mark appended; blanks stay blank."""
    text = values.astype("string")
    present = text.notna() & (text.str.strip() != "")
    marked = text + marks(k).reindex(replica.to_numpy()).to_numpy()
    return values.where(~present | (replica == 0), marked.astype(object))


def _mark_email(values: pd.Series, replica: pd.Series) -> pd.Series:
    """``local@domain`` becomes ``local.rK@domain`` for replica K; blanks and replica 0 stay as they are."""
    text = values.astype("string")
    parts = text.str.rsplit("@", n=1, expand=True)
    if parts.shape[1] < 2:
        return values
    tag = ".r" + replica.astype(str)
    marked = parts[0] + tag + "@" + parts[1]
    keep = text.isna() | ~text.str.contains("@", regex=False).fillna(False) | (replica == 0)
    return values.where(keep, marked.astype(object))


# ---------------------------------------------------------------------------
# The register


def scale_register(path: Path, k: int) -> None:
    raw = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    top = raw.iloc[:REGISTER_HEADER_ROW]
    header = [str(value) for value in top.iloc[REGISTER_HEADER_ROW - 1].tolist()]
    rows = raw.iloc[REGISTER_HEADER_ROW:].reset_index(drop=True)
    rows.columns = header
    copies = _replicate(rows, k)
    replica = copies["_replica"]
    copies["Name"] = _mark_text(copies["Name"], replica, k)
    copies["Organisation"] = _mark_text(copies["Organisation"], replica, k)
    copies["Email"] = _mark_email(copies["Email"], replica)
    # Event by event, as the co-ordinator keeps it: each event's block holds every replica's bookings.
    block = (rows["Event ID"] != rows["Event ID"].shift()).cumsum().to_numpy()
    order = np.lexsort((copies["_position"].to_numpy(), replica.to_numpy(), np.tile(block, k)))
    copies = copies.iloc[order][header]

    # A full (not write-only) workbook, so the sheet records its size as Excel's do: a reader need not scan it.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    sheet.append(["PDU attendance register"])
    sheet.append([])
    sheet.append(header)
    date_column = header.index("Event date") + 1
    for row in copies.astype(object).where(copies.notna(), None).to_numpy().tolist():
        sheet.append(row)
    for (cell,) in sheet.iter_rows(min_row=REGISTER_HEADER_ROW + 1, min_col=date_column, max_col=date_column):
        cell.number_format = "DD/MM/YYYY"
    save_workbook(workbook, path, creator="PDU Co-ordinator")


# ---------------------------------------------------------------------------
# SurveyMonkey exports


def _header_column(header: pd.Series, *names: str) -> int | None:
    keys = header.fillna("").astype(str).str.replace(r"[^0-9a-z]", "", regex=True, case=False).str.lower()
    for name in names:
        hits = np.flatnonzero(keys.to_numpy() == name)
        if len(hits):
            return int(hits[0])
    return None


def _scale_responses(grid: pd.DataFrame, k: int, as_text: bool) -> pd.DataFrame:
    """The two header rows, then the responses ``k`` times (the sample's first), with new ids and marked emails."""
    head, responses = grid.iloc[:2], grid.iloc[2:].reset_index(drop=True)
    copies = _replicate(responses, k)
    replica = copies["_replica"]
    id_column = _header_column(grid.iloc[0], "respondentid")
    if id_column is not None:
        ids = pd.to_numeric(copies[id_column].astype(str).str.strip(), errors="coerce").astype("Int64")
        fresh = ids + replica.to_numpy() * ID_STEP
        copies[id_column] = fresh.astype(str) if as_text else fresh.astype(object)
    email_column = _header_column(grid.iloc[0], "emailaddress")
    if email_column is not None:
        copies[email_column] = _mark_email(copies[email_column], replica)
    return pd.concat([head, copies[list(grid.columns)]], ignore_index=True)


def scale_survey_csv(path: Path, k: int) -> None:
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        encoding, text = "utf-8", data.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding, text = "cp1252", data.decode("cp1252")
    newline = "\r\n" if "\r\n" in text else "\n"
    grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)
    scaled = _scale_responses(grid, k, as_text=True)
    out = scaled.to_csv(header=False, index=False, lineterminator=newline)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.encode(encoding))


def scale_survey_xlsx(path: Path, k: int) -> None:
    title = load_workbook(path, read_only=True).sheetnames[0]
    grid = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    scaled = _scale_responses(grid, k, as_text=False)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in scaled.astype(object).where(scaled.notna(), None).to_numpy().tolist():
        sheet.append(row)
    save_workbook(workbook, path, creator="SurveyMonkey")


def scale_hub(path: Path, k: int) -> None:
    hub = pd.read_csv(path, dtype=str, keep_default_na=False)
    copies = _replicate(hub, k).sort_values(["registered_on", "sector", "_replica"], kind="stable")
    path.write_text(copies[list(hub.columns)].to_csv(index=False, lineterminator="\n"), encoding="utf-8", newline="")


def scale_folder(out: str | Path, k: int) -> None:
    """Rewrite the sample folder ``out`` (as :func:`pdu_sample.generate.generate` left it) at ``k`` times its size."""
    if k < 1:
        raise ValueError(f"the scale must be a whole number of at least 1, not {k}")
    if k == 1:
        return
    out = Path(out)
    scale_register(out / REGISTER, k)
    for folder in ("event_surveys", "followup_surveys"):
        for path in sorted((out / folder).iterdir()):
            if path.suffix.lower() == ".csv":
                scale_survey_csv(path, k)
            elif path.suffix.lower() == ".xlsx":
                scale_survey_xlsx(path, k)
    scale_hub(out / "hub_registrations.csv", k)
