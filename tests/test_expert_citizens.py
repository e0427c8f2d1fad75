"""Completed Expert Citizens review packs read back (inputs.expert_citizens) and what is made of them (analysis.expert_review)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis import expert_review
from pdu_lib.analysis.metrics import Share
from pdu_lib.errors import InputError
from pdu_lib.inputs import expert_citizens
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.report.expert_review_pack import build_workbook, save_workbook

ACTIONS = pd.DataFrame(
    {
        "action_id": ["A-000001", "A-000002", "A-000003", "A-000004"],
        "round": ["2019-01"] * 4,
        "theme_label": ["Signposting", "Signposting", "Pledge", "Pledge"],
        "text": ["Refer to the women's service", "A contact sheet at the desk", "Pledge on the wall", "Pledge at the away day"],
    }
)
KNOWN = set(ACTIONS["action_id"])


def _completed(folder: Path, name: str, impacts: list, comments: list | None = None, overall=()) -> Path:
    path = folder / expert_citizens.FOLDER / name
    path.parent.mkdir(parents=True, exist_ok=True)
    book = build_workbook(ACTIONS, "test")
    sheet = book[expert_citizens.ACTIONS_SHEET]
    for row, impact in enumerate(impacts, start=2):
        sheet.cell(row=row, column=4).value = impact
    for row, comment in enumerate(comments or [], start=2):
        sheet.cell(row=row, column=5).value = comment
    for row, text in enumerate(overall, start=2):
        book[expert_citizens.OVERALL_SHEET].cell(row=row, column=1).value = text
    save_workbook(book, path)
    return path


def test_a_completed_pack_gives_tidy_judgements_and_counts_blank_rows(tmp_path):
    _completed(
        tmp_path,
        "2019-02-14.xlsx",
        ["A big difference", "little or none", None, "CAN'T SAY"],
        comments=[None, None, "Only words", None],
        overall=["Act on what people say"],
    )
    ledger = Ledger()
    read = expert_citizens.load_judgements(tmp_path, known_ids=KNOWN, ledger=ledger)
    table = read.judgements[["action_id", "impact", "comment"]]
    assert table.astype(object).where(table.notna(), None).to_dict("records") == [
        {"action_id": "A-000001", "impact": "big", "comment": None},
        {"action_id": "A-000002", "impact": "little", "comment": None},
        {"action_id": "A-000003", "impact": None, "comment": "Only words"},
        {"action_id": "A-000004", "impact": "cant_say", "comment": None},
    ]
    assert read.judgements["session"].unique().tolist() == ["2019-02"]
    assert read.overall["text"].tolist() == ["Act on what people say"]
    assert read.sessions[["actions", "judged", "left_blank"]].to_dict("records") == [{"actions": 4, "judged": 3, "left_blank": 0}]
    _completed(tmp_path, "2019-03-01.xlsx", ["Some difference", None, None, None])
    ledger = Ledger()
    read = expert_citizens.load_judgements(tmp_path, known_ids=KNOWN, ledger=ledger)
    assert read.sessions["left_blank"].tolist() == [0, 3]
    row = ledger.table().set_index("file").loc["expert_citizens/2019-03-01.xlsx"]
    assert (row["rows_read"], row["rows_used"], row["rows_excluded"]) == (4, 1, 3)
    assert row["reasons"] == "action left blank by the review: 3"


def test_no_folder_means_no_judgements(tmp_path):
    read = expert_citizens.load_judgements(tmp_path)
    assert read.judgements.empty and read.sessions.empty and read.overall.empty


@pytest.mark.parametrize(
    "name,message",
    [
        ("notes.xlsx", "expert_citizens/notes.xlsx: the file name must start with the session's date"),
        ("2019-02-14.csv", "expert_citizens/2019-02-14.csv: is not a completed review pack"),
    ],
)
def test_a_file_that_is_not_a_dated_pack_is_an_error(tmp_path, name, message):
    _completed(tmp_path, "2019-02-14.xlsx" if name.endswith(".csv") else name, [None] * 4)
    if name.endswith(".csv"):
        (tmp_path / expert_citizens.FOLDER / name).write_text("a,b\n")
    with pytest.raises(InputError) as caught:
        expert_citizens.load_judgements(tmp_path, known_ids=KNOWN)
    assert str(caught.value).startswith(message)


def test_two_packs_of_one_session_are_an_error(tmp_path):
    _completed(tmp_path, "2019-02-14.xlsx", [None] * 4)
    _completed(tmp_path, "2019-02-14 second copy.xlsx", [None] * 4)
    with pytest.raises(InputError, match="a second pack for the session of 14 February 2019"):
        expert_citizens.load_judgements(tmp_path, known_ids=KNOWN)


def test_a_judgement_moved_off_its_action_row_is_located(tmp_path):
    path = _completed(tmp_path, "2019-02-14.xlsx", [None] * 4)
    book = openpyxl.load_workbook(path)
    book.active.cell(row=7, column=4).value = "A big difference"
    book.save(path)
    with pytest.raises(InputError) as caught:
        expert_citizens.load_judgements(tmp_path, known_ids=KNOWN)
    assert str(caught.value).startswith("expert_citizens/2019-02-14.xlsx, row 7, column 'Action id': the action id is blank")


# --- the sample's two sessions ----------------------------------------------------------------


def test_the_sample_holds_a_completed_pack_for_each_review_session():
    final = load_dataset(config.SAMPLE_DATA_DIR, "final")
    sessions = final.judgements.sessions
    assert [f"{d:%Y-%m-%d}" for d in sessions["session_date"]] == [f"{d:%Y-%m-%d}" for d in final.reviews["date"]]
    assert (sessions["judged"] > 0).all() and (sessions["left_blank"] > 0).all()
    interim = load_dataset(config.SAMPLE_DATA_DIR, "interim")
    assert interim.judgements.sessions["session"].tolist() == ["2018-06"]


# --- sessions of fewer than three people -------------------------------------------------------


def _judged(present: int) -> pd.DataFrame:
    judgements = pd.DataFrame(
        {
            "session": ["2019-02"] * 4,
            "session_date": pd.to_datetime(["2019-02-14"] * 4),
            "theme": ["Signposting", "Signposting", "Pledge", "Pledge"],
            "impact": ["big", "big", "some", "cant_say"],
            "comment": ["More choice", None, "Only words", None],
        }
    )
    return expert_review.with_session_size(judgements, pd.DataFrame({"date": pd.to_datetime(["2019-02-14"]), "present": [present]}))


def test_a_session_of_three_is_broken_down_by_theme_and_quoted():
    ratings = expert_review.theme_ratings(_judged(3))
    assert ratings["theme"].tolist() == ["Signposting", "Pledge"]
    assert list(ratings["big_share"]) == [Share(2, 2), Share(0, 2)]
    assert expert_review.review_quotes(_judged(3), pd.DataFrame({"text": [], "session": []}))["text"].tolist() == [
        "More choice",
        "Only words",
    ]


def test_a_session_of_two_counts_only_in_the_overall_share():
    small = _judged(2)
    assert expert_review.big_difference_share(small) == Share(2, 4)
    assert expert_review.theme_ratings(small).empty
    overall = pd.DataFrame({"text": ["Keep going"], "session": ["2019-02"]})
    assert expert_review.review_quotes(small, overall)["text"].tolist() == ["Keep going"]


def test_review_quotes_are_attributed_to_the_review_never_a_person():
    from pdu_lib.present.quotes import attribution, render_excerpts_html

    quotes = expert_review.review_quotes(_judged(3), pd.DataFrame({"text": ["Keep going"], "session": ["2019-02"]}))
    assert {attribution(row) for row in quotes.to_dict("records")} == {"Expert Citizens review"}
    html = render_excerpts_html(quotes)
    assert html.count("&#8212; Expert Citizens review</footer>") == 3


def test_the_sample_reads_as_a_themes_table_and_quotes_for_readers():
    from pdu_lib.analysis.figures import reviewed_actions
    from pdu_lib.present import expert_review_text

    ds = load_dataset(config.SAMPLE_DATA_DIR, "final")
    table = expert_review_text.theme_ratings_table(reviewed_actions(ds))
    assert list(table.columns) == ["Theme", "Actions judged", "A big difference", "Some difference", "Little or no difference", "Can't say"]
    assert len(table) >= 2 and not table["Theme"].str.contains("_").any()
    html = expert_review_text.review_quotes_html(reviewed_actions(ds), ds.judgements.overall, ds.codebook)
    assert html.count("&#8212; Expert Citizens review</footer>") >= len(ds.judgements.overall)
    assert "What the group said overall" in html
    assert "pdu-no-excerpts" in expert_review_text.review_quotes_html(None, None, ds.codebook)
    assert expert_review_text.theme_ratings_table(None).empty
