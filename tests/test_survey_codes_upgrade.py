"""Old-layout survey codes (by spreadsheet row and column) upgraded to codes by identity code the same answers."""

from __future__ import annotations

import pandas as pd
import pytest

from pdu_lib import cli, config
from pdu_lib.errors import InputError
from pdu_lib.inputs.dataset import _load
from pdu_lib.inputs.excerpts import load_survey_codes
from pdu_lib.inputs.survey_codes_upgrade import upgrade_survey_codes
from pdu_lib.inputs.surveymonkey import read_export

CODES = "excerpts/survey_codes.csv"


def old_layout(data) -> pd.DataFrame:
    """The sample's codes as an evaluator would have kept them before: each answer's spreadsheet row and column letter."""
    codes = load_survey_codes(data / CODES)
    rows = []
    for code in codes.itertuples():
        export = read_export(data / code.survey_file, name=code.survey_file)
        row = export.responses.loc[export.responses["respondent_id"] == code.respondent_id, "source_row"].iloc[0]
        asked = export.questions.loc[export.questions["text"].str.casefold().str.strip().eq(code.question.casefold().strip())]
        if asked.empty:  # coded by measure id: find the question through the harmonisation map's wordings
            from pdu_lib.inputs.harmonise import load_map, normalise_text

            wordings = {normalise_text(w) for w in load_map(data / "harmonisation.yml").measures[code.question].wordings}
            asked = export.questions.loc[export.questions["text"].map(normalise_text).isin(wordings)]
        question = asked.iloc[0]
        column = question.first_column if question.kind == "open" else question.other_column
        rows.append({"survey_file": code.survey_file, "row": int(row), "column": column, "tag": code.tag})
    return pd.DataFrame(rows)


@pytest.fixture
def old(sample_copy):
    table = old_layout(sample_copy)
    assert len(table) > 10
    table.to_csv(sample_copy / CODES, index=False)
    return sample_copy


def test_old_layout_is_refused_with_the_command_that_converts_it(old):
    with pytest.raises(InputError, match="upgrade-survey-codes"):
        load_survey_codes(old / CODES)


def test_upgraded_codes_code_the_same_answers(old, tmp_path):
    expected = _load(config.SAMPLE_DATA_DIR, "final").excerpts
    upgraded = tmp_path / "survey_codes.csv"
    assert cli.main(["upgrade-survey-codes", "--data", str(old), "--out", str(upgraded)]) == 0
    upgraded.replace(old / CODES)
    got = _load(old, "final").excerpts
    columns = [c for c in expected.columns if c not in ("source_row",)]
    pd.testing.assert_frame_equal(
        got[columns].sort_values(columns[:4]).reset_index(drop=True), expected[columns].sort_values(columns[:4]).reset_index(drop=True)
    )


def test_a_row_without_a_response_or_a_column_without_an_open_answer_is_named(old):
    table = pd.read_csv(old / CODES)
    table.loc[0, "row"] = 9999
    table.to_csv(old / CODES, index=False)
    with pytest.raises(InputError, match=r"survey_codes.csv, row 2, column 'row': row 9999 of .* holds no response"):
        upgrade_survey_codes(old / CODES, old, name="survey_codes.csv")
    table.loc[0, "row"] = 3
    table.loc[0, "column"] = "A"
    table.to_csv(old / CODES, index=False)
    with pytest.raises(InputError, match=r"row 2, column 'column': column A of .* holds no open answer"):
        upgrade_survey_codes(old / CODES, old, name="survey_codes.csv")


def test_the_command_never_overwrites_the_old_codes(old, capsys):
    assert cli.main(["upgrade-survey-codes", "--data", str(old), "--out", str(old / CODES)]) == 2
    assert "would overwrite the old codes" in capsys.readouterr().err
