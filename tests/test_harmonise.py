"""harmonisation.yml: reading and checking the map, and applying it to an export (pdu_lib.inputs.harmonise)."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from smexport import (
    build_grid,
    multi,
    open_q,
    response,
    single,
    write_export,
    write_grid,
)

from pdu_lib.errors import InputError
from pdu_lib.inputs.harmonise import harmonise, load_map, normalise_text
from pdu_lib.inputs.surveymonkey import read_export

MAP = """\
measures:
  understanding:
    survey: event
    kind: single
    label: Change in understanding of the topic
    wordings:
      - How has the event changed your understanding of the topic?
      - To what extent did today's session improve your understanding?
    scale:
      much_greater: [Much greater understanding, I understand it much better]
      some: [Some additional understanding]
      confirmed: [It confirmed my previous understanding]
      none: [No greater understanding]
  plans_to_share:
    survey: event
    kind: multi
    label: Who people plan to share their learning with
    wordings: [To whom do you plan to disseminate what you have learned at this event?]
    scale:
      frontline_staff: [Front line staff, Frontline colleagues]
      managers: [Managers]
  different:
    survey: event
    kind: open
    label: What people will do differently
    wordings: What will you do differently?
  hub_aware:
    survey: followup
    kind: single
    label: Aware of the hub
    wordings: [Are you aware of the PDU online hub?]
    scale:
      yes: [Yes]
      no: [No]
