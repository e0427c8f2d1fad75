import pytest

from pdu_lib import config
from pdu_lib.errors import InputError


def test_sample_reports_name_interim_and_final_with_the_final_comparing_to_the_interim():
    periods = config.load_reports(config.SAMPLE_DATA_DIR)
    assert set(periods) == {"interim", "final"}
    assert periods["final"].compare_with == "interim"
    assert periods["interim"].end < periods["final"].end <= periods["final"].reviews_end


def test_invalid_yaml_is_an_input_error_naming_the_file_and_line(tmp_path):
    (tmp_path / "reports.yml").write_text("reports:\n  final: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"reports.yml.*row \d+.*not valid YAML"):
        config.load_reports(tmp_path)


def test_a_date_that_is_not_iso_is_an_input_error(tmp_path):
    (tmp_path / "reports.yml").write_text("reports:\n  final: {title: F, start: 2017-10-01, end: 31/01/2019}\n", encoding="utf-8")
    with pytest.raises(InputError, match="reports.final.end must be a date"):
        config.load_reports(tmp_path)


def test_missing_reports_yml_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="missing"):
        config.load_reports(tmp_path)


def test_unknown_report_name_lists_the_known_ones():
    with pytest.raises(InputError, match="known: interim, final"):
        config.report_period(config.SAMPLE_DATA_DIR, "midterm")


def test_front_matter_comes_from_the_report_else_the_file(tmp_path):
    (tmp_path / "reports.yml").write_text(
        "programme: P\nauthor: A. Evaluator\ncommissioner: The Funder\nreports:\n"
        "  interim: {title: I, start: 2017-10-01, end: 2018-06-30}\n"
        "  final: {title: F, start: 2017-10-01, end: 2019-01-31, author: B. Evaluator}\n",
        encoding="utf-8",
    )
    periods = config.load_reports(tmp_path)
    assert (periods["interim"].author, periods["final"].author) == ("A. Evaluator", "B. Evaluator")
    assert periods["final"].commissioner == "The Funder" and periods["final"].author_organisation == ""
