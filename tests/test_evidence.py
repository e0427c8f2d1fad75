"""What people said, laid out for a section: theme tables, quotes and the Expert Citizens' review as prose."""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest

from pdu_lib.inputs.dataset import _load, load_dataset
from pdu_lib.present import evidence, wording
from pdu_lib.present.prose import Prose


@pytest.fixture(scope="module")
def final():
    return load_dataset(None, "final")


def _text(pieces):
    return " ".join(p.text if isinstance(p, Prose) else p.data for p in pieces)


def test_the_review_is_prose_naming_each_session_that_discussed_the_section(final):
    pieces = evidence.expert_citizens_review(final, "changes")
    text = _text(pieces)
    for review in final.reviews.itertuples():
        assert f"At their review in {review.date:%B %Y}, the {wording.count_words(int(review.present))} Expert Citizens" in text
    points = evidence.review_points(final.excerpts, "changes", final.codebook)
    assert len(points) and all(finding in text for finding in points["finding"])
    assert "pdu-excerpt" in pieces[-1].data  # their own words follow the prose


def test_the_review_reads_as_the_evaluators_sentences_not_label_and_fragment(final):
    for section in ("learning", "links", "involvement", "changes", "outcomes"):
        text = _text(evidence.expert_citizens_review(final, section))
        assert "noted:" not in text and "With a caution:" not in text, section
        for label in evidence.review_points(final.excerpts, section, final.codebook)["point"]:
            assert label not in text, (section, label)  # the codebook's label is a code, not the evaluator's sentence


def test_a_point_without_the_codebooks_wording_is_named_in_a_whole_sentence(final):
    points = evidence.review_points(final.excerpts, "outcomes", final.codebook).assign(finding="")
    text = evidence.review_paragraph("February 2019", 3, points).text
    assert text.startswith("At their review in February 2019, the three Expert Citizens spoke about what they called")
    assert text.endswith(".") and ": " not in text


def test_the_interim_review_leaves_out_a_later_session():
    interim = load_dataset(None, "interim")
    text = _text(evidence.expert_citizens_review(interim, "changes"))
    later = load_dataset(None, "final").reviews["date"].max()
    assert f"{later:%B %Y}" not in text


def test_a_section_the_review_did_not_discuss_shows_nothing_for_it(final):
    assert evidence.expert_citizens_review(final, "diversity") == []


def test_a_quote_of_an_earlier_section_is_not_shown_again(final):
    from pdu_lib.present import quotes

    learning = evidence.section_quotes(final, "learning").data
    moved = final.excerpts.copy()
    # a variant: a quote of the learning section is also coded to a theme of the sharing section
    row = moved.loc[(moved["section"] == "learning") & (moved["method"] != "review") & moved["consent"].astype(bool)].iloc[[0]]
    sharing_theme = moved.loc[moved["section"] == "sharing"].iloc[0]
    copy = row.assign(section="sharing", theme=sharing_theme["theme"], theme_label=sharing_theme["theme_label"])
    variant = dataclasses.replace(final, excerpts=pd.concat([moved, copy], ignore_index=True))
    text = str(quotes.publishable(copy, final.codebook)["text"].iloc[0])
    assert quotes._paragraphs(text) in evidence.section_quotes(variant, "learning").data
    assert quotes._paragraphs(text) not in evidence.section_quotes(variant, "sharing").data
    assert learning


def test_quotes_can_be_chosen_by_theme(final):
    improvements = evidence.section_quotes(final, "effectiveness", only_themes=["improvements"]).data
    rest = evidence.section_quotes(final, "effectiveness", without_themes=["improvements", "next_steps"]).data
    assert "Suggested improvements" in improvements and "Suggested improvements" not in rest
    assert "Expert Citizens review" not in evidence.section_quotes(final, "changes").data  # shown beside the review instead


def test_views_table_counts_people_not_excerpts(final):
    table = evidence.views_table(final, "involvement")
    spoke = final.excerpts.loc[
        (final.excerpts["section"] == "involvement") & (final.excerpts["method"] != "review"), "respondent"
    ].nunique()
    assert f">{spoke}<" in table.html


def test_without_coded_evidence_every_piece_says_so(sample_copy):
    (sample_copy / "codebook.yml").unlink()
    shutil.rmtree(sample_copy / "excerpts")
    ds = _load(sample_copy, "final")
    for piece in (
        evidence.theme_table(ds, "links"),
        evidence.section_quotes(ds, "links"),
        evidence.views_table(ds, "involvement"),
        *evidence.expert_citizens_review(ds, "links"),
    ):
        assert evidence.NO_EVIDENCE in piece.text