"""


@pytest.fixture
def hmap(tmp_path):
    path = tmp_path / "harmonisation.yml"
    path.write_text(MAP, encoding="utf-8")
    return load_map(path)


def map_error(tmp_path, text: str) -> str:
    path = tmp_path / "harmonisation.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_map(path)
    return str(caught.value)


# ------------------------------------------------------------------ normalise_text and the map


@pytest.mark.parametrize(
    "written, typed",
    [
        (
            "To what extent did today's session improve your understanding?",
            "to what extent did today\u2019s  session improve your understanding",
        ),
        ("Much greater understanding", "  MUCH greater understanding. "),
        ('The "hub"', "the \u201chub\u201d"),
    ],
)
def test_normalise_text_ignores_case_spacing_quotes_and_trailing_punctuation(written, typed):
    assert normalise_text(written) == normalise_text(typed)


def test_normalise_text_keeps_words_apart():
    assert normalise_text("Front line staff") != normalise_text("Frontline staff")
    assert normalise_text("Managers") != normalise_text("Manager")


def test_map_reads_measures_in_order_with_their_scales(hmap):
    assert hmap.table().to_dict("records")[0] == {
        "measure": "understanding",
        "survey": "event",
        "kind": "single",
        "label": "Change in understanding of the topic",
    }
    assert hmap.measures["understanding"].codes == ["much_greater", "some", "confirmed", "none"]
    assert hmap.scale_labels("plans_to_share") == {"frontline_staff": "Front line staff", "managers": "Managers"}
    assert hmap.measures["different"].wordings == ("What will you do differently?",)


def test_yes_and_no_stay_text_rather_than_becoming_booleans(hmap):
    assert hmap.measures["hub_aware"].codes == ["yes", "no"]
    assert hmap.code_for("hub_aware", "YES") == "yes"


def test_wordings_ending_in_a_question_mark_can_be_written_in_a_flow_list(tmp_path):
    path = tmp_path / "harmonisation.yml"
    path.write_text(
        "measures:\n  shared_with:\n    survey: followup\n    kind: multi\n"
        "    wordings: [Who have you shared what you learned with?, Shared with whom ?]\n"
        "    scale: {managers: [Managers?]}\n",
        encoding="utf-8",
    )
    hmap = load_map(path)
    assert hmap.measures["shared_with"].wordings == ("Who have you shared what you learned with?", "Shared with whom ?")
    assert hmap.code_for("shared_with", "managers") == "managers"


def test_wording_matches_only_measures_of_its_own_survey(hmap):
    assert hmap.measure_for("followup", "How has the event changed your understanding of the topic?") is None
    assert hmap.measure_for("event", "how has the event changed your understanding of the topic").id == "understanding"


def test_missing_map_file_is_an_error(tmp_path):
    with pytest.raises(InputError, match="harmonisation.yml.*not found"):
        load_map(tmp_path / "harmonisation.yml")


def test_invalid_yaml_names_the_line(tmp_path):
    message = map_error(tmp_path, "measures:\n  a: [unclosed\n")
    assert "harmonisation.yml" in message and "not valid YAML" in message and "row " in message


def test_unknown_kind_is_an_error_naming_the_line(tmp_path):
    message = map_error(
        tmp_path,
        """\
        measures:
          understanding:
            survey: event
            kind: scale
            wordings: [How was it?]
        """,
    )
    assert "harmonisation.yml, row 4" in message and "unknown kind 'scale'" in message


def test_unknown_survey_is_an_error(tmp_path):
    message = map_error(tmp_path, "measures:\n  a:\n    survey: events\n    kind: open\n    wordings: [Q]\n")
    assert "harmonisation.yml, row 3" in message and "'events'" in message


def test_wording_claimed_by_two_measures_of_one_survey_is_an_error(tmp_path):
    message = map_error(
        tmp_path,
        """\
        measures:
          a:
            survey: event
            kind: open
            wordings: [What did you learn?]
          b:
            survey: event
            kind: open
            wordings: [what did you learn]
        """,
    )
    assert "harmonisation.yml, row 9" in message and "'a'" in message and "'b'" in message


def test_same_wording_in_two_surveys_is_fine(tmp_path):
    path = tmp_path / "harmonisation.yml"
    path.write_text(
        "measures:\n  a: {survey: event, kind: open, wordings: [Q]}\n  b: {survey: followup, kind: open, wordings: [Q]}\n", encoding="utf-8"
    )
    assert load_map(path).measure_for("followup", "Q").id == "b"


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_single_or_multi_without_a_scale_is_an_error(tmp_path, kind):
    message = map_error(tmp_path, f"measures:\n  a:\n    survey: event\n    kind: {kind}\n    wordings: [Q]\n")
    assert "harmonisation.yml, row 2" in message and "needs a 'scale'" in message


def test_answer_text_under_two_codes_is_an_error(tmp_path):
    message = map_error(
        tmp_path, "measures:\n  a:\n    survey: event\n    kind: single\n    wordings: [Q]\n    scale:\n      x: [Yes]\n      y: [yes.]\n"
    )
    assert "harmonisation.yml, row 8" in message and "'yes.'" in message


def test_misspelt_key_is_an_error(tmp_path):
    message = map_error(tmp_path, "measures:\n  a:\n    survey: event\n    kind: open\n    wording: [Q]\n")
    assert "harmonisation.yml, row 5" in message and "'wording'" in message


def test_measure_written_twice_is_an_error(tmp_path):
    message = map_error(
        tmp_path, "measures:\n  a: {survey: event, kind: open, wordings: [Q]}\n  a: {survey: event, kind: open, wordings: [R]}\n"
    )
    assert "harmonisation.yml, row 3" in message and "twice" in message


def test_empty_map_is_an_error(tmp_path):
    assert "empty" in map_error(tmp_path, "\n")


# ------------------------------------------------------------------ applying the map

UNDERSTANDING = "To what extent did today\u2019s session improve your understanding"
SHARE = "To whom do you plan to disseminate what you have learned at this event?"


def event_questions():
    return [
        single(UNDERSTANDING, other=True),
        multi(SHARE, ["Frontline colleagues", "Managers"], other=True),
        open_q("What will you do differently?"),
        single("How did you hear about this event?"),
    ]


def event_rows():
    return [
        response(["I understand it much better", ["Frontline colleagues", "Managers"], "Use the toolkit", "Email"]),
        response([{"other": "Too early to say"}, {"ticks": ["Managers"], "other": "Trustees"}, None, None]),
        response([None, None, None, "Newsletter"]),
    ]


def harmonised(tmp_path, hmap, questions=None, rows=None, suffix=".csv"):
    path = write_export(tmp_path / f"E07{suffix}", questions or event_questions(), rows or event_rows())
    return harmonise(read_export(path), hmap, "event", "E07")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_answers_are_coded_on_each_measure_scale(tmp_path, hmap, suffix):
    result = harmonised(tmp_path, hmap, suffix=suffix)
    assert list(result.answers.columns) == ["response_row", "measure", "kind", "answer", "text", "column", "question"]
    assert result.answers.groupby("measure")["question"].nunique().eq(1).all()  # each answer carries its question's wording
    records = result.answers.drop(columns="question").astype(object).where(result.answers.notna(), None).to_dict("records")
    assert records == [
        {"response_row": 3, "measure": "understanding", "kind": "single", "answer": "much_greater", "text": None, "column": "J"},
        {"response_row": 3, "measure": "plans_to_share", "kind": "multi", "answer": "frontline_staff", "text": None, "column": "L"},
        {"response_row": 3, "measure": "plans_to_share", "kind": "multi", "answer": "managers", "text": None, "column": "M"},
        {"response_row": 3, "measure": "different", "kind": "open", "answer": None, "text": "Use the toolkit", "column": "O"},
        {"response_row": 4, "measure": "understanding", "kind": "single", "answer": None, "text": "Too early to say", "column": "K"},
        {"response_row": 4, "measure": "plans_to_share", "kind": "multi", "answer": "managers", "text": None, "column": "M"},
        {"response_row": 4, "measure": "plans_to_share", "kind": "multi", "answer": None, "text": "Trustees", "column": "N"},
    ]
    assert result.answers["answer"].isna().sum() == 3 and result.answers["answer"].iloc[3] is pd.NA


def test_asked_lists_the_measures_this_export_asks(tmp_path, hmap):
    assert harmonised(tmp_path, hmap).asked["measure"].tolist() == ["understanding", "plans_to_share", "different"]


def test_unknown_question_is_reported_and_its_answers_not_used(tmp_path, hmap):
    result = harmonised(tmp_path, hmap)
    assert result.unmapped.to_dict("records") == [
        {"file": "E07.csv", "question_no": 4, "column": "P", "text": "How did you hear about this event?"}
    ]
    assert "P" not in result.answers["column"].tolist()


def test_unknown_single_choice_answer_is_an_error_naming_the_cell_and_measure(tmp_path, hmap):
    rows = event_rows()
    rows[1]["answers"][0] = "Quite a lot"
    with pytest.raises(InputError) as caught:
        harmonised(tmp_path, hmap, rows=rows)
    message = str(caught.value)
    assert "E07.csv, row 4, column 'J'" in message
    assert "'Quite a lot'" in message and "'understanding'" in message and "harmonisation.yml" in message


def test_unknown_multi_select_option_is_an_error_at_the_header(tmp_path, hmap):
    questions = event_questions()
    questions[1] = multi(SHARE, ["Frontline colleagues", "Commissioners"])
    rows = [response(["Some additional understanding", ["Commissioners"], None, None])]
    with pytest.raises(InputError) as caught:
        harmonised(tmp_path, hmap, questions=questions, rows=rows)
    message = str(caught.value)
    assert "E07.csv, row 2, column 'M'" in message and "'Commissioners'" in message and "'plans_to_share'" in message


def test_question_of_another_kind_than_its_measure_is_an_error(tmp_path, hmap):
    questions = [open_q(UNDERSTANDING)]
    with pytest.raises(InputError) as caught:
        harmonised(tmp_path, hmap, questions=questions, rows=[response(["a lot"])])
    assert "E07.csv, row 1, column 'J'" in str(caught.value) and "'understanding'" in str(caught.value)


def test_two_questions_asking_one_measure_are_an_error(tmp_path, hmap):
    questions = [single(UNDERSTANDING), single("How has the event changed your understanding of the topic?")]
    with pytest.raises(InputError) as caught:
        harmonised(tmp_path, hmap, questions=questions, rows=[response(["Some additional understanding", None])])
    assert "E07.csv, row 1, column 'K'" in str(caught.value) and "questions 1 and 2" in str(caught.value)


def test_two_options_meaning_one_code_count_once(tmp_path, hmap):
    questions = [multi(SHARE, ["Front line staff", "Frontline colleagues"])]
    rows = [response([["Front line staff", "Frontline colleagues"]])]
    result = harmonised(tmp_path, hmap, questions=questions, rows=rows)
    assert result.answers["answer"].tolist() == ["frontline_staff"]


def test_same_text_questions_map_to_one_measure_each_by_position(tmp_path):
    path = tmp_path / "harmonisation.yml"
    path.write_text("measures:\n  comments: {survey: event, kind: open, wordings: [Any comments?]}\n", encoding="utf-8")
    questions = [open_q("Any comments?"), open_q("Something else")]
    result = harmonise(read_export(write_export(tmp_path / "E01.csv", questions, [response(["a", "b"])])), load_map(path), "event", "E01")
    assert result.answers["text"].tolist() == ["a"]
    assert result.unmapped["question_no"].tolist() == [2]


def test_curly_apostrophe_saved_as_windows_1252_still_matches(tmp_path, hmap):
    grid = build_grid(event_questions(), event_rows())
    path = write_grid(tmp_path / "E07.csv", grid, encoding="cp1252")
    result = harmonise(read_export(path), hmap, "event", "E07")
    assert "understanding" in result.asked["measure"].tolist()
