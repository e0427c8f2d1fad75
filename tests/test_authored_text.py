"""The checks on the evaluator's own text: no typed quantity words, no source of evidence the period lacks."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pdu_lib import config
from pdu_lib.analysis.figures import figure_map
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.present.section_tables import EVIDENCE_SOURCES, sources_lacking
from pdu_lib.report import authored_text


def _dataset(data_dir: Path, report: str):
    return load_dataset(data_dir, report)


def _drop_tags(ds, data_dir: Path) -> list[str]:
    return authored_text.drop_tags_for(ds, [n for n in config.load_reports(data_dir) if n != ds.period.name])


def _notebook_with(tmp_path: Path, *cells) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A section"), *cells])
    path = tmp_path / "99_variant.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("report", ["interim", "final"])
def test_every_section_of_the_sample_passes_both_checks(report):
    ds = _dataset(config.SAMPLE_DATA_DIR, report)
    drop, lacking, figures = _drop_tags(ds, config.SAMPLE_DATA_DIR), sources_lacking(ds), figure_map(ds)
    problems = [
        p for s in config.SECTIONS for p in authored_text.section_problems(config.NOTEBOOKS_DIR / s.notebook, drop, lacking, figures)
    ]
    assert problems == []


def test_the_lint_catches_a_typed_most_in_markdown_naming_notebook_and_cell(tmp_path):
    path = _notebook_with(tmp_path, nbformat.v4.new_markdown_cell("Most were very positive about the events."))
    problems = authored_text.section_problems(path, [], [])
    assert len(problems) == 1
    assert "notebooks/99_variant.ipynb" in problems[0] and "markdown cell 2" in problems[0] and "'most'" in problems[0]


@pytest.mark.parametrize(
    "text", ["The majority agreed.", "Almost all came back.", "A large share of respondents", "Few said so.", "Half of them"]
)
def test_the_lint_finds_each_kind_of_quantity_word(tmp_path, text):
    assert authored_text.section_problems(_notebook_with(tmp_path, nbformat.v4.new_markdown_cell(text)), [], [])


def test_a_checked_claim_passes_the_lint_and_is_listed_for_the_appendix(tmp_path):
    cell = nbformat.v4.new_markdown_cell("Almost everyone interviewed valued the mix.", metadata={"tags": [authored_text.CHECKED_CLAIM]})
    path = _notebook_with(tmp_path, cell)
    assert authored_text.section_problems(path, [], []) == []
    listed = authored_text.checked_claims([path])
    assert listed.to_dict("records") == [{"Section": "A section", "Passage": "Almost everyone interviewed valued the mix."}]
    assert authored_text.checked_claims([path], drop_tags=["final"]).shape[0] == 1


def test_a_figure_in_a_prose_cell_is_not_a_typed_quantity(tmp_path):
    cell = nbformat.v4.new_code_cell("%%prose\n{made_contact:Words} of respondents made contact.")
    assert authored_text.section_problems(_notebook_with(tmp_path, cell), [], []) == []


@pytest.fixture
def without_steering_group(sample_copy) -> Path:
    """The sample with no Steering Group member interviewed (their interviews removed from interviews.csv)."""
    interviews = pd.read_csv(sample_copy / "interviews.csv", dtype=str)
    kept = interviews.loc[(interviews["steering_group"] != "yes") & (interviews["group"] != "Steering Group member")]
    kept.to_csv(sample_copy / "interviews.csv", index=False)
    return sample_copy


def test_the_claim_check_catches_steering_group_interviews_the_period_lacks(without_steering_group, tmp_path):
    ds = _dataset(without_steering_group, "final")
    lacking = sources_lacking(ds)
    assert "steering-group" in [s.key for s in lacking]
    path = _notebook_with(
        tmp_path,
        nbformat.v4.new_markdown_cell("The PDU's events are free."),
        nbformat.v4.new_markdown_cell("Steering Group members said the events were worthwhile."),
    )
    problems = authored_text.section_problems(path, _drop_tags(ds, without_steering_group), lacking, figure_map(ds))
    assert len(problems) == 1
    assert "notebooks/99_variant.ipynb" in problems[0] and "markdown cell 3" in problems[0] and "Steering Group interviews" in problems[0]


def test_a_passage_tagged_with_the_source_it_needs_is_dropped_where_the_source_is_lacking(without_steering_group, tmp_path):
    ds = _dataset(without_steering_group, "final")
    tagged = nbformat.v4.new_markdown_cell("Steering Group members said so.", metadata={"tags": ["needs-steering-group"]})
    assert (
        authored_text.section_problems(_notebook_with(tmp_path, tagged), _drop_tags(ds, without_steering_group), sources_lacking(ds)) == []
    )


def test_the_interim_sample_lacks_the_sources_that_came_later():
    ds = _dataset(config.SAMPLE_DATA_DIR, "interim")
    assert {s.key for s in sources_lacking(ds)} == {"steering-group", "facilitators", "second-review", "second-round"}
    assert {s.key for s in sources_lacking(_dataset(config.SAMPLE_DATA_DIR, "final"))} == set()


def test_every_source_has_words_that_name_it():
    assert len({s.key for s in EVIDENCE_SOURCES}) == len(EVIDENCE_SOURCES)
    examples = {
        "steering-group": "Steering Group members felt",
        "facilitators": "event facilitators said",
        "review": "the Expert Citizens judged",
        "second-review": "at their second review",
        "follow-up": "follow-up survey respondents",
        "second-round": "in the second round",
    }
    assert all(source.named_in(examples[source.key]) for source in EVIDENCE_SOURCES)


@pytest.fixture
def without_reviews(sample_copy) -> Path:
    """The sample whose Expert Citizens reviews all fall after every report's period (no review in any period)."""
    (sample_copy / "expert_citizens_reviews.csv").write_text("date,present\n2020-06-01,6\n")
    shutil.rmtree(sample_copy / "expert_citizens")
    documents = pd.read_csv(sample_copy / "excerpts" / "documents.csv", dtype=str, keep_default_na=False)
    documents.loc[documents["method"] == "review", "round"] = "2020-06"
    documents.to_csv(sample_copy / "excerpts" / "documents.csv", index=False)
    return sample_copy


@pytest.mark.parametrize("report", ["interim", "final"])
def test_a_period_with_no_review_drops_the_review_passages(without_reviews, report):
    ds = _dataset(without_reviews, report)
    drop = _drop_tags(ds, without_reviews)
    assert "needs-review" in drop
    sections = [s for s in config.SECTIONS if s.key in {"learning", "links", "involvement", "changes", "outcomes"}]
    problems = [
        p
        for s in sections
        for p in authored_text.section_problems(config.NOTEBOOKS_DIR / s.notebook, drop, sources_lacking(ds), figure_map(ds))
    ]
    assert problems == []


def test_a_period_with_no_review_renders_without_one(without_reviews, tmp_path):
    from pdu_lib.report import render

    (result,) = render.render_reports(["interim"], data_dir=without_reviews, out_dir=tmp_path / "out", jobs=1, sections=["involvement"])
    assert result.ok, [r.error for r in result.sections if not r.ok]
    page = next((tmp_path / "out" / "interim" / "sections").glob("*service_user_involvement.html")).read_text()
    assert "Expert Citizens&#x27; view" not in page and "Expert Citizens' view" not in page and "Expert Citizens review" not in page
