import math

import pandas as pd
import pytest

from pdu_lib.analysis import metrics
from pdu_lib.analysis.metrics import Share


def test_round_half_up_rounds_halves_up_unlike_python_round():
    assert [metrics.round_half_up(v) for v in (0.5, 1.5, 2.5, 73.93, 26.07)] == [1, 2, 3, 74, 26]


def test_share_with_zero_base_has_no_percentage_instead_of_raising():
    empty = Share(0, 0)
    assert math.isnan(empty.percent)
    assert empty.rounded is None


def test_distribution_keeps_scale_order_and_zero_categories():
    table = metrics.distribution(pd.Series(["some", "much_greater", "some"]), ["much_greater", "some", "confirmed", "none"])
    assert table["category"].tolist() == ["much_greater", "some", "confirmed", "none"]
    assert table["count"].tolist() == [1, 2, 0, 0]
    assert set(table["base"]) == {3}


def test_distribution_refuses_values_outside_the_scale():
    with pytest.raises(ValueError, match="outside the scale"):
        metrics.distribution(pd.Series(["yes", "maybe"]), ["yes", "no"])


def test_single_choice_base_counts_only_those_who_answered():
    answers = pd.DataFrame({"response_id": ["r1", "r2", "r3"], "measure": ["m", "m", "m"], "answer": ["yes", None, "no"]})
    table = metrics.single_choice(answers, "m", ["yes", "no"])
    assert table["base"].iloc[0] == 2


def test_single_choice_refuses_two_answers_from_one_response():
    answers = pd.DataFrame({"response_id": ["r1", "r1"], "measure": ["m", "m"], "answer": ["yes", "no"]})
    with pytest.raises(ValueError, match="more than one answer"):
        metrics.single_choice(answers, "m", ["yes", "no"])


def test_multi_select_base_is_respondents_who_ticked_something_not_ticks():
    answers = pd.DataFrame(
        {
            "response_id": ["r1", "r1", "r2", "r3"],
            "measure": ["heard", "heard", "heard", "other"],
            "answer": ["a", "b", "a", "x"],
        }
    )
    table = metrics.multi_select(answers, "heard", ["a", "b"])
    assert metrics.category_share(table, "a") == Share(2, 2)
    assert metrics.category_share(table, "b") == Share(1, 2)


def test_multi_select_takes_an_explicit_base_when_given():
    answers = pd.DataFrame({"response_id": ["r1"], "measure": ["heard"], "answer": ["a"]})
    assert metrics.category_share(metrics.multi_select(answers, "heard", ["a"], base=4), "a") == Share(1, 4)


def test_events_per_person_counts_each_event_once_per_person():
    attendances = pd.DataFrame({"person_id": ["P1", "P1", "P1"], "event_id": ["E1", "E1", "E2"]})
    assert metrics.events_per_person(attendances).to_dict() == {"P1": 2}


def test_sessions_by_group_reports_sessions_with_nobody_as_zero():
    sessions = pd.DataFrame({"event_id": ["C1", "C2"], "cop_group": ["SUI", "SUI"]})
    attended = pd.DataFrame({"event_id": ["C1"], "person_id": ["P1"]})
    row = metrics.sessions_by_group(sessions, attended).iloc[0]
    assert (row["sessions"], row["fewest"], row["most"]) == (2, 0, 1)


def test_answered_vs_responses_exposes_a_mixed_base():
    responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(29)], "survey_id": "2019-01"})
    answers = pd.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(27)],
            "survey_id": "2019-01",
            "measure": "heard_via",
            "answer": "word_of_mouth",
            "text": None,
        }
    )
    asked = pd.DataFrame({"survey_id": ["2019-01"], "measure": ["heard_via"]})
    row = metrics.answered_vs_responses(responses, answers, asked).iloc[0]
    assert (row["responses"], row["answered"], row["not_answered"]) == (29, 27, 2)


def test_change_is_in_percentage_points():
    assert metrics.change(Share(1, 4), Share(1, 2)) == pytest.approx(25.0)


# --- One definition of "answered" (issue 12, case 3) -----------------------------------------------------


def answers_frame(rows):
    return pd.DataFrame(rows, columns=["response_id", "measure", "answer", "text"]).astype({"answer": "string", "text": "string"})


def test_typed_other_text_alone_is_an_answer_in_the_base_of_single_and_multi():
    a = answers_frame(
        [
            ("r1", "m", "yes", None),
            ("r2", "m", None, "My own words"),
            ("r3", "x", "no", None),
            ("r1", "share", "managers", None),
            ("r2", "share", None, "Trustees"),
        ]
    )
    assert list(metrics.answered(a, "m")) == ["r1", "r2"]
    single = metrics.single_choice(a, "m", ["yes", "no"])
    assert single.set_index("category").loc["yes", ["count", "base"]].tolist() == [1, 2]
    multi = metrics.multi_select(a, "share", ["managers"])
    assert multi[["count", "base"]].values.tolist() == [[1, 2]]
    table = metrics.answered_vs_responses(
        pd.DataFrame({"response_id": ["r1", "r2", "r3"], "survey_id": "S"}), a, pd.DataFrame({"survey_id": ["S"], "measure": ["m"]})
    )
    assert table.set_index("measure").loc["m", "answered"] == single["base"].iloc[0]


def test_a_conditional_question_uses_those_asked_who_answered():
    a = answers_frame(
        [
            ("r1", "hub_aware", "yes", None),
            ("r1", "hub_used", "yes", None),
            ("r2", "hub_aware", "yes", None),  # aware, skipped hub_used: not in the base
            ("r3", "hub_aware", "yes", None),
            ("r3", "hub_used", "no", None),
            ("r4", "hub_aware", "no", None),
            ("r4", "hub_used", "yes", None),  # not asked (not aware): not in the base
        ]
    )
    assert metrics.conditional_share(a, "hub_aware", "yes", "hub_used", "yes") == metrics.Share(1, 2)


def test_a_share_with_no_base_has_an_empty_figure_value():
    from pdu_lib.analysis.figures import FigureValue

    row = FigureValue("hub_aware", "attendance", "fraction", "x", metrics.Share(0, 0)).row()
    assert row["value"] is None and row["numerator"] is None and row["base"] == 0
    assert FigureValue("hub_aware", "attendance", "percent", "x", metrics.Share(0, 5)).row()["value"] == 0
