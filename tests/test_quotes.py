"""Quotes that single no one out: safe attribution, curated quotes, theme tables and sources with safe group labels."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pdu_lib.analysis import themes
from pdu_lib.inputs.codebook import Codebook
from pdu_lib.inputs.excerpts import EXCERPT_COLUMNS
from pdu_lib.present import quotes

BOOK = Codebook(themes=pd.DataFrame(), allowed_organisations=(), names=())


def rows(*records, **common) -> pd.DataFrame:
    base = dict(
        document="D",
        respondent="R",
        group="participant",
        method="interview",
        round="2019-01",
        theme="t",
        sub_theme="",
        section="changes",
        text="",
        consent=True,
        source="s",
        theme_label="Changes",
        sub_theme_label="",
        stance="positive",
        source_file="f.csv",
        source_row=2,
    )
    out = []
    for i, record in enumerate(records):
        row = {**base, **common, **record}
        row["excerpt_id"] = f"x{i}"
        row.setdefault("document", f"D{i}")
        out.append(row)
    return pd.DataFrame.from_records(out, columns=EXCERPT_COLUMNS)


def small_groups() -> pd.DataFrame:
    """Three participants, one co-ordinator (a group of 1), two Beneficiary Ambassadors (a group of 2)."""
    return rows(
        {"respondent": "P1", "text": "I changed how I run assessments."},
        {"respondent": "P2", "text": "I ask about trauma more gently now."},
        {"respondent": "P3", "text": "We refer to the housing team sooner.", "stance": "critical"},
        {"respondent": "C1", "group": "co-ordinator", "text": "Bookings grew every quarter."},
        {"respondent": "B1", "group": "Beneficiary Ambassador", "text": "People listened to lived experience."},
        {"respondent": "B2", "group": "Beneficiary Ambassador", "text": "The panel changed the agenda.", "stance": "critical"},
    )


def footers(html: str) -> list[str]:
    return re.findall(r"<footer>&#8212; (.*?)</footer>", html)


# --------------------------------------------------------------------------- attribution


def test_a_group_of_one_and_a_group_of_two_are_named_only_as_the_wider_group_they_make_together():
    html = quotes.section_quotes_html(small_groups(), BOOK, "changes", per_theme=10)
    signed = footers(html)
    assert len(signed) == 6
    assert "interview, participant" in signed
    assert not any("co-ordinator" in s or "Ambassador" in s for s in signed)
    # two ambassadors are too few for "Steering Group member"; with the co-ordinator they make 3
    assert signed.count("interview, PDU staff or Steering Group") == 3
    alone = quotes.section_quotes_html(small_groups().drop(index=[4, 5]), BOOK, "changes", per_theme=10)
    assert footers(alone).count("interview") == 1  # the co-ordinator alone: the method only


def test_a_wider_group_is_named_only_when_it_has_three_people():
    labels = themes.safe_group_labels(small_groups().iloc[[0, 1, 2, 3]])  # the co-ordinator alone
    assert labels["co-ordinator"] == ""
    with_sg = pd.concat([small_groups(), rows({"respondent": "S1", "group": "Steering Group member", "text": "x"})])
    labels = themes.safe_group_labels(with_sg)
    assert labels["Beneficiary Ambassador"] == "Steering Group member"  # 2 ambassadors + 1 member = 3
    assert labels["co-ordinator"] == "PDU staff or Steering Group"
    assert labels["Steering Group member"] == "PDU staff or Steering Group"  # one member: never named alone


def test_group_sizes_count_people_in_the_period_not_excerpts_and_not_review_sessions():
    data = pd.concat(
        [
            small_groups(),
            rows(
                {"respondent": "C1", "group": "co-ordinator", "text": "again"},
                {"respondent": "EC", "group": "Expert Citizens", "method": "review", "text": "r"},
            ),
        ]
    )
    assert themes.group_sizes(data) == {"Beneficiary Ambassador": 2, "co-ordinator": 1, "participant": 3}
    assert themes.safe_group_labels(data)["Expert Citizens"] == "Expert Citizens"


def test_render_without_labels_can_only_name_fewer_groups():
    published = small_groups()
    only_two_participants = published.iloc[[0, 1]]
    assert footers(quotes.render_excerpts_html(only_two_participants)) == ["interview", "interview"]


def test_theme_table_and_sources_follow_the_same_rule():
    table = themes.theme_table(small_groups(), "changes")
    assert not table["group"].isin(["co-ordinator", "Beneficiary Ambassador"]).any()
    assert dict(zip(table["group"], table["people"])) == {"participant": 3, "PDU staff or Steering Group": 3}
    alone = themes.theme_table(small_groups().drop(index=[4, 5]), "changes").set_index("group")
    assert alone.loc["other respondents", "suppressed"] and pd.isna(alone.loc["other respondents", "people"])
    merged = themes.merge_small_groups({"participant": 16, "Beneficiary Ambassador": 2, "co-ordinator": 1})
    assert merged == {"participant": 16, "PDU staff or Steering Group": 3}
    assert themes.merge_small_groups({"participant": 16, "co-ordinator": 1}) == {"participant": 16, "other": 1}


def test_theme_table_shown_counts_reviews_as_reviews():
    data = pd.concat([small_groups(), rows({"respondent": "EC", "group": "Expert Citizens", "method": "review", "text": "r"})])
    shown = quotes.theme_table_shown(data, "changes").set_index("Respondent group")["Number"]
    assert shown["Expert Citizens"] == "1 review" and shown["participant"] == "3 people"
    assert shown["PDU staff or Steering Group"] == "3 people"
    one = quotes.theme_table_shown(
        rows({"respondent": "P1"}, {"respondent": "P2", "theme_label": "Other"}, {"respondent": "P3", "theme_label": "Other"}), "changes"
    )
    assert one["Number"].tolist() == ["fewer than 3", "fewer than 3"], "a named group's cell under 3 people never shows its count"


# --------------------------------------------------------------------------- curation


def many_answers() -> pd.DataFrame:
    texts = [
        ("I use the toolkit weekly.", "positive"),
        ("I use the toolkit weekly.", "positive"),
        ("Not yet.", "neutral"),
        ("Too early to say.", "neutral"),
        ("Nothing specific so far.", "neutral"),
        ("Better at referrals.", "positive"),
        ("More confident with clients.", "positive"),
        ("My manager would not let me change anything.", "critical"),
        ("Some of it, not all.", "mixed"),
        ("Shared it with my team.", "positive"),
    ]
    return rows(*({"respondent": f"P{i}", "text": t, "stance": s, "method": "follow-up survey"} for i, (t, s) in enumerate(texts)))


def test_at_most_n_quotes_per_theme_keeping_disagreeing_views():
    chosen, counts = quotes.curate(many_answers())
    assert len(chosen) == 3
    assert set(chosen["stance"]) == {"critical", "positive", "mixed"}
    assert counts.to_dict("records") == [{"theme": "Changes", "quotes": 6, "shown": 3, "non_answers": 3}]
    assert len(quotes.curate(many_answers(), per_theme=5)[0]) == 5


def test_curation_is_deterministic_and_does_not_depend_on_row_order_within_a_stance_choice():
    first = quotes.curate(many_answers())[0]["text"].tolist()
    assert quotes.curate(many_answers())[0]["text"].tolist() == first
    assert first == ["My manager would not let me change anything.", "I use the toolkit weekly.", "Some of it, not all."]


def test_duplicates_shown_once_and_non_answers_counted_not_quoted():
    html = quotes.render_excerpts_html(many_answers(), per_theme=None)
    assert html.count("I use the toolkit weekly.") == 1
    for non_answer in ["Not yet.", "Too early to say.", "Nothing specific so far."]:
        assert non_answer not in html
    assert "3 answers that gave no view yet" in html
    three = quotes.render_excerpts_html(many_answers())
    assert "3 more quotes on this theme not shown" in three


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Not yet.", True),
        ("N/A", True),
        ("too soon to tell", True),
        ("Don't know", True),
        ("No.", True),
        ("", True),
        ("Not yet, but my manager agreed.", False),
        ("No waiting lists now.", False),
    ],
)
def test_non_answers(text, expected):
    assert quotes.is_non_answer(text) is expected


def test_section_quotes_html_quotes_only_publishable_excerpts():
    data = pd.concat([small_groups(), rows({"respondent": "P4", "text": "Withheld words here.", "consent": False})])
    html = quotes.section_quotes_html(data, BOOK, "changes", per_theme=10)
    assert "Withheld words" not in html


# --------------------------------------------------------------------------- disclosure by content


def test_a_source_marked_do_not_quote_is_counted_but_never_quoted():
    from pdu_lib.inputs.dataset import load_dataset

    final = load_dataset(None, "final")
    coordinator = final.excerpts.loc[final.excerpts["group"] == "co-ordinator"]
    assert len(coordinator) and set(coordinator["disclosure"]) == {"do not quote"}
    shown = quotes.publishable(final.excerpts, final.codebook)
    assert not shown["text"].str.contains("I pick topics").any()
    review = quotes.publication_review(final.excerpts, final.codebook)
    assert review.loc[review["group"] == "co-ordinator", "withheld_reason"].str.contains("identify the speaker").all()


def test_a_source_marked_method_only_is_attributed_to_the_method_alone():
    from pdu_lib.inputs.dataset import load_dataset

    final = load_dataset(None, "final")
    facilitators = quotes.publishable(final.excerpts, final.codebook).query("group == 'facilitator'")
    assert len(facilitators)
    assert {quotes.attribution(row) for row in facilitators.to_dict("records")} == {"interview"}


def test_an_unknown_disclosure_names_the_file_row_and_column(sample_copy):
    from pdu_lib.errors import InputError
    from pdu_lib.inputs.excerpts import load_documents

    path = sample_copy / "excerpts" / "documents.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + "secret"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_documents(path, "excerpts/documents.csv")
    assert "disclosure" in str(caught.value) and "row 4" in str(caught.value)
