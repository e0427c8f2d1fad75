"""Changing one raw row changes the figures that depend on it, and only those."""

import csv

import openpyxl
import pytest

from pdu_lib.analysis import figures
from pdu_lib.inputs.dataset import _load


def _figures(data_dir, report="final"):
    table = figures.compute_figures(_load(data_dir, report)).set_index("figure_id")
    return {fid: (row.value, row.numerator, row.base) for fid, row in table.iterrows()}


def _changed(before, after):
    return {fid for fid in before if before[fid] != after.get(fid)}


def test_a_hub_user_changing_sector_moves_only_the_hub_sector_figures(sample_copy):
    before = _figures(sample_copy)
    path = sample_copy / "hub_registrations.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    index = next(i for i, row in enumerate(rows[1:], start=1) if row[1] == "Voluntary")
    rows[index][1] = "Statutory"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    after = _figures(sample_copy)
    assert _changed(before, after) == {"hub_voluntary_pct", "hub_statutory_pct"}
    assert after["hub_statutory_pct"][1] == before["hub_statutory_pct"][1] + 1


def test_one_effectiveness_answer_changed_moves_only_the_effectiveness_figures(sample_copy):
    before = _figures(sample_copy)
    path = sample_copy / "followup_surveys" / "2019-01.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    column = next(i for i, text in enumerate(rows[0]) if text.startswith("How effective"))
    data_row = next(i for i in range(2, len(rows)) if rows[i][column] == "Very effective")
    rows[data_row][column] = "Quite effective"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    after = _figures(sample_copy)
    assert _changed(before, after) == {"effective_very", "effective_quite"}
    assert after["effective_very"][0] == before["effective_very"][0] - 1


def test_one_attendance_changing_sector_moves_only_the_attendance_sector_figures(sample_copy):
    before = {report: _figures(sample_copy, report) for report in ("interim", "final")}
    path = sample_copy / "attendance_register.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[3]]
    sector, status, event = header.index("Sector"), header.index("Status"), header.index("Event ID")
    for row in sheet.iter_rows(min_row=4):
        if row[event].value == "E01" and str(row[status].value).strip().lower() == "attended" and "vol" in str(row[sector].value).lower():
            row[sector].value = "Statutory"
            break
    else:
        pytest.fail("no attended voluntary booking at E01 in the sample")
    workbook.save(path)
    for report in ("interim", "final"):
        after = _figures(sample_copy, report)
        assert _changed(before[report], after) == {"attendances_voluntary_pct", "attendances_statutory_pct"}, report
