"""Right on data it has never seen (issue 12): each case is a small variant of the sample, built at test time.

Every test copies data/sample (the ``sample_copy`` fixture), changes one thing
the way a co-ordinator or a re-export would, and checks the figure and the
data-quality (appendix) data against what the change must, and must not, do.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis import figures, metrics, quality
from pdu_lib.errors import InputError
from pdu_lib.inputs import harmonise
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.inputs.surveymonkey import read_export
from pdu_lib.memo import PROCESS_MEMO
from pdu_lib.report.figures_csv import read_figures_csv, write_figures_csv

NUMBERS = ["value", "numerator", "base"]
FOLLOWUP_FIGURES = [
    "heard_word_of_mouth",
    "heard_newsletter",
    "heard_online_platform",
    "hub_aware",
    "hub_used",
    "made_contact",
    "took_action",
    "outcomes_improved",
    "outcomes_not_sure",
    "outcomes_not_improved",
    "effective_very",
    "effective_quite",
    "effective_not",
]


def reload(data_dir: Path, report: str):
    """The Dataset of a folder changed after it was first loaded (load_dataset caches per folder)."""
    PROCESS_MEMO.clear()
    return load_dataset(data_dir, report)


def figure_table(data_dir: Path, report: str) -> pd.DataFrame:
    return figures.compute_figures(reload(data_dir, report)).set_index("figure_id")


@pytest.fixture(scope="module")
def sample_figures() -> dict[str, pd.DataFrame]:
    return {report: figure_table(config.SAMPLE_DATA_DIR, report) for report in ("interim", "final")}


def read_grid(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def write_grid(path: Path, grid: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(grid)


def column_index(letter: str) -> int:
    number = 0
    for char in letter:
        number = number * 26 + ord(char) - 64
    return number - 1


def register_sheet(data_dir: Path):
    workbook = openpyxl.load_workbook(data_dir / "attendance_register.xlsx")
    sheet = workbook.active
    header_row = next(r for r in range(1, 11) if sheet.cell(r, 1).value == "Event ID")
    header = [cell.value for cell in sheet[header_row]]
    return workbook, sheet, header_row, header


def booking(header: list, **values) -> list:
    return [values.get(column) for column in header]


# --- 1. Day-first dates --------------------------------------------------------------------------------


def resave_day_first(path: Path, event_day: dt.date) -> None:
    """Every response dated in the month after its event, days 1 to 5, written day first (as Excel on a UK machine does)."""
    grid = read_grid(path)
    head = grid[0]
    start, end = head.index("Start Date"), head.index("End Date")
    first = (event_day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    for number, row in enumerate(grid[2:]):
        when = dt.datetime.combine(first + dt.timedelta(days=number % 5), dt.time(10, 15, 0))
        row[start] = (when - dt.timedelta(minutes=5)).strftime("%d/%m/%Y %I:%M:%S %p")
        row[end] = when.strftime("%d/%m/%Y %I:%M:%S %p")
    write_grid(path, grid)


def test_day_first_exports_are_read_day_first_and_stay_out_of_the_interim(sample_copy, sample_figures):
    resave_day_first(sample_copy / "event_surveys" / "E13.csv", dt.date(2018, 10, 11))
    resave_day_first(sample_copy / "event_surveys" / "E15.csv", dt.date(2018, 11, 8))
    interim, final = figure_table(sample_copy, "interim"), figure_table(sample_copy, "final")
    # Read month first, these dates (01/11/2018 ...) would be January to May 2018: in the interim period.
    pd.testing.assert_frame_equal(interim[NUMBERS], sample_figures["interim"][NUMBERS])
    assert final.loc["event_survey_responses", "value"] == sample_figures["final"].loc["event_survey_responses", "value"]
    ds = load_dataset(sample_copy, "final")
    e13 = ds.event_responses.loc[ds.event_responses["survey_id"] == "E13", "submitted"]
    assert (e13.dt.month == 11).all() and (e13.dt.day <= 5).all()
    timing = quality.response_timing(ds.event_responses, ds.all_events).set_index("survey_id")
    assert timing.loc[["E13", "E15"], ["before_event", "long_after"]].to_numpy().sum() == 0


def test_dates_that_fit_the_event_neither_way_stop_the_run_naming_file_and_cells(sample_copy):
    path = sample_copy / "event_surveys" / "E13.csv"
    grid = read_grid(path)
    end = grid[0].index("End Date")
    for row in grid[2:]:
        row[end] = "02/03/2017 10:00:00 AM"  # 3 Feb or 2 Mar 2017: before the event either way
    write_grid(path, grid)
    with pytest.raises(InputError) as caught:
        load_dataset(sample_copy, "final")
    message = str(caught.value)
    assert "event_surveys/E13.csv" in message and "D3" in message and "month first or day first" in message


def test_the_appendix_counts_responses_before_or_long_after_their_event(sample_copy, sample_figures):
    path = sample_copy / "event_surveys" / "E13.csv"  # event on 11 October 2018
    grid = read_grid(path)
    end = grid[0].index("End Date")
    grid[2][end] = "09/30/2018 09:00:00 AM"  # before the event (only month first reads it)
    grid[3][end] = "12/28/2018 09:00:00 AM"  # 78 days after it
    write_grid(path, grid)
    ds = load_dataset(sample_copy, "final")
    timing = quality.response_timing(ds.event_responses, ds.all_events).set_index("survey_id")
    assert timing.loc["E13", ["before_event", "long_after"]].tolist() == [1, 1]
    assert timing.drop(index="E13")[["before_event", "long_after"]].to_numpy().sum() == 0
    assert (
        figure_table(sample_copy, "final").loc["event_survey_responses", "value"]
        == sample_figures["final"].loc["event_survey_responses", "value"]
    )


# --- 2. A shared inbox, and a later period's bookings ------------------------------------------------------


def test_a_team_inbox_does_not_merge_three_known_people(sample_copy, sample_figures):
    workbook, sheet, header_row, header = register_sheet(sample_copy)
    name, email, organisation, status = (header.index(c) for c in ("Name", "Email", "Organisation", "Status"))
    changed, seen = [], set()
    for row in sheet.iter_rows(min_row=header_row + 1):
        if row[status].value == "Attended" and row[organisation].value and row[email].value and row[name].value not in seen:
            seen.add(row[name].value)
            row[email].value = "team@shared-inbox.example.org"
            changed.append(row[0].row)
        if len(changed) == 3:
            break
    workbook.save(sample_copy / "attendance_register.xlsx")
    for report in ("interim", "final"):
        table = figure_table(sample_copy, report)
        for figure_id in ("individuals", "max_events_per_person", "attendances"):
            assert table.loc[figure_id, "value"] == sample_figures[report].loc[figure_id, "value"], (report, figure_id)
    conflicts = load_dataset(sample_copy, "final").email_conflicts
    assert conflicts[["bookings", "names", "people"]].values.tolist() == [[3, 3, 3]]
    shown = conflicts.to_csv().casefold()
    assert "team@" not in shown and not any(str(n).casefold() in shown for n in seen)


def test_a_later_booking_never_changes_the_interim_people(sample_copy, sample_figures):
    workbook, sheet, _header_row, header = register_sheet(sample_copy)
    common = {"Sector": "Voluntary", "Main focus of work": "Housing", "Status": "Attended"}
    e01 = {"Event ID": "E01", "Event date": dt.datetime(2017, 10, 12)}
    sheet.append(booking(header, **e01, **common, Name="Qa Tester", Email="qa@alpha.example.org", Organisation="Alpha Org"))
    sheet.append(booking(header, **e01, **common, Name="Q. Tester", Email="qb@beta.example.org", Organisation="Beta Org"))
    workbook.save(sample_copy / "attendance_register.xlsx")
    before = figure_table(sample_copy, "interim").loc["individuals", "value"]
    assert before == sample_figures["interim"].loc["individuals", "value"] + 2

    later = sample_copy.parent / "later"
    import shutil

    shutil.copytree(sample_copy, later)
    workbook, sheet, _header_row, header = register_sheet(later)
    # In January 2019, the Alpha Org tester books with the Beta Org address: the two are one person from then on.
    sheet.append(
        booking(
            header,
            **{"Event ID": "E19", "Event date": dt.datetime(2019, 1, 10)},
            **common,
            Name="Qa Tester",
            Email="qb@beta.example.org",
            Organisation="Alpha Org",
        )
    )
    workbook.save(later / "attendance_register.xlsx")
    assert figure_table(later, "interim").loc["individuals", "value"] == before
    assert figure_table(later, "final").loc["individuals", "value"] == sample_figures["final"].loc["individuals", "value"] + 1
    assert len(load_dataset(later, "interim").people_audit) == len(load_dataset(sample_copy, "interim").people_audit)


def test_the_interim_report_lists_no_file_from_after_its_period(sample_copy):
    ds = load_dataset(sample_copy, "interim")
    files = set(ds.reconciliation()["file"]) | set(ds.ledger.reasons()["file"])
    assert "followup_surveys/2019-01.csv" not in files
    assert not any(f.startswith("event_surveys/E1") for f in files)  # E11 onwards are after June 2018
    outside = ds.files_outside_period.set_index("survey")
    assert outside.loc["followup", "files"] == 1 and outside.loc["event", "files"] == 8
    assert quality.ledger_balances(ds.reconciliation())


# --- 3. One definition of "answered" ------------------------------------------------------------------------


def test_an_aware_respondent_who_skipped_hub_used_is_not_in_its_base(sample_copy, sample_figures):
    ds = load_dataset(sample_copy, "final")
    answers = ds.followup_answers.loc[ds.followup_answers["survey_id"] == ds.latest_round]
    aware = set(answers.loc[(answers["measure"] == "hub_aware") & (answers["answer"] == "yes"), "response_id"])
    used = answers.loc[(answers["measure"] == "hub_used") & answers["response_id"].isin(aware)].iloc[0]
    path = sample_copy / used["source_file"]
    grid = read_grid(path)
    grid[int(used["source_row"]) - 1][column_index(used["column"])] = ""
    write_grid(path, grid)

    before = sample_figures["final"].loc["hub_used"]
    after = figure_table(sample_copy, "final").loc["hub_used"]
    assert after["base"] == before["base"] - 1
    assert after["numerator"] == before["numerator"] - (used["answer"] == "yes")
    changed = reload(sample_copy, "final")
    gaps = quality.base_gaps(
        changed.followup_responses.loc[changed.followup_responses["survey_id"] == changed.latest_round],
        changed.followup_answers.loc[changed.followup_answers["survey_id"] == changed.latest_round],
        changed.followup_asked.loc[changed.followup_asked["survey_id"] == changed.latest_round],
        "follow-up",
    ).set_index("measure")
    assert gaps.loc["hub_used", "not_answered"] >= 1


def test_a_question_answered_only_with_other_text_counts_once_in_figure_and_appendix(sample_copy, sample_figures):
    hmap = harmonise.load_map(sample_copy / "harmonisation.yml")
    ds = load_dataset(sample_copy, "final")
    answered = set(metrics.answered(ds.event_answers, "plans_to_share"))
    target = None
    for path in sorted((sample_copy / "event_surveys").glob("*.csv")):
        export = read_export(path)
        question = next(
            (q for q in export.questions.itertuples() if (m := hmap.measure_for("event", q.text)) is not None and m.id == "plans_to_share"),
            None,
        )
        if question is None or pd.isna(question.other_column):
            continue
        name = f"event_surveys/{path.name}"
        kept = ds.event_responses.loc[ds.event_responses["source_file"] == name]
        silent = kept.loc[~kept["response_id"].isin(answered)]
        if len(silent):
            target = (path, int(silent["source_row"].iloc[0]), question.other_column)
            break
    assert target is not None, "the sample has a post-event response that skipped plans_to_share, in a CSV with an Other column"
    path, row, other = target
    grid = read_grid(path)
    grid[row - 1][column_index(other)] = "Our trustees"
    write_grid(path, grid)

    before = sample_figures["final"].loc["dissemination_frontline_pct"]
    after = figure_table(sample_copy, "final").loc["dissemination_frontline_pct"]
    assert after["base"] == before["base"] + 1 and after["numerator"] == before["numerator"]
    changed = reload(sample_copy, "final")
    item_n = quality.survey_count_vs_item_n(changed.event_responses, changed.event_answers, changed.event_asked, "post-event")
    gaps = quality.base_gaps(changed.event_responses, changed.event_answers, changed.event_asked, "post-event")
    assert item_n.set_index("measure").loc["plans_to_share", "item_n"] == after["base"]
    assert gaps.set_index("measure").loc["plans_to_share", "answered"] == after["base"]
    table = metrics.measure_table(changed, changed.event_answers, "plans_to_share")
    assert int(table["base"].iloc[0]) == after["base"]


# --- 4. An empty round ----------------------------------------------------------------------------------------


def test_an_empty_follow_up_round_gives_empty_figures_not_zeros(sample_copy, tmp_path):
    path = sample_copy / "followup_surveys" / "2018-06.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    sheet.delete_rows(3, sheet.max_row)
    workbook.save(path)

    ds = reload(sample_copy, "interim")
    assert not ds.has_followup_data and ds.empty_followup_rounds == ["2018-06"]
    june_codes = sum(row[0] == "followup_surveys/2018-06.xlsx" for row in read_grid(sample_copy / "excerpts" / "survey_codes.csv"))
    reasons = ds.ledger.reasons().set_index(["file", "reason"])["rows"]
    assert reasons[("excerpts/survey_codes.csv", "coded response no longer in the export")] == june_codes > 0
    table = figures.compute_figures(ds).set_index("figure_id")
    for figure_id in FOLLOWUP_FIGURES:
        assert pd.isna(table.loc[figure_id, "value"]) and table.loc[figure_id, "base"] == 0, figure_id
    assert table.loc["followup_responses", "value"] == 0  # a count of none is a value
    write_figures_csv(table.reset_index(), tmp_path / "figures.csv")
    written = {row["figure_id"]: row for row in read_figures_csv(tmp_path / "figures.csv")}
    assert written["hub_aware"]["value"] == "" and written["hub_aware"]["numerator"] == "" and written["hub_aware"]["base"] == "0"
    assert load_dataset(sample_copy, "final").has_followup_data


def test_the_sample_has_follow_up_data_in_both_reports():
    for report in ("interim", "final"):
        ds = load_dataset(config.SAMPLE_DATA_DIR, report)
        assert ds.has_followup_data and ds.empty_followup_rounds == []


# --- 7. A duplicated booking -----------------------------------------------------------------------------------


def test_a_booking_pasted_twice_counts_once_and_is_listed(sample_copy, sample_figures):
    workbook, sheet, header_row, header = register_sheet(sample_copy)
    status = header.index("Status")
    original = next(row for row in sheet.iter_rows(min_row=header_row + 1, values_only=True) if row[status] == "Attended")
    sheet.append(list(original))
    workbook.save(sample_copy / "attendance_register.xlsx")
    for report in ("interim", "final"):
        table = figure_table(sample_copy, report)
        for figure_id in ("attendances", "individuals", "attendances_voluntary_pct"):
            assert table.loc[figure_id, "value"] == sample_figures[report].loc[figure_id, "value"], (report, figure_id)
    reasons = load_dataset(sample_copy, "final").ledger.reasons().set_index(["file", "reason"])
    assert reasons.loc[("attendance_register.xlsx", "duplicate booking"), "rows"] == 1
    sample_reasons = load_dataset(config.SAMPLE_DATA_DIR, "final").ledger.reasons()
    assert "duplicate booking" not in set(sample_reasons["reason"])


# --- 6. Codes keyed by identity ---------------------------------------------------------------------------------


def survey_quotes(data_dir: Path, report: str = "final") -> list[tuple[str, str]]:
    excerpts = reload(data_dir, report).excerpts
    coded = excerpts.loc[excerpts["method"].str.contains("survey")]
    return sorted(zip(coded["theme"], coded["text"]))


def test_codes_survive_a_re_export_in_another_order(sample_copy):
    expected = survey_quotes(config.SAMPLE_DATA_DIR)
    path = sample_copy / "followup_surveys" / "2019-01.csv"
    grid = read_grid(path)
    write_grid(path, grid[:2] + grid[2:][::-1])
    assert survey_quotes(sample_copy) == expected


def test_codes_survive_conversion_from_xlsx_to_csv(sample_copy, sample_figures):
    expected = survey_quotes(config.SAMPLE_DATA_DIR, "interim")
    xlsx = sample_copy / "followup_surveys" / "2018-06.xlsx"
    sheet = openpyxl.load_workbook(xlsx).active

    def text(value):
        if isinstance(value, dt.datetime):
            return value.strftime("%m/%d/%Y %I:%M:%S %p")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value)

    write_grid(xlsx.with_suffix(".csv"), [[text(v) for v in row] for row in sheet.iter_rows(values_only=True)])
    xlsx.unlink()
    assert survey_quotes(sample_copy, "interim") == expected
    pd.testing.assert_frame_equal(figure_table(sample_copy, "interim")[NUMBERS], sample_figures["interim"][NUMBERS])


def test_a_removed_response_takes_only_its_own_codes_with_it(sample_copy):
    codes = read_grid(sample_copy / "excerpts" / "survey_codes.csv")
    header = codes[0]
    january = [c for c in codes[1:] if c[0] == "followup_surveys/2019-01.csv"]
    withdrawn = january[0][header.index("Respondent ID")]
    withdrawn_codes = sum(c[header.index("Respondent ID")] == withdrawn for c in codes[1:])

    ds = reload(config.SAMPLE_DATA_DIR, "final")
    sample_excerpts = ds.excerpts
    path = sample_copy / "followup_surveys" / "2019-01.csv"
    grid = read_grid(path)
    rid = grid[0].index("Respondent ID")
    row = next(i for i, r in enumerate(grid) if r[rid] == withdrawn)
    # The withdrawn response's own quotes, found through the sample's loader (its 1-based spreadsheet row).
    withdrawn_response = ds.followup_responses.loc[
        (ds.followup_responses["source_file"] == "followup_surveys/2019-01.csv") & (ds.followup_responses["source_row"] == row + 1),
        "response_id",
    ].iloc[0]
    del grid[row]
    write_grid(path, grid)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        changed = reload(sample_copy, "final")
    reasons = changed.ledger.reasons().set_index(["file", "reason"])["rows"]
    assert reasons[("excerpts/survey_codes.csv", "coded response no longer in the export")] == withdrawn_codes
    own = sample_excerpts["respondent"] == withdrawn_response
    assert own.sum() == withdrawn_codes
    # Every other quote is unchanged: no code now quotes the next respondent's answer.
    assert sorted(changed.excerpts["text"]) == sorted(sample_excerpts.loc[~own, "text"])
    assert quality.ledger_balances(changed.reconciliation())
