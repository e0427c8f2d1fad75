"""What people said, laid out for a section: theme tables, quotes and the Expert Citizens' review as prose."""

from __future__ import annotations

import shutil

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
        assert f"{review.date:%B %Y}" in text and f"the {wording.count_words(int(review.present))} Expert Citizens" in text
    points = evidence.review_points(final.excerpts, "changes")
    assert len(points) and all(point.lower() in text.lower() for point in points["point"])
    assert "pdu-excerpt" in pieces[-1].data  # their own words follow the prose


def test_a_critical_point_is_worded_as_a_caution(final):
    points = evidence.review_points(final.excerpts, "outcomes")
    critical = points.loc[points["stance"] == "critical", "point"]
    assert len(critical)
    assert f"With a caution: {critical.iloc[0][:1].lower()}" in _text(evidence.expert_citizens_review(final, "outcomes"))


def test_the_interim_review_leaves_out_a_later_session():
    interim = load_dataset(None, "interim")
    text = _text(evidence.expert_citizens_review(interim, "changes"))
    later = load_dataset(None, "final").reviews["date"].max()
    assert f"{later:%B %Y}" not in text


def test_a_section_the_review_did_not_discuss_says_so(final):
    [only] = evidence.expert_citizens_review(final, "diversity")
    assert "do not bear on this section" in only.text


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
